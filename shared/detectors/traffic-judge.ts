// Step 3 of the traffic-vs-pods check: the observed pods held against the model's
// predictions from several recent starting points: is there a shortfall now, and
// is there evidence that launches work again? Pure.
import type { TrafficVsPodsConfig } from '../config/schema.ts';
import type { BandPoint } from '../model.ts';
import { finiteCount, meanOf } from '../series.ts';
import { STEP_MS, podsNear, predict, predictEach, type ModelCandidate, type Prediction, type TrafficModel } from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';
import type { Grid } from './traffic-grid.ts';

export interface Evaluation {
  horizon: number;
  expected: number;
  shortfall: number;
  sigma: number;
  /** Expected successful launches over the horizon. */
  arrivals: number;
  /** Observed pods at the horizon's start. */
  start: number;
  model: ModelCandidate;
  /** The central candidate of the model judged, to read the implied launch success with; none for pinned pods (nothing starts). */
  central?: ModelCandidate;
}

export const z = (e: Evaluation) => e.shortfall / e.sigma;

/** Model error at any horizon, interpolated between the calibrated ones (0 at 0). */
export function modelErrorAt(model: TrafficModel, h: number): number {
  let prevH = 0;
  let prevE = 0;
  for (const H of TUNING.horizonsMin) {
    const e = model.modelError[H] ?? 0;
    if (h <= H) return prevE + ((e - prevE) * (h - prevH)) / (H - prevH);
    prevH = H;
    prevE = e;
  }
  return prevE;
}

/** The candidate with the median session length. */
export function medianCandidate(model: TrafficModel): ModelCandidate {
  return [...model.candidates].sort((x, y) => x.W - y.W)[Math.floor(model.candidates.length / 2)];
}

/** For each horizon, the pods expected from the observed start (index `firstStart` or later) by the candidate least surprised by what is observed. */
export function evaluate(g: Grid, model: TrafficModel, horizons: readonly number[], firstStart: number): Evaluation[] {
  const out: Evaluation[] = [];
  const central = medianCandidate(model);
  for (const h of horizons) {
    const k0 = g.lastP - h;
    const start = podsNear(g.p, k0);
    if (k0 < Math.max(1, firstStart) || !Number.isFinite(start) || finiteCount(g.a, k0, g.lastP) < h * TUNING.minDemandCoverage) continue;
    // A shortfall must hold against every plausible model: the one least surprised speaks.
    let chosen: Evaluation | undefined;
    for (const m of model.candidates) {
      const { p: expected, variance } = predict(start, g.af, k0, h, m);
      const sigma = Math.sqrt(variance + modelErrorAt(model, h) ** 2);
      const e = { horizon: h, expected, shortfall: expected - g.observed, sigma, arrivals: 0, start, model: m, central };
      if (!chosen || z(e) < z(chosen)) chosen = e;
    }
    if (!chosen) continue;
    for (let k = k0; k < g.lastP; k++) chosen.arrivals += chosen.model.s * g.af[k];
    out.push(chosen);
  }
  return out;
}

/**
 * Launch success, as a share of the model's, that explains the observed pods under
 * the central candidate. The model is linear in s, so it is the share of the pods
 * from launches over the horizon (the start's sessions decayed out) still there; the
 * least surprised candidate (often a very long session) or all launches, departures
 * ignored, would read it too high. Read only for the evaluations a run reports.
 */
export function impliedSuccess(g: Grid, e: Evaluation): number {
  if (!e.central) return 0;
  const launched = predict(0, g.af, g.lastP - e.horizon, e.horizon, e.central).p;
  const decayed = e.start * Math.exp(-e.horizon / e.central.W);
  return Math.max(0, Math.min(1, (g.observed - decayed) / Math.max(launched, 1)));
}

/**
 * Running pods pinned: every sample of the last `pinnedMin` minutes or more the same.
 * Free traffic never holds a count exactly, as launches add and sessions end at random;
 * a count that does not move while launches are expected is held at a ceiling (a full
 * pool, a quota: launches wait for a slot), or nothing starts and nothing ends (a stuck
 * culler). A model that learnt the long sessions of a stuck culler reads that level as
 * equilibrium, so the model's band cannot see it. Judged by the usual test on the
 * launches the most cautious candidate expects over the span, a Poisson count
 * (σ = √launches): the count cannot have stayed put by chance while that many happened.
 */
