// Real Prometheus (Debian `prometheus` + `promtool`): backfill a scenario, read it back
// through the PromQL client, and get the file's values and gaps exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { UpstreamError } from '../../../shared/errors.ts';
import { parseScenario, seriesId, type ScenarioData } from '../../../shared/scenario/openmetrics.ts';
import { scenarioFromPrometheus, scenarioRangeOf } from '../../../shared/scenario/prometheus.ts';
import { promqlClient, type PromqlClient } from '../../../shared/clients/promql.ts';
import { promqlDemand, trafficSource } from '../../../shared/sources/traffic-vs-pods.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const T0 = 1516233600; // 2018-01-18T00:00:00Z, as old as the real scenarios
const MIN = 60_000;
const STEPS = 180; // three hours at 60 s
const inGap = (i: number, gaps: [number, number][]) => gaps.some(([a, b]) => i >= a && i <= b);
const DEMAND_GAPS: [number, number][] = [
  [60, 69], // ten minutes: longer than Prometheus' 5 min lookback
  [100, 102], // three minutes: a range query would paper over it
];
const POD_GAPS: [number, number][] = [[120, 124]];

function scenarioText(): string {
  const lines: string[] = [];
  const family = (name: string, sample: (i: number) => string | undefined) => {
    lines.push(`# TYPE ${name} gauge`);
    for (let i = 0; i <= STEPS; i++) {
      const line = sample(i);
      if (line !== undefined) lines.push(line);
    }
  };
  family('binderwatch_demand', (i) => (inGap(i, DEMAND_GAPS) ? undefined : `binderwatch_demand ${40 + (i % 17) / 4} ${T0 + i * 60}`));
  family('binderwatch_running_user_pods', (i) =>
    inGap(i, POD_GAPS) ? undefined : `binderwatch_running_user_pods ${300 + i} ${T0 + i * 60}`,
  );
  lines.push('# TYPE binderwatch_nodepool_nodes gauge');
  for (let i = 0; i <= STEPS; i++) lines.push(`binderwatch_nodepool_nodes{pool="user"} ${10 + (i % 5)} ${T0 + i * 60}`);
  for (let i = 0; i <= STEPS; i++) lines.push(`binderwatch_nodepool_nodes{pool="core"} 3 ${T0 + i * 60}`);
  family('binderwatch_pod_crashlooping', (i) =>
    i >= 30 && i <= 90
      ? `binderwatch_pod_crashlooping{namespace="kube-system",pod="fluentd-gcp-v2.0.9-x7k2p",node="gke-prod-a-ssd-pool-972e4826-2fhq",owner="DaemonSet/fluentd-gcp-v2.0.9"} 1 ${T0 + i * 60}`
      : undefined,
  );
  // Probe results land off the step grid, at probe times only.
  family('binderwatch_launch_probe_ok', (i) =>
    i % 10 === 0 && i < STEPS
      ? `binderwatch_launch_probe_ok{repo="gh/binder-examples/requirements/HEAD"} ${i % 30 === 0 ? 0 : 1} ${T0 + i * 60 + 37.5}`
      : undefined,
  );
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

const sorted = (data: ScenarioData): ScenarioData => ({
  ...data,
  series: [...data.series].sort((a, b) => (seriesId(a.metric, a.labels) < seriesId(b.metric, b.labels) ? -1 : 1)),
});

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('Prometheus with a backfilled scenario', () => {
  const text = scenarioText();
  const file = parseScenario(text);
  const demandInFile = file.series.find((s) => s.metric === 'binderwatch_demand')!.samples;
  const podsInFile = file.series.find((s) => s.metric === 'binderwatch_running_user_pods')!.samples;
  let prometheus: PrometheusServer;
  let client: PromqlClient;

  beforeAll(async () => {
    prometheus = await startPrometheus({ openMetricsText: text });
    client = promqlClient({ url: prometheus.url, timeoutMs: 10_000 });
  }, 60_000);
  afterAll(async () => prometheus?.stop());

  it('gives back every series of the file with the same values, timestamps and gaps', async () => {
    const fromPrometheus = await scenarioFromPrometheus(client, scenarioRangeOf(file));
    expect(fromPrometheus).toEqual(sorted(file));
    const demand = fromPrometheus.series.find((s) => s.metric === 'binderwatch_demand')!;
    const gapTimes = [T0 + 61 * 60, T0 + 100 * 60, T0 + 102 * 60].map((s) => s * 1000);
    expect(demand.samples.filter((s) => gapTimes.includes(s.t))).toEqual([]);
    expect(demand.samples).toHaveLength(STEPS + 1 - 13);
  });

  it('gives the same scenario when read in many small chunks', async () => {
    const fromPrometheus = await scenarioFromPrometheus(client, { ...scenarioRangeOf(file), maxPointsPerQuery: 7 });
    expect(fromPrometheus).toEqual(sorted(file));
  });

  it('keeps only the file time range when Prometheus holds samples outside it', async () => {
    const range = { ...scenarioRangeOf(file), start: (T0 + 30 * 60) * 1000, end: (T0 + 40 * 60) * 1000 };
    const fromPrometheus = await scenarioFromPrometheus(client, range);
    const nodes = fromPrometheus.series.find((s) => s.metric === 'binderwatch_nodepool_nodes' && s.labels.pool === 'user')!;
    expect(nodes.samples.map((s) => s.t)).toEqual(Array.from({ length: 11 }, (_, k) => (T0 + (30 + k) * 60) * 1000));
  });

  it('fills a short gap when read with a plain range query, which is why scenarios are read raw', async () => {
    const series = await client.range('binderwatch_demand', (T0 + 99 * 60) * 1000, (T0 + 103 * 60) * 1000, MIN);
    const at99 = demandInFile.find((s) => s.t === (T0 + 99 * 60) * 1000)!;
    expect(series[0].samples.find((s) => s.t === (T0 + 101 * 60) * 1000)).toEqual({ t: (T0 + 101 * 60) * 1000, v: at99.v });
  });

  it('range-queries values at each step and leaves gaps as gaps when the lookback is one step', async () => {
    const [series] = await client.range('last_over_time(binderwatch_demand[59s])', T0 * 1000, (T0 + STEPS * 60) * 1000, MIN);
    expect(series.samples).toEqual(demandInFile);
  });

  it('splits a range query of more than 11,000 points and merges the parts', async () => {
    // 4 h at 1 s is 14,401 points: one query would be refused by Prometheus.
    const [series] = await client.range('last_over_time(binderwatch_running_user_pods[999ms])', T0 * 1000, (T0 + 4 * 3600) * 1000, 1000);
    expect(series.samples).toEqual(podsInFile);
  });

  it('answers an instant query with one sample per series at that time', async () => {
    const series = await client.instant('binderwatch_nodepool_nodes', (T0 + 12 * 60) * 1000);
    const byPool = Object.fromEntries(series.map((s) => [s.labels.pool, s.samples]));
    expect(byPool).toEqual({
      user: [{ t: (T0 + 12 * 60) * 1000, v: 12 }],
      core: [{ t: (T0 + 12 * 60) * 1000, v: 3 }],
    });
  });

  it('reports invalid PromQL as a non-retryable UpstreamError carrying Prometheus’ message', async () => {
    const error = await client.instant('sum(', T0 * 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect((error as Error).message).toMatch(/bad_data.*parse error/);
  });

  describe('traffic-vs-pods source', () => {
    const now = (T0 + STEPS * 60) * 1000 + 20_000; // mid-step: the read is aligned down to the step

    it('reads pods and demand over the lookback at the requested step', async () => {
      const live = trafficSource({
        pods: { client, query: 'sum(binderwatch_running_user_pods)' },
        demand: promqlDemand(client, 'sum(binderwatch_demand)'),
      });
      const obs = await live.observe({ now, lookbackMs: 50 * MIN, stepMs: MIN });
      const window = (s: { t: number }) => s.t >= (T0 + 130 * 60) * 1000 && s.t <= (T0 + STEPS * 60) * 1000;
      expect(obs).toEqual({ pods: podsInFile.filter(window), demand: demandInFile.filter(window), stepMs: MIN });
    });

    it('returns an empty series, not zeros, when the query matches nothing', async () => {
      const live = trafficSource({ pods: { client, query: 'sum(no_such_metric)' }, demand: promqlDemand(client, 'no_such_metric') });
      expect(await live.observe({ now, lookbackMs: 30 * MIN, stepMs: MIN })).toEqual({ pods: [], demand: [], stepMs: MIN });
    });

    it('refuses a pods query that returns several series instead of summing them silently', async () => {
      const live = trafficSource({
        pods: { client, query: 'binderwatch_nodepool_nodes' },
        demand: promqlDemand(client, 'sum(binderwatch_demand)'),
      });
      await expect(live.observe({ now, lookbackMs: 30 * MIN, stepMs: MIN })).rejects.toThrow(/returned 2 series.*sum\(/);
    });
  });
});
