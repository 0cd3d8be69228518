// Text every channel shares: titles, status lines, times, durations and truncation.
// Each notifier renders the same `NotificationView`, so Slack, email and the console
// say the same thing in their own markup, and each escapes upstream text in one place.
import { formatDuration } from '../../duration.ts';
import { fitText } from '../../text.ts';
import type { AlertNotification, NotificationState } from '../notifier.ts';
import { labelledEvidence } from './evidence.ts';

export { formatValue } from './evidence.ts';

export interface FormatOptions {
  /** IANA time zone for human-readable times; default UTC. */
  timeZone?: string;
}

export const TRUNCATION_NOTE = '… (truncated)';

const STATE_LABEL: Record<NotificationState, string> = {
  firing: 'FIRING',
  repeat: 'STILL FIRING',
  resolved: 'RESOLVED',
};

/** `FIRING critical: <title>`, `STILL FIRING …`, `RESOLVED …`; a notification stored before titles existed shows its summary. */
export function notificationTitle(n: AlertNotification): string {
  // An alert that joined a page is news under it, not a page of its own.
  return `${n.alsoSeenWith ? 'Also seen: ' : ''}${STATE_LABEL[n.state]} ${n.severity}: ${n.title ?? n.summary}`;
}

// Building a DateTimeFormat costs far more than using one; zones are few.
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-24 10:02 UTC` in the display time zone. */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    timeFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** `2018-01-18 05:50 PST (13:50 UTC)`: the display zone, with UTC beside it (timelines, the report page). */
export function formatTimeWithUtc(at: string | number, timeZone = 'UTC'): string {
  const iso = new Date(at).toISOString();
  return `${formatTime(iso, timeZone)} (${iso.slice(11, 16)} UTC)`;
}

/**
 * One sentence on where the alert stands, in one clock: the display zone with UTC in
 * brackets. A blind check (`unknown`) says so instead of sounding like a problem was
 * measured; a resolve names the incident it ends and when that fired.
 */
export function statusLine(n: AlertNotification, opts: FormatOptions = {}): string {
  const page = n.alsoSeenWith;
  if (!page) return ownStatusLine(n, opts);
  const clock = (iso: string) => (opts.timeZone && opts.timeZone !== 'UTC' ? formatTimeWithUtc(iso, opts.timeZone) : formatTime(iso));
  return `${ownStatusLine(n, opts)} Also seen with the page “${page.title ?? page.key}” (${page.check}, fired ${clock(page.firingSince)}).`;
}

function ownStatusLine(n: AlertNotification, opts: FormatOptions): string {
  const clock = (iso: string) => (opts.timeZone && opts.timeZone !== 'UTC' ? formatTimeWithUtc(iso, opts.timeZone) : formatTime(iso));
  const since = clock(n.firingSince);
  const blind = n.status === 'unknown';
  switch (n.state) {
    case 'firing': {
      const pending = n.pendingSince ? ` (a problem since ${clock(n.pendingSince)})` : '';
      if (n.reopenedAfter)
        return `Back at ${clock(n.at)}, after it resolved at ${clock(n.reopenedAfter)}: the same incident, firing since ${since}.`;
      return blind ? `Cannot see ${n.key} since ${since}.` : `Firing since ${since}${pending}.`;
    }
    case 'repeat': {
      const lasted = formatDuration(Date.parse(n.at) - Date.parse(n.firingSince));
      return blind ? `Still cannot see ${n.key} since ${since} (${lasted}).` : `STILL FIRING since ${since} (${lasted}).`;
    }
    case 'resolved': {
      const lasted = formatDuration(n.durationMs ?? Date.parse(n.at) - Date.parse(n.firingSince));
      const was = blind ? 'blind' : 'firing';
      // The summary already says "Resolved after …" and why: the status names the incident it ends.
      return n.incident
        ? `Ends “${n.incident.title}”, ${was} since ${since} for ${lasted}.`
        : `Resolved after ${lasted} (${was} since ${since}).`;
    }
  }
}

/** A channel-neutral rendering of one notification. */
export interface NotificationView {
  /** `FIRING critical: <title>`. */
  title: string;
  /** `FIRING critical`, `RESOLVED warning`: the badge beside the headline. */
  badge: string;
  /** The finding's title alone. */
  headline: string;
  /** One line of why; for a resolve, the evidence it resolved on. */
  summary?: string;
  status: string;
  details?: string;
  /** At most EVIDENCE_ROWS rows, each cut to a readable length… */
  evidence: [label: string, value: string][];
  /** …and how many rows were left out past them (each channel says so in its own markup). */
  evidenceLeftOut: number;
  runbook: string[];
  links: { title: string; url: string }[];
  /** check · key · notification id, for whoever needs to find it in logs. */
  footer: string;
}

/** Evidence rows every channel shows (Slack: three sections of ten fields, the last saying how many more). */
export const EVIDENCE_ROWS = 29;
const EVIDENCE_LABEL_CHARS = 200;
const EVIDENCE_VALUE_CHARS = 1000;

/** Evidence cut where the view is made, so no channel renders thousands of rows (2,000 hub checks made a 1.3 MB email). */
function cappedEvidence(rows: [string, string][]): Pick<NotificationView, 'evidence' | 'evidenceLeftOut'> {
  return {
    evidence: rows
      .slice(0, EVIDENCE_ROWS)
      .map(([label, value]) => [truncate(label, EVIDENCE_LABEL_CHARS), truncate(value, EVIDENCE_VALUE_CHARS)]),
    evidenceLeftOut: Math.max(0, rows.length - EVIDENCE_ROWS),
  };
}

export interface ViewOptions extends FormatOptions {
  /** Keep a resolve's evidence, details and runbook (see notificationView). */
  resolvedInFull?: boolean;
}

/**
 * What every channel shows. A resolve says why it resolved (its summary, from the finding
 * that resolved it), the numbers now beside what they were, and which incident it ends
 * (the status); the commands of the problem no longer apply. `resolvedInFull` keeps the
 * runbook and details, for a message that stays the incident's record (a Slack thread's parent).
 */
export function notificationView(n: AlertNotification, opts: ViewOptions = {}): NotificationView {
  const brief = n.state === 'resolved' && !opts.resolvedInFull;
  return {
    title: notificationTitle(n),
    badge: `${STATE_LABEL[n.state]} ${n.severity}`,
    headline: n.title ?? n.summary,
    summary: n.summary,
    status: statusLine(n, opts),
    details: brief ? undefined : n.details || undefined,
    // A resolve shows the numbers now beside what they were.
    ...cappedEvidence(labelledEvidence(n.check, n.evidence, n.state === 'resolved' ? n.previousEvidence : undefined)),
    runbook: brief ? [] : n.runbook,
    links: n.links ?? [],
    footer: `${n.check} · ${n.key} · ${n.id}`,
  };
}

/** Cuts `text` to at most `max` UTF-16 code units, note included, between graphemes (text.ts). */
export function truncate(text: string, max: number): string {
  return fitText(text, max, TRUNCATION_NOTE);
}

/** Escapes `text` and cuts it to fit `max` after escaping, so no entity such as `&amp;` is split (text.ts). */
export function fitEscaped(text: string, max: number, escape: (s: string) => string): string {
  return fitText(text, max, TRUNCATION_NOTE, escape);
}
