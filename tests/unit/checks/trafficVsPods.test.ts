import { describe, expect, it } from 'vitest';
import { trafficVsPodsSchema } from '../../../shared/config/schema.ts';
import { detectTrafficVsPods, type TrafficMemory } from '../../../shared/checks/trafficVsPods.ts';
import type { Finding, Series } from '../../../shared/model.ts';
import { MIN, T0, simulateTraffic, type TrafficSpec } from '../../helpers/traffic.ts';

const cfg = trafficVsPodsSchema.parse({});

/** Runs the detector every 2 minutes over the series, as the schedule would, carrying its memory. */
function runOver(series: { demand: Series; pods: Series }, fromMinute = 0, toMinute = series.demand.length - 1) {
  let memory: TrafficMemory | undefined;
  const out: { minute: number; findings: Finding[] }[] = [];
  for (let m = fromMinute; m <= toMinute; m += 2) {
    const now = T0 + m * MIN;
    const visible = (s: Series) => s.filter((x) => x.t <= now);
    const r = detectTrafficVsPods({ demand: visible(series.demand), pods: visible(series.pods), stepMs: MIN }, cfg, now, memory);
    memory = r.memory;
    out.push({ minute: m, findings: r.findings });
  }
  return out;
}

const problems = (runs: ReturnType<typeof runOver>) => runs.filter((r) => r.findings.some((f) => f.status === 'problem')).map((r) => r.minute);
const statusAt = (runs: ReturnType<typeof runOver>, minute: number) => runs.find((r) => r.minute >= minute)!.findings.map((f) => f.status);

describe('trafficVsPods', () => {
  const normal: [string, TrafficSpec][] = [
    ['a long plateau with flat demand', { minutes: 600, demand: () => 8 }],
    ['demand doubling over an hour, pods following', { minutes: 500, demand: (m) => (m < 240 ? 5 : Math.min(10, 5 + ((m - 240) * 5) / 60)) }],
    ['demand falling away, pods falling with it', { minutes: 500, demand: (m) => (m < 240 ? 10 : Math.max(1, 10 - ((m - 240) * 9) / 90)) }],
    ['a diurnal day', { minutes: 1440, demand: (m) => 6 + 4 * Math.sin((2 * Math.PI * m) / 1440) }],
    ['a short launch outage too small to matter (3 min)', { minutes: 500, demand: () => 8, success: (m) => (m >= 300 && m < 303 ? 0 : 0.95) }],
    ['zero demand for hours', { minutes: 400, demand: (m) => (m < 200 ? 3 : 0) }],
  ];
  it.each(normal)('stays quiet on %s', (_name, spec) => {
    for (const seed of [1, 2, 3]) {
      expect(problems(runOver(simulateTraffic({ ...spec, seed })))).toEqual([]);
    }
  });

  it('finds pods levelling off while demand keeps arriving, within minutes of the onset', () => {
    const series = simulateTraffic({ minutes: 400, demand: () => 10, success: (m) => (m >= 240 ? 0.1 : 0.95), seed: 7 });
    const runs = runOver(series);
    const first = problems(runs)[0];
    expect(first).toBeGreaterThanOrEqual(240);
    // At 4σ an 85 % drop in launches at ~9 launches a minute shows within about 7–12 minutes.
    expect(first - 240).toBeLessThanOrEqual(12);
    const f = runs.find((r) => r.minute === first)!.findings[0];
    expect(f.summary).toMatch(/expected ~\d+ running pods, observed \d+/);
    expect(f.summary).toMatch(/implied launch success ≈ \d+ %/);
    expect(f.evidence?.shortfallPods).toBeGreaterThan(0);
    expect(f.runbook.join('\n')).toContain('kubectl get pods --all-namespaces -o wide');
  });

  it('keeps seeing an incident that lasts for hours (the model does not learn the incident)', () => {
    const series = simulateTraffic({ minutes: 600, demand: () => 10, success: (m) => (m >= 240 ? 0.1 : 0.95), seed: 3 });
    const runs = runOver(series);
    for (const m of [300, 400, 500, 598]) expect(statusAt(runs, m)).toContain('problem');
  });

  it('resolves once launches work again', () => {
    const series = simulateTraffic({ minutes: 500, demand: () => 10, success: (m) => (m >= 240 && m < 300 ? 0.1 : 0.95), seed: 5 });
    const runs = runOver(series);
    expect(statusAt(runs, 270)).toContain('problem');
    expect(statusAt(runs, 400)).toEqual(['ok']);
  });

  it('reports unknown, not ok, when demand data stops arriving', () => {
    const series = simulateTraffic({ minutes: 300, demand: () => 8, seed: 2 });
    const demand = series.demand.filter((s) => s.t < T0 + 280 * MIN);
    const r = detectTrafficVsPods({ demand, pods: series.pods, stepMs: MIN }, cfg, T0 + 299 * MIN);
    expect(r.findings.map((f) => [f.key, f.status])).toEqual([['trafficVsPods:source', 'unknown']]);
    expect(r.findings[0].summary).toMatch(/no demand data for 20m/);
  });

  it('reports unknown when the pods series is missing', () => {
    const series = simulateTraffic({ minutes: 300, demand: () => 8, seed: 2 });
    const r = detectTrafficVsPods({ demand: series.demand, pods: [], stepMs: MIN }, cfg, T0 + 299 * MIN);
    expect(r.findings[0]).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/running-pods/) });
  });

  it('rides over short gaps and NaN samples in demand', () => {
    const series = simulateTraffic({ minutes: 500, demand: () => 8, seed: 4 });
    const demand = series.demand
      .filter((s) => !(s.t >= T0 + 200 * MIN && s.t < T0 + 205 * MIN) && !(s.t >= T0 + 400 * MIN && s.t < T0 + 408 * MIN))
      .map((s, i) => (i % 37 === 5 ? { t: s.t, v: NaN } : s));
    const runs = runOver({ demand, pods: series.pods });
    expect(problems(runs)).toEqual([]);
    expect(runs.flatMap((r) => r.findings).some((f) => f.status === 'unknown')).toBe(false);
  });

  it('says nothing while there is not yet enough history to know what normal is', () => {
    const series = simulateTraffic({ minutes: 60, demand: () => 8, seed: 4 });
    const r = detectTrafficVsPods({ ...series, stepMs: MIN }, cfg, T0 + 59 * MIN);
    expect(r.findings).toEqual([]);
  });

  it('handles a single sample without throwing', () => {
    const r = detectTrafficVsPods({ demand: [{ t: T0, v: 5 }], pods: [{ t: T0, v: 100 }], stepMs: MIN }, cfg, T0);
    expect(r.findings).toEqual([]);
  });
});
