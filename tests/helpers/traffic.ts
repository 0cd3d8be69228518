// Synthetic traffic for detector tests: Poisson arrivals that launch with a given
// success, exponential sessions — a small M/M/∞ queue, seeded — and, if asked, a
// culler that removes ended sessions only every few minutes.
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
  /** Mean session minutes (at minute m, when a function: a culler that gets stuck or is restarted). */
  W?: number | ((m: number) => number);
  /** Ended sessions keep their pod until the culler's next run, every this many minutes: the sawtooth of z2jh's cull.every. Default: gone at once. */
  cullEveryMin?: number;
  seed?: number;
  /** Pods to start with (at equilibrium by default). */
  p0?: number;
}

export function simulateTraffic(spec: TrafficSpec): { demand: Series; pods: Series } {
  const r = rng(spec.seed ?? 1);
  const W = typeof spec.W === 'function' ? spec.W : () => (spec.W as number | undefined) ?? 45;
  const success = spec.success ?? (() => 0.95);
  let p = spec.p0 ?? Math.round(spec.demand(0) * success(0) * W(0));
  let idle = 0;
  const demand: Series = [];
  const pods: Series = [];
  for (let m = 0; m < spec.minutes; m++) {
    const arrivals = poisson(spec.demand(m), r);
    let launched = 0;
    for (let i = 0; i < arrivals; i++) if (r() < success(m)) launched++;
    let departed = 0;
    for (let i = 0; i < p; i++) if (r() < 1 - Math.exp(-1 / W(m))) departed++;
    p = p + launched - departed;
    idle = spec.cullEveryMin && m % spec.cullEveryMin !== 0 ? idle + departed : 0;
    demand.push({ t: T0 + m * MIN, v: arrivals });
    pods.push({ t: T0 + m * MIN, v: p + idle });
  }
  return { demand, pods };
}
