// Live source for the traffic-vs-pods check: running user servers from PromQL,
// demand from a DemandReader (GA4 realtime, or a PromQL expression of launches).
// GA4 realtime shows only the last 30 minutes, so its reader keeps a rolling
// history in the state store (the GA4 client itself is stateless).
import { createHash } from 'node:crypto';
import type { Series } from '../model.ts';
import { readSingleSeries, sampleBudget, type PromqlClient, type SampleBudget } from '../clients/promql.ts';
import { REALTIME_MINUTES, type Ga4Client } from '../clients/ga4.ts';
import { sliceSeries } from '../series.ts';
import { appendHistory, mergeSamples, readHistory, resample } from '../state/history.ts';
import { stateKeys } from '../state/keys.ts';
import type { StateStore } from '../state/store.ts';
import type { ObservationSource } from './source.ts';
import { UpstreamError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { MINUTE_MS } from '../time.ts';

/** Demand per step over [fromMs, toMs]; missing minutes are absent, never zero. */
export interface DemandReader {
  /** `budget`: the run's Prometheus samples, shared with the pods reads (GA4 is bounded per report instead). */
  read(fromMs: number, toMs: number, stepMs: number, budget?: SampleBudget): Promise<Series>;
}

export function promqlDemand(client: PromqlClient, query: string): DemandReader {
  return { read: (fromMs, toMs, stepMs, budget) => readSingleSeries(client, query, fromMs, toMs, stepMs, budget) };
}

/** The stored history answers an older range by itself when it holds this share of its minutes. */
const HISTORY_COVERAGE = 0.8;

export interface Ga4DemandOptions {
  store: StateStore;
  /** How much history to keep (default 26 h: a day plus a baseline). */
  retentionMs?: number;
  /** GA reports minutes relative to its own present; the wall clock by default. */
  clock?: () => number;
}

/** GA4 demand: every read merges the realtime minutes into the rolling history and answers from it. */
export function ga4Demand(ga4: Ga4Client, opts: Ga4DemandOptions): DemandReader & { historyKey: string } {
  const { propertyId, dimensionFilter } = ga4.opts;
  // Metric and filter are part of the key, so a config change starts a fresh history.
  const filter = dimensionFilter ? '/' + createHash('sha256').update(JSON.stringify(dimensionFilter)).digest('hex').slice(0, 12) : '';
  const historyKey = stateKeys.ga4Demand(propertyId, ga4.metric, filter);
  const stepped = (range: Series, stepMs: number) => (stepMs > MINUTE_MS ? resample(range, stepMs) : range);
  /** Minutes realtime no longer covers: the rolling history, or GA4's core report where the history is thin. */
  const readOlder = async (fromMs: number, toMs: number): Promise<Series> => {
    const stored = sliceSeries(await readHistory(opts.store, historyKey), fromMs, toMs);
    const minutes = Math.floor((toMs - fromMs) / MINUTE_MS) + 1;
    if (stored.length >= minutes * HISTORY_COVERAGE) return stored;
    return mergeSamples(await ga4.readCoreMinutes(fromMs, toMs), stored, { now: toMs, retentionMs: toMs - fromMs });
  };
  return {
    historyKey,
    async read(fromMs, toMs, stepMs) {
      const now = (opts.clock ?? Date.now)();
      if (toMs < now - REALTIME_MINUTES * MINUTE_MS) return stepped(await readOlder(fromMs, toMs), stepMs);
      const minutes = await ga4.readRealtimeMinutes(now);
      const history = await appendHistory(opts.store, historyKey, minutes, { now, retentionMs: opts.retentionMs ?? 26 * 3_600_000 });
      return stepped(sliceSeries(history, fromMs, toMs), stepMs);
    },
  };
}

export interface TrafficSourceOptions {
  pods: { client: PromqlClient; query: string };
  demand: DemandReader;
}

export function trafficSource({ pods, demand }: TrafficSourceOptions): ObservationSource<'trafficVsPods'> {
  return {
    async observe({ now, lookbackMs, stepMs, historyRanges }) {
      const from = now - lookbackMs;
      const perStep = stepMs / 60_000;
      // One budget for every range query of this run: a cold start's six reads together stay bounded.
      const budget = sampleBudget();
      const read = async (f: number, t: number) =>
        [
          plausible(await readSingleSeries(pods.client, pods.query, f, t, stepMs, budget), 'prometheus', 'running pods', LIMITS.maxPods),
          plausible(await demand.read(f, t, stepMs, budget), 'demand', 'demand', LIMITS.maxDemandPerMin * perStep),
        ] as const;
      // Older stretches only when the detector asks (a cold start): oldest first, each a range query of its own,
      // one after another, so a run holds one answer being parsed at a time, not every range's at once.
      const older: Awaited<ReturnType<typeof read>>[] = [];
      for (const [f, t] of historyRanges ?? []) older.push(await read(f, Math.min(t, from - stepMs)));
      const [podSeries, demandSeries] = await read(from, now);
      const history = older.length ? { pods: older.flatMap(([p]) => p), demand: older.flatMap(([, d]) => d) } : undefined;
      return { pods: podSeries, demand: demandSeries, stepMs, ...(history ? { history } : {}) };
    },
  };
}

/**
 * Values checked at the door: a negative, non-finite or implausibly large count (beyond
 * `ceiling`, see limits.ts) is no count at all, so it becomes a gap; a read that brought
 * samples and none of them plausible is a source the check cannot see.
 */
export function plausible(series: Series, upstream: string, what: string, ceiling: number): Series {
  const kept = series.filter((s) => Number.isFinite(s.v) && s.v >= 0 && s.v <= ceiling);
  if (series.length && !kept.length)
    throw new UpstreamError(
      upstream,
      `values out of range: none of ${series.length} ${what} samples is within 0–${ceiling}`,
      undefined,
      false,
    );
  return kept;
}
