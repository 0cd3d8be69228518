// Traffic vs pods (DESIGN §4): are running user pods keeping up with the people
// arriving? The model (traffic-model.ts) predicts pods from demand; this detector
// holds the observed pods against it from several recent starting points, and
// keeps an incident open until the pods are back within the model's band: a refit
// never ends one, and the model never learns from a window its own shortfall
// covered. Pure: observations, config, `now` and the last run's memory in;
// findings, the model's band and the next memory out.
import { findingKeys } from '../state/keys.ts';
import type { TrafficVsPodsConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import { shortTitle, sourceFindingKey, type BandPoint, type Finding, type Series, type TrafficObservation } from '../model.ts';
import { fillGaps, finiteCount, lastFiniteIndex, meanOf, onGrid } from '../series.ts';
import {
  STEP_MS,
  fitModel,
  podsNear,
  predict,
  predictEach,
  type ModelCandidate,
  type Prediction,
  type TrafficModel,
} from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';

/** A time in a summary, to the minute: the detector knows no display zone, so UTC, said so. */
const utcMinute = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export { fitModel, type ModelCandidate, type TrafficModel } from './traffic-model.ts';

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
}

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
  /** Latest launch success the pods imply, for the launch probe to corroborate with. */
  implied?: { at: number; launchSuccess: number; shortfall: boolean };
}

export interface TrafficDetection {
  findings: Finding[];
  memory: TrafficMemory;
  band?: BandPoint[];
}

/** Once an incident held on this many runs in a row (the default alert rule's failuresToFire), only recovery ends it. */
const ESTABLISH_RUNS = 2;

export function trafficLookbackMs(cfg: TrafficVsPodsConfig): number {
  return cfg.baseline + Math.max(cfg.window, TUNING.horizonsMin[TUNING.horizonsMin.length - 1] * STEP_MS) + 10 * STEP_MS;
}

/**
 * Older history a run wants besides its lookback: with no model remembered, the
 * last day and the same hours a week ago, so a check started mid-incident knows
 * normal without having seen it. Undefined when the lookback is enough.
 */
export function trafficHistoryRanges(cfg: TrafficVsPodsConfig, now: number, memory?: TrafficMemory): [number, number][] | undefined {
  if (memory?.model) return undefined;
  const baseline = cfg.baseline;
  const week = now - TUNING.weekMs;
  return [
    [week - baseline, week + baseline],
    [now - TUNING.coldHistoryMs, now - trafficLookbackMs(cfg)],
  ];
}

/** Grid ranges a cold fit learns from: the same hours a week ago and the whole last day up to the evaluation window. */
function coldRanges(cfg: TrafficVsPodsConfig, now: number, idx: (t: number) => number, fitTo: number): [number, number][] {
  const [week] = trafficHistoryRanges(cfg, now) ?? [];
  const ranges: [number, number][] = [[Math.max(0, idx(now - TUNING.coldHistoryMs)), fitTo]];
  return week ? [[Math.max(0, idx(week[0])), Math.max(0, Math.min(fitTo, idx(week[1])))], ...ranges] : ranges;
}

/** Everything a run reads off its grid. */
interface Grid {
  /** Epoch ms of index 0. */
  from: number;
  a: Float64Array;
  /** Demand with gaps filled, for the model. */
  af: Float64Array;
  p: Float64Array;
  lastP: number;
  /** Pods now: the mean of the last three samples. */
  observed: number;
}

