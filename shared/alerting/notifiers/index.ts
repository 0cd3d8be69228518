// Channels from environment values: the entry point reads the environment and hands
// the values here; nothing in shared/ reads process.env.
import { ConfigError, type ConfigIssue } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { registerSecret } from '../../redact.ts';
import type { Notifier } from '../notifier.ts';
import { consoleNotifier } from './console.ts';
import { emailNotifier, parseSmtpUrl } from './email.ts';
import { secureUrlProblem, webhookUrlProblem } from './http.ts';
import { pagerDutyNotifier } from './pagerduty.ts';
import { webhookNotifier } from './webhook.ts';
import { slackThreadNotifier, type ThreadStore } from './slack-thread.ts';
import { slackWebhookNotifier } from './slack.ts';

export { consoleNotifier } from './console.ts';
export { emailNotifier } from './email.ts';
export { memoryThreadStore, slackThreadNotifier, type ThreadStore } from './slack-thread.ts';
export { slackWebhookNotifier } from './slack.ts';
export { pagerDutyNotifier } from './pagerduty.ts';
export { webhookNotifier } from './webhook.ts';

export const NOTIFIER_ENV = [
  'BINDERWATCH_SLACK_WEBHOOK_URL',
  'BINDERWATCH_SLACK_BOT_TOKEN',
  'BINDERWATCH_SLACK_CHANNEL',
  'BINDERWATCH_SMTP_URL',
  'BINDERWATCH_EMAIL_FROM',
  'BINDERWATCH_EMAIL_TO',
  'BINDERWATCH_PAGERDUTY_ROUTING_KEY',
  'BINDERWATCH_PAGERDUTY_URL',
  'BINDERWATCH_WEBHOOK_URL',
] as const;

export interface NotifierDeps {
  logger: Logger;
  /** Required for threaded Slack (bot token): where each incident's parent message is kept. */
  threadStore?: ThreadStore;
  fetch?: typeof fetch;
  /** IANA zone for times in messages (config `displayTimeZone`); default UTC. */
  timeZone?: string;
}

// chat.update takes only IDs, so a channel name would post the first message and then fail.
const CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;
const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$|^[^<>]*<[^\s@<>,]+@[^\s@<>,]+>$/;

/**
 * The configured channels, console always last. Every problem is reported at once, each
 * naming its variable; no message repeats a secret value.
 */
export function notifiersFromEnv(env: Record<string, string | undefined>, deps: NotifierDeps): Notifier[] {
  const get = (name: (typeof NOTIFIER_ENV)[number]) => env[name]?.trim() || undefined;
  const webhookUrl = get('BINDERWATCH_SLACK_WEBHOOK_URL');
  const botToken = get('BINDERWATCH_SLACK_BOT_TOKEN');
  const channel = get('BINDERWATCH_SLACK_CHANNEL');
  const smtpUrl = get('BINDERWATCH_SMTP_URL');
  const from = get('BINDERWATCH_EMAIL_FROM');
  const toList = get('BINDERWATCH_EMAIL_TO');
  const routingKey = get('BINDERWATCH_PAGERDUTY_ROUTING_KEY');
  const pagerDutyUrl = get('BINDERWATCH_PAGERDUTY_URL');
  const genericWebhookUrl = get('BINDERWATCH_WEBHOOK_URL');
  // Before any validation, so even a message about a bad value cannot carry it.
  for (const secret of [webhookUrl, botToken, smtpUrl, routingKey, genericWebhookUrl]) registerSecret(secret, 'instance');

  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ path, message });

  const webhookProblem = webhookUrl && webhookUrlProblem(webhookUrl);
  if (webhookProblem) issue('BINDERWATCH_SLACK_WEBHOOK_URL', webhookProblem);
  if (botToken && !channel)
    issue('BINDERWATCH_SLACK_CHANNEL', 'is required with BINDERWATCH_SLACK_BOT_TOKEN (a channel ID like C0123456789)');
  if (channel && !botToken) issue('BINDERWATCH_SLACK_BOT_TOKEN', 'is required with BINDERWATCH_SLACK_CHANNEL');
  if (channel && !CHANNEL_ID.test(channel))
    issue('BINDERWATCH_SLACK_CHANNEL', `expected a channel ID like C0123456789 (not a name), got "${channel}"`);

  const to =
    toList
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  if (smtpUrl) {
    try {
      parseSmtpUrl(smtpUrl);
    } catch (e) {
      issue('BINDERWATCH_SMTP_URL', (e as Error).message);
    }
    if (!to.length) issue('BINDERWATCH_EMAIL_TO', 'is required with BINDERWATCH_SMTP_URL (comma-separated addresses)');
    if (!from) issue('BINDERWATCH_EMAIL_FROM', 'is required with BINDERWATCH_SMTP_URL');
  } else {
    if (toList) issue('BINDERWATCH_SMTP_URL', 'is required with BINDERWATCH_EMAIL_TO');
    if (from) issue('BINDERWATCH_SMTP_URL', 'is required with BINDERWATCH_EMAIL_FROM');
  }
  for (const address of to) if (!ADDRESS.test(address)) issue('BINDERWATCH_EMAIL_TO', `"${address}" is not an email address`);
  if (from && !ADDRESS.test(from)) issue('BINDERWATCH_EMAIL_FROM', `"${from}" is not an email address`);
  if (pagerDutyUrl && !routingKey) issue('BINDERWATCH_PAGERDUTY_ROUTING_KEY', 'is required with BINDERWATCH_PAGERDUTY_URL');
  const pagerDutyUrlProblem = pagerDutyUrl && secureUrlProblem(pagerDutyUrl);
  if (pagerDutyUrlProblem) issue('BINDERWATCH_PAGERDUTY_URL', pagerDutyUrlProblem);
  const genericWebhookProblem = genericWebhookUrl && secureUrlProblem(genericWebhookUrl);
  if (genericWebhookProblem) issue('BINDERWATCH_WEBHOOK_URL', genericWebhookProblem);
  if (issues.length) throw new ConfigError(issues, 'notification settings');

  const { logger, timeZone } = deps;
  const notifiers: Notifier[] = [];
  if (botToken && channel) {
    if (!deps.threadStore) throw new Error('threaded Slack needs deps.threadStore to find each incident’s message again');
    if (webhookUrl) logger.log('INFO', 'both a Slack bot token and a webhook are set; using the bot token (threads)');
    notifiers.push(slackThreadNotifier({ botToken, channel, threadStore: deps.threadStore, logger, timeZone, fetch: deps.fetch }));
  } else if (webhookUrl) {
    notifiers.push(slackWebhookNotifier({ webhookUrl, timeZone, fetch: deps.fetch }));
  }
  if (smtpUrl && from) notifiers.push(emailNotifier({ smtpUrl, from, to, timeZone, logger }));
  if (routingKey) notifiers.push(pagerDutyNotifier({ routingKey, url: pagerDutyUrl, timeZone, fetch: deps.fetch }));
  if (genericWebhookUrl) notifiers.push(webhookNotifier({ url: genericWebhookUrl, timeZone, fetch: deps.fetch }));
  notifiers.push(consoleNotifier({ logger, timeZone }));
  return notifiers;
}
