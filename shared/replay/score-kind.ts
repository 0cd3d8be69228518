// Scores a replay by the kind of the check that fired, the way promtool's `exp_alerts`
// judges each alert name on its own: an alert is true only inside a window of its own
// kind (required or optional, ±15 min), never forgiven by another kind's incident.
// Pages (critical) and warnings are counted apart, as are early resolves and how many
// notifications one condition sends in a day (flapping).
import type { ReplayAlert } from './replay.ts';
import { KIND_OF_CHECK, TOLERANCE_MS, type IncidentKind, type Truth } from './score.ts';

export interface KindIncidentScore {
  kind: IncidentKind;
  onset: string;
  end: string;
  optional: boolean;
  /** First firing of its kind in the window; or the onset when an alert of its kind was already open 15 min before. */
  detectedAt?: string;
  timeToDetectMs?: number;
  /** Detected only because an alert of its kind (fired earlier) was still open at onset − 15 min. */
  alreadyOpen?: boolean;
  /** A key of its kind that fired for it was resolved after the detection and before the end. */
  resolvedEarlyAt?: string;
}

export interface KindScore {
  incidents: KindIncidentScore[];
  /** Critical FIRING problems outside every window of their own kind. */
  falsePages: ReplayAlert[];
  /** Warning FIRING problems outside every window of their own kind. */
  falseWarnings: ReplayAlert[];
  blindAlerts: ReplayAlert[];
  /** Notifications (firing, repeat, resolved) of the busiest condition (check + key) on its busiest UTC day. */
  maxNotificationsPerConditionDay: number;
}

const ms = (iso: string) => Date.parse(iso);
const isProblem = (a: ReplayAlert) => a.status === 'problem';

/** Keys of `kind` open (fired, not resolved) just before `t`. */
function openKeysAt(alerts: ReplayAlert[], kind: IncidentKind, t: number): Set<string> {
  const open = new Set<string>();
  for (const a of alerts) {
    if (ms(a.at) >= t) break;
    if (!isProblem(a) || KIND_OF_CHECK[a.check] !== kind) continue;
    if (a.state === 'firing') open.add(`${a.check} ${a.key}`);
    else if (a.state === 'resolved') open.delete(`${a.check} ${a.key}`);
  }
  return open;
}

function scoreIncident(alerts: ReplayAlert[], inc: Truth['incidents'][number]): KindIncidentScore {
  const onset = ms(inc.onset);
  const end = ms(inc.end);
  const from = onset - TOLERANCE_MS;
  const rec: KindIncidentScore = { kind: inc.kind, onset: inc.onset, end: inc.end, optional: inc.optional === true };
  const ofKind = alerts.filter((a) => isProblem(a) && KIND_OF_CHECK[a.check] === inc.kind);
  const open = openKeysAt(ofKind, inc.kind, from);
  const fired = ofKind.filter((a) => a.state === 'firing' && ms(a.at) >= from && ms(a.at) <= end + TOLERANCE_MS);
  if (open.size > 0) {
    rec.detectedAt = inc.onset;
    rec.alreadyOpen = true;
  } else if (fired.length > 0) rec.detectedAt = fired[0].at;
  if (!rec.detectedAt) return rec;
  // An alert open since before the window counts as detected at onset, no earlier: it was not raised for this incident.
  rec.timeToDetectMs = rec.alreadyOpen ? 0 : ms(rec.detectedAt) - onset;
  const keys = new Set([...open, ...fired.map((a) => `${a.check} ${a.key}`)]);
  const early = ofKind.find(
    (a) => a.state === 'resolved' && keys.has(`${a.check} ${a.key}`) && ms(a.at) > ms(rec.detectedAt!) && ms(a.at) < end,
  );
  if (early) rec.resolvedEarlyAt = early.at;
  return rec;
}

function busiestCondition(alerts: ReplayAlert[]): number {
  const counts = new Map<string, number>();
  let max = 0;
  for (const a of alerts) {
    if (!isProblem(a)) continue;
    const k = `${a.at.slice(0, 10)} ${a.check} ${a.key}`;
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    max = Math.max(max, n);
  }
  return max;
}

/** `alerts` in time order, as replay() returns them. */
export function scoreByKind(alerts: ReplayAlert[], truth: Truth): KindScore {
  const windows = truth.incidents.map((i) => ({ kind: i.kind, from: ms(i.onset) - TOLERANCE_MS, to: ms(i.end) + TOLERANCE_MS }));
  const inOwnWindow = (a: ReplayAlert) => windows.some((w) => w.kind === KIND_OF_CHECK[a.check] && ms(a.at) >= w.from && ms(a.at) <= w.to);
  const falses = alerts.filter((a) => a.state === 'firing' && isProblem(a) && !inOwnWindow(a));
  return {
    incidents: truth.incidents.map((i) => scoreIncident(alerts, i)),
    falsePages: falses.filter((a) => a.severity === 'critical'),
    falseWarnings: falses.filter((a) => a.severity !== 'critical'),
    blindAlerts: alerts.filter((a) => a.state === 'firing' && a.status === 'unknown'),
    maxNotificationsPerConditionDay: busiestCondition(alerts),
  };
}
