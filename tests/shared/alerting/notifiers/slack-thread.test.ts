import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../../infra/fakes/slack.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import {
  buildThreadReply,
  memoryThreadStore,
  slackThreadNotifier,
  threadId,
  type ThreadStore,
} from '../../../../shared/alerting/notifiers/slack-thread.ts';
import { buildPayload } from '../../../../shared/alerting/notifiers/slack.ts';
import { jsonLogger } from '../../../../shared/log.ts';
import { firing, repeat, resolved, sendError } from '../../../helpers/alerts.ts';

const TOKEN = 'xoxb-1111-2222-threadtesttoken';
const CHANNEL = 'C0123456789';

let slack: FakeSlack;
let logs: string[];
beforeAll(async () => {
  slack = await startFakeSlack({ botToken: TOKEN, channels: [CHANNEL] });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.messages.length = 0;
  slack.apiCalls.length = 0;
  slack.invalid.length = 0;
  logs = [];
});

const notifier = (store: ThreadStore, token = TOKEN) =>
  slackThreadNotifier({
    botToken: token,
    channel: CHANNEL,
    threadStore: store,
    logger: jsonLogger((l) => logs.push(l)),
    apiUrl: slack.apiUrl,
    timeoutMs: 5000,
  });

describe('threaded Slack notifier against a loopback Web API', () => {
  it('keeps one parent per incident, updates it in place and threads the reminder and the resolution', async () => {
    const store = memoryThreadStore();
    // A fresh notifier per run, as each function invocation builds its own; only the store carries over.
    await notifier(store).send(firing);
    await notifier(store).send(repeat);
    await notifier(store).send(resolved);

    expect(slack.invalid).toEqual([]);
    expect(slack.apiCalls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
    ]);
    const [parent, ...replies] = slack.messages;
    expect(await store.get(threadId(firing))).toBe(parent.ts);
    expect(parent).toMatchObject({
      channel: CHANNEL,
      thread_ts: undefined,
      updates: 2,
      ...buildPayload({ ...resolved, title: resolved.incident!.title }, { resolvedInFull: true }),
    });
    // The parent stays the incident's record: headed by the incident's title, with why it resolved and the numbers now.
    expect(parent.text).toContain(`RESOLVED critical: ${resolved.incident!.title}\n${resolved.summary}`);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatchObject({ thread_ts: parent.ts, reply_broadcast: false, ...buildThreadReply(repeat) });
    expect(replies[1]).toMatchObject({ thread_ts: parent.ts, reply_broadcast: true, ...buildThreadReply(resolved) });
  });

  it('starts a new thread for a new incident of the same alert', async () => {
    const store = memoryThreadStore();
    const again: AlertNotification = { ...firing, id: 'again', at: '2026-11-25T08:00:00.000Z', firingSince: '2026-11-25T08:00:00.000Z' };
    await notifier(store).send(firing);
    await notifier(store).send(again);
    expect(slack.messages.filter((m) => m.thread_ts === undefined)).toHaveLength(2);
    expect(await store.get(threadId(again))).not.toBe(await store.get(threadId(firing)));
  });

  it('posts a new parent when the remembered one was deleted, and remembers the new one', async () => {
    const store = memoryThreadStore();
    await store.set(threadId(repeat), '1699999999.000001');
    await notifier(store).send(repeat);
    const parent = slack.messages.find((m) => m.thread_ts === undefined)!;
    expect(await store.get(threadId(repeat))).toBe(parent.ts);
    expect(slack.messages.filter((m) => m.thread_ts === parent.ts)).toHaveLength(1);
  });

  it('on a retry after a failed reply, updates the same parent and posts the reply once', async () => {
    const store = memoryThreadStore();
    await notifier(store).send(firing);
    slack.failNext({ status: 500 }, 1, 1); // chat.update passes, the reply fails
    const e = await sendError(notifier(store).send(repeat));
    expect(e.retryable).toBe(true);
    await notifier(store).send(repeat); // the delivery stage's retry
    const parents = slack.messages.filter((m) => m.thread_ts === undefined);
    expect(parents).toHaveLength(1);
    expect(parents[0].updates).toBe(2);
    expect(slack.messages.filter((m) => m.thread_ts === parents[0].ts)).toHaveLength(1);
  });

  it('reports 429 as retryable with Slack’s Retry-After, without waiting itself', async () => {
    slack.failNext({ status: 429, retryAfter: '30' });
    const started = Date.now();
    const e = await sendError(notifier(memoryThreadStore()).send(firing));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(30_000);
    expect(slack.apiCalls).toHaveLength(1);
  });

  it('reports HTTP 503 as retryable and makes one request only', async () => {
    slack.failNext({ status: 503 });
    const e = await sendError(notifier(memoryThreadStore()).send(firing));
    expect(e.retryable).toBe(true);
    expect(e.message).toBe('slack: chat.postMessage answered HTTP 503');
    expect(slack.apiCalls).toHaveLength(1);
  });

  it.each([
    ['internal_error', true],
    ['ratelimited', true],
    ['channel_not_found', false],
    ['not_in_channel', false],
  ])('reports the platform error %s as retryable: %s', async (code, retryable) => {
    slack.failNext({ platformError: code });
    const e = await sendError(notifier(memoryThreadStore()).send(firing));
    expect(e.retryable).toBe(retryable);
    expect(e.message).toBe(`slack: chat.postMessage failed: ${code}`);
  });

  it('reports a wrong token as not retryable', async () => {
    const e = await sendError(notifier(memoryThreadStore(), 'xoxb-0000-wrong-token').send(firing));
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('slack: chat.postMessage failed: invalid_auth');
  });

  it('does not remember a parent that was never posted', async () => {
    const store = memoryThreadStore();
    slack.failNext({ status: 500 });
    await sendError(notifier(store).send(firing));
    expect(await store.get(threadId(firing))).toBeUndefined();
  });
});
