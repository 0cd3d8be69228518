// The one seeded random source of the simulators (infra/scenarios, infra/scorecard) and
// of test data (tests/helpers): the same seed gives the same numbers everywhere, so a
// scenario, a scorecard day or a test's traffic is reproduced from its seed alone.
// Product code draws no random numbers from here (shared/ never imports infra/).

/** mulberry32: a small, fast 32-bit PRNG; good enough for simulation, fully reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  uniform(): number {
    return this.next();
  }
  bernoulli(p: number): boolean {
    return this.next() < p;
  }
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
  /** Knuth's method, in chunks so exp(-λ) never underflows. */
  poisson(lambda: number): number {
    let n = 0;
    let rest = Math.max(0, lambda);
    while (rest > 0) {
      const chunk = Math.min(rest, 30);
      rest -= chunk;
      const limit = Math.exp(-chunk);
      let p = this.next();
      while (p > limit) {
        n++;
        p *= this.next();
      }
    }
    return n;
  }
}
