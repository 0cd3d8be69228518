import { describe, expect, it } from 'vitest';
import { mulberry32, Rng } from '../../infra/rng.ts';

const N = 20_000;

function stats(draw: () => number): { mean: number; variance: number } {
  const xs = Array.from({ length: N }, draw);
  const mean = xs.reduce((a, b) => a + b, 0) / N;
  return { mean, variance: xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (N - 1) };
}

describe('the seeded random source', () => {
  it('gives the same numbers for the same seed, other numbers for another, all in [0, 1)', () => {
    const take = (seed: number) => Array.from({ length: 1000 }, mulberry32(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(8)).not.toEqual(take(7));
    for (const x of take(7)) expect(x >= 0 && x < 1).toBe(true);
  });

  it.each([0.5, 12, 80])('draws Poisson(%d) counts with mean and variance λ (large λ in chunks, without underflow)', (lambda) => {
    const rng = new Rng(11);
    const { mean, variance } = stats(() => rng.poisson(lambda));
    // Five standard errors of the mean; the variance within 10 %.
    expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / N));
    expect(variance / lambda).toBeGreaterThan(0.9);
    expect(variance / lambda).toBeLessThan(1.1);
  });

  it('draws exponential times with the given mean, and Bernoulli trials with the given chance', () => {
    const rng = new Rng(3);
    expect(stats(() => rng.exponential(45)).mean).toBeCloseTo(45, -1);
    expect(stats(() => (rng.bernoulli(0.3) ? 1 : 0)).mean).toBeCloseTo(0.3, 1);
  });
});
