import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../../infra/fakes/slack.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import { buildPayload, slackWebhookNotifier } from '../../../../shared/alerting/notifiers/slack.ts';
import { blind, firing, repeat, resolved, sendError } from '../../../helpers/alerts.ts';

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.webhooks.length = 0;
  slack.invalid.length = 0;
});

const notifier = (url = slack.webhookUrl) => slackWebhookNotifier({ webhookUrl: url, timeoutMs: 5000 });

describe('Slack webhook notifier against a loopback Slack', () => {
  it('posts each notification as the Block Kit message buildPayload made, and Slack accepts it', async () => {
    const n = notifier();
    for (const x of [firing, repeat, resolved, blind]) await n.send(x);
    expect(slack.invalid).toEqual([]);
    expect(slack.webhooks).toEqual([firing, repeat, resolved, blind].map((x) => buildPayload(x)));
  });

  it('gets an oversized notification accepted by the Block Kit rules', async () => {
    const huge: AlertNotification = {
      ...firing,
      summary: 'x'.repeat(10_000),
      details: 'd&'.repeat(5000),
      evidence: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, 'v'.repeat(5000)])),
      runbook: Array.from({ length: 300 }, () => 'kubectl get pods -A'),
    };
    await notifier().send(huge);
    expect(slack.invalid).toEqual([]);
    expect(slack.webhooks).toHaveLength(1);
  });

  it.each([500, 502, 503])('reports HTTP %i as retryable', async (status) => {
    slack.failNext({ status });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(true);
    expect(e.message).toContain(`HTTP ${status}`);
  });

  it('reports 429 as retryable after the Retry-After seconds', async () => {
    slack.failNext({ status: 429, retryAfter: '7', body: 'rate_limited' });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(7000);
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    slack.failNext({ status: 429, retryAfter: new Date(Date.now() + 60_000).toUTCString() });
    const e = await sendError(notifier().send(firing));
    expect(e.retryAfterMs).toBeGreaterThan(55_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('reports a removed webhook (404 no_service) as not retryable, with Slack’s reason', async () => {
    slack.failNext({ status: 404, body: 'no_service' });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('slack: webhook answered HTTP 404: no_service');
  });

  it('reports a payload Slack refuses (400 invalid_payload) as not retryable', async () => {
    slack.failNext({ status: 400, body: 'invalid_payload' });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(false);
    expect(e.retryAfterMs).toBeUndefined();
  });

  it('reports a webhook URL Slack does not know as not retryable', async () => {
    const e = await sendError(notifier(`${slack.url}/services/T0/B0/revoked`).send(firing));
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('404');
  });

  it('reports an unreachable Slack as retryable', async () => {
    const gone = await startFakeSlack();
    const url = gone.webhookUrl;
    await gone.close();
    const e = await sendError(notifier(url).send(firing));
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('sends once per call: a failure is left to the caller to retry', async () => {
    slack.failNext({ status: 500 });
    const faulted = slack.faulted;
    await sendError(notifier().send(firing));
    expect(slack.faulted).toBe(faulted + 1);
    expect(slack.webhooks).toHaveLength(0);
    await notifier().send(firing);
    expect(slack.webhooks).toHaveLength(1);
  });
});