interface Evaluation {
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

const z = (e: Evaluation) => e.shortfall / e.sigma;

/** Model error at any horizon, interpolated between the calibrated ones (0 at 0). */
function modelErrorAt(model: TrafficModel, h: number): number {
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

/** For each horizon, the pods expected from the observed start (index `firstStart` or later) by the candidate least surprised by what is observed. */
function evaluate(g: Grid, model: TrafficModel, horizons: readonly number[], firstStart: number): Evaluation[] {
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
      const e = {
        horizon: h,
        expected,
        shortfall: expected - g.observed,
        sigma: Math.sqrt(variance + modelErrorAt(model, h) ** 2),
        arrivals: 0,
        start,
        model: m,
        central,
      };
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
function impliedSuccess(g: Grid, e: Evaluation): number {
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
function pinnedEvaluation(g: Grid, model: TrafficModel): Evaluation | undefined {
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
function launchesWork(g: Grid, m: ModelCandidate, firstStart: number): boolean {
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
function withinBand(g: Grid, model: TrafficModel, firstStart: number, twoSided: boolean): boolean {
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
function beyondFault(g: Grid, model: TrafficModel, firstStart: number, faultSuccess: number): boolean {
  const m = medianCandidate(model);
  const fault = { ...model, candidates: [{ ...m, s: m.s * faultSuccess }] };
  return evaluate(
    g,
    fault,
    TUNING.horizonsMin.filter((h) => h >= TUNING.recoveryHorizonMin),
    firstStart,
  ).some((e) => -z(e) >= TUNING.recoverySigmas);
}

/** The candidate with the median session length. */
function medianCandidate(model: TrafficModel): ModelCandidate {
  return [...model.candidates].sort((x, y) => x.W - y.W)[Math.floor(model.candidates.length / 2)];
}

/** The model's band per minute over the evaluation window: every candidate's expectation ± `sigmas`·σ. */
export function bandOf(g: Grid, model: TrafficModel, windowMin: number, sigmas: number): BandPoint[] {
  const k0 = Math.max(1, g.lastP - windowMin);
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

function unknownFinding(what: string, summary: string): Finding {
  return {
    check: 'trafficVsPods',
    key: sourceFindingKey('trafficVsPods'),
    status: 'unknown',
    severity: 'warning',
    title: shortTitle(`Traffic vs pods cannot see ${what}`),
    summary,
    runbook: ['binderwatch check trafficVsPods --config <your config>   # see which source is not answering'],
  };
}

const RUNBOOK = [
  'kubectl get pods --all-namespaces -o wide | grep -v Running   # pods not running, and on which node',
  'kubectl get pods --all-namespaces -o wide --field-selector=status.phase=Pending',
  'kubectl get nodes -o wide   # NotReady or cordoned nodes',
  'kubectl logs deploy/hub --tail=200   # in the hub namespace: spawn errors, timeouts',
  'binderwatch probe https://mybinder.org gh/binder-examples/requirements/HEAD   # launch one by hand',
];

const KEY = findingKeys.levellingOff;

/** [from, to) grid ranges minus the excluded windows. */
function clean(ranges: [number, number][], excluded: [number, number][], from: number): [number, number][] {
  let out = ranges.filter(([a, b]) => b > a);
  for (const [xa, xb] of excluded) {
    const ia = Math.floor((xa - from) / STEP_MS);
    const ib = Math.ceil((xb - from) / STEP_MS) + 1;
    out = out.flatMap(([a, b]): [number, number][] =>
      ib <= a || ia >= b
        ? [[a, b]]
        : (
            [
              [a, Math.max(a, ia)],
              [Math.min(b, ib), b],
            ] as [number, number][]
          ).filter(([x, y]) => y > x),
    );
  }
  return out;
}

/** Demand falling (pods follow it down, which is no shortfall): gently over the last half hour, or steeply within the last two hours (TUNING.steepDropLookbackMin). */
function demandFalling(a: Float64Array, last: number): boolean {
  const recent = meanOf(a, last - 9, last + 1);
  const earlier = meanOf(a, last - 29, last - 9);
  const drop = earlier - recent;
  if (drop > TUNING.demandFallShare * earlier && drop > TUNING.demandFallSigmas * Math.sqrt(earlier / 10 + earlier / 20)) return true;
  let busiest = 0;
  for (let k = last - TUNING.steepDropLookbackMin; k + 10 <= last + 1; k += 5) busiest = Math.max(busiest, meanOf(a, k, k + 10) || 0);
  return recent < TUNING.steepDropShare * busiest && busiest - recent > TUNING.demandFallSigmas * Math.sqrt(busiest / 10 + recent / 10);
}

/** Old history first, then the lookback; a timestamp in both is read once. */
function joined(recent: Series, older: Series | undefined): Series {
  if (!older?.length) return recent;
  const first = recent[0]?.t ?? Infinity;
  return [...older.filter((s) => s.t < first), ...recent];
}

export function detectTrafficVsPods(
  obs: TrafficObservation,
  cfg: TrafficVsPodsConfig,
  now: number,
  memory: TrafficMemory = {},
): TrafficDetection {
  const end = Math.floor(now / STEP_MS) * STEP_MS;
  const demandSeries = joined(obs.demand, obs.history?.demand);
  const podSeries = joined(obs.pods, obs.history?.pods);
  const oldest = Math.min(demandSeries[0]?.t ?? Infinity, podSeries[0]?.t ?? Infinity);
  const from = Math.min(end - trafficLookbackMs(cfg), Math.floor(oldest / STEP_MS) * STEP_MS);
  const a = onGrid(demandSeries, from, end, STEP_MS);
  const p = onGrid(podSeries, from, end, STEP_MS);
  const last = a.length - 1;
  const maxGap = cfg.maxDemandGap / STEP_MS;
  const lastA = lastFiniteIndex(a);
  const lastP = lastFiniteIndex(p);
  for (const [what, lastSeen] of [
    ['demand', lastA],
    ['running-pods', lastP],
  ] as const) {
    if (lastSeen >= 0 && last - lastSeen <= maxGap) continue;
    const since = lastSeen < 0 ? 'in the whole window' : `for ${formatDuration((last - lastSeen) * STEP_MS)}`;
    return { findings: [unknownFinding(what, `no ${what} data ${since}`)], memory };
  }
  const windowMs = cfg.window;
  const windowMin = windowMs / STEP_MS;
  const baselineMin = cfg.baseline / STEP_MS;
  const g: Grid = { from, a, af: fillGaps(a), p, lastP, observed: meanOf(p, lastP - 2, lastP + 1) };
  const idx = (t: number) => Math.round((t - from) / STEP_MS);

  // Never learn from a window the check's own shortfall covered, nor from the one open now.
  const excluded = (memory.excluded ?? []).filter(([, to]) => now - to <= TUNING.excludedKeptMs);
  const incidentOpen = memory.incident !== undefined && memory.incident.runs >= ESTABLISH_RUNS;
  const avoid: [number, number][] = memory.incident ? [...excluded, [memory.incident.since - windowMs, now]] : excluded;
  const fitTo = last - windowMin;
  const fitInput = (ranges: [number, number][]) => ({
    demand: g.af,
    rawDemand: a,
    pods: p,
    ranges: clean(ranges, avoid, from),
    sessionLength: { min: cfg.sessionLength.min / STEP_MS, max: cfg.sessionLength.max / STEP_MS },
    now,
  });
  let model = incidentOpen ? memory.incident!.model : memory.model;
  let fullBaseline = false;
  if (!incidentOpen && (!model || now - model.fittedAt >= TUNING.refitEveryMs)) {
    const baselineRange: [number, number] = [Math.max(0, fitTo - baselineMin), fitTo];
    // With nothing remembered, everything the source brought is history to learn from.
    const ranges = model ? [baselineRange] : coldRanges(cfg, now, idx, fitTo);
    const input = fitInput(ranges);
    const cleanMinutes = input.ranges.reduce((n, [x, y]) => n + y - x, 0);
    const fitted = model && cleanMinutes < Math.min(TUNING.minFitMin, baselineMin) ? undefined : fitModel(input);
    if (fitted) {
      model = fitted;
      fullBaseline = cleanMinutes >= baselineMin && input.ranges.length === 1;
    }
  }
  if (!model) return { findings: [learningFinding(g, a, fitTo, windowMin)], memory: { ...memory, excluded } };

  // Slow degradation hides from a model that keeps refitting: also hold today's pods
  // against a model fitted hours ago, over the longer horizons.
  // After a cold start the refits on the last hours learn whatever fault the check started
  // in: the fit on the long history is the reference until the check has one of its own.
  const coldReference =
    memory.coldReference && now - memory.coldReference.fittedAt < TUNING.referenceAgeMs ? memory.coldReference : undefined;
  const reference =
    coldReference ??
    (memory.snapshots ?? []).find((m) => now - m.fittedAt >= TUNING.referenceAgeMs && now - m.fittedAt <= TUNING.snapshotsKeptMs);
  const judgeFrom = memory.judgeFrom !== undefined && idx(memory.judgeFrom) > 0 ? memory.judgeFrom : undefined;
  const firstStart = judgeFrom === undefined ? 1 : idx(judgeFrom);
  const own = evaluate(g, model, TUNING.horizonsMin, firstStart);
  const usableReference = reference && !incidentOpen && (judgeFrom === undefined || reference.fittedAt > judgeFrom);
  const againstReference = usableReference
    ? evaluate(
        g,
        reference,
        TUNING.horizonsMin.filter((h) => h >= 30),
        firstStart,
      )
    : [];
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
  const shortfall = (significant.length > 0 || pinned !== undefined) && !demandFalling(a, last);
  const band = bandOf(g, model, windowMin, cfg.sigmas);

  // Recovery: the pods back within the model's band (withinBand) for a stated time.
  // A model learnt before the incident may no longer describe the world after the
  // fix (a restarted culler ends sessions sooner); pods growing by most of the
  // launches it expects, departures not even counted, is evidence that holds anyway.
  const frozenReference = memory.incident?.reference;
  // Every candidate of it, not the central one: a shortfall and sessions that outlast it would cancel under one of them.
  const backToReference =
    frozenReference !== undefined &&
    frozenReference.candidates.every((c) => withinBand(g, { ...frozenReference, candidates: [c] }, firstStart, true));
  const faultSuccess = memory.incident?.faultSuccess;
  const bandSaysRecovered =
    withinBand(g, model, firstStart, false) && (faultSuccess === undefined || beyondFault(g, model, firstStart, faultSuccess));
  // Pinned pods are never evidence that launches work, whatever band they sit in.
  const inBand = !pinnedSpan && (bandSaysRecovered || launchesWork(g, medianCandidate(model), firstStart) || backToReference);
  let incident: TrafficIncident | undefined = memory.incident;
  let nextExcluded = excluded;
  let recovered = false;
  let nextJudgeFrom =
    judgeFrom !== undefined && now - judgeFrom <= TUNING.horizonsMin[TUNING.horizonsMin.length - 1] * STEP_MS ? judgeFrom : undefined;
  if (incident) {
    if (incident.runs < ESTABLISH_RUNS && !shortfall) {
      // One run's shortfall that did not hold: never an alert, but not something to learn from either.
      nextExcluded = [...excluded, [incident.since - windowMs, now]];
      incident = undefined;
    } else {
      incident = { ...incident, runs: incident.runs + 1, inBandSince: inBand ? (incident.inBandSince ?? now) : undefined };
      if (incident.inBandSince !== undefined && now - incident.inBandSince >= TUNING.recoveryHoldMs) {
        nextExcluded = [...excluded, [incident.since - windowMs, now]];
        nextJudgeFrom = incident.inBandSince - TUNING.recoveryHorizonMin * STEP_MS;
        incident = undefined;
        recovered = true;
      }
    }
  } else if (shortfall) {
    // Pods far above an older model: what the current one learnt since may be a fault.
    const exceeded = againstReference.some((e) => -z(e) > cfg.sigmas);
    // The longest horizon counts the most launches: the steadiest estimate of the fault (a 5-minute one can read 0 %).
    const steadiest = [...significant, ...(pinned ? [pinned] : [])].sort((x, y) => y.arrivals - x.arrivals)[0];
    incident = { since: now, model, runs: 1, faultSuccess: impliedSuccess(g, steadiest), ...(exceeded ? { reference } : {}) };
  }

  const worst = [...(significant.length && shortfall ? significant : evaluations)].sort((x, y) => z(y) - z(x))[0];
  const implied = worst ? impliedSuccess(g, worst) : 0;
  const snapshots = nextSnapshots(memory.snapshots ?? [], model, now, !incident && fullBaseline && model.fittedAt === now);
  const nextMemory: TrafficMemory = {
    // A model learnt before the incident stays the model after it, until clean data refits it.
    // Back to the older model's band: the model learnt since was the fault; the older one describes normal.
    model: incident ? (memory.model ?? model) : recovered && backToReference ? frozenReference : model,
    incident,
    excluded: nextExcluded,
    judgeFrom: nextJudgeFrom,
    // Snapshots from before a recovery describe the world before it.
    snapshots: recovered ? [] : snapshots,
    coldReference: memory.model ? coldReference : model,
    // Only a shortfall that held (an established incident) corroborates a failing probe.
    implied: worst ? { at: now, launchSuccess: implied, shortfall: incident !== undefined && incident.runs >= ESTABLISH_RUNS } : undefined,
  };
  const result = (status: 'ok' | 'problem', title: string, summary: string, more: Partial<Finding> = {}): TrafficDetection => ({
    findings: [
      {
        check: 'trafficVsPods',
        key: KEY,
        status,
        severity: cfg.severity,
        title: shortTitle(title),
        summary,
        runbook: status === 'ok' ? [] : RUNBOOK,
        ...more,
      },
    ],
    memory: nextMemory,
    band,
  });
  // Pods far above the model over its longest horizon are no shortfall, but "following demand"
  // would be untrue: sessions run longer than the model knows (a stuck culler, a day unlike its
  // history). Short horizons start from the observed pods and cannot tell.
  const longest = evaluations.reduce<Evaluation | undefined>((x, y) => (!x || y.horizon > x.horizon ? y : x), undefined);
  const farAbove = longest !== undefined && -z(longest) > cfg.sigmas;
  if (!incident) {
    return result(
      'ok',
      recovered
        ? 'Launches work again: running pods back within the band'
        : farAbove
          ? 'Running pods above what demand implies'
          : 'Running pods follow demand',
      recovered
        ? `launches work again: running pods (${Math.round(g.observed)}) back within the model's band of what demand implies for ${formatDuration(TUNING.recoveryHoldMs)}`
        : farAbove
          ? `running pods (${Math.round(g.observed)}) well above what demand implies (~${Math.round(longest.expected)} over the last ${longest.horizon} min): ` +
            'sessions last longer than the model learnt (a stuck culler, or a day unlike its history); no shortfall, and the next refits learn it'
          : `running pods follow demand (${Math.round(g.observed)} running)`,
    );
  }
  if (!worst) {
    // Demand too patchy to judge any horizon now: the incident is not over for that.
    return result(
      'problem',
      `Running pods short of demand since ${utcMinute(incident.since)}; demand patchy`,
      `Running pods fell short of demand since ${utcMinute(incident.since)}; demand too patchy to judge right now (${Math.round(g.observed)} pods running), not resolved without evidence`,
    );
  }
  const flatSince = flatSinceIndex(p, lastP);
  const flatText = flatSince < lastP - 5 ? `, flat since ${utcMinute(from + flatSince * STEP_MS)}` : '';
  // A gap of up to maxDemandGap at the end is judged on the last demand seen, carried over it: say so.
  const seenPerMin = meanOf(a, last - 9, last + 1);
  const perMin = Number.isFinite(seenPerMin) ? seenPerMin : meanOf(g.af, last - 9, last + 1);
  const demandText = `demand ~${perMin.toFixed(1)}/min${Number.isFinite(seenPerMin) ? '' : ` (none seen for ${formatDuration((last - lastA) * STEP_MS)}: the last seen, carried over)`}`;
  const holding =
    incident.inBandSince !== undefined
      ? `; back within the model's band for ${formatDuration(now - incident.inBandSince)}, resolving after ${formatDuration(TUNING.recoveryHoldMs)}`
      : shortfall
        ? ''
        : "; not yet back within the model's band";
  const pinnedText = pinned
    ? `; pinned at exactly ${Math.round(g.observed)} for ${pinned.horizon} min while ~${Math.round(pinned.arrivals)} launches were expected: a ceiling (a full pool, a quota) or nothing starting and nothing ending`
    : '';
  return result(
    'problem',
    pinned && !significant.length
      ? `Running pods pinned at ${Math.round(g.observed)} while people keep arriving`
      : `Running pods levelling off: ${Math.round(g.observed)} of ~${Math.round(worst.expected)} expected`,
    `Running pods are levelling off while people keep arriving: ${demandText}; ` +
      `expected ~${Math.round(worst.expected)} running pods, observed ${Math.round(g.observed)}${flatText}; ` +
      `implied launch success ≈ ${Math.round(implied * 100)} % over the last ${worst.horizon} min${pinnedText}${holding}`,
    {
      details:
        `Model dp/dt = s·a − p/W fitted on ${model.fittedAt <= incident.since ? 'history before the shortfall' : 'the baseline'}: s=${worst.model.s.toFixed(3)}, W=${Math.round(worst.model.W)} min ` +
        `(the most cautious of ${model.candidates.length} that fit). ` +
        `Shortfall ${Math.round(worst.shortfall)} pods = ${z(worst).toFixed(1)}σ over ${worst.horizon} min; shortfall since ${utcMinute(incident.since)}.`,
      evidence: {
        demandPerMin: Number(perMin.toFixed(1)),
        expectedPods: Math.round(worst.expected),
        observedPods: Math.round(g.observed),
        shortfallPods: Math.round(worst.shortfall),
        sigmas: Number(z(worst).toFixed(1)),
        impliedLaunchSuccessPct: Math.round(implied * 100),
        horizonMin: worst.horizon,
      },
    },
  );
}

/** No model yet: say so, and for how long, instead of "ok". */
function learningFinding(g: Grid, a: Float64Array, fitTo: number, windowMin: number): Finding {
  const seen = finiteCount(a, 0, Math.max(0, fitTo));
  const left = Math.max(TUNING.minFitMin - seen, 1);
  return {
    check: 'trafficVsPods',
    key: KEY,
    status: 'ok',
    severity: 'warning',
    title: shortTitle(`Traffic vs pods still learning what normal is (${left} min more)`),
    summary:
      `still learning what normal is: ${seen} min of usable history before the last ${windowMin} min, a fit needs ${TUNING.minFitMin}; ` +
      `judging from about ${utcMinute(g.from + (g.a.length - 1 + left) * STEP_MS)} (${Math.round(g.observed)} pods running now, not judged)`,
    evidence: { learningMinutesLeft: left },
    runbook: [],
  };
}

/** Keeps a model every half hour for a few hours. */
function nextSnapshots(snapshots: TrafficModel[], model: TrafficModel, now: number, take: boolean): TrafficModel[] {
  const kept = snapshots.filter((m) => now - m.fittedAt <= TUNING.snapshotsKeptMs);
  const newest = kept[kept.length - 1];
  return take && (!newest || now - newest.fittedAt >= TUNING.snapshotEveryMs) ? [...kept, model] : kept;
}

/** Earliest index from which the pods stayed within noise of their latest level. */
function flatSinceIndex(p: Float64Array, lastP: number): number {
  const level = p[lastP];
  const band = Math.max(3 * Math.sqrt(Math.max(level, 1)), 0.03 * level);
  let k = lastP;
  while (k > 0 && (!Number.isFinite(p[k - 1]) || Math.abs(p[k - 1] - level) <= band)) k--;
  return k;
}
