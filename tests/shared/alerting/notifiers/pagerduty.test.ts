// PagerDuty Events API v2: the event each notification becomes (exact JSON), and what the
// loopback Events API (tests/fakes/event-receivers.ts) answers, through the real client path.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPayload, dedupKey, pagerDutyNotifier } from '../../../../shared/alerting/notifiers/pagerduty.ts';
import { startFakePagerDuty, type FakeReceiver } from '../../../../infra/fakes/event-receivers.ts';
import { blind, firing, repeat, resolved, sendError } from '../../../helpers/alerts.ts';

const ROUTING_KEY = 'R0UTINGKEY0123456789abcdefSECRET';
const KEY = 'launch:mybinder.org:gh/binder-examples/requirements/HEAD';

describe('PagerDuty buildPayload', () => {
  it('triggers a firing alert under its key, with the title and why as summary and the rest as custom details', () => {
    expect(buildPayload(firing, ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: KEY,
      payload: {
        summary:
          'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build): Phase build: the build failed, after 10m12s',
        source: KEY,
        severity: 'critical',
        timestamp: '2026-11-24T10:02:00.000Z',
        component: 'launchProbe',
        class: 'problem',
        custom_details: {
          status: 'Firing since 2026-11-24 10:02 UTC.',
          details: '3 of the last 3 launches failed: build timed out after 600s.',
          evidence: { Waiting: '1.2 s', Building: '611.3 s', 'Failed launches': '3', 'median launch s': '612.46' },
          runbook: ['kubectl -n prod get pods -l component=binderhub', 'kubectl -n prod logs deploy/binder --since=30m | grep -i error'],
          firing_since: '2026-11-24T10:02:00.000Z',
          notification: firing.id,
        },
      },
      client: 'binderwatch',
      links: [
        { href: 'https://mybinder.org', text: 'Hub' },
        { href: 'https://grafana.mybinder.org/d/launch?var-a=1&var-b=2', text: 'Dashboard' },
      ],
    });
  });

  it('sends a reminder as another trigger under the same key (PagerDuty keeps one incident), timed when it was sent', () => {
    const event = buildPayload(repeat, ROUTING_KEY);
    expect([event.event_action, event.dedup_key, event.payload?.timestamp]).toEqual(['trigger', KEY, '2026-11-24T11:07:00.000Z']);
    expect(event.payload?.custom_details.status).toBe('STILL FIRING since 2026-11-24 10:02 UTC (1h5m).');
  });

  it('resolves with nothing but the routing and dedup keys', () => {
    expect(buildPayload(resolved, ROUTING_KEY)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: KEY });
  });

  it('says a blind check is blind (class unknown), at its own severity, in the display time zone', () => {
    const event = buildPayload(blind, ROUTING_KEY, { timeZone: 'America/Los_Angeles' });
    expect(event.payload).toMatchObject({
      summary: 'Cannot read mybinder.org /health: mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)',
      severity: 'warning',
      class: 'unknown',
      custom_details: { status: 'Cannot see health:mybinder.org since 2026-11-24 02:02 PST (10:02 UTC).' },
    });
    expect(event.links).toBeUndefined();
  });

  it('keeps a dedup key within 255 characters, still one per alert', () => {
    const long = `launch:hub:${'x'.repeat(300)}`;
    expect(dedupKey(long)).toHaveLength(255);
    expect(dedupKey(long)).not.toBe(dedupKey(`${long}y`));
    expect(buildPayload({ ...firing, summary: 'y'.repeat(2000) }, ROUTING_KEY).payload!.summary).toHaveLength(1024);
  });
});

describe('pagerDutyNotifier against a loopback Events API', () => {
  let pd: FakeReceiver;
  beforeAll(async () => {
    pd = await startFakePagerDuty(ROUTING_KEY);
  });
  afterAll(() => pd.close());
  beforeEach(() => {
    pd.requests.length = 0;
    pd.accepted.length = 0;
  });
  const notifier = () => pagerDutyNotifier({ routingKey: ROUTING_KEY, url: pd.url });

  it('posts trigger, trigger and resolve as buildPayload made them, and the Events API accepts each (202)', async () => {
    for (const n of [firing, repeat, resolved]) await notifier().send(n);
    expect(pd.requests.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(pd.accepted).toEqual([firing, repeat, resolved].map((n) => buildPayload(n, ROUTING_KEY)));
  });

  it.each([
    [500, undefined, true, undefined],
    [503, undefined, true, undefined],
    [429, '7', true, 7000],
  ])('reports HTTP %i as retryable (Retry-After %s)', async (status, retryAfter, retryable, retryAfterMs) => {
    pd.failNext(status, 1, retryAfter);
    const e = await sendError(notifier().send(firing));
    expect([e.channel, e.retryable, e.retryAfterMs]).toEqual(['pagerduty', retryable, retryAfterMs]);
    expect(e.message).toContain(`HTTP ${status}`);
  });

  it('reports an event the API refuses (400, a wrong routing key) as not retryable, with its reason and without the key', async () => {
    const wrong = 'WRONGKEY-not-the-integration-0001';
    const e = await sendError(pagerDutyNotifier({ routingKey: wrong, url: pd.url }).send(firing));
    expect([e.retryable, e.message]).toEqual([false, expect.stringContaining('routing_key: unknown integration key')]);
    expect(e.message).not.toContain(wrong);
  });

  it('reports an unreachable endpoint as retryable', async () => {
    const closed = await startFakePagerDuty(ROUTING_KEY);
    await closed.close();
    const e = await sendError(pagerDutyNotifier({ routingKey: ROUTING_KEY, url: closed.url }).send(firing));
    expect(e.retryable).toBe(true);
  });

  it('refuses an http:// endpoint off this machine: the routing key would travel in clear text', () => {
    expect(() => pagerDutyNotifier({ routingKey: ROUTING_KEY, url: 'http://events.example.org/v2/enqueue' })).toThrow(/https/);
  });
});
