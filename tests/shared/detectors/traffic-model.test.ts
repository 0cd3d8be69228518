import { describe, expect, it } from 'vitest';
import { fitModel, predict, sessionLengthGrid } from '../../../shared/detectors/traffic-model.ts';
import { fillGaps, onGrid } from '../../../shared/series.ts';
import { MIN, T0, simulateTraffic } from '../../helpers/traffic.ts';

describe('traffic model', () => {
  it('steps the ODE exactly: constant demand settles at s·a·W, and a fault-free start stays there', () => {
    const a = new Float64Array(400).fill(10);
    expect(predict(0, a, 0, 400, { s: 0.9, W: 30 }).p).toBeCloseTo(270, 0);
    const steady = predict(270, a, 0, 60, { s: 0.9, W: 30 });
    expect(steady.p).toBeCloseTo(270, 6);
    // Pods that survive 60 min of a 30-min session vary by p·q(1−q) at most, plus the launches' own noise.
    expect(steady.variance).toBeGreaterThan(0);
    expect(steady.variance).toBeLessThan(270 + 0.9 * 10 * 60);
  });

  it('searches session lengths on a geometric grid between the bounds', () => {
    const grid = sessionLengthGrid(5, 180);
    expect(grid[0]).toBeCloseTo(5);
    expect(grid[grid.length - 1]).toBeCloseTo(180);
    const ratios = grid.slice(1).map((w, i) => w / grid[i]);
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 9);
  });

  it.each([
    [0.9, 30, 1],
    [0.6, 60, 2],
    [0.97, 20, 3],
  ])('recovers launch success s=%s and session length W=%s min from simulated data (seed %s)', (s, W, seed) => {
    // Demand that moves (a daily swing and hourly bumps) is what tells a short session from a long one.
    const minutes = 24 * 60;
    const sim = simulateTraffic({
      minutes,
      W,
      seed,
      success: () => s,
      demand: (m) => 10 + 6 * Math.sin((2 * Math.PI * m) / 1440) + 3 * Math.sin((2 * Math.PI * m) / 90),
    });
    const end = T0 + (minutes - 1) * MIN;
    const raw = onGrid(sim.demand, T0, end, MIN);
    const model = fitModel({
      demand: fillGaps(raw),
      rawDemand: raw,
      pods: onGrid(sim.pods, T0, end, MIN),
      ranges: [[0, minutes]],
      sessionLength: { min: 5, max: 180 },
      now: end,
    })!;
    expect(model).toBeDefined();
    const Ws = model.candidates.map((c) => c.W);
    // Every candidate that explains the day is within 40 % of the true session length and
    // holds the same equilibrium s·W within 10 %; the central one is within 15 % on each.
    expect(Math.min(...Ws)).toBeGreaterThan(W / 1.4);
    expect(Math.max(...Ws)).toBeLessThan(W * 1.4);
    for (const c of model.candidates) expect(Math.abs(c.s * c.W - s * W) / (s * W)).toBeLessThan(0.1);
    const central = model.candidates[Math.floor(model.candidates.length / 2)];
    expect(Math.abs(central.W - W) / W).toBeLessThan(0.15);
    expect(Math.abs(central.s - s) / s).toBeLessThan(0.15);
  });

  it("calibrates every horizon on a 2-hour baseline, the 60-minute one included, with the culler's sawtooth in it", () => {
    const sim = simulateTraffic({ minutes: 121, W: 30, cullEveryMin: 10, seed: 4, demand: () => 12 });
    const end = T0 + 120 * MIN;
    const raw = onGrid(sim.demand, T0, end, MIN);
    const model = fitModel({
      demand: fillGaps(raw),
      rawDemand: raw,
      pods: onGrid(sim.pods, T0, end, MIN),
      ranges: [[0, 121]],
      sessionLength: { min: 5, max: 180 },
      now: end,
    })!;
    // Pods ~12·0.95·(30 + 5): a sawtooth of about 12·0.95·10 pods is far beyond Poisson noise at every horizon.
    for (const h of [5, 10, 15, 20, 30, 45, 60]) expect(model.modelError[h], `${h} min`).toBeGreaterThan(10);
  });

  it('learns normal from a long history in which a few hours were an incident', () => {
    const minutes = 12 * 60;
    const sim = simulateTraffic({
      minutes,
      W: 30,
      seed: 9,
      success: (m) => (m >= 300 && m < 420 ? 0.2 : 0.9),
      demand: (m) => 10 + 4 * Math.sin((2 * Math.PI * m) / 300),
    });
    const end = T0 + (minutes - 1) * MIN;
    const raw = onGrid(sim.demand, T0, end, MIN);
    const model = fitModel({
      demand: fillGaps(raw),
      rawDemand: raw,
      pods: onGrid(sim.pods, T0, end, MIN),
      ranges: [[0, minutes]],
      sessionLength: { min: 5, max: 180 },
      now: end,
    })!;
    const central = model.candidates[Math.floor(model.candidates.length / 2)];
    expect(Math.abs(central.s * central.W - 0.9 * 30) / 27).toBeLessThan(0.1);
  });
});
