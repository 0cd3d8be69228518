// Delivery stage: owed notifications are claimed, sent with retries, and cleared
// per channel only once the channel accepted them. A crash or an outage leaves
// them owed for the next run; a claim keeps overlapping runs from sending twice.
import { NotifyError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redact } from '../redact.ts';
import { asAlertState, type OwedNotification } from './lifecycle.ts';
import type { AlertNotification, Notifier } from './notifier.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
};

/** How long a run may hold owed notifications before another run may take them over. */
export const CLAIM_TTL_MS = 5 * 60_000;
/** A notification no channel took for this long is stale news: dropped, with an ERROR log. */
export const OWED_FOR_AT_MOST_MS = 24 * 3_600_000;

export type SendOutcome = { ok: true } | { ok: false; error: NotifyError };

function asNotifyError(channel: string, e: unknown): NotifyError {
  if (e instanceof NotifyError) return e;
  return new NotifyError(channel, redact(e instanceof Error ? e.message : String(e)), true, undefined);
}

/** Sends once, then retries retryable failures with exponential backoff, full jitter and Retry-After. */
export async function sendWithRetry(notifier: Notifier, n: AlertNotification, policy: RetryPolicy): Promise<SendOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await notifier.send(n);
      return { ok: true };
    } catch (e) {
      const error = asNotifyError(notifier.name, e);
      if (!error.retryable || attempt >= policy.attempts) return { ok: false, error };
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * policy.random();
      await policy.sleep(Math.min(policy.maxDelayMs, Math.max(backoff, error.retryAfterMs ?? 0)));
    }
  }
}

export interface DeliveryReport {
  delivered: { channel: string; id: string }[];
  failed: { channel: string; id: string; error: NotifyError }[];
}

function claimable(o: OwedNotification, runId: string, now: number): boolean {
  return o.claimedBy === runId || o.claimedBy === undefined || (o.claimedUntil ?? 0) <= now;
}

/** Delivers what the alert at `storeKey` owes. Safe to call from overlapping runs. */
export async function deliverOwed(opts: {
  store: StateStore;
  storeKey: string;
  notifiers: Map<string, Notifier>;
  runId: string;
  now: number;
  policy: RetryPolicy;
  logger: Logger;
}): Promise<DeliveryReport> {
  const { store, storeKey, notifiers, runId, now, policy, logger } = opts;
  const report: DeliveryReport = { delivered: [], failed: [] };
  const claimed = await updateWithRetry<unknown, OwedNotification[]>(store, storeKey, (stored) => {
    const state = asAlertState(stored);
    if (!state?.owed.some((o) => claimable(o, runId, now))) return undefined;
    const owed = state.owed.map((o) => (claimable(o, runId, now) ? { ...o, claimedBy: runId, claimedUntil: now + CLAIM_TTL_MS } : o));
    return { value: { ...state, owed }, result: owed.filter((o) => o.claimedBy === runId) };
  });
  if (!claimed?.length) return report;

  const done = new Map<string, Set<string>>(); // notification id → channels that accepted it
  for (const o of claimed) {
    const accepted = new Set<string>();
    done.set(o.notification.id, accepted);
    // Channels are independent: one failing does not hold back the others.
    await Promise.all(
      o.channels.map(async (channel) => {
        const notifier = notifiers.get(channel);
        if (!notifier) {
          accepted.add(channel); // no longer configured: nothing can ever deliver it
          return;
        }
        const r = await sendWithRetry(notifier, o.notification, policy);
        if (r.ok) {
          accepted.add(channel);
          report.delivered.push({ channel, id: o.notification.id });
        } else {
          report.failed.push({ channel, id: o.notification.id, error: r.error });
          logger.log('WARNING', 'notification not delivered; it stays owed', {
            channel,
            alert: o.notification.key,
            state: o.notification.state,
            error: r.error.message,
            retryable: r.error.retryable,
          });
        }
      }),
    );
  }

  await updateWithRetry<unknown, true>(store, storeKey, (stored) => {
    const state = asAlertState(stored);
    if (!state) return undefined;
    const owed: OwedNotification[] = [];
    for (const o of state.owed) {
      const accepted = done.get(o.notification.id);
      if (!accepted || o.claimedBy !== runId) {
        owed.push(o);
        continue;
      }
      const channels = o.channels.filter((c) => !accepted.has(c));
      if (channels.length && now - Date.parse(o.notification.at) > OWED_FOR_AT_MOST_MS) {
        logger.log('ERROR', 'notification dropped: undeliverable for a day', {
          channels,
          alert: o.notification.key,
          state: o.notification.state,
        });
      } else if (channels.length) {
        owed.push({ notification: o.notification, channels });
      }
    }
    return { value: { ...state, owed }, result: true };
  });
  return report;
}
