// PagerDuty through the Events API v2: a firing alert (and each reminder) is a `trigger`,
// its resolve a `resolve`, both under the alert's key as `dedup_key`, so PagerDuty keeps
// one incident per alert and closes it when binderwatch does. The routing key is a secret.
import { createHash } from 'node:crypto';
import { registerSecret } from '../../redact.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import { notificationView, truncate, type FormatOptions } from './format.ts';
import { postJson, secureUrlProblem, type PostJsonOptions } from './http.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** The Events API's documented limits. */
export const PAGERDUTY_LIMITS = { dedupKey: 255, summary: 1024 } as const;

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  /** Trigger only: a resolve needs nothing but the key. */
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'warning';
    timestamp: string;
    component: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  links?: { href: string; text: string }[];
}

/** The alert key, or (past 255 characters) its start and a hash, so it still names one alert. */
export function dedupKey(key: string): string {
  if (key.length <= PAGERDUTY_LIMITS.dedupKey) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, PAGERDUTY_LIMITS.dedupKey - hash.length - 1)}#${hash}`;
}

/** The event for one notification; pure, so tests compare it exactly. */
export function buildPayload(n: AlertNotification, routingKey: string, opts: FormatOptions = {}): PagerDutyEvent {
  // An alert that joined a page adds to the page's PagerDuty incident, never a new one.
  const dedup_key = dedupKey(n.alsoSeenWith?.key ?? n.key);
  if (n.state === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const view = notificationView(n, opts);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: truncate(view.summary ? `${view.headline}: ${view.summary}` : view.headline, PAGERDUTY_LIMITS.summary),
      source: n.key,
      severity: n.severity,
      timestamp: n.at,
      component: n.check,
      // What fired: a measured problem, or binderwatch being blind.
      class: n.status,
      custom_details: {
        status: view.status,
        ...(view.details && { details: view.details }),
        ...(view.evidence.length && { evidence: Object.fromEntries(view.evidence) }),
        ...(view.runbook.length && { runbook: view.runbook }),
        firing_since: n.firingSince,
        notification: n.id,
      },
    },
    client: 'binderwatch',
    ...(view.links.length && { links: view.links.map((l) => ({ href: l.url, text: l.title })) }),
  };
}

export interface PagerDutyProps extends FormatOptions, PostJsonOptions {
  /** A secret: the integration key of the PagerDuty service's Events API v2 integration. */
  routingKey: string;
  /** Default the real endpoint; tests point it at a loopback receiver. */
  url?: string;
}

export function pagerDutyNotifier(props: PagerDutyProps): Notifier {
  registerSecret(props.routingKey, 'instance');
  const url = props.url ?? PAGERDUTY_EVENTS_URL;
  const problem = secureUrlProblem(url);
  if (problem) throw new Error(`the PagerDuty events URL ${problem}`);
  return {
    name: 'pagerduty',
    // A joined alert's resolve would end the page's incident: the page's own resolve does that.
    send: async (n) =>
      n.alsoSeenWith && n.state === 'resolved' ? undefined : postJson('pagerduty', url, buildPayload(n, props.routingKey, props), props),
  } satisfies Notifier;
}
