// Calibration of the traffic-vs-pods check: a model learnt on little of this hub's
// history, or just after the check saw the world change under it, has not yet shown
// how far off it runs here. While calibrating, a shortfall warns but never pages,
// and every finding says so and since when. Pure.
import { formatDuration } from '../duration.ts';
import { TUNING } from './traffic-tuning.ts';

export interface Calibrating {
  since: number;
  /** Calibrated (pages again) from this time on. */
  until: number;
  /** Why, for a person: "little history (2h of 6h)", "demand counted differently". */
  why: string;
}

export interface CalibrationInput {
  now: number;
  previous?: Calibrating;
  /** This run fitted the first model of the check (nothing remembered) on this much clean history. */
  coldFitMs?: number;
  /** The check saw demand start being counted differently this run. */
  demandChanged?: boolean;
}

/** Calibrating after this run, or undefined once the model has seen enough of this hub. */
export function nextCalibration({ now, previous, coldFitMs, demandChanged }: CalibrationInput): Calibrating | undefined {
  const needed = TUNING.calibrationMs;
  if (demandChanged) return { since: now, until: now + needed, why: 'demand counted differently' };
  if (coldFitMs !== undefined && coldFitMs < needed) {
    const why = `little history (${formatDuration(coldFitMs)} of the ${formatDuration(needed)} it learns this hub from)`;
    return { since: now, until: now + needed - coldFitMs, why };
  }
  return previous && now < previous.until ? previous : undefined;
}

/** "; calibrating since … (why): a warning, not a page, until …". */
export function calibratingText(c: Calibrating, utcMinute: (t: number) => string): string {
  return `; calibrating since ${utcMinute(c.since)} (${c.why}): a warning, not a page, until ${utcMinute(c.until)}`;
}
