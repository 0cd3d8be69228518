// One small interface every channel implements (Slack, email, console …).
import type { CheckName, FindingStatus, Severity } from '../model.ts';
import type { AlertChart } from './chart.ts';

export type NotificationState = 'firing' | 'repeat' | 'resolved';

/** A page other alerts of one root cause join as "also seen": its alert and when it fired. */
export interface PageRef {
  check: CheckName;
  key: string;
  title?: string;
  /** ISO time the page fired: with `key`, it names the page's incident (its Slack thread). */
  firingSince: string;
}

/** One state change of one alert, as sent to a channel. */
export interface AlertNotification {
  /** Stable per transition, so a channel (or its receiver) can de-duplicate. */
  id: string;
  at: string; // ISO
  check: CheckName;
  key: string;
  /** The federation member the alert belongs to, when it belongs to one. */
  member?: string;
  state: NotificationState;
  /** What fired: a real problem, or the check being blind (`unknown`). */
  status: Exclude<FindingStatus, 'ok'>;
  severity: Severity;
  /** The finding's short title (≤ 80 characters); older stored notifications may lack it. */
  title?: string;
  /** One line of why; for a resolve, what recovered and how long it lasted. */
  summary: string;
  details?: string;
  evidence?: Record<string, number | string>;
  runbook: string[];
  links?: { title: string; url: string }[];
  /** ISO time the alert fired (not the time it went pending). */
  firingSince: string;
  /** The open page this alert joined (it fired soon after it): channels show it under that page, not as a page. */
  alsoSeenWith?: PageRef;
  /** ISO time of the resolve this firing reopens: the same incident back soon after it ended. */
  reopenedAfter?: string;
  /** ISO time the problem began, when it was pending before it fired. */
  pendingSince?: string;
  /** For resolved: how long it fired, in ms. */
  durationMs?: number;
  /** For resolved: the incident it ends (its last firing title and when it fired); `title` and `evidence` are the numbers now. */
  incident?: { title: string; since: string };
  /** For resolved: the evidence while it fired, so a channel can show what changed ("max 15 → 20"). */
  previousEvidence?: Record<string, number | string>;
  /** The last 3 h of the series behind a firing finding; channels that show images draw it. */
  chart?: AlertChart;
}

export interface Notifier {
  /** Channel name as used in routes (`slack`, `email`, `console`). */
  readonly name: string;
  /** Draws `chart` into the message (email, threaded Slack); runs record chart history only when some channel does. */
  readonly drawsCharts?: boolean;
  /**
   * Delivers one notification. Throws NotifyError with `retryable` set
   * (5xx, 429, network: true; other 4xx: false). Never retries by itself.
   */
  send(n: AlertNotification): Promise<void>;
}
