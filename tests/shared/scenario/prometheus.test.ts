// The replay reading every series back through PromQL from a real Prometheus
// (backfilled with promtool) gives the same alerts as the in-memory replay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { stackAvailable } from '../../helpers/stack.ts';
import { runCli } from '../../helpers/cli.ts';

const SCENARIO = 'infra/scenarios/mybinder-2018-01-18.om';

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('replay --prometheus', () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus({ scenarioFile: SCENARIO });
  });
  afterAll(async () => prometheus?.stop());

  it('gives the same alert lines for the 2018-01-18 reconstruction as the in-memory replay', async () => {
    const fromFile = await runCli(['replay', SCENARIO, '--format', 'jsonl']);
    const fromPrometheus = await runCli(['replay', SCENARIO, '--format', 'jsonl', '--prometheus', prometheus.url]);
    expect(fromFile.code).toBe(0);
    expect(fromPrometheus.code).toBe(0);
    const lines = fromFile.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(fromPrometheus.stdout).toBe(fromFile.stdout);
  });
});
