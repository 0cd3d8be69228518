// Traffic vs pods (DESIGN §4): are running user pods keeping up with the people
// arriving? Little's law as an ODE, dp/dt = s·a(t) − p/W: arrivals a(t) that launch
// with success s (which also absorbs GA's scale) minus departures after a mean
// session W. s and W are fitted on a trailing healthy baseline; the pods are then
// predicted forward from several recent starting points with the demand that
// really came, and a shortfall beyond noise, while demand is not falling, is a
// problem. Pure: observations, config and `now` in; findings (and the fitted
// model, to keep while an incident lasts) out.
import type { TrafficVsPodsConfig } from '../config/schema.ts';
import { parseDuration, formatDuration } from '../duration.ts';
import { shortTitle, type BandPoint, type Finding, type TrafficObservation } from '../model.ts';
import { fillGaps, finiteCount, lastFiniteIndex, meanOf, onGrid } from '../series.ts';

const STEP = 60_000; // the model runs per minute
const HORIZONS_MIN = [5, 10, 15, 20, 30, 45, 60];
const W_GRID_SIZE = 28;
/** Variance of launches per expected launch: less than Poisson, since the arrivals themselves are measured. */
const ARRIVAL_NOISE = 0.2;
/** Demand filled in for more than this share of a window is too much guesswork to judge or fit on. */
const MIN_DEMAND_COVERAGE = 0.8;
/** After an incident, stay quiet while a new model is learnt if it has been over this long. */
const RELEARN_AFTER_MS = 20 * 60_000;
/** A baseline of hours changes little in minutes: refit at most this often. */
const REFIT_EVERY_MS = 5 * 60_000;
/** A fit whose squared error is within this factor of the best one explains the baseline as well (residuals of an integrated model are strongly correlated, so few are independent). */
const FIT_TOLERANCE = 1.25;

/** One (s, W) pair that explains the baseline. */
export interface ModelCandidate {
  /** Launch success × GA scale. */
  s: number;
  /** Mean session length, minutes. */
  W: number;
}

export interface TrafficModel {
  /**
   * Every pair that explains the baseline about as well as the best one. A steady
   * baseline cannot tell a short session from a long one; they predict different
   * futures when demand moves, so a shortfall must hold against all of them.
   */
  candidates: ModelCandidate[];
  /** RMS prediction error on the baseline, per horizon (minutes → pods), worst over the candidates. */
  modelError: Record<number, number>;
  fittedAt: number;
}

export interface TrafficMemory {
  model?: TrafficModel;
  /** When a shortfall was last seen; the model stays frozen until that is out of the baseline. */
  lastProblemAt?: number;
  /** Models fitted over the last hours, oldest first: the reference for slow drifts. */
  snapshots?: TrafficModel[];
  /** Launches recovered at this time; until a model is fitted on data after it, the check stays quiet. */
  relearnFrom?: number;
}

/** Minutes over which a recovery must show. */
const RECOVERY_WINDOW_MIN = 20;

/** Have pods grown, over the last minutes, by at least half the launches the model expects? */
function launchesWork(model: TrafficModel, af: Float64Array, p: Float64Array, lastP: number, observed: number): boolean {
  const k0 = lastP - RECOVERY_WINDOW_MIN;
  const start = podsNear(p, k0);
  if (k0 < 1 || !Number.isFinite(start)) return false;
  const s = model.candidates.map((c) => c.s).sort((x, y) => x - y)[Math.floor(model.candidates.length / 2)];
  let launches = 0;
  for (let k = k0; k < lastP; k++) launches += s * af[k];
  return observed - start >= 0.5 * launches && launches > 0;
}

/** How old a model must be to serve as the reference against slow degradation. */
const REFERENCE_AGE_MS = 2 * 3_600_000;
const SNAPSHOT_EVERY_MS = 30 * 60_000;
const SNAPSHOTS_KEPT_MS = 4 * 3_600_000;

