// Live source for the traffic-vs-pods check: running user servers from PromQL,
// demand from a DemandReader (GA4 realtime, or a PromQL expression of launches).
import type { Series } from '../model.ts';
import { readSingleSeries, type PromqlClient } from '../clients/promql.ts';
import type { ObservationSource } from './source.ts';
import { UpstreamError } from '../errors.ts';
import { LIMITS } from '../limits.ts';

/** Demand per step over [fromMs, toMs]; missing minutes are absent, never zero. */
export interface DemandReader {
  read(fromMs: number, toMs: number, stepMs: number): Promise<Series>;
}

export function promqlDemand(client: PromqlClient, query: string): DemandReader {
  return { read: (fromMs, toMs, stepMs) => readSingleSeries(client, query, fromMs, toMs, stepMs) };
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
      const read = async (f: number, t: number) =>
        [
          plausible(await readSingleSeries(pods.client, pods.query, f, t, stepMs), 'prometheus', 'running pods', LIMITS.maxPods),
          plausible(await demand.read(f, t, stepMs), 'demand', 'demand', LIMITS.maxDemandPerMin * perStep),
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
