// Step 4 of the traffic-vs-pods check: what a run's judgement does to the incident.
// A shortfall opens one; once it held on `establishRuns` runs only evidence of
// recovery, held for `recoveryHoldMs`, ends it; a refit never does. Pure.
import type { Calibrating } from './traffic-calibration.ts';
import type { TrafficModel } from './traffic-model.ts';
import { STEP_MS } from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';

/** A shortfall that held on consecutive runs; only evidence of recovery closes it. */
export interface TrafficIncident {
  since: number;
  /** The model from before it, frozen while it lasts. */
  model: TrafficModel;
  /** Consecutive runs with a shortfall so far (an incident is established after `establishRuns`). */
  runs: number;
  /** Since when the pods have been back within the model's band. */
  inBandSince?: number;
  /**
   * An older model the pods ran well above when the shortfall began: the frozen one
   * may have learnt a fault (sessions that never end, under a stuck culler), so the
   * pods back within this one's band, on both sides, is recovery too.
   */
  reference?: TrafficModel;
  /**
   * Launch success (share of normal) the shortfall over its longest horizon implied when it began:
   * the fault's own model. Recovery must tell the pods from it, not only fit normal.
   */
  faultSuccess?: number;
  /** Opened while the model was calibrating: a warning for as long as it lasts (calibration ending is no escalation). */
  calibrating?: Calibrating;
}

export const established = (incident: TrafficIncident | undefined) => incident !== undefined && incident.runs >= TUNING.establishRuns;

export interface IncidentInput {
  now: number;
  windowMs: number;
  incident?: TrafficIncident;
  /** This run's verdicts (traffic-judge.ts). */
  shortfall: boolean;
  inBand: boolean;
  /** When a new incident began: the first run of the shortfall's streak (default now). */
  openSince?: number;
  /** When opening one: the model judged, the launch success the shortfall implies, and a reference the pods ran far above. */
  opening: () => Pick<TrafficIncident, 'model' | 'faultSuccess' | 'reference' | 'calibrating'>;
}

export interface IncidentStep {
  incident?: TrafficIncident;
  /** A window to keep out of every fit from now on (a shortfall, held or not, is nothing to learn from). */
  exclude?: [number, number];
  /** Recovered this run: predictions starting before this are inside the incident, not judged. */
  recoveredJudgeFrom?: number;
}

export function nextIncident({ now, windowMs, incident, shortfall, inBand, openSince, opening }: IncidentInput): IncidentStep {
  if (!incident) return shortfall ? { incident: { since: openSince ?? now, runs: 1, ...opening() } } : {};
  const window: [number, number] = [incident.since - windowMs, now];
  // One run's shortfall that did not hold: never an alert, but not something to learn from either.
  if (!established(incident) && !shortfall) return { exclude: window };
  const next = { ...incident, runs: incident.runs + 1, inBandSince: inBand ? (incident.inBandSince ?? now) : undefined };
  if (next.inBandSince === undefined || now - next.inBandSince < TUNING.recoveryHoldMs) return { incident: next };
  return { exclude: window, recoveredJudgeFrom: next.inBandSince - TUNING.recoveryHorizonMin * STEP_MS };
}

/** Keeps a model every half hour for a few hours. */
export function nextSnapshots(snapshots: TrafficModel[], model: TrafficModel, now: number, take: boolean): TrafficModel[] {
  const kept = snapshots.filter((m) => now - m.fittedAt <= TUNING.snapshotsKeptMs);
  const newest = kept[kept.length - 1];
  return take && (!newest || now - newest.fittedAt >= TUNING.snapshotEveryMs) ? [...kept, model] : kept;
}
