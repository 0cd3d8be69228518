// Traffic vs pods: are running user pods keeping up with the people arriving? The
// model (traffic-model.ts) predicts pods from demand; this detector holds the
// observed pods against it from several recent starting points, and keeps an
// incident open until the pods are back within the model's band: a refit never
// ends one, and the model never learns from a window its own shortfall covered.
// Pure: observations, config, `now` and the last run's memory in; findings, the
// model's band and the next memory out. One run is five steps, each in its own
// file: grid (traffic-grid.ts), baseline (below), judge (traffic-judge.ts),
// incident (traffic-incident.ts), messages (traffic-messages.ts).
// `z` is traffic-judge's z-score; zod goes by its name.
import { z as zod } from 'zod';
import type { TrafficVsPodsConfig } from '../config/schema.ts';
import type { BandPoint, Finding, TrafficObservation } from '../model.ts';
import { clean, coldHistoryRanges, coldRanges, gridIndex, readGrid, type Grid } from './traffic-grid.ts';
import { established, nextIncident, nextSnapshots, type TrafficIncident } from './traffic-incident.ts';
import { bandOf, impliedSuccess, judge, z, type Judgement } from './traffic-judge.ts';
import { nextCalibration, type Calibrating } from './traffic-calibration.ts';
import { recountOf, rescale, type Recount } from './traffic-recount.ts';
import { learningFinding, recountFinding, okFinding, problemFinding, unfittable, unknownFinding } from './traffic-messages.ts';
import { STEP_MS, fitModel, usableMinutes, type TrafficModel } from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';
import { finiteCount } from '../series.ts';

export { fitModel, type ModelCandidate, type TrafficModel } from './traffic-model.ts';
export { trafficLookbackMs } from './traffic-grid.ts';
export type { TrafficIncident } from './traffic-incident.ts';

export interface TrafficMemory {
  model?: TrafficModel;
  incident?: TrafficIncident;
  /** Windows [from, to] (epoch ms) the check's own shortfall covered: never learnt from. */
  excluded?: [number, number][];
  /** Models fitted over the last hours, oldest first: the reference for slow drifts. */
  snapshots?: TrafficModel[];
  /** After a recovery: predictions starting before this time start inside the incident and are not judged. */
  judgeFrom?: number;
  /** The model a cold start fitted on the long history: the reference for slow drifts while no snapshot is old enough. */
  coldReference?: TrafficModel;
  /** Since when, and until when, the model is calibrating (shortfalls warn, never page). */
  calibrating?: Calibrating;
  /** Demand started being counted differently (seen at `seenAt`): reported as a warning until the model relearnt. */
  recount?: Recount & { seenAt: number };
  /** A shortfall seen on every run since this time, not yet long enough to open an incident. */
  shortfallSince?: number;
  /** Latest launch success the pods imply, for the launch probe to corroborate with. */
  implied?: { at: number; launchSuccess: number; shortfall: boolean };
}

/**
 * What a stored TrafficMemory must look like to be used (the state store checks it on
 * read; anything else is logged and the check starts afresh). Kept next to the type.
 */
const finite = zod.number();
const trafficModelShape = zod.looseObject({
  candidates: zod.array(zod.looseObject({ s: zod.number().positive(), W: zod.number().positive() })).min(1),
  modelError: zod.record(zod.string(), zod.number().nonnegative()),
  fittedAt: finite,
});
const calibratingShape = zod.looseObject({ since: finite, until: finite, why: zod.string() });
export const trafficMemoryShape: zod.ZodType<TrafficMemory> = zod.looseObject({
  model: trafficModelShape.optional(),
  incident: zod
    .looseObject({
      since: finite,
      model: trafficModelShape,
      runs: zod.number().int().nonnegative(),
      inBandSince: finite.optional(),
      reference: trafficModelShape.optional(),
      faultSuccess: finite.optional(),
      calibrating: calibratingShape.optional(),
    })
    .optional(),
  excluded: zod.array(zod.tuple([finite, finite])).optional(),
  snapshots: zod.array(trafficModelShape).optional(),
  judgeFrom: finite.optional(),
  coldReference: trafficModelShape.optional(),
  calibrating: calibratingShape.optional(),
  recount: zod.looseObject({ at: finite, ratio: zod.number().positive(), before: finite, after: finite, seenAt: finite }).optional(),
  implied: zod.looseObject({ at: finite, launchSuccess: finite, shortfall: zod.boolean() }).optional(),
  shortfallSince: finite.optional(),
});

