// A generic webhook speaking Alertmanager's webhook JSON (version 4), which most
// receivers accept (incident tools, chat bridges, ticket systems): one alert per
// message, grouped by the alert key, `firing` then `resolved`. The URL is a secret.
import { createHash } from 'node:crypto';
import { registerSecret } from '../../redact.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import { notificationView, type FormatOptions } from './format.ts';
import { postJson, secureUrlProblem, type PostJsonOptions } from './http.ts';

/** Alertmanager's "not ended yet" (Go's zero time). */
const NOT_ENDED = '0001-01-01T00:00:00Z';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerMessage {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** The message for one notification; pure, so tests compare it exactly. */
export function buildPayload(n: AlertNotification, opts: FormatOptions = {}): AlertmanagerMessage {
  const view = notificationView(n, opts);
  const status = n.state === 'resolved' ? 'resolved' : 'firing';
  // `status` is binderwatch's own (problem, or unknown: the check is blind), beside Alertmanager's firing/resolved.
  const labels = { alertname: n.check, key: n.key, severity: n.severity, status: n.status };
  const annotations: Record<string, string> = {
    title: view.headline,
    summary: n.summary,
    description: view.status,
    ...(view.details && { details: view.details }),
    ...(view.runbook.length && { runbook: view.runbook.join('\n') }),
    notification: n.id,
  };
  const groupLabels = { alertname: n.check, key: n.key };
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(n.check)}, key=${JSON.stringify(n.key)}}`,
    truncatedAlerts: 0,
    status,
    receiver: 'binderwatch',
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: '',
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: n.firingSince,
        endsAt: status === 'resolved' ? n.at : NOT_ENDED,
        generatorURL: view.links[0]?.url ?? '',
        // Alertmanager's is a 16-hex hash of the labels; here of what identifies the alert.
        fingerprint: createHash('sha256').update(`${n.check}\n${n.key}`).digest('hex').slice(0, 16),
      },
    ],
  };
}

export interface WebhookProps extends FormatOptions, PostJsonOptions {
  /** A secret: receivers often authenticate by a token in the URL. */
  url: string;
}

export function webhookNotifier(props: WebhookProps): Notifier {
  registerSecret(props.url, 'instance');
  const problem = secureUrlProblem(props.url);
  if (problem) throw new Error(`the webhook URL ${problem}`);
  const { pathname, search } = new URL(props.url);
  registerSecret(pathname.length > 1 ? pathname : undefined, 'instance');
  registerSecret(search || undefined, 'instance');
  return { name: 'webhook', send: (n) => postJson('webhook', props.url, buildPayload(n, props), props) } satisfies Notifier;
}
