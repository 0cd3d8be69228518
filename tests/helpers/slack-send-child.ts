// Sends one notification through a production Slack notifier (webhook or Web API) to a
// loopback URL, in a process of its own started with --expose-gc, forcing a garbage
// collection every 50 ms while the send runs: a deadline that only a collectable signal
// held would be lost. Prints one JSON line: how long the send took and how it ended.
//   node --expose-gc --import tsx tests/helpers/slack-send-child.ts '<json: SlackSendCall>'
import { slackWebhookNotifier } from '../../shared/alerting/notifiers/slack.ts';
import { memoryThreadStore, slackThreadNotifier } from '../../shared/alerting/notifiers/slack-thread.ts';
import { silentLogger } from '../../shared/log.ts';
import { firing } from './alerts.ts';

export interface SlackSendCall {
  client: 'webhook' | 'web-api';
  /** The loopback server's base URL. */
  url: string;
  timeoutMs: number;
}

export interface SlackSendReport {
  ms: number;
  /** The NotifyError's message, or 'sent'. */
  outcome: string;
  /** Garbage collections forced during the send. */
  gcs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const c = JSON.parse(process.argv[2]) as SlackSendCall;
const notifier =
  c.client === 'webhook'
    ? slackWebhookNotifier({ webhookUrl: `${c.url}/services/T0/B0/secret`, timeoutMs: c.timeoutMs })
    : slackThreadNotifier({
        botToken: 'xoxb-drip-test',
        channel: 'C0',
        apiUrl: `${c.url}/api/`,
        timeoutMs: c.timeoutMs,
        threadStore: memoryThreadStore(),
        logger: silentLogger,
      });
let gcs = 0;
const collector = setInterval(() => (gc(), gcs++), 50);
const t0 = performance.now();
let outcome = 'sent';
try {
  await notifier.send(firing);
} catch (e) {
  outcome = (e as Error).message;
}
clearInterval(collector);
const report: SlackSendReport = { ms: Math.round(performance.now() - t0), outcome, gcs };
process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
