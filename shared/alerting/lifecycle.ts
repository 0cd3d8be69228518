// The alert lifecycle (docs/alert-model.md) as one pure transition function:
// ok → pending → firing → (repeat …) → resolved, with `unknown` never counted as ok.
// No I/O and no clock: the caller persists the state and passes `now`.
import type { CheckName, Finding, FindingStatus, Severity } from '../model.ts';
import type { AlertRule, Silence } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import type { AlertNotification, NotificationState, PageRef } from './notifier.ts';

/** A notification not yet accepted by every channel it is routed to. */
export interface OwedNotification {
  notification: AlertNotification;
  /** Channels still to deliver to. */
  channels: string[];
  /** A run that is delivering it right now; others leave it alone until `claimedUntil`. */
  claimedBy?: string;
  claimedUntil?: number;
}

export interface FiringInfo {
  /** When the problem (or blindness) began: the pending time. */
  since: number;
  /** When the alert fired (absent in state stored before it was kept: `since`). */
  firedAt?: number;
  status: Exclude<FindingStatus, 'ok'>;
  severity: Severity;
  /** Whether the FIRING message went out (it does not while silenced). */
  notified: boolean;
  lastNotifiedAt?: number;
  /** Reminders sent so far in this episode: each waits twice as long as the one before. */
  reminders?: number;
  /** The page this episode joined as "also seen" (it fired soon after that page, on the same hub). */
  alsoSeenWith?: PageRef;
  /** When this episode is an earlier one reopened (it fired again soon after its resolve): that resolve. */
  reopenedAt?: number;
}

export interface AlertState {
  key: string;
  check: CheckName;
  phase: 'ok' | 'pending' | 'firing';
  /** Outcomes of the last runs, newest last: p(roblem), o(k), u(nknown). */
  recent: string;
  consecutiveOk: number;
  consecutiveUnknown: number;
  problemSince?: number;
  unknownSince?: number;
  firing?: FiringInfo;
  /** Held back by a firing dependency (e.g. the hub's health alert). */
  heldBack?: boolean;
  /** `title` may be missing in state stored before titles existed. */
  last?: Pick<Finding, 'status' | 'severity' | 'summary' | 'details' | 'evidence' | 'runbook' | 'links'> &
    Partial<Pick<Finding, 'title'>> & { at: number };
  owed: OwedNotification[];
  /** Counts notifications, so each gets a distinct id. */
  seq: number;
  /** The last episode that resolved (with a sent FIRING), and when: a re-fire soon after reopens it. */
  ended?: { firing: FiringInfo; at: number };
}

export interface TransitionContext {
  rule: AlertRule;
  now: number;
  silences: Silence[];
  /** True when an alert this one depends on is firing. */
  dependencyFiring: boolean;
  /** A critical page that fired within minutes on the same hub and still fires: a new page joins it. */
  openPage?: PageRef;
}

export interface Transition {
  state: AlertState;
  /** Notifications this transition owes (not yet routed to channels). */
  notifications: AlertNotification[];
}

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };

const PHASES = new Set<unknown>(['ok', 'pending', 'firing']);

/**
 * What was stored, if it is an alert state; undefined for JSON of another shape (edited
 * by hand, written by some other program). Treated like an unreadable object: as absent.
 */
export function asAlertState(value: unknown): AlertState | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Partial<AlertState>;
  const counts = [v.seq, v.consecutiveOk, v.consecutiveUnknown].every((n) => typeof n === 'number' && Number.isFinite(n));
  return typeof v.key === 'string' && PHASES.has(v.phase) && typeof v.recent === 'string' && Array.isArray(v.owed) && counts
    ? (value as AlertState)
    : undefined;
}

export function initialAlertState(key: string, check: CheckName): AlertState {
  return { key, check, phase: 'ok', recent: '', consecutiveOk: 0, consecutiveUnknown: 0, owed: [], seq: 0 };
}

/** Glob with `*` (any run of characters) and `?` (one character). */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(text);
}

export function activeSilence(silences: Silence[], key: string, now: number): Silence | undefined {
  return silences.find((s) => s.until > now && globMatch(s.match, key));
}

