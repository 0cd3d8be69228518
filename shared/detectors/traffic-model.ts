// The traffic model: Little's law as an ODE, dp/dt = s·a(t) − p/W.
// Arrivals a(t) launch with success s (which also absorbs GA's scale) and stay a
// mean session of W minutes. This file predicts pods forward and fits (s, W) on
// history; traffic-vs-pods.ts decides what a shortfall means. Pure and I/O-free.
//
// One-minute step. Holding a(t) constant within a minute, the ODE has the exact
// solution p(t+1) = p(t)·e^(−1/W) + s·a·W·(1 − e^(−1/W)): what was running decays
// by the chance a session outlives a minute, and the minute's launches add s·a
// minus those of them that already ended (W·(1 − e^(−1/W)) ≈ 1 − 1/(2W)). Exact,
// so no step size to tune and no drift over a 60-minute prediction.
//
// Session-length grid: W is searched on a geometric grid between the configured
// bounds, W_g = Wmin·(Wmax/Wmin)^(g/(G−1)). Geometric, because what the data
// tells apart is a ratio of session lengths (a drain twice as fast), not minutes;
// G = 28 over 5 min…3 h makes neighbours 14 % apart, finer than hours of Poisson
// data can distinguish, so the grid never decides the answer.
import { finiteCount, meanOf } from '../series.ts';
import { TUNING } from './traffic-tuning.ts';
import { MINUTE_MS } from '../time.ts';

export const STEP_MS = MINUTE_MS;

/** One (s, W) pair that explains the history. */
export interface ModelCandidate {
  /** Launch success × GA scale. */
  s: number;
  /** Mean session length, minutes. */
  W: number;
}

export interface TrafficModel {
  /**
   * Every pair that explains the history about as well as the best one. A steady
   * day cannot tell a short session from a long one; they predict different
   * futures when demand moves, so a shortfall must hold against all of them.
   */
  candidates: ModelCandidate[];
  /** RMS prediction error beyond Poisson noise on the history, per horizon (minutes → pods), worst over the candidates. */
  modelError: Record<number, number>;
  fittedAt: number;
}

export interface Prediction {
  /** Expected pods. */
  p: number;
  /** Variance of the pods around it, from who leaves and which arrivals launch. */
  variance: number;
}

/** Session lengths (minutes) the fit tries: the geometric grid derived above. */
export function sessionLengthGrid(minMin: number, maxMin: number, size = TUNING.sessionGridSize): number[] {
  return Array.from({ length: size }, (_, g) => minMin * (maxMin / minMin) ** (g / (size - 1)));
}

/**
 * Pods `n` minutes after an observed p0, given the arrivals a[k0..k0+n). The variance
 * follows the same step: a pod survives a minute with probability q = e^(−1/W), so
 * the survivors' count varies by p·q(1−q) and earlier variance shrinks by q²; the
 * arrivals are observed, so only whether they launch adds (ARRIVAL_NOISE per launch).
 * Anything more (GA's scale drifting, bursts) shows in the calibrated model error.
 */
export function predict(p0: number, a: ArrayLike<number>, k0: number, n: number, m: ModelCandidate): Prediction {
  return predictEach(p0, a, k0, n, m);
}

/** `predict`, telling `visit` the prediction after each minute 1..n on the way: one pass serves every horizon. */
export function predictEach(
  p0: number,
  a: ArrayLike<number>,
  k0: number,
  n: number,
  m: ModelCandidate,
  visit?: (minutes: number, p: number, variance: number) => void,
): Prediction {
  const q = Math.exp(-1 / m.W);
  let p = p0;
  let variance = 0;
  for (let i = 1; i <= n; i++) {
    const launches = m.s * a[k0 + i - 1];
    variance = variance * q * q + p * q * (1 - q) + TUNING.arrivalNoise * launches;
    p = p * q + launches * m.W * (1 - q);
    visit?.(i, p, variance);
  }
  return { p, variance };
}