/** Keeps a model every half hour for a few hours. */
function nextSnapshots(snapshots: TrafficModel[], model: TrafficModel, now: number, take: boolean): TrafficModel[] {
  const kept = snapshots.filter((m) => now - m.fittedAt <= SNAPSHOTS_KEPT_MS);
  const newest = kept[kept.length - 1];
  return take && (!newest || now - newest.fittedAt >= SNAPSHOT_EVERY_MS) ? [...kept, model] : kept;
}

/** Pods expected over each horizon from the observed start, by the most cautious candidate of `model`. */
function evaluate(model: TrafficModel, horizons: number[], a: Float64Array, af: Float64Array, p: Float64Array, lastP: number, observed: number): Evaluation[] {
  const out: Evaluation[] = [];
  for (const h of horizons) {
    const k0 = lastP - h;
    const start = podsNear(p, k0);
    if (k0 < 1 || !Number.isFinite(start) || finiteCount(a, k0, lastP) < h * MIN_DEMAND_COVERAGE) continue;
    // A shortfall must hold against every plausible model: the one least surprised speaks.
    const modelError = model.modelError[h] ?? 0;
    let chosen: (ModelCandidate & { expected: number; sigma: number }) | undefined;
    for (const m of model.candidates) {
      const { p: expected, variance } = predict(start, af, k0, h, m.s, m.W);
      const sigma = Math.sqrt(variance + modelError ** 2);
      if (!chosen || (expected - observed) / sigma < (chosen.expected - observed) / chosen.sigma) chosen = { ...m, expected, sigma };
    }
    if (!chosen) continue;
    let arrivals = 0;
    for (let k = k0; k < lastP; k++) arrivals += chosen.s * af[k];
    out.push({
      horizon: h,
      expected: chosen.expected,
      observed,
      shortfall: chosen.expected - observed,
      sigma: chosen.sigma,
      arrivals,
      model: chosen,
    });
  }
  return out;
}

export interface TrafficDetection {
  findings: Finding[];
  memory: TrafficMemory;
  band?: BandPoint[];
}

/** Expected pods and the alert band (± sigmas·σ) per minute over one evaluation, from its own start: what the page and alert charts draw. */
function bandOf(e: Evaluation, model: TrafficModel, af: Float64Array, p: Float64Array, lastP: number, from: number, sigmas: number): BandPoint[] {
  const k0 = lastP - e.horizon;
  const start = podsNear(p, k0);
  const out: BandPoint[] = [];
  for (let n = 1; n <= e.horizon; n++) {
    const { p: expected, variance } = predict(start, af, k0, n, e.model.s, e.model.W);
    const spread = sigmas * Math.sqrt(variance + ((model.modelError[e.horizon] ?? 0) * n) ** 2 / e.horizon ** 2);
    out.push({ t: from + (k0 + n) * STEP, expected, low: Math.max(0, expected - spread), high: expected + spread });
  }
  return out;
}

export function trafficLookbackMs(cfg: TrafficVsPodsConfig): number {
  return parseDuration(cfg.baseline) + Math.max(parseDuration(cfg.window), HORIZONS_MIN[HORIZONS_MIN.length - 1] * STEP) + 10 * STEP;
}

/** Pods predicted `n` minutes ahead of p0 given arrivals a[k0..k0+n). */
function predict(p0: number, a: Float64Array, k0: number, n: number, s: number, W: number): { p: number; variance: number } {
  const keep = Math.exp(-1 / W);
  let p = p0;
  let variance = 0;
  for (let k = k0; k < k0 + n; k++) {
    const arrivals = s * a[k];
    // Departures are Poisson. Arrivals are observed, so only whether they launch varies;
    // anything more (GA's scale drifting, bursts) shows in the calibrated model error.
    variance += ARRIVAL_NOISE * arrivals + p / W;
    p = p * keep + arrivals * W * (1 - keep);
  }
  return { p, variance };
}

