// Step 1 of the traffic-vs-pods check: the observations on a one-minute grid, and
// the grid ranges history is learnt from. Pure.
import type { TrafficVsPodsConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import type { Series, TrafficObservation } from '../model.ts';
import { fillGaps, lastFiniteIndex, meanOf, onGrid } from '../series.ts';
import { STEP_MS } from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';

/** Everything a run reads off its grid. */
export interface Grid {
  /** Epoch ms of index 0. */
  from: number;
  a: Float64Array;
  /** Demand with gaps filled, for the model. */
  af: Float64Array;
  p: Float64Array;
  /** Index of now (the last minute of the grid). */
  last: number;
  /** Last index with demand seen. */
  lastA: number;
  lastP: number;
  /** Pods now: the mean of the last few samples. */
  observed: number;
}

export function trafficLookbackMs(cfg: TrafficVsPodsConfig): number {
  const longest = TUNING.horizonsMin[TUNING.horizonsMin.length - 1];
  return cfg.baseline + Math.max(cfg.window, longest * STEP_MS) + TUNING.lookbackMarginMin * STEP_MS;
}

/**
 * Older history a cold start reads besides its lookback: the last day and the same
 * hours a week ago, so a check started mid-incident knows normal without having seen it.
 */
export function coldHistoryRanges(cfg: TrafficVsPodsConfig, now: number): [number, number][] {
  const baseline = cfg.baseline;
  const week = now - TUNING.weekMs;
  return [
    [week - baseline, week + baseline],
    [now - TUNING.coldHistoryMs, now - trafficLookbackMs(cfg)],
  ];
}

/** Grid ranges a cold fit learns from: the same hours a week ago and the whole last day up to the evaluation window. */
export function coldRanges(cfg: TrafficVsPodsConfig, now: number, g: Grid, fitTo: number): [number, number][] {
  const idx = (t: number) => gridIndex(g, t);
  const [week] = coldHistoryRanges(cfg, now);
  return [
    [Math.max(0, idx(week[0])), Math.max(0, Math.min(fitTo, idx(week[1])))],
    [Math.max(0, idx(now - TUNING.coldHistoryMs)), fitTo],
  ];
}

export const gridIndex = (g: Pick<Grid, 'from'>, t: number) => Math.round((t - g.from) / STEP_MS);

/** Old history first, then the lookback; a timestamp in both is read once. */
function joined(recent: Series, older: Series | undefined): Series {
  if (!older?.length) return recent;
  const first = recent[0]?.t ?? Infinity;
  return [...older.filter((s) => s.t < first), ...recent];
}

/** The grid, or which input has not been seen for longer than `maxDemandGap` (the check cannot judge: unknown). */
export function readGrid(obs: TrafficObservation, cfg: TrafficVsPodsConfig, now: number): Grid | { missing: string; since: string } {
  const end = Math.floor(now / STEP_MS) * STEP_MS;
  const demandSeries = joined(obs.demand, obs.history?.demand);
  const podSeries = joined(obs.pods, obs.history?.pods);
  const oldest = Math.min(demandSeries[0]?.t ?? Infinity, podSeries[0]?.t ?? Infinity);
  const from = Math.min(end - trafficLookbackMs(cfg), Math.floor(oldest / STEP_MS) * STEP_MS);
  const a = onGrid(demandSeries, from, end, STEP_MS);
  const p = onGrid(podSeries, from, end, STEP_MS);
  const last = a.length - 1;
  const maxGap = cfg.maxDemandGap / STEP_MS;
  const lastA = lastFiniteIndex(a);
  const lastP = lastFiniteIndex(p);
  for (const [what, lastSeen] of [
    ['demand', lastA],
    ['running-pods', lastP],
  ] as const) {
    if (lastSeen >= 0 && last - lastSeen <= maxGap) continue;
    return { missing: what, since: lastSeen < 0 ? 'in the whole window' : `for ${formatDuration((last - lastSeen) * STEP_MS)}` };
  }
  const observed = meanOf(p, lastP - TUNING.observedSamples + 1, lastP + 1);
  return { from, a, af: fillGaps(a), p, last, lastA, lastP, observed };
}

/** [from, to) grid ranges minus the excluded windows (epoch ms). */
export function clean(ranges: [number, number][], excluded: [number, number][], from: number): [number, number][] {
  let out = ranges.filter(([a, b]) => b > a);
  for (const [xa, xb] of excluded) {
    const ia = Math.floor((xa - from) / STEP_MS);
    const ib = Math.ceil((xb - from) / STEP_MS) + 1;
    out = out.flatMap(([a, b]): [number, number][] =>
      ib <= a || ia >= b
        ? [[a, b]]
        : (
            [
              [a, Math.max(a, ia)],
              [Math.min(b, ib), b],
            ] as [number, number][]
          ).filter(([x, y]) => y > x),
    );
  }
  return out;
}