function windowSize(rule: AlertRule): number {
  return Math.max(rule.ofLastRuns ?? rule.failuresToFire, rule.failuresToFire);
}

function problemThresholdMet(state: AlertState, rule: AlertRule, now: number): boolean {
  const problems = [...state.recent.slice(-windowSize(rule))].filter((c) => c === 'p').length;
  if (problems >= rule.failuresToFire) return true;
  const pendingFor = rule.pendingFor;
  return pendingFor > 0 && state.problemSince !== undefined && now - state.problemSince >= pendingFor;
}

/**
 * Reminders back off: repeatInterval, then twice, four and eight times it (2h, 4h, 8h, 16h by
 * default), so a condition that holds all day is one incident with a few updates, not a storm.
 */
const MAX_REMINDER_DOUBLINGS = 3;
function reminderInterval(rule: AlertRule, f: FiringInfo): number {
  return rule.repeatInterval * 2 ** Math.min(f.reminders ?? 0, MAX_REMINDER_DOUBLINGS);
}

/**
 * A re-fire this soon after a resolve is the same incident back, not a new one: it reopens
 * it (same id and firing time, so the same Slack thread and PagerDuty incident).
 */
export const REOPEN_WITHIN_MS = 60 * 60_000;

/** The episode a new firing continues: the one that resolved within REOPEN_WITHIN_MS, if any. */
function reopened(s: AlertState, now: number): FiringInfo | undefined {
  const e = s.ended;
  return e && now - e.at <= REOPEN_WITHIN_MS ? { ...e.firing, reopenedAt: e.at, reminders: 0 } : undefined;
}

/** The open page a new page of `s` joins: any but its own. */
function joins(page: PageRef | undefined, s: AlertState): PageRef | undefined {
  return page && !(page.check === s.check && page.key === s.key) ? page : undefined;
}

/** When the alert fired: the firing time, not the pending time. */
export const firedAt = (f: FiringInfo) => f.firedAt ?? f.since;

/** One line: how long it lasted and why it ended, in the words of the finding that resolved it. */
function resolvedSummary(resolving: Finding, durationMs: number): string {
  return `Resolved after ${formatDuration(durationMs)}: ${resolving.summary}`;
}

