// Demand counted differently is not an incident. When a second analytics tag starts
// counting every visit twice (or a filter changes), demand per launch steps up at one
// minute and stays there, while the pods keep following the launches as before: the
// model, which learnt launches per counted visit, then expects twice the pods. Told
// apart from launches failing by what the pods do since the step: they follow the
// model with its launch rate divided by the step exactly, as if nothing happened. Pure.
import { meanOf } from '../series.ts';
import type { Grid } from './traffic-grid.ts';
import { evaluate, medianCandidate, z } from './traffic-judge.ts';
import { STEP_MS, type TrafficModel } from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';

export interface Recount {
  /** Epoch ms of the first minute counted the new way. */
  at: number;
  /** New counts per old count (2 = GA counts every arrival twice). */
  ratio: number;
  /** Demand per minute before and after the step. */
  before: number;
  after: number;
}

/** The most significant step in demand between `recountMinAgeMin` and `recountMaxAgeMin` ago, if it is a lasting one of at least `recountMinRatio`. */
export function demandStep(g: Grid): Recount | undefined {
  let best: (Recount & { score: number }) | undefined;
  for (let k = g.last - TUNING.recountMaxAgeMin; k <= g.last - TUNING.recountMinAgeMin; k++) {
    const before = meanOf(g.a, k - TUNING.recountBeforeMin, k);
    const after = meanOf(g.a, k, g.last + 1);
    if (!(before > 0) || !(after > 0)) continue;
    const n = g.last + 1 - k;
    // Poisson noise of the two means: a step is its difference in σ.
    const score = Math.abs(after - before) / Math.sqrt(after / n + before / TUNING.recountBeforeMin);
    if (!best || score > best.score) best = { at: g.from + k * STEP_MS, ratio: after / before, before, after, score };
  }
  if (!best || best.score < TUNING.recountSigmas) return undefined;
  const { score: _score, ...step } = best;
  return Math.max(step.ratio, 1 / step.ratio) >= TUNING.recountMinRatio ? step : undefined;
}

/**
 * A shortfall that is demand counted differently: a step in demand, and the pods since
 * it within `recoverySigmas` of the model with its launches per counted arrival divided
 * by the step, at every horizon that starts after it (so the pods saw the new demand).
 */
export function recountOf(g: Grid, model: TrafficModel): Recount | undefined {
  const step = demandStep(g);
  if (!step) return undefined;
  const rescaled = rescale(model, step.ratio);
  const since = Math.round((step.at - g.from) / STEP_MS);
  const horizons = TUNING.horizonsMin.filter((h) => g.lastP - h >= since);
  const checks = evaluate(g, { ...rescaled, candidates: [medianCandidate(rescaled)] }, horizons, since);
  const informative = checks.some((e) => e.arrivals >= TUNING.recountInformativeSigmas * e.sigma);
  return informative && checks.every((e) => Math.abs(z(e)) <= TUNING.recoverySigmas) ? step : undefined;
}

/** The model for demand counted `ratio` times as before: the same launches per person. */
export function rescale(model: TrafficModel, ratio: number, now = model.fittedAt): TrafficModel {
  return { ...model, candidates: model.candidates.map((c) => ({ ...c, s: c.s / ratio })), fittedAt: now };
}
