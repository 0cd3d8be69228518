// The pager channels in the pipeline: routes send critical alerts to PagerDuty and the
// generic webhook and warnings to Slack; a pager that fails stays owed (and is retried,
// 5xx and 429 alike) like Slack and email, through notifiersFromEnv and loopback receivers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import type { AlertState } from '../../../shared/alerting/lifecycle.ts';
import { notifiersFromEnv } from '../../../shared/alerting/notifiers/index.ts';
import { silentLogger } from '../../../shared/log.ts';
import type { Finding } from '../../../shared/model.ts';
import { deliver } from '../../../shared/pipeline/deliver.ts';
import { transition } from '../../../shared/pipeline/transition.ts';
import { startFakePagerDuty, startFakeWebhookReceiver, type FakeReceiver } from '../../../infra/fakes/event-receivers.ts';
import { startFakeSlack, type FakeSlack } from '../../../infra/fakes/slack.ts';
import { testRun } from '../../helpers/pipeline.ts';

const ROUTING_KEY = 'pd-routing-key-0123456789abcdef';
let pd: FakeReceiver;
let hook: FakeReceiver;
let slack: FakeSlack;
beforeAll(async () => {
  [pd, hook, slack] = await Promise.all([
    startFakePagerDuty(ROUTING_KEY),
    startFakeWebhookReceiver(),
    startFakeSlack({ webhookPath: '/services/TPAGER/BPAGER/slacksecret' }),
  ]);
});
afterAll(() => Promise.all([pd.close(), hook.close(), slack.close()]));
beforeEach(() => {
  for (const r of [pd, hook]) r.requests.length = r.accepted.length = 0;
  slack.webhooks.length = 0;
});

const config = parseConfig({
  alerting: {
    defaults: { failuresToFire: 1 },
    routes: [
      { severity: 'critical', channels: ['pagerduty', 'webhook'] },
      { severity: 'warning', channels: ['slack'] },
    ],
  },
});
const finding = (node: string, severity: Finding['severity']): Finding => ({
  check: 'clusterHealth',
  key: `node:${node}`,
  status: 'problem',
  severity,
  title: `Sick node ${node}`,
  summary: 'crash-looping pods of 3 owners',
  runbook: [],
});

function run() {
  const env = {
    BINDERWATCH_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    BINDERWATCH_PAGERDUTY_URL: pd.url,
    BINDERWATCH_WEBHOOK_URL: hook.url,
    BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl,
  };
  return testRun('clusterHealth', { config, notifiers: notifiersFromEnv(env, { logger: silentLogger }) });
}

describe('routes to the pager channels', () => {
  it('pages critical through PagerDuty and the webhook, and sends the warning to Slack only', async () => {
    const r = run();
    const { alertKeys } = await transition(r, [finding('gke-crit', 'critical'), finding('gke-warn', 'warning')], new Map());
    const report = await deliver(r, alertKeys);
    expect(report.failed).toEqual([]);
    expect(pd.accepted).toMatchObject([{ event_action: 'trigger', dedup_key: 'node:gke-crit', payload: { severity: 'critical' } }]);
    expect(hook.accepted).toMatchObject([{ status: 'firing', alerts: [{ labels: { key: 'node:gke-crit' } }] }]);
    expect(slack.webhooks.map((w) => String(w.text).split('\n')[0])).toEqual([':warning: FIRING warning: Sick node gke-warn']);
  });

  it('keeps a page owed to PagerDuty alone while it answers 500, and sends it once when it is back', async () => {
    const r = run();
    pd.failNext(500, 3); // one delivery: three attempts
    const { alertKeys } = await transition(r, [finding('gke-crit', 'critical')], new Map());
    const first = await deliver(r, alertKeys);
    expect(first.failed.map((f) => [f.channel, f.error.retryable])).toEqual([['pagerduty', true]]);
    expect(pd.requests.map((q) => q.status)).toEqual([500, 500, 500]);
    expect(hook.accepted).toHaveLength(1);
    const owed = async () => (await r.deps.store.get<AlertState>(alertKeys[0]))!.value.owed.map((o) => o.channels);
    expect(await owed()).toEqual([['pagerduty']]);
    // In the logs the failure is named, the routing key never.
    expect(r.logs.map((l) => l.message)).toContain('notification not delivered; it stays owed');
    expect(JSON.stringify(r.logs)).not.toContain(ROUTING_KEY);

    const second = await deliver(r, alertKeys);
    expect(second.delivered.map((d) => d.channel)).toEqual(['pagerduty']);
    expect(pd.accepted).toHaveLength(1);
    expect(hook.accepted).toHaveLength(1); // the webhook had it already
    expect(await owed()).toEqual([]);
  });

  it('retries a 429 within the delivery and delivers on the next attempt', async () => {
    const r = run();
    hook.failNext(429, 1, '0');
    const { alertKeys } = await transition(r, [finding('gke-crit', 'critical')], new Map());
    const report = await deliver(r, alertKeys);
    expect(report.failed).toEqual([]);
    expect(hook.requests.map((q) => q.status)).toEqual([429, 200]);
  });
});