export interface TrafficDetection {
  findings: Finding[];
  memory: TrafficMemory;
  band?: BandPoint[];
}

/**
 * Older history a run wants besides its lookback: with no model remembered, the
 * last day and the same hours a week ago. Undefined when the lookback is enough.
 */
export function trafficHistoryRanges(cfg: TrafficVsPodsConfig, now: number, memory?: TrafficMemory): [number, number][] | undefined {
  return memory?.model ? undefined : coldHistoryRanges(cfg, now);
}

/** The model a run judges with, and whether it was just fitted on a whole clean baseline (worth a snapshot). */
interface Baseline {
  model?: TrafficModel;
  fullBaseline: boolean;
  /** Excluded windows still kept. */
  excluded: [number, number][];
  /** The first model of the check was fitted this run, on this much clean history. */
  coldFitMs?: number;
  /** Minutes a first fit had to learn from and failed on anyway: "learning" past its own deadline. */
  unfitMinutes?: number;
}

/**
 * Step 2: the model. Frozen while an incident is established; otherwise refitted every
 * few minutes on the clean baseline (never on a window the check's own shortfall covered,
 * nor the one open now), or, with nothing remembered, on all the history the source brought.
 */
export function baseline(g: Grid, cfg: TrafficVsPodsConfig, now: number, memory: TrafficMemory): Baseline {
  const excluded = (memory.excluded ?? []).filter(([, to]) => now - to <= TUNING.excludedKeptMs);
  if (established(memory.incident)) return { model: memory.incident!.model, fullBaseline: false, excluded };
  const windowMin = cfg.window / STEP_MS;
  const baselineMin = cfg.baseline / STEP_MS;
  const openSince = memory.incident?.since ?? memory.shortfallSince;
  const avoid: [number, number][] = openSince !== undefined ? [...excluded, [openSince - cfg.window, now]] : excluded;
  const fitTo = g.last - windowMin;
  const remembered = memory.model;
  if (remembered && now - remembered.fittedAt < TUNING.refitEveryMs) return { model: remembered, fullBaseline: false, excluded };
  const ranges = remembered ? [[Math.max(0, fitTo - baselineMin), fitTo] as [number, number]] : coldRanges(cfg, now, g, fitTo);
  const input = {
    demand: g.af,
    rawDemand: g.a,
    pods: g.p,
    ranges: clean(ranges, avoid, g.from),
    sessionLength: { min: cfg.sessionLength.min / STEP_MS, max: cfg.sessionLength.max / STEP_MS },
    now,
  };
  const cleanMinutes = input.ranges.reduce((n, [x, y]) => n + y - x, 0);
  const fitted = remembered && cleanMinutes < Math.min(TUNING.minFitMin, baselineMin) ? undefined : fitModel(input);
  if (!fitted) return { model: remembered, fullBaseline: false, excluded, unfitMinutes: remembered ? undefined : usableMinutes(input) };
  const fullBaseline = cleanMinutes >= baselineMin && input.ranges.length === 1;
  if (remembered) return { model: fitted, fullBaseline, excluded };
  // History the first model saw: minutes with demand, not the grid's span (it reaches before the data).
  const seen = input.ranges.reduce((n, [x, y]) => n + finiteCount(g.a, x, y), 0);
  return { model: fitted, fullBaseline, excluded, coldFitMs: seen * STEP_MS };
}

/**
 * The older model slow slides are judged against: after a cold start the refits on the
 * last hours learn whatever fault the check started in, so the fit on the long history
 * is the reference until the check has a snapshot of its own old enough.
 */
