import type { CheckName, ObservationByCheck } from '../model.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';

/** What a check asks its source for. */
export interface ObserveRequest {
  now: number;
  /** How far back the detector needs history. */
  lookbackMs: number;
  /** Resolution of series. */
  stepMs: number;
  /** When this check last ran (so event-like sources, such as probe results, are not read twice). */
  previousRunAt?: number;
  /** Older ranges [from, to] (epoch ms) the detector wants besides the lookback, e.g. to learn what normal is after a cold start. */
  historyRanges?: [number, number][];
  /** Extra launches per hub (host of the binderUrl) the detector asks for while its evidence of failing launches is elevated. */
  extraLaunches?: Record<string, number>;
}

/**
 * An adapter that fetches one check's observations. All I/O lives behind this.
 * It throws `UpstreamError` when its upstream cannot be read at all; partial data
 * is returned with gaps, never filled with zeros.
 */
export interface ObservationSource<C extends CheckName> {
  observe(req: ObserveRequest): Promise<ObservationByCheck[C]>;
  /** Reports what it observed to binderwatch's own telemetry (the launch probe's numbers for dashboards). */
  recordTelemetry?(observation: ObservationByCheck[C], telemetry: Telemetry): Promise<void>;
}

export type Sources = { [C in CheckName]?: ObservationSource<C> };