/** Observed pods near index k: the median of the finite values in k−1..k+1 (one noisy sample must not set the start). */
export function podsNear(p: ArrayLike<number>, k: number): number {
  const v = [p[k - 1], p[k], p[k + 1]].filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
}

export interface FitInput {
  /** Demand per minute on the grid, gaps filled. */
  demand: Float64Array;
  /** The same before filling: coverage is judged on what was really seen. */
  rawDemand: Float64Array;
  pods: Float64Array;
  /** Grid index ranges [from, to) to learn from; split further into segments. */
  ranges: [number, number][];
  /** Bounds of the mean session length, minutes. */
  sessionLength: { min: number; max: number };
  now: number;
}

/** Sufficient statistics of one segment for one W: p(k) − p0·q^k = s·x(k) + residual, linear in s. */
interface SegmentFit {
  sxx: number;
  sxr: number;
  srr: number;
  n: number;
}

/** Minutes a fit can learn from in these ranges: when there are enough (TUNING.minFitMin) and still no fit, the data cannot be right. */
export function usableMinutes(input: FitInput): number {
  return usableSegments(input).reduce((n, [a, b]) => n + b - a, 0);
}

/** Splits the ranges into segments of at most `segmentMin` minutes that hold enough data to learn from. */
function usableSegments(input: FitInput): [number, number][] {
  const out: [number, number][] = [];
  for (const [from, to] of input.ranges) {
    const count = Math.max(1, Math.round((to - from) / TUNING.segmentMin));
    const len = (to - from) / count;
    for (let i = 0; i < count; i++) {
      const a = Math.round(from + i * len);
      const b = Math.round(from + (i + 1) * len);
      const n = b - a;
      if (n < TUNING.minSegmentMin) continue;
      if (finiteCount(input.pods, a, b) < n * TUNING.minPodsCoverage) continue;
      if (finiteCount(input.rawDemand, a, b) < n * TUNING.minDemandCoverage) continue;
      if (!(meanOf(input.demand, a, b) > 0) || !Number.isFinite(podsNear(input.pods, a))) continue;
      out.push([a, b]);
    }
  }
  return out;
}

function fitSegment(input: FitInput, [from, to]: [number, number], W: number): SegmentFit {
  const q = Math.exp(-1 / W);
  const p0 = podsNear(input.pods, from);
  let x = 0;
  let decay = 1;
  const f: SegmentFit = { sxx: 0, sxr: 0, srr: 0, n: 0 };
  for (let k = from; k < to; k++) {
    if (k > from) {
      x = x * q + input.demand[k - 1] * W * (1 - q);
      decay *= q;
    }
    const pk = input.pods[k];
    if (!Number.isFinite(pk)) continue;
    const r = pk - p0 * decay;
    f.sxx += x * x;
    f.sxr += x * r;
    f.srr += r * r;
    f.n++;
  }
  return f;
}

const sse = (f: SegmentFit, s: number) => Math.max(0, f.srr - 2 * s * f.sxr + s * s * f.sxx);

/** Median of values weighted by weights. */
function weightedMedian(values: number[], weights: number[]): number {
  const order = values.map((v, i) => [v, weights[i]] as const).sort((x, y) => x[0] - y[0]);
  const half = weights.reduce((a, b) => a + b, 0) / 2;
  let acc = 0;
  for (let i = 0; i < order.length; i++) {
    acc += order[i][1];
    // Exactly half: between this value and the next, as the plain median of an even count.
    if (Math.abs(acc - half) < 1e-9 && i + 1 < order.length) return (order[i][0] + order[i + 1][0]) / 2;
    if (acc > half) return order[i][0];
  }
  return order[order.length - 1][0];
}

/**
 * Fits (s, W) on the ranges. Robust to stretches that look faulty (an incident in
 * a long history, say): each segment gets its own best s for every W, the model
 * takes their median, and judges W on the best-fitting share of the segments only,
 * so a minority of bad hours can neither drag s down nor pick W. Undefined when the
 * data cannot support a fit.
 */