function referenceOf(memory: TrafficMemory, now: number): { reference?: TrafficModel; coldReference?: TrafficModel } {
  const cold = memory.coldReference;
  const coldReference = cold && now - cold.fittedAt < TUNING.referenceAgeMs ? cold : undefined;
  const snapshot = (memory.snapshots ?? []).find(
    (m) => now - m.fittedAt >= TUNING.referenceAgeMs && now - m.fittedAt <= TUNING.snapshotsKeptMs,
  );
  return { reference: coldReference ?? snapshot, coldReference };
}

export function detectTrafficVsPods(
  obs: TrafficObservation,
  cfg: TrafficVsPodsConfig,
  now: number,
  memory: TrafficMemory = {},
): TrafficDetection {
  const g = readGrid(obs, cfg, now);
  if ('missing' in g) return { findings: [unknownFinding(g.missing, g.since)], memory };
  const { model, fullBaseline, excluded, coldFitMs, unfitMinutes = 0 } = baseline(g, cfg, now, memory);
  const windowMin = cfg.window / STEP_MS;
  if (!model) {
    const finding =
      unfitMinutes >= TUNING.minFitMin ? unfittable(unfitMinutes, windowMin) : learningFinding(g, g.last - windowMin, windowMin);
    return { findings: [finding], memory: { ...memory, excluded } };
  }

  const judgeFrom = memory.judgeFrom !== undefined && gridIndex(g, memory.judgeFrom) > 0 ? memory.judgeFrom : undefined;
  const firstStart = judgeFrom === undefined ? 1 : gridIndex(g, judgeFrom);
  const { reference, coldReference } = referenceOf(memory, now);
  const usableReference =
    reference && !established(memory.incident) && (judgeFrom === undefined || reference.fittedAt > judgeFrom) ? reference : undefined;
  const frozen = memory.incident;
  const calibrating = nextCalibration({ now, previous: memory.calibrating, coldFitMs });
  const j = judge(g, cfg, {
    model,
    reference: usableReference,
    firstStart,
    frozenReference: frozen?.reference,
    faultSuccess: frozen?.faultSuccess,
  });
  const recount = j.shortfall && !established(memory.incident) ? recountOf(g, model) : undefined;
  if (recount) return recounted(g, cfg, now, { ...memory, excluded }, model, recount);
  const streak = persistence(memory, j.shortfall, now, cfg);
  const step = nextIncident({
    now,
    windowMs: cfg.window,
    incident: memory.incident,
    shortfall: memory.incident ? j.shortfall : streak.persisted,
    openSince: streak.since,
    inBand: j.inBand,
    opening: () => ({ ...opening(g, cfg, j, model, usableReference), ...(calibrating ? { calibrating } : {}) }),
  });
  const { incident } = step;
  const recovered = step.recoveredJudgeFrom !== undefined;
  const longestHorizonMs = TUNING.horizonsMin[TUNING.horizonsMin.length - 1] * STEP_MS;
  const worst = [...(j.significant.length && j.shortfall ? j.significant : j.evaluations)].sort((x, y) => z(y) - z(x))[0];
  const implied = worst ? impliedSuccess(g, worst) : 0;
  const snapshots = nextSnapshots(memory.snapshots ?? [], model, now, !incident && fullBaseline && model.fittedAt === now);
  const nextMemory: TrafficMemory = {
    // A model learnt before the incident stays the model after it, until clean data refits it.
    // Back to the older model's band: the model learnt since was the fault; the older one describes normal.
    model: incident ? (memory.model ?? model) : recovered && j.backToReference ? frozen?.reference : model,
    incident,
    excluded: [...excluded, ...(step.exclude ? [step.exclude] : []), ...(streak.exclude ? [streak.exclude] : [])],
    shortfallSince: incident ? undefined : streak.since,
    judgeFrom: step.recoveredJudgeFrom ?? (judgeFrom !== undefined && now - judgeFrom <= longestHorizonMs ? judgeFrom : undefined),
    // Snapshots from before a recovery describe the world before it.
    snapshots: recovered ? [] : snapshots,
    coldReference: memory.model ? coldReference : model,
    calibrating,
    // Reported until the model has relearnt from the new counts (a refit after it was seen).
    recount: memory.recount && model.fittedAt <= memory.recount.seenAt ? memory.recount : undefined,
    // Only a shortfall that held (an established incident) past calibration corroborates a failing probe.
    implied: worst ? { at: now, launchSuccess: implied, shortfall: established(incident) && !incident?.calibrating } : undefined,
  };
  // A shortfall shows the band it was judged on: the judged candidate's prediction from the
  // start of the horizon that fired, so the pods alerted on sit below the band the chart draws.
  const judged = incident && worst && j.significant.includes(worst);
  const band = judged
    ? bandOf(g, { ...model, candidates: [worst.model] }, worst.horizon, cfg.sigmas)
    : bandOf(g, model, windowMin, cfg.sigmas);
  const finding = incident
    ? problemFinding({
        g,
        cfg,
        now,
        incident,
        model,
        worst,
        implied,
        pinned: j.pinned,
        significant: j.significant.length > 0,
        shortfall: j.shortfall,
      })
    : okFinding(g, cfg, j.evaluations, recovered, calibrating);
  const relearnt = memory.recount ? [recountFinding(memory.recount, nextMemory.recount === undefined, nextMemory.calibrating)] : [];
  return { findings: [finding, ...relearnt], memory: nextMemory, band };
}

