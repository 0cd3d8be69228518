// Small, pure helpers over series with gaps. A gap stays NaN on a grid; nothing
// here invents a value except `fillGaps`, which says so in its name.
import type { Series } from './model.ts';

/** Values on a regular grid [from, to] (inclusive) at `stepMs`; NaN where no sample lies within half a step. */
export function onGrid(series: Series, from: number, to: number, stepMs: number): Float64Array {
  const n = Math.max(0, Math.floor((to - from) / stepMs) + 1);
  const out = new Float64Array(n).fill(NaN);
  const half = stepMs / 2;
  let i = 0;
  for (let k = 0; k < n; k++) {
    const t = from + k * stepMs;
    while (i < series.length && series[i].t < t - half) i++;
    let best = NaN;
    let bestDist = Infinity;
    for (let j = i; j < series.length && series[j].t <= t + half; j++) {
      const d = Math.abs(series[j].t - t);
      if (d < bestDist && Number.isFinite(series[j].v)) {
        best = series[j].v;
        bestDist = d;
      }
    }
    out[k] = best;
  }
  return out;
}

/** Linear interpolation over interior gaps; leading and trailing gaps take the nearest value. All-NaN stays NaN. */
export function fillGaps(values: Float64Array): Float64Array {
  const out = Float64Array.from(values);
  let prev = -1;
  for (let k = 0; k < out.length; k++) {
    if (Number.isNaN(out[k])) continue;
    if (prev === -1) out.fill(out[k], 0, k);
    else if (k - prev > 1) for (let j = prev + 1; j < k; j++) out[j] = out[prev] + ((out[k] - out[prev]) * (j - prev)) / (k - prev);
    prev = k;
  }
  if (prev >= 0) out.fill(out[prev], prev + 1);
  return out;
}

export function finiteCount(values: ArrayLike<number>, from = 0, to = values.length): number {
  let c = 0;
  for (let k = Math.max(0, from); k < Math.min(to, values.length); k++) if (Number.isFinite(values[k])) c++;
  return c;
}

/** Mean of the finite values in [from, to). NaN when there are none. */
export function meanOf(values: ArrayLike<number>, from = 0, to = values.length): number {
  let s = 0;
  let c = 0;
  for (let k = Math.max(0, from); k < Math.min(to, values.length); k++) {
    if (Number.isFinite(values[k])) {
      s += values[k];
      c++;
    }
  }
  return c ? s / c : NaN;
}

/** Index of the last finite value, or -1. */
export function lastFiniteIndex(values: ArrayLike<number>): number {
  for (let k = values.length - 1; k >= 0; k--) if (Number.isFinite(values[k])) return k;
  return -1;
}

/** Least-squares slope (per ms) of the finite samples; NaN with fewer than two. */
export function slope(series: Series): number {
  const pts = series.filter((p) => Number.isFinite(p.v));
  if (pts.length < 2) return NaN;
  const mt = pts.reduce((a, p) => a + p.t, 0) / pts.length;
  const mv = pts.reduce((a, p) => a + p.v, 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const p of pts) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

/** The last finite sample at or before `t`. */
export function lastSample(series: Series, t = Infinity): Series[number] | undefined {
  for (let i = series.length - 1; i >= 0; i--) if (series[i].t <= t && Number.isFinite(series[i].v)) return series[i];
  return undefined;
}

/** Index of the first sample with t > x (series sorted by time). */
export function upperBound(s: Series, x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid].t <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The samples with from ≤ t ≤ to of a series sorted by time. */
export function sliceSeries(s: Series, from: number, to: number): Series {
  return s.slice(upperBound(s, from - 1), upperBound(s, to));
}
