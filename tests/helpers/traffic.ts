// Synthetic traffic for detector tests: Poisson arrivals that launch with a given
// success, exponential sessions — a small M/M/∞ queue, seeded — and, if asked, a
// culler that removes ended sessions only every few minutes.
import type { Series } from '../../shared/model.ts';
import { Rng } from '../../infra/rng.ts';

export const MIN = 60_000;
export const T0 = Date.UTC(2018, 0, 18, 0, 0);

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
  const rng = new Rng(spec.seed ?? 1);
  const W = typeof spec.W === 'function' ? spec.W : () => (spec.W as number | undefined) ?? 45;
  const success = spec.success ?? (() => 0.95);
  let p = spec.p0 ?? Math.round(spec.demand(0) * success(0) * W(0));
  let idle = 0;
  const demand: Series = [];
  const pods: Series = [];
  for (let m = 0; m < spec.minutes; m++) {
    const arrivals = rng.poisson(spec.demand(m));
    let launched = 0;
    for (let i = 0; i < arrivals; i++) if (rng.bernoulli(success(m))) launched++;
    let departed = 0;
    for (let i = 0; i < p; i++) if (rng.bernoulli(1 - Math.exp(-1 / W(m)))) departed++;
    p = p + launched - departed;
    idle = spec.cullEveryMin && m % spec.cullEveryMin !== 0 ? idle + departed : 0;
    demand.push({ t: T0 + m * MIN, v: arrivals });
    pods.push({ t: T0 + m * MIN, v: p + idle });
  }
  return { demand, pods };
}