export function fitModel(input: FitInput): TrafficModel | undefined {
  const segments = usableSegments(input);
  if (usableMinutes(input) < TUNING.minFitMin) return undefined;
  const scored: { s: number; W: number; loss: number; trusted: [number, number][] }[] = [];
  for (const W of sessionLengthGrid(input.sessionLength.min, input.sessionLength.max)) {
    const fits = segments.map((seg) => ({ seg, f: fitSegment(input, seg, W) })).filter(({ f }) => f.sxx > 0);
    if (!fits.length) continue;
    const s = weightedMedian(
      fits.map(({ f }) => Math.max(0, f.sxr / f.sxx)),
      fits.map(({ f }) => f.n),
    );
    const ranked = fits.map(({ seg, f }) => ({ seg, loss: sse(f, s) / f.n })).sort((x, y) => x.loss - y.loss);
    const kept = ranked.slice(0, Math.max(1, Math.ceil(ranked.length * TUNING.trustedSegmentShare)));
    scored.push({ s, W, loss: kept.reduce((x, k) => x + k.loss, 0) / kept.length, trusted: kept.map((k) => k.seg) });
  }
  if (!scored.length) return undefined;
  const best = scored.reduce((x, y) => (y.loss < x.loss ? y : x));
  const candidates = scored.filter((c) => c.s > 0 && c.loss <= best.loss * TUNING.fitTolerance + 1e-9).map(({ s, W }) => ({ s, W }));
  if (!candidates.length) return undefined;
  return { candidates, modelError: calibrate(input, best.trusted, candidates), fittedAt: input.now };
}

/** Adjacent segments joined: a prediction may run across the boundary of two trusted hours. */
function contiguous(segments: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of [...segments].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * How far off the candidates are over each horizon on the stretches the fit trusted,
 * beyond the Poisson noise `predict` already expects. A horizon longer than any
 * trusted stretch is not left at 0 (as sure as Poisson noise): the longest calibrated
 * error is scaled up in proportion, as an error in s or W grows with the horizon.
 */
function calibrate(input: FitInput, segments: [number, number][], candidates: ModelCandidate[]): Record<number, number> {
  const horizons = TUNING.horizonsMin;
  const longestHorizon = horizons[horizons.length - 1];
  const horizonAt = new Map<number, number>(horizons.map((h, i) => [h, i]));
  const stretches = contiguous(segments);
  const worst = horizons.map(() => 0);
  const seen = horizons.map(() => false);
  for (const m of candidates) {
    const sum = horizons.map(() => 0);
    const count = horizons.map(() => 0);
    for (const [from, to] of stretches) {
      for (let j = from + 1; j + horizons[0] < to; j += TUNING.calibrateEveryMin) {
        const start = podsNear(input.pods, j);
        if (!Number.isFinite(start)) continue;
        // Every horizon h with j + h < to, from one prediction.
        predictEach(start, input.demand, j, Math.min(longestHorizon, to - 1 - j), m, (h, p, variance) => {
          const i = horizonAt.get(h);
          const end = input.pods[j + h];
          if (i === undefined || !Number.isFinite(end)) return;
          sum[i] += Math.max(0, (end - p) ** 2 - variance);
          count[i]++;
        });
      }
    }
    horizons.forEach((_, i) => {
      if (count[i] < TUNING.minCalibrationStarts) return;
      seen[i] = true;
      worst[i] = Math.max(worst[i], Math.sqrt(sum[i] / count[i]));
    });
  }
  const modelError: Record<number, number> = {};
  let longest: [number, number] | undefined;
  horizons.forEach((h, i) => {
    if (seen[i]) longest = [h, worst[i]];
    modelError[h] = seen[i] || !longest ? worst[i] : (longest[1] * h) / longest[0];
  });
  return modelError;
}
