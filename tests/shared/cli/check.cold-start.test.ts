// Case 6 of issue 11 through a real Prometheus: a launch degradation (97 % → 30 % over
// an hour, demand ~16/min, sessions 25 min) backfilled with promtool so that "now" is
// 150 min after its onset (the trailing two-hour baseline is all fault: a stricter
// version of the 90 min), and `binderwatch check trafficVsPods` run with a
// fresh state store. With no remembered model it must learn normal from the day
// Prometheus keeps, not from the last two hours.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { formatScenario } from '../../../shared/scenario/openmetrics.ts';
import { stackAvailable } from '../../helpers/stack.ts';
import { runCli } from '../../helpers/cli.ts';
import { simulateTraffic, MIN } from '../../helpers/traffic.ts';

const HISTORY_MIN = 24 * 60;
const ONSET_MIN = HISTORY_MIN - 150;

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('binderwatch check trafficVsPods after a cold start mid-incident', () => {
  let prometheus: PrometheusServer;
  let dir: string;
  beforeAll(async () => {
    // The series end at the current minute: `check` runs at the wall clock.
    const end = Math.floor(Date.now() / MIN) * MIN;
    const start = end - HISTORY_MIN * MIN;
    const sim = simulateTraffic({
      minutes: HISTORY_MIN + 1,
      W: 25,
      seed: 6,
      demand: (m) => 16 + 2 * Math.sin((2 * Math.PI * m) / 1440),
      success: (m) => (m < ONSET_MIN ? 0.97 : Math.max(0.3, 0.97 - (0.67 * (m - ONSET_MIN)) / 60)),
    });
    const shift = (s: { t: number; v: number }[]) => s.map((x, i) => ({ t: start + i * MIN, v: x.v }));
    const om = formatScenario({
      series: [
        { metric: 'binderwatch_demand', labels: {}, samples: shift(sim.demand) },
        { metric: 'binderwatch_running_user_pods', labels: {}, samples: shift(sim.pods) },
      ],
    });
    prometheus = await startPrometheus({ openMetricsText: om });
    dir = await mkdtemp(join(tmpdir(), 'binderwatch-cold-'));
    await writeFile(
      join(dir, 'binderwatch.yaml'),
      [
        'sources:',
        `  prometheus: { url: "${prometheus.url}" }`,
        'checks:',
        '  trafficVsPods:',
        '    demand: { source: promql, query: "sum(binderwatch_demand)" }',
        '    podsQuery: "sum(binderwatch_running_user_pods)"',
        'alerting:',
        `  state: { type: file, dir: "${join(dir, 'state')}" }`,
        '',
      ].join('\n'),
    );
  }, 120_000);
  afterAll(async () => {
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sees the shortfall on its first run and fires on its second', async () => {
    const config = join(dir, 'binderwatch.yaml');
    const first = await runCli(['check', 'trafficVsPods', '--config', config, '--json']);
    const findings = JSON.parse(first.stdout) as { key: string; status: string; summary: string }[];
    const levelling = findings.find((f) => f.key === 'trafficVsPods:levelling-off')!;
    expect(levelling.status, levelling.summary).toBe('problem');
    expect(levelling.summary).toMatch(/expected ~\d+ running pods, observed \d+/);
    expect(first.code).toBe(1);
    const second = await runCli(['check', 'trafficVsPods', '--config', config]);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/^PROBLEM\s+critical\s+trafficVsPods:levelling-off/m);
    expect(second.stderr).toMatch(/"state":"firing"/);
  }, 60_000);
});
