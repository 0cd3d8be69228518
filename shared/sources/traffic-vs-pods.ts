// Live source for the traffic-vs-pods check: running user servers from PromQL,
// demand from a DemandReader (GA4 realtime, or a PromQL expression of launches).
import type { Series } from '../model.ts';
import { readSingleSeries, type PromqlClient } from '../clients/promql.ts';
import type { ObservationSource } from './source.ts';

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
      const read = (f: number, t: number) =>
        Promise.all([readSingleSeries(pods.client, pods.query, f, t, stepMs), demand.read(f, t, stepMs)] as const);
      // Older stretches only when the detector asks (a cold start): oldest first, each a range query of its own.
      const older = await Promise.all((historyRanges ?? []).map(([f, t]) => read(f, Math.min(t, from - stepMs))));
      const [podSeries, demandSeries] = await read(from, now);
      const history = older.length ? { pods: older.flatMap(([p]) => p), demand: older.flatMap(([, d]) => d) } : undefined;
      return { pods: podSeries, demand: demandSeries, stepMs, ...(history ? { history } : {}) };
    },
  };
}