export function pinnedEvaluation(g: Grid, model: TrafficModel): Evaluation | undefined {
  const level = g.p[g.lastP];
  let k = g.lastP;
  while (k > 0 && (!Number.isFinite(g.p[k - 1]) || g.p[k - 1] === level)) k--;
  const h = Math.min(g.lastP - k, TUNING.horizonsMin[TUNING.horizonsMin.length - 1]);
  const k0 = g.lastP - h;
  if (
    h < TUNING.pinnedMin ||
    finiteCount(g.p, k0, g.lastP + 1) < h * TUNING.minPodsCoverage ||
    finiteCount(g.a, k0, g.lastP) < h * TUNING.minDemandCoverage
  )
    return undefined;
  const m = model.candidates.reduce((x, y) => (y.s < x.s ? y : x));
  let arrivals = 0;
  for (let j = k0; j < g.lastP; j++) arrivals += m.s * g.af[j];
  return { horizon: h, expected: g.observed + arrivals, shortfall: arrivals, sigma: Math.sqrt(arrivals), arrivals, start: level, model: m };
}

/** Have the pods grown, over the recovery horizon, by most of the launches `m` expects? */
export function launchesWork(g: Grid, m: ModelCandidate, firstStart: number): boolean {
  const k0 = g.lastP - TUNING.recoveryHorizonMin;
  const start = podsNear(g.p, k0);
  if (
    k0 < Math.max(1, firstStart) ||
    !Number.isFinite(start) ||
    finiteCount(g.a, k0, g.lastP) < TUNING.recoveryHorizonMin * TUNING.minDemandCoverage
  )
    return false;
  let launches = 0;
  for (let k = k0; k < g.lastP; k++) launches += m.s * g.af[k];
  return launches > 0 && g.observed - start >= TUNING.recoveryGrowthShare * launches;
}

/**
 * Recovery is evidence, not the absence of a shortfall: the pods back within the
 * model's band at every horizon. A prediction that starts inside the incident, from
 * few pods, climbs back to what demand implies exactly as pods do when launches work
 * again, so the long horizons hold a recovery to the level. Judged by the central
 * candidate: the most cautious one, a very long session, barely depends on launches
 * at all and would call any flat line a recovery. Evidence needs launches to test: at
 * night, with a handful expected, any pods are "in band". `twoSided`: pods above the
 * band are no recovery either.
 */
export function withinBand(g: Grid, model: TrafficModel, firstStart: number, twoSided: boolean): boolean {
  const checks = evaluate(g, { ...model, candidates: [medianCandidate(model)] }, TUNING.horizonsMin, firstStart);
  const informative = checks.some((e) => e.horizon >= TUNING.recoveryHorizonMin && e.arrivals >= TUNING.informativeSigmas * e.sigma);
  return informative && checks.every((e) => z(e) <= TUNING.recoverySigmas && (!twoSided || -z(e) <= TUNING.recoverySigmas));
}

/**
 * Pods above what launches at the fault's success would give, by `recoverySigmas` at
 * some horizon of the recovery's length or more. A partial fault (launches at 60 %)
 * under a wide band can sit within the normal model's band too; then the band says
 * nothing, and only pods the fault cannot explain are evidence that launches work.
 */
export function beyondFault(g: Grid, model: TrafficModel, firstStart: number, faultSuccess: number): boolean {
  const m = medianCandidate(model);
  const fault = { ...model, candidates: [{ ...m, s: m.s * faultSuccess }] };
  const horizons = TUNING.horizonsMin.filter((h) => h >= TUNING.recoveryHorizonMin);
  return evaluate(g, fault, horizons, firstStart).some((e) => -z(e) >= TUNING.recoverySigmas);
}

/** The model's band per minute over the last `minutes`: every candidate's expectation ± `sigmas`·σ, from the observed pods then. */
export function bandOf(g: Grid, model: TrafficModel, minutes: number, sigmas: number): BandPoint[] {
  const k0 = Math.max(1, g.lastP - minutes);
  const start = podsNear(g.p, k0);
  if (!Number.isFinite(start)) return [];
  const n = g.lastP - k0;
  // paths[c][j − 1]: candidate c's prediction j minutes on, one pass each.
  const paths = model.candidates.map((m) => {
    const path: Prediction[] = [];
    predictEach(start, g.af, k0, n, m, (_, p, variance) => path.push({ p, variance }));
    return path;
  });
  const out: BandPoint[] = [];
  for (let j = 1; j <= n; j++) {
    const ps = paths.map((path) => path[j - 1]);
    const err = modelErrorAt(model, j) ** 2;
    const sorted = ps.map((x) => x.p).sort((x, y) => x - y);
    out.push({
      t: g.from + (k0 + j) * STEP_MS,
      expected: sorted[Math.floor(sorted.length / 2)],
      low: Math.max(0, Math.min(...ps.map((x) => x.p - sigmas * Math.sqrt(x.variance + err)))),
      high: Math.max(...ps.map((x) => x.p + sigmas * Math.sqrt(x.variance + err))),
    });
  }
  return out;
}

