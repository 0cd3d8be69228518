// Synthetic traffic for detector tests: Poisson arrivals that launch with a given
// success, exponential sessions — a small M/M/∞ queue, seeded.
import type { Series } from '../../shared/model.ts';

export const MIN = 60_000;
export const T0 = Date.UTC(2018, 0, 18, 0, 0);

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function poisson(lambda: number, r: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(r)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}

export interface TrafficSpec {
  minutes: number;
  /** Arrivals per minute at minute m. */
  demand: (m: number) => number;
  /** Launch success at minute m. */
  success?: (m: number) => number;
  /** Mean session minutes. */
  W?: number;
  seed?: number;
  /** Pods to start with (at equilibrium by default). */
  p0?: number;
}

export function simulateTraffic(spec: TrafficSpec): { demand: Series; pods: Series } {
  const r = rng(spec.seed ?? 1);
  const W = spec.W ?? 45;
  const success = spec.success ?? (() => 0.95);
  let p = spec.p0 ?? Math.round(spec.demand(0) * success(0) * W);
  const demand: Series = [];
  const pods: Series = [];
  for (let m = 0; m < spec.minutes; m++) {
    const arrivals = poisson(spec.demand(m), r);
    let launched = 0;
    for (let i = 0; i < arrivals; i++) if (r() < success(m)) launched++;
    let departed = 0;
    for (let i = 0; i < p; i++) if (r() < 1 - Math.exp(-1 / W)) departed++;
    p = p + launched - departed;
    demand.push({ t: T0 + m * MIN, v: arrivals });
    pods.push({ t: T0 + m * MIN, v: p });
  }
  return { demand, pods };
}
