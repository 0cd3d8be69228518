// The model's band comes from its own measured prediction errors on this hub's healthy
// history (traffic-model.ts calibrate): on healthy days of several kinds of world, the
// pods leave it no more often than designed, at every horizon.
import { describe, expect, it } from 'vitest';
import { trafficVsPodsSchema } from '../../../shared/config/schema.ts';
import { detectTrafficVsPods, type TrafficMemory } from '../../../shared/detectors/traffic-vs-pods.ts';
import { readGrid, type Grid } from '../../../shared/detectors/traffic-grid.ts';
import { evaluate, z } from '../../../shared/detectors/traffic-judge.ts';
import { TUNING } from '../../../shared/detectors/traffic-tuning.ts';
import type { Series } from '../../../shared/model.ts';
import { MIN, T0, simulateTraffic, type TrafficSpec } from '../../helpers/traffic.ts';

const cfg = trafficVsPodsSchema.parse({});

/** Per horizon: how many calibrated runs judged it, and how many had the pods beyond 2σ and beyond the alert's `sigmas`. */
function exceedances(spec: Omit<TrafficSpec, 'seed'>, seeds: number[]) {
  const out = new Map<number, { n: number; beyond2: number; beyondAlert: number }>();
  for (const seed of seeds) {
    const s = simulateTraffic({ ...spec, seed });
    let memory: TrafficMemory | undefined;
    for (let m = 0; m < spec.minutes; m += 2) {
      const now = T0 + m * MIN;
      const visible = (x: Series) => x.filter((y) => y.t <= now);
      const obs = { demand: visible(s.demand), pods: visible(s.pods), stepMs: MIN };
      if (memory?.model && !memory.calibrating) {
        for (const e of evaluate(readGrid(obs, cfg, now) as Grid, memory.model, TUNING.horizonsMin, 1)) {
          const o = out.get(e.horizon) ?? { n: 0, beyond2: 0, beyondAlert: 0 };
          o.n++;
          if (Math.abs(z(e)) > 2) o.beyond2++;
          if (z(e) > cfg.sigmas) o.beyondAlert++;
          out.set(e.horizon, o);
        }
      }
      memory = detectTrafficVsPods(obs, cfg, now, memory).memory;
    }
  }
  return out;
}

describe('trafficVsPods band from measured error', () => {
  const worlds: [string, Omit<TrafficSpec, 'seed'>][] = [
    ['flat demand, 45-min sessions', { minutes: 900, demand: () => 8 }],
    [
      'two thirds of a diurnal day under a culler every 10 min',
      { minutes: 960, W: 30, cullEveryMin: 10, demand: (m) => 10 + 6 * Math.sin((2 * Math.PI * m) / 1440) },
    ],
    ['a morning ramp to 3× demand', { minutes: 900, demand: (m) => (m < 300 ? 5 : Math.min(15, 5 + (m - 300) / 30)) }],
    ['busy short sessions', { minutes: 900, W: 10, demand: () => 20 }],
  ];
  // 2σ two-sided is 4.6 % for Gaussian errors; runs two minutes apart share most of their
  // horizon, so a day holds few independent tries: up to twice that is within design.
  it.each(worlds)(
    'on %s, pods leave the 2σ band at most ~2× as often as designed, and never go short by the alert threshold',
    (_name, spec) => {
      for (const [h, o] of exceedances(spec, [1, 2])) {
        expect(o.n, `${h} min`).toBeGreaterThan(100);
        expect(o.beyond2 / o.n, `${h} min beyond 2σ`).toBeLessThanOrEqual(0.1);
        expect(o.beyondAlert, `${h} min beyond ${cfg.sigmas}σ`).toBe(0);
      }
    },
    180_000,
  );
});
