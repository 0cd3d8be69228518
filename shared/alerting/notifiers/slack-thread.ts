// Slack through a bot token, one thread per incident: the parent message always shows
// the incident's current state (updated in place), reminders and the resolution are
// replies under it. The parent's `ts` lives in an injected ThreadStore, so the next run
// (another function instance) finds the same thread.
import type { Logger as SlackLogger, WebClient } from '@slack/web-api';
import { httpRetryable, NotifyError } from '../../errors.ts';
import type { Logger, LogSeverity } from '../../log.ts';
import { redact, registerSecret } from '../../redact.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import { notificationView, type FormatOptions } from './format.ts';
import { boundedFetch, describeFetchError } from '../../clients/bounded-http.ts';
import { LIMITS } from '../../limits.ts';
import { parseRetryAfter } from './http.ts';
import { buildPayload, emojiFor, evidenceSections, fitMrkdwn, mrkdwn, SLACK_LIMITS, type SlackMessage } from './slack.ts';

/** Where each incident's parent message is remembered between runs. */
export interface ThreadStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, ts: string): Promise<void>;
}

/** For tests, the replay and the CLI, where nothing outlives the process. */
export function memoryThreadStore(): ThreadStore {
  const map = new Map<string, string>();
  return {
    async get(id) {
      return map.get(id);
    },
    async set(id, ts) {
      map.set(id, ts);
    },
  };
}

/** One incident: the alert key and when this episode began; an alert that joined a page goes into the page's thread. */
export function threadId(n: AlertNotification): string {
  const own = n.alsoSeenWith ?? n;
  return `${own.key}@${own.firingSince}`;
}

/** A reply under the parent: where things stand now and the current numbers; a resolve also says why. */
export function buildThreadReply(n: AlertNotification, opts: FormatOptions = {}): SlackMessage {
  const view = notificationView(n, opts);
  // An alert that joined the page says in full what it is: the parent is the page's.
  const what = n.alsoSeenWith ? `*${view.title}*\n${view.summary ?? ''}\n` : n.state === 'resolved' ? `${view.summary}\n` : '';
  const line = `${emojiFor(n)} ${what}${view.status}`;
  return {
    text: fitMrkdwn(line, SLACK_LIMITS.fallbackText),
    blocks: [{ type: 'section', text: mrkdwn(fitMrkdwn(line, SLACK_LIMITS.sectionText)) }, ...evidenceSections(view)],
  };
}

