// HTTP helpers every HTTP channel shares: the caller retries, the channel only says
// whether it is worth it (errors.ts: httpRetryable) and when.
import { deadlineSignal, describeFetchError, discard, readHead } from '../../clients/bounded-http.ts';
import { httpRetryable, NotifyError } from '../../errors.ts';
import { cleanText, redact } from '../../redact.ts';

/** `Retry-After` (delta-seconds or an HTTP date) as milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine, so clear text there exposes nothing. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Why a Slack webhook URL is refused: it carries the secret in its path, so only https (or loopback, for tests) may carry it. */
export function webhookUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return 'expected an https:// incoming-webhook URL';
  if (secureUrlProblem(url)) return 'must be an https:// URL: the webhook URL is a secret and http would send it in clear text';
  return new URL(url).pathname.length > 1 ? undefined : 'expected an https:// incoming-webhook URL';
}

/** https, or http to loopback (tests): a URL or body carrying a secret never goes out in clear text. */
export function secureUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return 'is not a valid URL';
  const u = new URL(url);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))) return undefined;
  return 'must be an https:// URL: it carries a secret, and http would send it in clear text';
}

export interface PostJsonOptions {
  /** Per request; default 10 s, so a hung receiver cannot use up the function's time. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * POSTs one JSON body and maps the answer to the notifier contract: 2xx is delivered;
 * 5xx, 429 and no answer are retryable (Retry-After kept); anything else, redirects
 * included (they could lead the secret elsewhere), is not. Messages are redacted.
 */
export async function postJson(channel: string, url: string, body: unknown, opts: PostJsonOptions = {}): Promise<void> {
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: deadlineSignal(opts.timeoutMs ?? 10_000),
    });
  } catch (e) {
    throw new NotifyError(channel, redact(`request failed: ${describeFetchError(e)}`), true);
  }
  if (res.status >= 200 && res.status < 300) return discard(res);
  const text = cleanText(await readHead(res), 200);
  const retryable = httpRetryable(res.status);
  const retryAfter = retryable ? parseRetryAfter(res.headers.get('retry-after'), Date.now()) : undefined;
  throw new NotifyError(channel, redact(`answered HTTP ${res.status}${text ? `: ${text}` : ''}`), retryable, retryAfter);
}
