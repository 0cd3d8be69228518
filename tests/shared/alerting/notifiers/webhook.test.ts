// The generic webhook in Alertmanager's webhook JSON (version 4): the message each
// notification becomes (exact JSON), and a loopback receiver's answers through the real path.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPayload, webhookNotifier } from '../../../../shared/alerting/notifiers/webhook.ts';
import { startFakeWebhookReceiver, type FakeReceiver } from '../../../../infra/fakes/event-receivers.ts';
import { blind, firing, repeat, resolved, sendError } from '../../../helpers/alerts.ts';

const KEY = 'launch:mybinder.org:gh/binder-examples/requirements/HEAD';
const TITLE = 'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)';
const LABELS = { alertname: 'launchProbe', key: KEY, severity: 'critical', status: 'problem' };
const FINGERPRINT = 'a93ecf6e13e1ff6b';
/** What a firing alert and its resolve share: the start, where it was seen, the identity. */
const SAME = { startsAt: '2026-11-24T10:02:00.000Z', generatorURL: 'https://mybinder.org', fingerprint: FINGERPRINT };

/** The envelope around one alert, as Alertmanager sends a group of one. */
const message = (status: string, labels: Record<string, string>, annotations: Record<string, string>, alert: Record<string, string>) => ({
  version: '4',
  groupKey: `{}:{alertname="${labels.alertname}", key="${labels.key}"}`,
  truncatedAlerts: 0,
  status,
  receiver: 'binderwatch',
  groupLabels: { alertname: labels.alertname, key: labels.key },
  commonLabels: labels,
  commonAnnotations: annotations,
  externalURL: '',
  alerts: [{ status, labels, annotations, ...alert }],
});

describe('webhook buildPayload (Alertmanager webhook JSON)', () => {
  it('sends a firing alert with labels, annotations (title, why, runbook), its start and no end', () => {
    const annotations = {
      title: TITLE,
      summary: 'Phase build: the build failed, after 10m12s',
      description: 'Firing since 2026-11-24 10:02 UTC.',
      details: '3 of the last 3 launches failed: build timed out after 600s.',
      runbook: 'kubectl -n prod get pods -l component=binderhub\nkubectl -n prod logs deploy/binder --since=30m | grep -i error',
      notification: firing.id,
    };
    expect(buildPayload(firing)).toEqual(message('firing', LABELS, annotations, { ...SAME, endsAt: '0001-01-01T00:00:00Z' }));
  });

  it('sends a resolve as status resolved, ended when it resolved, under the same fingerprint, without the problem’s runbook', () => {
    // A resolve speaks of what ended it, and names the incident it ends.
    const annotations = {
      title: resolved.title!,
      summary: resolved.summary,
      description: `Ends “${TITLE}”, firing since 2026-11-24 10:02 UTC for 2h13m.`,
      notification: resolved.id,
    };
    expect(buildPayload(resolved)).toEqual(message('resolved', LABELS, annotations, { ...SAME, endsAt: '2026-11-24T12:15:00.000Z' }));
  });

  it('labels a blind check status unknown, with its own fingerprint and no generator URL', () => {
    const m = buildPayload(blind);
    expect(m.alerts[0].labels).toEqual({ alertname: 'binderHealth', key: 'health:mybinder.org', severity: 'warning', status: 'unknown' });
    expect(m.alerts[0].generatorURL).toBe('');
    expect(m.alerts[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(m.alerts[0].fingerprint).not.toBe(FINGERPRINT);
  });
});

describe('webhookNotifier against a loopback receiver', () => {
  let hook: FakeReceiver;
  beforeAll(async () => {
    hook = await startFakeWebhookReceiver();
  });
  afterAll(() => hook.close());
  beforeEach(() => {
    hook.requests.length = 0;
    hook.accepted.length = 0;
  });

  it('posts firing, repeat and resolved as buildPayload made them, each valid version-4 JSON', async () => {
    for (const n of [firing, repeat, resolved]) await webhookNotifier({ url: hook.url }).send(n);
    expect(hook.requests.map((r) => [r.method, r.status])).toEqual([
      ['POST', 200],
      ['POST', 200],
      ['POST', 200],
    ]);
    expect(hook.accepted).toEqual([firing, repeat, resolved].map((n) => buildPayload(n)));
  });

  it('reports 500 and 429 (after Retry-After) as retryable and 404 as not, never naming the URL', async () => {
    hook.failNext(500);
    hook.failNext(429, 1, '3');
    hook.failNext(404);
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await sendError(webhookNotifier({ url: hook.url }).send(firing)));
    expect(errors.map((e) => [e.channel, e.retryable, e.retryAfterMs])).toEqual([
      ['webhook', true, undefined],
      ['webhook', true, 3000],
      ['webhook', false, undefined],
    ]);
    for (const e of errors) expect(e.message).not.toContain('t0ken-XYZ');
  });

  it('refuses an http:// URL off this machine: its token would travel in clear text', () => {
    expect(() => webhookNotifier({ url: 'http://alerts.example.org/hook/t0ken' })).toThrow(/https/);
  });
});
