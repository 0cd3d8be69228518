// HTTP helpers every HTTP channel shares: the caller retries, the channel only says
// whether it is worth it (errors.ts: httpRetryable) and when.

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
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'expected an https:// incoming-webhook URL';
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname)))
    return u.pathname.length > 1 ? undefined : 'expected an https:// incoming-webhook URL';
  return 'must be an https:// URL: the webhook URL is a secret and http would send it in clear text';
}
