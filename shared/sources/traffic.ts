// Live source for the traffic-vs-pods check: running user servers from PromQL,
// demand from a DemandReader (GA4 realtime, or a PromQL expression of launches).
import { UpstreamError } from '../errors.ts';
import type { Series } from '../model.ts';
import type { PromqlClient } from './promql.ts';
import type { ObservationSource } from './source.ts';

/** Demand per step over [fromMs, toMs]; missing minutes are absent, never zero. */
export interface DemandReader {
  read(fromMs: number, toMs: number, stepMs: number): Promise<Series>;
}

/**
 * Runs a range query that must yield one series (aggregate it with `sum(...)`).
 * No series at all means no data: an empty series, which the detector reads as a gap.
 */
export async function readSingleSeries(client: PromqlClient, query: string, fromMs: number, toMs: number, stepMs: number): Promise<Series> {
  const result = await client.range(query, fromMs, toMs, stepMs);
  if (result.length > 1) {
    throw new UpstreamError('prometheus', `"${query}" returned ${result.length} series; aggregate it to one, e.g. sum(${query})`, undefined, false);
  }
  return result[0]?.samples ?? [];
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
    async observe({ now, lookbackMs, stepMs }) {
      const from = now - lookbackMs;
      const [podSeries, demandSeries] = await Promise.all([
        readSingleSeries(pods.client, pods.query, from, now, stepMs),
        demand.read(from, now, stepMs),
      ]);
      return { pods: podSeries, demand: demandSeries, stepMs };
    },
  };
}