/** Observed pods near index k: the median of the finite values in k−1..k+1 (one noisy sample must not set the start). */
function podsNear(p: Float64Array, k: number): number {
  const v = [p[k - 1], p[k], p[k + 1]].filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
}

/** Fits s and W on the window [from, to) of the grid; undefined when the data cannot support a fit. */
export function fitModel(a: Float64Array, rawDemand: Float64Array, p: Float64Array, from: number, to: number, cfg: TrafficVsPodsConfig, now: number): TrafficModel | undefined {
  const n = to - from;
  if (n < 30 || finiteCount(p, from, to) < n * 0.6 || finiteCount(rawDemand, from, to) < n * MIN_DEMAND_COVERAGE || meanOf(a, from, to) <= 0) return undefined;
  const p0 = podsNear(p, from);
  if (!Number.isFinite(p0)) return undefined;
  const wMin = parseDuration(cfg.sessionLength.min) / STEP;
  const wMax = parseDuration(cfg.sessionLength.max) / STEP;
  const candidates: { s: number; W: number; sse: number }[] = [];
  for (let g = 0; g < W_GRID_SIZE; g++) {
    const W = wMin * (wMax / wMin) ** (g / (W_GRID_SIZE - 1));
    const keep = Math.exp(-1 / W);
    // p(k) = p0·keep^k + s·q(k), q the response to the arrivals with unit success: linear in s.
    let q = 0;
    let decay = 1;
    let sqq = 0;
    let sqr = 0;
    const qs: number[] = [];
    const rs: number[] = [];
    for (let k = from; k < to; k++) {
      if (k > from) {
        q = q * keep + a[k - 1] * W * (1 - keep);
        decay *= keep;
      }
      if (!Number.isFinite(p[k])) continue;
      const r = p[k] - p0 * decay;
      qs.push(q);
      rs.push(r);
      sqq += q * q;
      sqr += q * r;
    }
    if (sqq <= 0) continue;
    const s = Math.max(0, sqr / sqq);
    let sse = 0;
    for (let i = 0; i < qs.length; i++) sse += (rs[i] - s * qs[i]) ** 2;
    candidates.push({ s, W, sse });
  }
  if (!candidates.length) return undefined;
  const best = Math.min(...candidates.map((c) => c.sse));
  const plausible = candidates.filter((c) => c.s > 0 && c.sse <= best * FIT_TOLERANCE + 1e-9).map(({ s, W }) => ({ s, W }));
  if (!plausible.length) return undefined;
  // Calibrate: how far off are these models over each horizon, on the baseline itself?
  const modelError: Record<number, number> = {};
  for (const h of HORIZONS_MIN) {
    let worst = 0;
    for (const m of plausible) {
      let se = 0;
      let c = 0;
      for (let j = from + 1; j + h < to; j += 5) {
        const start = podsNear(p, j);
        const end = p[j + h];
        if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
        const { p: predicted, variance } = predict(start, a, j, h, m.s, m.W);
        // What the Poisson noise already explains is not model error.
        se += Math.max(0, (end - predicted) ** 2 - variance);
        c++;
      }
      worst = Math.max(worst, c ? Math.sqrt(se / c) : 0);
    }
    modelError[h] = worst;
  }
  return { candidates: plausible, modelError, fittedAt: now };
}

interface Evaluation {
  horizon: number;
  expected: number;
  observed: number;
  shortfall: number;
  sigma: number;
  arrivals: number; // expected successful launches over the horizon
  model: ModelCandidate;
}

