// The traffic source's Prometheus reads share one budget per run: a cold start makes six
// range queries (the week-ago hours, the last day, the lookback; pods and demand each), and
// a Prometheus answering each just under the per-answer and per-query caps must not add
// them up past the run's budget. Against a loopback Prometheus that ignores the step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promqlClient } from '../../../shared/clients/promql.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { promqlDemand, trafficSource } from '../../../shared/sources/traffic-vs-pods.ts';
import { startHostilePrometheus, type HostilePrometheus } from '../../../infra/fakes/hostile-prometheus.ts';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 8, 12, 0);
/** A cold start's older ranges: the same hours a week ago, and the last day. */
const COLD: [number, number][] = [
  [NOW - 7 * 24 * 60 * MIN - 120 * MIN, NOW - 7 * 24 * 60 * MIN + 120 * MIN],
  [NOW - 24 * 60 * MIN, NOW - 181 * MIN],
];

describe('one run of the traffic source reads a bounded number of Prometheus samples', () => {
  let prom: HostilePrometheus;
  beforeAll(async () => {
    prom = await startHostilePrometheus(0);
  });
  afterAll(() => prom.close());

  const observe = () => {
    const client = promqlClient({ url: prom.url, timeoutMs: 10_000 });
    const source = trafficSource({ pods: { client, query: 'sum(pods)' }, demand: promqlDemand(client, 'sum(launches)') });
    return source.observe({ now: NOW, lookbackMs: 180 * MIN, stepMs: MIN, historyRanges: COLD });
  };

  it('answers each within the per-answer cap, six times over: refused at the run budget', async () => {
    // 45,000 per answer passes the answer (50,000) and query (100,000) caps; six of them do not fit 200,000.
    prom.samplesPerAnswer = 45_000;
    const before = prom.requests.length;
    await expect(observe()).rejects.toMatchObject({
      name: 'UpstreamError',
      upstream: 'prometheus',
      message: expect.stringContaining(`this run read more than ${LIMITS.prometheusRunSamples} samples`),
    });
    // It stopped at the query that crossed the budget: 45,000 × 5 > 200,000.
    expect(prom.requests.length - before).toBe(Math.ceil((LIMITS.prometheusRunSamples + 1) / 45_000));
  });

  it('a cold start of ordinary size fits: two series of a day and a half of minutes', async () => {
    prom.samplesPerAnswer = 1_500;
    const obs = await observe();
    expect(obs.pods).toHaveLength(1_500);
    expect(obs.history?.pods).toHaveLength(3_000);
  });

  it('each run has a budget of its own', async () => {
    prom.samplesPerAnswer = 30_000;
    // 6 × 30,000 = 180,000 fits; a shared or leaking budget would refuse the second run.
    await observe();
    await expect(observe()).resolves.toMatchObject({ stepMs: MIN });
  });
});
