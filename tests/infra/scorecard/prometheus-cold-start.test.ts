// The scorecard's cold start through a real Prometheus: the simulated day backfilled
// with promtool and read back through PromQL gives the detectors the same history before
// the cold start, so the cold replay alerts exactly as it does in memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { formatScenario } from '../../../shared/scenario/openmetrics.ts';
import { promqlClient } from '../../../shared/clients/promql.ts';
import { scenarioFromPrometheus, scenarioRangeOf } from '../../../shared/scenario/prometheus.ts';
import { CASES } from '../../../infra/scorecard/shapes.ts';
import { defaultReplayConfig, replayFrom } from '../../../infra/scorecard/score-day.ts';
import { MIN, simulateDay } from '../../../infra/scorecard/simulator.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const cold = CASES.find((c) => c.name === 'cold-start-mid-incident')!;
const { data } = simulateDay(cold.shape({ probeAttempts: 2 }).spec, cold.seed);

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('the cold-start case through Prometheus', () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus({ openMetricsText: formatScenario(data) });
  });
  afterAll(async () => prometheus?.stop());

  it('alerts from the cold start on exactly as the in-memory replay, history before it included', async () => {
    const firstSample = Math.min(...data.series.map((s) => s.samples[0].t));
    expect(firstSample).toBeLessThan(cold.coldStartAt! - 4 * 60 * MIN);
    const fromPrometheus = await scenarioFromPrometheus(promqlClient({ url: prometheus.url }), {
      ...scenarioRangeOf(data),
      start: firstSample,
    });
    const until = cold.coldStartAt! + 60 * MIN;
    const config = defaultReplayConfig();
    const inMemory = await replayFrom(data, config, cold.coldStartAt!, until);
    const throughPromql = await replayFrom(fromPrometheus, config, cold.coldStartAt!, until);
    expect(inMemory.some((a) => a.state === 'firing')).toBe(true);
    expect(throughPromql).toEqual(inMemory);
  });
});