function unknownFinding(what: string, summary: string): Finding {
  return {
    check: 'trafficVsPods',
    key: 'trafficVsPods:source',
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

export function detectTrafficVsPods(obs: TrafficObservation, cfg: TrafficVsPodsConfig, now: number, memory: TrafficMemory = {}): TrafficDetection {
  const end = Math.floor(now / STEP) * STEP;
  const from = end - trafficLookbackMs(cfg);
  const a = onGrid(obs.demand, from, end, STEP);
  const p = onGrid(obs.pods, from, end, STEP);
  const last = a.length - 1;
  const maxGap = parseDuration(cfg.maxDemandGap) / STEP;
  const lastA = lastFiniteIndex(a);
  const lastP = lastFiniteIndex(p);
  for (const [what, lastSeen] of [['demand', lastA], ['running-pods', lastP]] as const) {
    if (lastSeen >= 0 && last - lastSeen <= maxGap) continue;
    const since = lastSeen < 0 ? 'in the whole window' : `for ${formatDuration((last - lastSeen) * STEP)}`;
    return { findings: [unknownFinding(what, `no ${what} data ${since}`)], memory };
  }
  const af = fillGaps(a);
  const windowMin = parseDuration(cfg.window) / STEP;
  const baselineMin = parseDuration(cfg.baseline) / STEP;

  // Refit on the trailing baseline, but never on data from before the last shortfall
  // (it would teach the model the incident) or from before a recovery (the world
  // may have changed: a restarted hub culls differently). An hour of clean data is enough.
  let model = memory.model;
  const fitTo = last - windowMin;
  const cleanSince = Math.max(memory.lastProblemAt ?? -Infinity, memory.relearnFrom ?? -Infinity);
  const fitFrom = Math.max(fitTo - baselineMin, Math.ceil((cleanSince - from) / STEP));
  const fullBaseline = fitFrom === fitTo - baselineMin;
  const due = !model || now - model.fittedAt >= REFIT_EVERY_MS;
  if (!model || (due && fitTo - fitFrom >= Math.min(60, baselineMin))) {
    const fitted = fitModel(af, a, p, fitFrom, fitTo, cfg, now);
    if (fitted) model = fitted;
  }
  if (!model) return { findings: [], memory }; // warming up: not enough history to know what normal is

  const observed = meanOf(p, lastP - 2, lastP + 1);
  // Slow degradation hides from a model that keeps refitting: also hold today's pods
  // against a model fitted hours ago, over the longer horizons.
  const reference = (memory.snapshots ?? []).find((m) => now - m.fittedAt >= REFERENCE_AGE_MS && now - m.fittedAt <= SNAPSHOTS_KEPT_MS);
  const own = evaluate(model, HORIZONS_MIN, a, af, p, lastP, observed);
  const widest = own.filter((e) => e.horizon <= windowMin).pop();
  const band = widest && bandOf(widest, model, af, p, lastP, from, cfg.sigmas);
  const evaluations = [
    ...own,
    ...(reference ? evaluate(reference, HORIZONS_MIN.filter((h) => h >= 30), a, af, p, lastP, observed) : []),
  ];
  // Demand falling: the last 10 minutes hold clearly less than the 20 before them — by
  // 15 % and by more than Poisson noise in per-minute counts (3σ of the difference of means).
  const recentDemand = meanOf(a, last - 9, last + 1);
  const earlierDemand = meanOf(a, last - 29, last - 9);
  const demandDrop = earlierDemand - recentDemand;
  const demandFalling = demandDrop > 0.15 * earlierDemand && demandDrop > 3 * Math.sqrt(earlierDemand / 10 + earlierDemand / 20);
  const significant = evaluations.filter(
    (e) => e.expected >= cfg.minPods && e.shortfall > cfg.sigmas * e.sigma && e.shortfall >= cfg.minShortfall * e.expected && e.shortfall >= 5,
  );
  // Pods growing by at least half the launches the model expects can only mean launches
  // work again: the incident is over, whatever the old model says.
  const recentProblem = memory.lastProblemAt !== undefined && now - memory.lastProblemAt <= 60 * STEP;
  const recovered = recentProblem && significant.length > 0 && launchesWork(model, af, p, lastP, observed);
  // After a recovery, or once an incident has been over for a while, the model from
  // before may no longer hold: say nothing until one is fitted on data from after it.
  const relearnFrom = recovered ? now : memory.relearnFrom;
  const stale = (since: number | undefined) => since !== undefined && model.fittedAt <= since;
  const relearning =
    stale(relearnFrom) || (memory.lastProblemAt !== undefined && now - memory.lastProblemAt >= RELEARN_AFTER_MS && stale(memory.lastProblemAt));
  const problem = significant.length > 0 && !demandFalling && !relearning;
  const worst = [...(problem ? significant : evaluations)].sort((x, y) => y.shortfall / y.sigma - x.shortfall / x.sigma)[0];

  // References for slow drifts come only from models fitted on a full, clean baseline;
  // a recovery starts them afresh (the old ones describe the world before it).
  const snapshots = recovered
    ? []
    : nextSnapshots(memory.snapshots ?? [], model, now, !problem && fullBaseline && model.fittedAt === now);
  const nextMemory: TrafficMemory = {
    model,
    lastProblemAt: problem ? now : memory.lastProblemAt,
    relearnFrom: relearnFrom !== undefined && fitTo - baselineMin < Math.ceil((relearnFrom - from) / STEP) ? relearnFrom : undefined,
    snapshots,
  };
  if (!problem || !worst) {
    return {
      findings: [
        {
          check: 'trafficVsPods',
          key: 'trafficVsPods:levelling-off',
          status: 'ok',
          severity: cfg.severity,
          title: relearning ? 'Launches work again; re-learning what normal is' : 'Running pods follow demand',
          summary: relearning
            ? `launches work again (${Math.round(observed)} pods running); re-learning what normal is before judging again`
            : `running pods follow demand (${Math.round(observed)} running)`,
          runbook: [],
        },
      ],
      memory: nextMemory,
      band,
    };
  }
  const implied = Math.max(0, Math.min(1, 1 - worst.shortfall / Math.max(worst.arrivals, 1)));
  const flatSince = flatSinceIndex(p, lastP);
  const flatText = flatSince < lastP - 5 ? `, flat since ${new Date(from + flatSince * STEP).toISOString()}` : '';
  const perMin = recentDemand;
  return {
    findings: [
      {
        check: 'trafficVsPods',
        key: 'trafficVsPods:levelling-off',
        status: 'problem',
        severity: cfg.severity,
        title: shortTitle(`Running pods levelling off: ${Math.round(observed)} of ~${Math.round(worst.expected)} expected`),
        summary:
          `Running pods are levelling off while people keep arriving: demand ~${perMin.toFixed(1)}/min; ` +
          `expected ~${Math.round(worst.expected)} running pods, observed ${Math.round(observed)}${flatText}; ` +
          `implied launch success ≈ ${Math.round(implied * 100)} % over the last ${worst.horizon} min`,
        details:
          `Model dp/dt = s·a − p/W fitted on the baseline: s=${worst.model.s.toFixed(3)}, W=${Math.round(worst.model.W)} min ` +
          `(the most cautious of ${model.candidates.length} that fit). ` +
          `Shortfall ${Math.round(worst.shortfall)} pods = ${(worst.shortfall / worst.sigma).toFixed(1)}σ over ${worst.horizon} min.`,
        evidence: {
          demandPerMin: Number(perMin.toFixed(1)),
          expectedPods: Math.round(worst.expected),
          observedPods: Math.round(observed),
          shortfallPods: Math.round(worst.shortfall),
          sigmas: Number((worst.shortfall / worst.sigma).toFixed(1)),
          impliedLaunchSuccessPct: Math.round(implied * 100),
          horizonMin: worst.horizon,
        },
        runbook: RUNBOOK,
      },
    ],
    memory: nextMemory,
    band,
  };
}

/** Earliest index from which the pods stayed within noise of their latest level. */
function flatSinceIndex(p: Float64Array, lastP: number): number {
  const level = p[lastP];
  const band = Math.max(3 * Math.sqrt(Math.max(level, 1)), 0.03 * level);
  let k = lastP;
  while (k > 0 && (!Number.isFinite(p[k - 1]) || Math.abs(p[k - 1] - level) <= band)) k--;
  return k;
}