/** Demand falling (pods follow it down, which is no shortfall): gently over the last half hour, or steeply within the last two hours (TUNING.steepDropLookbackMin). */
export function demandFalling(a: Float64Array, last: number): boolean {
  const recentMin = TUNING.demandRecentMin;
  const recent = meanOf(a, last - recentMin + 1, last + 1);
  const earlier = meanOf(a, last - recentMin - TUNING.demandEarlierMin + 1, last - recentMin + 1);
  const drop = earlier - recent;
  const gentleNoise = Math.sqrt(earlier / recentMin + earlier / TUNING.demandEarlierMin);
  if (drop > TUNING.demandFallShare * earlier && drop > TUNING.demandFallSigmas * gentleNoise) return true;
  let busiest = 0;
  for (let k = last - TUNING.steepDropLookbackMin; k + recentMin <= last + 1; k += TUNING.busiestStepMin)
    busiest = Math.max(busiest, meanOf(a, k, k + recentMin) || 0);
  const steepNoise = Math.sqrt(busiest / recentMin + recent / recentMin);
  return recent < TUNING.steepDropShare * busiest && busiest - recent > TUNING.demandFallSigmas * steepNoise;
}

/** What one run concludes from the pods against the model. */
export interface Judgement {
  /** Against the current model, then against the older reference over the long horizons. */
  evaluations: Evaluation[];
  againstReference: Evaluation[];
  significant: Evaluation[];
  /** Pods pinned at one count, when that is significant by itself. */
  pinned?: Evaluation;
  /** A shortfall this run (significant or pinned, demand not falling). */
  shortfall: boolean;
  /** Evidence that launches work (recovery), never from pinned pods. */
  inBand: boolean;
  /** The pods back within the band of the reference frozen with the incident, on both sides. */
  backToReference: boolean;
}

export interface JudgeInput {
  model: TrafficModel;
  /** A model fitted hours ago: slow slides hide from one that keeps refitting. */
  reference?: TrafficModel;
  /** First grid index a prediction may start from (after a recovery). */
  firstStart: number;
  /** From the open incident: its frozen reference and the launch success its onset implied. */
  frozenReference?: TrafficModel;
  faultSuccess?: number;
}

export function judge(g: Grid, cfg: TrafficVsPodsConfig, input: JudgeInput): Judgement {
  const { model, reference, firstStart, frozenReference, faultSuccess } = input;
  const own = evaluate(g, model, TUNING.horizonsMin, firstStart);
  const referenceHorizons = TUNING.horizonsMin.filter((h) => h >= TUNING.referenceMinHorizonMin);
  const againstReference = reference ? evaluate(g, reference, referenceHorizons, firstStart) : [];
  const evaluations = [...own, ...againstReference];
  // Failing launches can take from the pods at most the launches expected over the
  // horizon; a bigger drop is sessions ending (a culler catching up, a node deleted
  // with its pods), which is not this check's incident.
  const isSignificant = (e: Evaluation) =>
    e.expected >= cfg.minPods &&
    z(e) > cfg.sigmas &&
    e.shortfall >= cfg.minShortfall * e.expected &&
    e.shortfall >= TUNING.minShortfallPods &&
    e.shortfall <= e.arrivals + cfg.sigmas * e.sigma;
  const significant = evaluations.filter(isSignificant);
  const pinnedSpan = pinnedEvaluation(g, model);
  const pinned = pinnedSpan !== undefined && isSignificant(pinnedSpan) ? pinnedSpan : undefined;
  const shortfall = (significant.length > 0 || pinned !== undefined) && !demandFalling(g.a, g.last);

  // Recovery: the pods back within the model's band (withinBand). A model learnt before the
  // incident may no longer describe the world after the fix (a restarted culler ends sessions
  // sooner); pods growing by most of the launches it expects, departures not even counted, is
  // evidence that holds anyway. Against every candidate of the frozen reference, not the
  // central one: a shortfall and sessions that outlast it would cancel under one of them.
  const backToReference =
    frozenReference !== undefined &&
    frozenReference.candidates.every((c) => withinBand(g, { ...frozenReference, candidates: [c] }, firstStart, true));
  const bandSaysRecovered =
    withinBand(g, model, firstStart, false) && (faultSuccess === undefined || beyondFault(g, model, firstStart, faultSuccess));
  // Pinned pods are never evidence that launches work, whatever band they sit in.
  const inBand = !pinnedSpan && (bandSaysRecovered || launchesWork(g, medianCandidate(model), firstStart) || backToReference);
  return { evaluations, againstReference, significant, pinned, shortfall, inBand, backToReference };
}