/**
 * Demand counted differently: no incident. The model keeps its sessions and learns the
 * new launches per counted arrival from the step (its launch rate divided by it), never
 * again from the old counts, and calibrates anew: until it has seen enough of the new
 * counts, a shortfall only warns.
 */
function recounted(g: Grid, cfg: TrafficVsPodsConfig, now: number, memory: TrafficMemory, model: TrafficModel, recount: Recount) {
  const calibrating = nextCalibration({ now, demandChanged: true });
  const next: TrafficMemory = {
    model: rescale(model, recount.ratio, now),
    excluded: [...(memory.excluded ?? []), [recount.at - TUNING.excludedKeptMs, recount.at]],
    calibrating,
    recount: { ...recount, seenAt: now },
  };
  const findings = [okFinding(g, cfg, [], false, calibrating), recountFinding(next.recount!, false, calibrating)];
  return { findings, memory: next, band: bandOf(g, next.model!, cfg.window / STEP_MS, cfg.sigmas) };
}

/**
 * A shortfall opens an incident only once it held on every run for `persistFor`: a
 * launch that waits minutes for a new node (autoscaler lag, a crowd arriving at once)
 * leaves the pods behind demand for about that long and then they catch up, which a
 * failing launch never does. A streak that breaks first is kept out of the fits.
 */
function persistence(memory: TrafficMemory, shortfall: boolean, now: number, cfg: TrafficVsPodsConfig) {
  if (memory.incident) return { persisted: false };
  if (!shortfall) {
    const from = memory.shortfallSince;
    return { persisted: false, exclude: from === undefined ? undefined : ([from - cfg.window, now] as [number, number]) };
  }
  const since = memory.shortfallSince ?? now;
  return { persisted: now - since >= cfg.persistFor, since };
}

/** What a new incident freezes: the model, the launch success its steadiest evidence implies, and a reference the pods ran far above. */
function opening(g: Grid, cfg: TrafficVsPodsConfig, j: Judgement, model: TrafficModel, reference: TrafficModel | undefined) {
  // Pods far above an older model: what the current one learnt since may be a fault.
  const exceeded = j.againstReference.some((e) => -z(e) > cfg.sigmas);
  // The longest horizon counts the most launches: the steadiest estimate of the fault (a 5-minute one can read 0 %).
  const steadiest = [...j.significant, ...(j.pinned ? [j.pinned] : [])].sort((x, y) => y.arrivals - x.arrivals)[0];
  return { model, faultSuccess: impliedSuccess(g, steadiest), ...(exceeded ? { reference } : {}) };
}