export interface SlackThreadProps extends FormatOptions {
  /** A secret: a bot token (`xoxb-…`) with `chat:write`. */
  botToken: string;
  /** Channel ID (`C…`): chat.update does not take channel names. */
  channel: string;
  threadStore: ThreadStore;
  /** Receives the client's own warnings, redacted. */
  logger: Logger;
  /** Web API base URL; tests point it at a loopback server. */
  apiUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

// Slack answers these with HTTP 200 and `ok: false`; they pass on their own.
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export function slackThreadNotifier(props: SlackThreadProps): Notifier {
  registerSecret(props.botToken, 'instance');
  // The Web API client (some 60 modules) is loaded on the first send, not at every cold start.
  let sdk: Promise<SlackSdk> | undefined;
  const loadSdk = () =>
    (sdk ??= import('@slack/web-api').then((m) => ({
      m,
      client: new m.WebClient(props.botToken, {
        slackApiUrl: props.apiUrl,
        timeout: props.timeoutMs ?? 10_000,
        // The delivery stage owns retries; a 429 must come back to it with its Retry-After.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        logger: slackLogger(props.logger, m.LogLevel.WARN),
        // The library's timeout may not outlive a GC once headers arrived: the deadline and the byte cap are ours.
        fetch: boundedFetch({ timeoutMs: props.timeoutMs ?? 10_000, maxBytes: LIMITS.slackAnswerBytes }, props.fetch),
      }),
    })));
  const { channel, threadStore } = props;

  async function call<T>(method: string, fn: (client: WebClient) => Promise<T>): Promise<T> {
    const { m, client } = await loadSdk();
    try {
      return await fn(client);
    } catch (e) {
      throw webApiError(m, method, e);
    }
  }

  async function postParent(id: string, message: SlackMessage): Promise<string> {
    const res = await call('chat.postMessage', (client) => client.chat.postMessage({ channel, ...message }));
    if (!res.ts) throw new NotifyError('slack', 'chat.postMessage answered without a message ts', true);
    await threadStore.set(id, res.ts);
    return res.ts;
  }

  /** False when the parent is gone (someone deleted it): then a new thread starts. */
  async function updateParent(ts: string, message: SlackMessage): Promise<boolean> {
    const { m, client } = await loadSdk();
    try {
      await client.chat.update({ channel, ts, ...message });
      return true;
    } catch (e) {
      if (e instanceof m.WebAPIPlatformError && e.data.error === 'message_not_found') return false;
      throw webApiError(m, 'chat.update', e);
    }
  }

  /**
   * The chart into the incident's thread with Slack's external upload: ask for an upload
   * URL, POST the bytes there (no token: the URL is pre-signed, and a credential goes
   * only to its own origin), then share the file into the thread.
   */
  async function uploadChart(n: AlertNotification, threadTs: string): Promise<void> {
    const png = await (await import('./chart-png.ts')).pictureOf(n, props.timeZone, props.logger);
    if (!png) return;
    const title = `${n.chart!.title} (${n.key})`;
    const { upload_url: uploadUrl, file_id: fileId } = await call('files.getUploadURLExternal', (client) =>
      client.files.getUploadURLExternal({ filename: 'chart.png', length: png.length, alt_text: n.chart!.title }),
    );
    if (!uploadUrl || !fileId) throw new NotifyError('slack', 'files.getUploadURLExternal answered without an upload URL', false);
    const target = new URL(uploadUrl);
    const loopback = target.hostname === '127.0.0.1' || target.hostname === 'localhost';
    if (target.protocol !== 'https:' && !loopback)
      throw new NotifyError('slack', 'files.getUploadURLExternal gave a non-https upload URL', false);
    const res = await (props.fetch ?? fetch)(uploadUrl, {
      method: 'POST',
      body: new Uint8Array(png),
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(props.timeoutMs ?? 10_000),
    });
    await res.body?.cancel();
    if (!res.ok) throw new NotifyError('slack', `chart upload answered HTTP ${res.status}`, httpRetryable(res.status));
    await call('files.completeUploadExternal', (client) =>
      client.files.completeUploadExternal({ files: [{ id: fileId, title }], channel_id: channel, thread_ts: threadTs }),
    );
  }

  return {
    name: 'slack',
    drawsCharts: true,
    async send(n) {
      const id = threadId(n);
      // The parent stays the incident's record: headed by the incident's title even when resolved.
      const parent = buildPayload({ ...n, title: n.incident?.title ?? n.title }, { ...props, resolvedInFull: true });
      const known = await threadStore.get(id);
      // The page's parent stays the page's: an alert that joined it only replies.
      const joined = n.alsoSeenWith !== undefined && known !== undefined;
      const ts = joined || (known !== undefined && (await updateParent(known, parent))) ? known : await postParent(id, parent);
      // A reopened incident says so in its thread too: the parent alone changes silently.
      if (n.state !== 'firing' || n.reopenedAfter || n.alsoSeenWith) {
        const reply = buildThreadReply(n, props);
        // The resolution also shows in the channel, so nobody has to open the thread to see it.
        await call('chat.postMessage', (client) =>
          client.chat.postMessage({ channel, thread_ts: ts, reply_broadcast: n.state === 'resolved', ...reply }),
        );
      }
      // The alert is delivered; its picture is a bonus that never fails it (or re-sends it on retry).
      if (n.chart && n.state !== 'resolved') {
        await uploadChart(n, ts).catch((e: unknown) =>
          props.logger.log('WARNING', 'alert chart not uploaded to Slack (the bot needs the files:write scope)', {
            key: n.key,
            error: redact(e instanceof Error ? e.message : String(e)),
          }),
        );
      }
    },
  } satisfies Notifier;
}

/** Rebuilt from secret-free parts: the client's errors can hold the request and its headers. */
type SlackSdk = { m: typeof import('@slack/web-api'); client: WebClient };

function webApiError(m: SlackSdk['m'], method: string, e: unknown): NotifyError {
  const { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } = m;
  if (e instanceof WebAPIRateLimitedError) return new NotifyError('slack', `${method}: rate limited`, true, e.retryAfter * 1000);
  if (e instanceof WebAPIPlatformError) {
    const code = String(e.data.error);
    return new NotifyError('slack', redact(`${method} failed: ${code}`), RETRYABLE_PLATFORM_ERRORS.has(code));
  }
  if (e instanceof WebAPIHTTPError) {
    const retryable = httpRetryable(e.statusCode);
    const retryAfter = retryable ? parseRetryAfter(e.headers['retry-after'], Date.now()) : undefined;
    return new NotifyError('slack', `${method} answered HTTP ${e.statusCode}`, retryable, retryAfter);
  }
  if (e instanceof WebAPIRequestError)
    return new NotifyError('slack', redact(`${method} request failed: ${describeFetchError(e.original)}`), true);
  return new NotifyError('slack', redact(`${method} failed: ${e instanceof Error ? e.message : String(e)}`), false);
}

/** The client's warnings and errors into our structured (and redacting) log. */
function slackLogger(logger: Logger, level: ReturnType<SlackLogger['getLevel']>): SlackLogger {
  const to =
    (severity: LogSeverity) =>
    (...msg: unknown[]) =>
      logger.log(severity, msg.map(String).join(' '), { component: 'slack-web-api' });
  return {
    debug() {},
    info() {},
    warn: to('WARNING'),
    error: to('ERROR'),
    setLevel() {},
    getLevel: () => level,
    setName() {},
  };
}
