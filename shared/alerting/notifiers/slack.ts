// Slack through an incoming webhook: one Block Kit message per notification.
// Limits are Slack's documented Block Kit limits; anything longer is cut with a note,
// so a long runbook or summary never turns into an `invalid_blocks` rejection.
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { httpRetryable, NotifyError } from '../../errors.ts';
import { redact, registerSecret } from '../../redact.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import {
  notificationView,
  fitEscaped,
  TRUNCATION_NOTE,
  truncate,
  type FormatOptions,
  type NotificationView,
  type ViewOptions,
} from './format.ts';
import { boundedFetch, describeFetchError } from '../../clients/bounded-http.ts';
import { LIMITS } from '../../limits.ts';
import { parseRetryAfter, webhookUrlProblem } from './http.ts';

export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextText: 3000,
  blocks: 50,
  /** Slack truncates `text` at 40 000; notifications only show the start anyway. */
  fallbackText: 3000,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  /** Always true: no auto-linked URLs, channel names or mentions in text that may come from a hub. */
  verbatim: true;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'section'; fields: Mrkdwn[] }
  | { type: 'context'; elements: Mrkdwn[] };

export interface SlackMessage {
  /** Shown in notifications and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
}

/** Slack reads `&`, `<` and `>` as markup in mrkdwn and `text` (links, <!channel> mentions). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Slack's mrkdwn has no escape for its formatting marks, so marks that could open or close
// formatting (not between two letters or digits, as in snake_case) become look-alikes.
const LOOK_ALIKE: Record<string, string> = { '*': '\u2217', _: '\uff3f', '~': '\u223c', '`': '\uff40' };
/** Each mark where it could open or close formatting: not between two letters or digits. */
const MARKS_AT_EDGES = Object.keys(LOOK_ALIKE).map((mark) => {
  const m = mark === '*' ? '\\*' : mark;
  return [mark, new RegExp(`(?<![\\p{L}\\p{N}])${m}|${m}(?![\\p{L}\\p{N}])`, 'gu')] as const;
});

/**
 * Text from outside (hub messages, error text, summaries quoting them) made inert for mrkdwn:
 * no bold, italics, strike or code, no block quote at a line start, no @channel / @here /
 * @everyone. `&`, `<`, `>` are escaped by `escapeMrkdwn` after this.
 */
export function neutraliseMrkdwn(s: string): string {
  const lines = s.split('\n').map((line) => {
    // Formatting takes a pair of marks on one line: a lone one ("~1h20m") stays as written.
    for (const [mark, at] of MARKS_AT_EDGES) if ((line.match(at) ?? []).length >= 2) line = line.replace(at, LOOK_ALIKE[mark]);
    return line;
  });
  return lines
    .join('\n')
    .replace(/^(\s*)>/gm, '$1\uff1e')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** Runs of three or more backticks made look-alikes: text inside a code block cannot end it (a cut only shortens a run). */
const unfence = (s: string) => s.replace(/`{3,}/g, (run) => LOOK_ALIKE['`'].repeat(run.length));

/** Upstream text made inert, escaped, and cut to fit `max` characters. */
export function fitMrkdwn(s: string, max: number): string {
  return fitEscaped(neutraliseMrkdwn(s), max, escapeMrkdwn);
}

export function mrkdwn(text: string): Mrkdwn {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function emojiFor(n: AlertNotification): string {
  if (n.state === 'resolved') return ':white_check_mark:';
  if (n.status === 'unknown') return ':grey_question:';
  return n.severity === 'critical' ? ':rotating_light:' : ':warning:';
}

/** Evidence as two-column section fields, ten to a section; past the view's cap one field says how many were left out. */
export function evidenceSections(view: NotificationView): SlackBlock[] {
  const fields = view.evidence.map(([name, value]) =>
    mrkdwn(`*${fitMrkdwn(name, 200)}*\n${fitMrkdwn(value, SLACK_LIMITS.fieldText - 210)}`),
  );
  if (view.evidenceLeftOut) fields.push(mrkdwn(`_${view.evidenceLeftOut} more ${TRUNCATION_NOTE}_`));
  const sections: SlackBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.fields)
    sections.push({ type: 'section', fields: fields.slice(i, i + SLACK_LIMITS.fields) });
  return sections;
}

const RUNBOOK_HEAD = '*Runbook*\n```\n';
const RUNBOOK_TAIL = '\n```';

function linkText(link: { title: string; url: string }): string | undefined {
  // A cut URL would point somewhere else: leave out one too long to show.
  const url = escapeMrkdwn(link.url.replace(/[|>]/g, encodeURIComponent));
  if (url.length > SLACK_LIMITS.sectionText - 210) return undefined;
  return `<${url}|${fitMrkdwn(link.title, 200)}>`;
}

/** Links in one line, ` · ` between them; those too long to show are left out. */
function linksLine(links: NotificationView['links']): string | undefined {
  const shown = links.map(linkText).filter((l): l is string => l !== undefined);
  let line = '';
  for (const l of shown) {
    const next = line ? `${line} · ${l}` : l;
    if (next.length > SLACK_LIMITS.sectionText) break;
    line = next;
  }
  return line || undefined;
}

/**
 * The Block Kit message for one notification; pure, so tests compare it exactly.
 * Titles are at most 80 characters, so the header fits its 150 with the state,
 * severity and sign; the cuts below only bite on hostile or runaway input.
 */
export function buildPayload(n: AlertNotification, opts: ViewOptions = {}): SlackMessage {
  const view = notificationView(n, opts);
  const sign = emojiFor(n);
  const status = `_${fitMrkdwn(view.status, 900)}_`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${sign} ${view.title}`, SLACK_LIMITS.headerText), emoji: true } },
    { type: 'section', text: mrkdwn(view.summary ? `${fitMrkdwn(view.summary, 2000)}\n${status}` : status) },
    ...evidenceSections(view),
  ];
  if (view.details) blocks.push({ type: 'section', text: mrkdwn(fitMrkdwn(view.details, SLACK_LIMITS.sectionText)) });
  if (view.runbook.length) {
    const room = SLACK_LIMITS.sectionText - RUNBOOK_HEAD.length - RUNBOOK_TAIL.length;
    // Commands are copied as they are: inside the code block only Slack's markup characters are escaped, and a
    // run of backticks (from a hub or pod name) that would close the block early becomes look-alikes.
    const code = fitEscaped(unfence(view.runbook.join('\n')), room, escapeMrkdwn);
    blocks.push({ type: 'section', text: mrkdwn(RUNBOOK_HEAD + code + RUNBOOK_TAIL) });
  }
  const links = linksLine(view.links);
  if (links) blocks.push({ type: 'section', text: mrkdwn(links) });
  blocks.push({ type: 'context', elements: [mrkdwn(fitMrkdwn(view.footer, SLACK_LIMITS.contextText))] });
  // The fallback is what notifications and the channel list show: the title and the why.
  return { text: fitMrkdwn(`${sign} ${view.title}\n${view.summary ?? view.status}`, SLACK_LIMITS.fallbackText), blocks };
}

export interface SlackWebhookProps extends FormatOptions {
  /** A secret: whoever has it can post to the channel. */
  webhookUrl: string;
  /** Per request; default 10 s, so a hung Slack cannot use up the function's time. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function slackWebhookNotifier(props: SlackWebhookProps): Notifier {
  registerSecret(props.webhookUrl, 'instance');
  // Node's own URL error keeps the input; say it without the value.
  if (!URL.canParse(props.webhookUrl)) throw new Error('the Slack webhook URL is not a valid URL');
  const problem = webhookUrlProblem(props.webhookUrl);
  if (problem) throw new Error(`the Slack webhook URL ${problem}`);
  registerSecret(new URL(props.webhookUrl).pathname, 'instance');
  const baseFetch = props.fetch ?? globalThis.fetch;
  return {
    name: 'slack',
    async send(n) {
      // The client's HTTP error drops the headers; keep Retry-After from the response itself.
      let retryAfter: string | null = null;
      const timeoutMs = props.timeoutMs ?? 10_000;
      const hook = new IncomingWebhook(props.webhookUrl, {
        timeout: timeoutMs,
        // The library's timeout may not outlive a GC once headers arrived: the deadline and the byte cap are ours.
        fetch: boundedFetch({ timeoutMs, maxBytes: LIMITS.slackAnswerBytes }, async (url, init) => {
          const res = await baseFetch(url, init);
          retryAfter = res.headers.get('retry-after');
          return res;
        }),
      });
      try {
        await hook.send(buildPayload(n, props));
      } catch (e) {
        throw webhookError(e, retryAfter);
      }
    },
  } satisfies Notifier;
}

/**
 * Rebuilt from the parts that carry no secret: the client's own errors keep the
 * request (and so the webhook URL) within reach.
 */
function webhookError(e: unknown, retryAfter: string | null): NotifyError {
  if (e instanceof IncomingWebhookHTTPError) {
    const body = e.body?.trim() ? `: ${truncate(e.body.trim(), 200)}` : '';
    const retryable = httpRetryable(e.statusCode);
    return new NotifyError(
      'slack',
      redact(`webhook answered HTTP ${e.statusCode}${body}`),
      retryable,
      retryable ? parseRetryAfter(retryAfter, Date.now()) : undefined,
    );
  }
  if (e instanceof IncomingWebhookRequestError)
    return new NotifyError('slack', redact(`webhook request failed: ${describeFetchError(e.original)}`), true);
  return new NotifyError('slack', redact(`webhook send failed: ${e instanceof Error ? e.message : String(e)}`), false);
}
