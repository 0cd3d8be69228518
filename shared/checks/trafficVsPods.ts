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
import type { Finding, TrafficObservation } from '../model.ts';
import { fillGaps, finiteCount, lastFiniteIndex, meanOf, onGrid } from '../series.ts';

const STEP = 60_000; // the model runs per minute
const HORIZONS_MIN = [5, 10, 15, 20, 30, 45, 60];
const W_GRID_SIZE = 28;
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
}

export interface TrafficDetection {
  findings: Finding[];
  memory: TrafficMemory;
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
    variance += arrivals + p / W; // Poisson arrivals and departures
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
export function fitModel(a: Float64Array, p: Float64Array, from: number, to: number, cfg: TrafficVsPodsConfig, now: number): TrafficModel | undefined {
  const n = to - from;
  if (n < 30 || finiteCount(p, from, to) < n * 0.6 || meanOf(a, from, to) <= 0) return undefined;
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

function unknownFinding(summary: string): Finding {
  return {
    check: 'trafficVsPods',
    key: 'trafficVsPods:source',
    status: 'unknown',
    severity: 'warning',
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
  if (lastA < 0 || last - lastA > maxGap) {
    const since = lastA < 0 ? 'in the whole window' : `for ${formatDuration((last - lastA) * STEP)}`;
    return { findings: [unknownFinding(`no demand data ${since}`)], memory };
  }
  if (lastP < 0 || last - lastP > maxGap) {
    const since = lastP < 0 ? 'in the whole window' : `for ${formatDuration((last - lastP) * STEP)}`;
    return { findings: [unknownFinding(`no running-pods data ${since}`)], memory };
  }
  const af = fillGaps(a);
  const windowMin = parseDuration(cfg.window) / STEP;
  const baselineMin = parseDuration(cfg.baseline) / STEP;

  // Refit on the trailing baseline, but never on data from before the last shortfall seen:
  // it would teach the model the incident. After an incident the model is refitted
  // as soon as an hour of clean data exists (a restart may have changed how long pods live).
  let model = memory.model;
  const fitTo = last - windowMin;
  const clean = memory.lastProblemAt === undefined ? -Infinity : Math.ceil((memory.lastProblemAt - from) / STEP);
  const fitFrom = Math.max(fitTo - baselineMin, clean);
  if (!model || fitTo - fitFrom >= Math.min(60, baselineMin)) {
    const fitted = fitModel(af, p, fitFrom, fitTo, cfg, now);
    if (fitted) model = fitted;
  }
  if (!model) return { findings: [], memory }; // warming up: not enough history to know what normal is

  const observed = meanOf(p, lastP - 2, lastP + 1);
  const evaluations: Evaluation[] = [];
  for (const h of HORIZONS_MIN) {
    const k0 = lastP - h;
    const start = podsNear(p, k0);
    if (k0 < 1 || !Number.isFinite(start)) continue;
    // The most cautious plausible model: the one expecting the fewest pods.
    let chosen: (ModelCandidate & { expected: number; variance: number }) | undefined;
    for (const m of model.candidates) {
      const { p: expected, variance } = predict(start, af, k0, h, m.s, m.W);
      if (!chosen || expected < chosen.expected) chosen = { ...m, expected, variance };
    }
    if (!chosen) continue;
    const modelError = model.modelError[h] ?? 0;
    let arrivals = 0;
    for (let k = k0; k < lastP; k++) arrivals += chosen.s * af[k];
    evaluations.push({
      horizon: h,
      expected: chosen.expected,
      observed,
      shortfall: chosen.expected - observed,
      sigma: Math.sqrt(chosen.variance + modelError ** 2),
      arrivals,
      model: chosen,
    });
  }
  // Demand not falling: the last 10 minutes hold at least 85 % of the 20 before them.
  const recentDemand = meanOf(a, last - 9, last + 1);
  const earlierDemand = meanOf(a, last - 29, last - 9);
  const demandFalling = recentDemand < 0.85 * earlierDemand;
  const significant = evaluations.filter(
    (e) => e.expected >= cfg.minPods && e.shortfall > cfg.sigmas * e.sigma && e.shortfall >= cfg.minShortfall * e.expected && e.shortfall >= 5,
  );
  const problem = significant.length > 0 && !demandFalling;
  const worst = [...(problem ? significant : evaluations)].sort((x, y) => y.shortfall / y.sigma - x.shortfall / x.sigma)[0];

  const nextMemory: TrafficMemory = { model, lastProblemAt: problem ? now : memory.lastProblemAt };
  if (!problem || !worst) {
    return {
      findings: [
        {
          check: 'trafficVsPods',
          key: 'trafficVsPods:levelling-off',
          status: 'ok',
          severity: cfg.severity,
          summary: `running pods follow demand (${Math.round(observed)} running)`,
          runbook: [],
        },
      ],
      memory: nextMemory,
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