export function nextAlertState(prev: AlertState, finding: Finding, ctx: TransitionContext): Transition {
  const { rule, now } = ctx;
  const s: AlertState = { ...prev, owed: [...prev.owed], firing: prev.firing && { ...prev.firing } };
  const status = finding.status;
  s.recent = (s.recent + status[0]).slice(-Math.max(windowSize(rule), rule.successesToResolve, 1));
  if (status === 'ok') {
    s.consecutiveOk++;
    s.consecutiveUnknown = 0;
    s.problemSince = undefined;
    s.unknownSince = undefined;
  } else if (status === 'problem') {
    s.consecutiveOk = 0;
    s.consecutiveUnknown = 0;
    s.unknownSince = undefined;
    s.problemSince ??= now;
  } else {
    s.consecutiveOk = 0; // unknown never counts towards resolving
    s.consecutiveUnknown++;
    s.unknownSince ??= now;
  }
  if (status !== 'ok' || !s.last) {
    s.last = {
      status,
      severity: finding.severity,
      title: finding.title,
      summary: finding.summary,
      details: finding.details,
      evidence: finding.evidence,
      runbook: finding.runbook,
      links: finding.links,
      at: now,
    };
  }

  const out: AlertNotification[] = [];
  const silenced = activeSilence(ctx.silences, s.key, now) !== undefined;
  const emit = (state: NotificationState, f: FiringInfo) => {
    s.seq++;
    const last = s.last!;
    const fired = firedAt(f);
    const base = {
      // The episode's id stays what it was (the pending time), so receivers that de-duplicate by it keep working.
      id: `${s.key}@${new Date(f.since).toISOString()}#${s.seq}`,
      at: new Date(now).toISOString(),
      check: s.check,
      key: s.key,
      state,
      status: f.status,
      severity: f.severity,
      links: last.links,
      firingSince: new Date(fired).toISOString(),
      ...(f.since < fired ? { pendingSince: new Date(f.since).toISOString() } : {}),
      ...(f.reopenedAt !== undefined ? { reopenedAfter: new Date(f.reopenedAt).toISOString() } : {}),
      ...(f.alsoSeenWith ? { alsoSeenWith: f.alsoSeenWith } : {}),
    };
    if (state === 'resolved') {
      // A resolve shows the numbers now, from the finding that resolved it, and names the incident it ends.
      out.push({
        ...base,
        title: finding.title,
        summary: resolvedSummary(finding, now - fired),
        evidence: finding.evidence,
        ...(last.evidence ? { previousEvidence: last.evidence } : {}),
        runbook: [],
        incident: { title: last.title ?? last.summary, since: new Date(fired).toISOString() },
        durationMs: now - fired,
      });
    } else {
      out.push({
        ...base,
        title: last.title,
        summary: last.summary,
        details: last.details,
        evidence: last.evidence,
        runbook: last.runbook,
      });
    }
    f.lastNotifiedAt = now;
  };

  if (s.phase !== 'firing') {
    const fireOnProblem = status === 'problem' && problemThresholdMet(s, rule, now);
    const fireOnUnknown = status === 'unknown' && s.consecutiveUnknown >= rule.unknownToFire;
    if ((fireOnProblem || fireOnUnknown) && ctx.dependencyFiring) {
      // The dependency's alert speaks for this one; hold back its creation only.
      s.phase = 'pending';
      s.heldBack = true;
    } else if (fireOnProblem || fireOnUnknown) {
      s.phase = 'firing';
      s.heldBack = false;
      const firedStatus = fireOnProblem ? 'problem' : 'unknown';
      const back = reopened(s, now);
      s.firing =
        back && back.status === firedStatus
          ? { ...back, severity: finding.severity, notified: false }
          : {
              since: fireOnProblem ? (s.problemSince ?? now) : (s.unknownSince ?? now),
              status: firedStatus,
              severity: finding.severity,
              notified: false,
              firedAt: now,
            };
      s.ended = undefined;
      if (!back && fireOnProblem && finding.severity === 'critical') s.firing.alsoSeenWith = joins(ctx.openPage, s);
      if (!silenced) {
        emit('firing', s.firing);
        s.firing.notified = true;
      }
    } else {
      // With "N of the last M runs", earlier problems keep it pending; with consecutive runs an ok clears it.
      const windowed = rule.ofLastRuns !== undefined && rule.ofLastRuns > rule.failuresToFire;
      s.phase = status !== 'ok' || (windowed && s.recent.slice(-windowSize(rule)).includes('p')) ? 'pending' : 'ok';
      if (s.phase === 'ok') s.heldBack = false;
    }
    return { state: s, notifications: out };
  }

  const f = s.firing!;
  if (s.consecutiveOk >= rule.successesToResolve) {
    if (f.notified) emit('resolved', f);
    s.ended = f.notified ? { firing: { ...f, reopenedAt: undefined }, at: now } : undefined;
    s.phase = 'ok';
    s.firing = undefined;
    s.recent = '';
    s.problemSince = undefined;
    return { state: s, notifications: out };
  }
  if (status === 'problem') {
    // Escalation (warning → critical) or a blind alert that now sees a problem: a new FIRING.
    const escalated = SEVERITY_RANK[finding.severity] > SEVERITY_RANK[f.severity];
    const nowSeesProblem = f.status === 'unknown' && problemThresholdMet(s, rule, now);
    if (escalated || nowSeesProblem) {
      if (nowSeesProblem) f.status = 'problem';
      f.severity = escalated ? finding.severity : f.severity;
      if (!silenced) {
        emit('firing', f);
        f.notified = true;
      }
      return { state: s, notifications: out };
    }
  }
  if (!silenced && !f.notified) {
    // A silence ended while the alert kept firing: say it now.
    emit('firing', f);
    f.notified = true;
  } else if (!silenced && f.lastNotifiedAt !== undefined && now - f.lastNotifiedAt >= reminderInterval(rule, f)) {
    emit('repeat', f);
    f.reminders = (f.reminders ?? 0) + 1;
  }
  return { state: s, notifications: out };
}
