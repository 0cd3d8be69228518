// Step 5 of the traffic-vs-pods check: the finding a run reports, in words that agree
// with the numbers it was judged on. Pure.
import { findingKeys } from '../state/keys.ts';
import type { TrafficVsPodsConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import { shortTitle, sourceFindingKey, type Finding } from '../model.ts';
import { finiteCount, meanOf } from '../series.ts';
import { calibratingText, type Calibrating } from './traffic-calibration.ts';
import type { Grid } from './traffic-grid.ts';
import type { Recount } from './traffic-recount.ts';
import type { TrafficIncident } from './traffic-incident.ts';
import { z, type Evaluation } from './traffic-judge.ts';
import { STEP_MS, type TrafficModel } from './traffic-model.ts';
import { TUNING } from './traffic-tuning.ts';

/** A time in a summary, to the minute: the detector knows no display zone, so UTC, said so. */
export const utcMinute = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const KEY = findingKeys.levellingOff;

const RUNBOOK = [
  'kubectl get pods --all-namespaces -o wide | grep -v Running   # pods not running, and on which node',
  'kubectl get pods --all-namespaces -o wide --field-selector=status.phase=Pending',
  'kubectl get nodes -o wide   # NotReady or cordoned nodes',
  'kubectl logs deploy/hub --tail=200   # in the hub namespace: spawn errors, timeouts',
  'binderwatch probe https://mybinder.org gh/binder-examples/requirements/HEAD   # launch one by hand',
];

export function unknownFinding(what: string, since: string): Finding {
  return {
    check: 'trafficVsPods',
    key: sourceFindingKey('trafficVsPods'),
    status: 'unknown',
    severity: 'warning',
    title: shortTitle(`Traffic vs pods cannot see ${what}`),
    summary: `no ${what} data ${since}`,
    runbook: ['binderwatch check trafficVsPods --config <your config>   # see which source is not answering'],
  };
}

/** No model yet: say so, and for how long, instead of "ok". */
/** Past its own deadline (the history a fit needs is there, yet nothing fits it) learning is not OK: the check cannot judge. */
export function unfittable(seen: number, windowMin: number): Finding {
  return {
    check: 'trafficVsPods',
    key: KEY,
    status: 'unknown',
    severity: 'warning',
    title: shortTitle('Traffic vs pods cannot learn what normal is'),
    summary:
      `no model explains ${seen} min of usable history before the last ${windowMin} min (a fit needs ${TUNING.minFitMin}): ` +
      'demand and running pods may not be what the queries should count',
    runbook: ['binderwatch check trafficVsPods --config <your config>   # read the demand and pods it sees'],
  };
}

export function learningFinding(g: Grid, fitTo: number, windowMin: number): Finding {
  const seen = finiteCount(g.a, 0, Math.max(0, fitTo));
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

const finding = (
  cfg: TrafficVsPodsConfig,
  status: 'ok' | 'problem',
  title: string,
  summary: string,
  more: Partial<Finding> = {},
): Finding => ({
  check: 'trafficVsPods',
  key: KEY,
  status,
  severity: cfg.severity,
  title: shortTitle(title),
  summary,
  runbook: status === 'ok' ? [] : RUNBOOK,
  ...more,
});

/**
 * No incident. Pods far above the model over its longest horizon are no shortfall, but
 * "following demand" would be untrue: sessions run longer than the model knows (a stuck
 * culler, a day unlike its history). Short horizons start from the observed pods and cannot tell.
 */
export function okFinding(
  g: Grid,
  cfg: TrafficVsPodsConfig,
  evaluations: Evaluation[],
  recovered: boolean,
  calibrating?: Calibrating,
): Finding {
  const f = okFindingOf(g, cfg, evaluations, recovered);
  return calibrating ? { ...f, summary: f.summary + calibratingText(calibrating, utcMinute) } : f;
}

function okFindingOf(g: Grid, cfg: TrafficVsPodsConfig, evaluations: Evaluation[], recovered: boolean): Finding {
  const pods = Math.round(g.observed);
  if (recovered)
    return finding(
      cfg,
      'ok',
      'Launches work again: running pods back within the band',
      `launches work again: running pods (${pods}) back within the model's band of what demand implies for ${formatDuration(TUNING.recoveryHoldMs)}`,
    );
  const longest = evaluations.reduce<Evaluation | undefined>((x, y) => (!x || y.horizon > x.horizon ? y : x), undefined);
  if (longest !== undefined && -z(longest) > cfg.sigmas)
    return finding(
      cfg,
      'ok',
      'Running pods above what demand implies',
      `running pods (${pods}) well above what demand implies (~${Math.round(longest.expected)} over the last ${longest.horizon} min): ` +
        'sessions last longer than the model learnt (a stuck culler, or a day unlike its history); no shortfall, and the next refits learn it',
    );
  return finding(cfg, 'ok', 'Running pods follow demand', `running pods follow demand (${pods} running)`);
}

export interface ProblemInput {
  g: Grid;
  cfg: TrafficVsPodsConfig;
  now: number;
  incident: TrafficIncident;
  model: TrafficModel;
  /** The evaluation reported (the most significant); undefined when demand is too patchy to judge any horizon. */
  worst?: Evaluation;
  implied: number;
  pinned?: Evaluation;
  significant: boolean;
  shortfall: boolean;
}

export function problemFinding(x: ProblemInput): Finding {
  const f = problemFindingOf(x);
  const c = x.incident.calibrating;
  // A model not yet calibrated on this hub may be wrong about normal: it warns, never pages.
  return c ? { ...f, severity: 'warning', summary: f.summary + calibratingText(c, utcMinute) } : f;
}

function problemFindingOf(x: ProblemInput): Finding {
  const { g, cfg, incident, worst, pinned } = x;
  const pods = Math.round(g.observed);
  if (!worst) {
    // Demand too patchy to judge any horizon now: the incident is not over for that.
    return finding(
      cfg,
      'problem',
      `Running pods short of demand since ${utcMinute(incident.since)}; demand patchy`,
      `Running pods fell short of demand since ${utcMinute(incident.since)}; demand too patchy to judge right now (${pods} pods running), not resolved without evidence`,
    );
  }
  const title =
    pinned && !x.significant
      ? `Running pods pinned at ${pods} while people keep arriving`
      : `Running pods levelling off: ${pods} of ~${Math.round(worst.expected)} expected`;
  return finding(cfg, 'problem', title, problemSummary(x, worst), {
    details:
      `Model dp/dt = s·a − p/W fitted on ${x.model.fittedAt <= incident.since ? 'history before the shortfall' : 'the baseline'}: s=${worst.model.s.toFixed(3)}, W=${Math.round(worst.model.W)} min ` +
      `(the most cautious of ${x.model.candidates.length} that fit). ` +
      `Shortfall ${Math.round(worst.shortfall)} pods = ${z(worst).toFixed(1)}σ over ${worst.horizon} min; shortfall since ${utcMinute(incident.since)}.`,
    evidence: {
      demandPerMin: Number(demandPerMin(g).perMin.toFixed(1)),
      expectedPods: Math.round(worst.expected),
      observedPods: pods,
      shortfallPods: Math.round(worst.shortfall),
      sigmas: Number(z(worst).toFixed(1)),
      impliedLaunchSuccessPct: Math.round(x.implied * 100),
      horizonMin: worst.horizon,
    },
  });
}

/** Demand over the last minutes; a gap of up to maxDemandGap at the end is judged on the last demand seen, carried over it. */
function demandPerMin(g: Grid): { perMin: number; seen: boolean } {
  const n = TUNING.demandRecentMin;
  const seen = meanOf(g.a, g.last - n + 1, g.last + 1);
  return Number.isFinite(seen) ? { perMin: seen, seen: true } : { perMin: meanOf(g.af, g.last - n + 1, g.last + 1), seen: false };
}

function problemSummary({ g, now, incident, implied, pinned, shortfall }: ProblemInput, worst: Evaluation): string {
  const pods = Math.round(g.observed);
  const flatSince = flatSinceIndex(g.p, g.lastP);
  const flatText = flatSince <= g.lastP - TUNING.flatMinMin ? `, flat since ${utcMinute(g.from + flatSince * STEP_MS)}` : '';
  const demand = demandPerMin(g);
  const carried = demand.seen ? '' : ` (none seen for ${formatDuration((g.last - g.lastA) * STEP_MS)}: the last seen, carried over)`;
  const holding =
    incident.inBandSince !== undefined
      ? `; back within the model's band for ${formatDuration(now - incident.inBandSince)}, resolving after ${formatDuration(TUNING.recoveryHoldMs)}`
      : shortfall
        ? ''
        : "; not yet back within the model's band";
  const pinnedText = pinned
    ? `; pinned at exactly ${pods} for ${pinned.horizon} min while ~${Math.round(pinned.arrivals)} launches were expected: a ceiling (a full pool, a quota) or nothing starting and nothing ending`
    : '';
  return (
    `Running pods are levelling off while people keep arriving: demand ~${demand.perMin.toFixed(1)}/min${carried}; ` +
    `expected ~${Math.round(worst.expected)} running pods, observed ${pods}${flatText}; ` +
    `implied launch success ≈ ${Math.round(implied * 100)} % over the last ${worst.horizon} min${pinnedText}${holding}`
  );
}

/**
 * Earliest index from which the pods stayed within Poisson noise of their latest level
 * (±√level: a count of independent sessions varies that much at a steady level). A rise
 * of a few σ is no plateau, so "flat" is said only when the pods really held.
 */
export function flatSinceIndex(p: Float64Array, lastP: number): number {
  const level = p[lastP];
  const band = TUNING.flatSigmas * Math.sqrt(Math.max(level, 1));
  let k = lastP;
  while (k > 0 && (!Number.isFinite(p[k - 1]) || Math.abs(p[k - 1] - level) <= band)) k--;
  return k;
}

export const RECOUNT_KEY = 'trafficVsPods:demand-source';

/**
 * Demand counted differently: a warning (someone should know the analytics changed), and
 * ok once the model has relearnt from the new counts.
 */
export function recountFinding(r: Recount, relearnt: boolean, calibrating?: Calibrating): Finding {
  const times = r.ratio >= 1 ? `~${r.ratio.toFixed(1)}×` : `~1/${(1 / r.ratio).toFixed(1)} of`;
  const base = { check: 'trafficVsPods' as const, key: RECOUNT_KEY, severity: 'warning' as const, runbook: [] };
  if (relearnt)
    return {
      ...base,
      status: 'ok',
      title: shortTitle('Traffic vs pods relearnt demand from the new counts'),
      summary: `the model relearnt from demand as counted since ${utcMinute(r.at)} (${times} the launches)`,
    };
  return {
    ...base,
    status: 'problem',
    title: shortTitle(`Demand source changed: it now counts ${times} the launches`),
    summary:
      `demand per minute stepped from ~${r.before.toFixed(1)} to ~${r.after.toFixed(1)} at ${utcMinute(r.at)} while running pods kept following ` +
      `the launches as before: the demand source changed (a second analytics tag, a filter or property change), not the hub. ` +
      `The model relearns from the new counts` +
      (calibrating ? calibratingText(calibrating, utcMinute) : ''),
    evidence: {
      demandRatio: Number(r.ratio.toFixed(2)),
      demandBeforePerMin: Number(r.before.toFixed(1)),
      demandAfterPerMin: Number(r.after.toFixed(1)),
    },
    runbook: [
      'Check the analytics: a second GA tag or a changed filter on the pages that launch (GA4 → Admin → Data streams, Tag coverage)',
    ],
  };
}
