// Synthetic traffic for detector tests: Poisson arrivals that launch with a given
// success, exponential sessions — a small M/M/∞ queue, seeded.
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
  /** Mean session minutes. */
  W?: number;
  seed?: number;
  /** Pods to start with (at equilibrium by default). */
  p0?: number;
}

export function simulateTraffic(spec: TrafficSpec): { demand: Series; pods: Series } {
  const rng = new Rng(spec.seed ?? 1);
  const W = spec.W ?? 45;
  const success = spec.success ?? (() => 0.95);
  let p = spec.p0 ?? Math.round(spec.demand(0) * success(0) * W);
  const demand: Series = [];
  const pods: Series = [];
  for (let m = 0; m < spec.minutes; m++) {
    const arrivals = rng.poisson(spec.demand(m));
    let launched = 0;
    for (let i = 0; i < arrivals; i++) if (rng.bernoulli(success(m))) launched++;
    let departed = 0;
    for (let i = 0; i < p; i++) if (rng.bernoulli(1 - Math.exp(-1 / W))) departed++;
    p = p + launched - departed;
    demand.push({ t: T0 + m * MIN, v: arrivals });
    pods.push({ t: T0 + m * MIN, v: p });
  }
  return { demand, pods };
}
