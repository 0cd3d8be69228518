import { describe, expect, it } from 'vitest';
import { EXTRA_LAUNCHES } from '../../../shared/detectors/launch-probe.ts';
import { formatScenario, parseScenario } from '../../../shared/scenario/openmetrics.ts';
import { baseSpec, CASES, randomDay, steadyPods } from '../../../infra/scorecard/shapes.ts';
import { MIN, simulateDay, type DaySpec } from '../../../infra/scorecard/simulator.ts';

const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 5, 2, 6);
const REPOS = ['gh/a/b/HEAD', 'gh/c/d/HEAD'];

/** A plain healthy day: flat demand, plenty of room, no gaps, no events. */
function healthy(overrides: Partial<DaySpec> = {}): DaySpec {
  const base = baseSpec(T0, 8 * 60, { repos: REPOS, everyMin: 10, attempts: 2, flake: 0 });
  const fixed = { arrivals: () => 10, userOk: 0.97, sessionMeanMin: 30, sessionSigma: 0.9, gaGapRate: 0, podScrapeGapRate: 0 };
  return { ...base, ...fixed, pool: { ...base.pool, maxNodes: 40 }, culler: { everyMin: 10, idleMin: 10, stuck: [] }, ...overrides };
}

const series = (r: ReturnType<typeof simulateDay>, metric: string) => r.data.series.find((s) => s.metric === metric)!.samples;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the scorecard simulator', () => {
  it('keeps running pods at arrivals × success × (session + culling delay) in steady state (Little’s law)', () => {
    const r = simulateDay(healthy(), 11);
    const pods = series(r, 'binderwatch_running_user_pods').filter((s) => s.t >= T0 + 2 * HOUR);
    // The culler removes a pod after idleMin, at its next run: on average (everyMin − 1) / 2 min later on a minute grid.
    const expected = 10 * 0.97 * (30 + 10 + 4.5);
    expect(mean(pods.map((s) => s.v))).toBeGreaterThan(expected * 0.95);
    expect(mean(pods.map((s) => s.v))).toBeLessThan(expected * 1.05);
    expect(steadyPods(10, 0.97, 30)).toBeCloseTo(10 * 0.97 * 45, 5);
  });

  it('counts only the launches that work: success 50 % halves the running pods', () => {
    const half = simulateDay(healthy({ platform: () => 0.5 }), 11);
    const full = simulateDay(healthy(), 11);
    const late = (r: ReturnType<typeof simulateDay>) =>
      mean(
        series(r, 'binderwatch_running_user_pods')
          .filter((s) => s.t >= T0 + 2 * HOUR)
          .map((s) => s.v),
      );
    expect(late(half) / late(full)).toBeGreaterThan(0.45);
    expect(late(half) / late(full)).toBeLessThan(0.55);
  });

  it('shows GA as a share of arrivals, with an outage as missing samples, not zeros', () => {
    const outage: [number, number] = [T0 + 2 * HOUR, T0 + 3 * HOUR];
    const r = simulateDay(healthy({ gaOutages: [outage] }), 5);
    const demand = series(r, 'binderwatch_demand');
    expect(demand.filter((s) => s.t >= outage[0] && s.t < outage[1])).toEqual([]);
    expect(demand.length).toBe(180 + 8 * 60 + 1 - 60);
    expect(mean(demand.map((s) => s.v))).toBeGreaterThan(10 * 0.7 * 0.9);
    expect(mean(demand.map((s) => s.v))).toBeLessThan(10 * 0.7 * 1.1);
    // …and the file keeps the hole: parsed back, there is still nothing in the outage.
    const back = parseScenario(formatScenario(r.data)).series.find((s) => s.metric === 'binderwatch_demand')!.samples;
    expect(back.filter((s) => s.t >= outage[0] && s.t < outage[1])).toEqual([]);
    expect(back.length).toBe(demand.length);
  });

  it('lets pods wait only while nodes come (nobody gives up) below the max, and keeps them pending at the max', () => {
    // Demand triples in two hours: the autoscaler must add nodes; with room under the max nobody waits 10 min.
    const surge = (t: number) => (t < T0 + HOUR ? 5 : t < T0 + 3 * HOUR ? 5 + (10 * (t - T0 - HOUR)) / (2 * HOUR) : 15);
    const roomy = simulateDay(healthy({ arrivals: surge }), 3);
    expect(roomy.trace.pending.some((p) => p > 0)).toBe(true);
    expect(roomy.trace.gaveUp.every((g) => g === 0)).toBe(true);
    expect(Math.max(...roomy.trace.nodes)).toBeLessThan(40);
    expect(roomy.truth.incidents).toEqual([]);

    const tight = simulateDay(healthy({ arrivals: surge, pool: { ...healthy().pool, maxNodes: 10 } }), 3);
    const atMax = tight.trace.nodes.map((n) => n >= 10);
    expect(tight.trace.gaveUp.some((g, i) => g > 0 && atMax[i])).toBe(true);
    // Every give-up happens at the max.
    expect(tight.trace.gaveUp.every((g, i) => g === 0 || atMax[i])).toBe(true);
    expect(tight.truth.incidents.map((i) => i.kind).sort()).toEqual(['headroom', 'launch-failure', 'levelling-off']);
  });

  it('reproduces a seed exactly, and another seed gives another day', () => {
    const { spec } = randomDay(17, 99, { probeAttempts: 2 });
    const a = formatScenario(simulateDay(spec, 99 + 17).data);
    const b = formatScenario(randomDayScenario(17, 99));
    expect(b).toBe(a);
    expect(formatScenario(simulateDay(spec, 100).data)).not.toBe(a);
  });

  it('dates the levelling-off and launch-failure truth where platform success crosses 80 %', () => {
    const c = CASES.find((x) => x.name === 'gradual-degradation')!;
    const r = simulateDay(c.shape({ probeAttempts: 2 }).spec, c.seed);
    const onset = Date.UTC(2026, 2, 3, 9);
    // success falls linearly from 1 to 0.3/0.97 over 60 min: below 0.8 after 0.2 / (1 − 0.3/0.97) h.
    const crossing = onset + Math.ceil((0.2 / (1 - 0.3 / 0.97)) * 60) * MIN;
    const kinds = r.truth.incidents.map((i) => [i.kind, i.onset, i.end]);
    expect(kinds).toContainEqual(['levelling-off', new Date(crossing).toISOString(), '2026-03-03T15:00:00.000Z']);
    expect(kinds).toContainEqual(['launch-failure', new Date(crossing).toISOString(), '2026-03-03T15:00:00.000Z']);
  });

  it('puts a crash-looping DaemonSet and another namespace’s pod on the sick node, and deletes the node at the end', () => {
    const sick: [number, number] = [T0 + 2 * HOUR, T0 + 4 * HOUR];
    const r = simulateDay(healthy({ sickNodes: [sick] }), 8);
    const loops = r.data.series.filter((s) => s.metric === 'binderwatch_pod_crashlooping');
    expect(loops.map((s) => s.labels.owner.split('/')[0]).sort()).toEqual(['DaemonSet', 'ReplicaSet']);
    expect(new Set(loops.map((s) => s.labels.node)).size).toBe(1);
    expect(new Set(loops.map((s) => s.labels.namespace)).size).toBe(2);
    const ds = loops.find((s) => s.labels.owner.startsWith('DaemonSet/'))!.samples;
    expect(ds.find((s) => s.v === 1)!.t).toBe(sick[0]);
    expect(ds[ds.length - 1].t).toBe(sick[1] - MIN);
    expect(r.truth.incidents).toEqual([
      { kind: 'sick-node', onset: new Date(sick[0]).toISOString(), end: new Date(sick[1]).toISOString() },
    ]);
  });

  it('fails a probe run only when both attempts fail', () => {
    const probes = (attempts: number) =>
      simulateDay(healthy({ probe: { repos: REPOS, everyMin: 10, attempts, flake: 0.3 } }), 4)
        .data.series.filter((s) => s.metric === 'binderwatch_launch_probe_ok')
        .flatMap((s) => s.samples);
    const failed = (xs: { v: number }[]) => xs.filter((x) => x.v === 0).length / xs.length;
    expect(failed(probes(1))).toBeGreaterThan(0.2);
    expect(failed(probes(1))).toBeLessThan(0.4);
    expect(failed(probes(2))).toBeGreaterThan(0.04);
    expect(failed(probes(2))).toBeLessThan(0.15);
    // Probe results are at probe times only (every 10 min on the clock).
    expect(probes(2).every((s) => s.t % (10 * MIN) === 0)).toBe(true);
  });

  it('draws the extra launches adaptive probing may ask for, per repo and attempt, at every probe run', () => {
    const day = simulateDay(healthy({ probe: { repos: REPOS, everyMin: 10, attempts: 2, flake: 0.3 } }), 4).data.series;
    const runs = day.filter((s) => s.metric === 'binderwatch_launch_probe_ok');
    const extras = day.filter((s) => s.metric === 'binderwatch_launch_probe_extra_ok');
    expect(extras.map((s) => [s.labels.repo, s.labels.attempt]).sort()).toEqual(
      REPOS.flatMap((r) => Array.from({ length: EXTRA_LAUNCHES }, (_, i) => [r, String(i + 1)])).sort(),
    );
    for (const s of extras) expect(s.samples.map((x) => x.t)).toEqual(runs[0].samples.map((x) => x.t));
    // Each is one launch: it fails as often as one attempt does.
    const failed = extras.flatMap((s) => s.samples).filter((x) => x.v === 0).length / extras.flatMap((s) => s.samples).length;
    expect(failed).toBeGreaterThan(0.2);
    expect(failed).toBeLessThan(0.4);
  });
});

function randomDayScenario(index: number, seed: number) {
  return simulateDay(randomDay(index, seed, { probeAttempts: 2 }).spec, seed + index).data;
}

describe('paired days', () => {
  it('keeps the cluster’s day when only the probe’s attempts change', () => {
    const { spec } = randomDay(3, 99, { probeAttempts: 1 });
    const one = simulateDay(spec, 5);
    const two = simulateDay({ ...spec, probe: { ...spec.probe, attempts: 2 } }, 5);
    const without = (r: ReturnType<typeof simulateDay>) => r.data.series.filter((s) => s.metric !== 'binderwatch_launch_probe_ok');
    expect(without(two)).toEqual(without(one));
    expect(two.truth).toEqual(one.truth);
  });
});
