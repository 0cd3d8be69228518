// What the GA4 and GKE adapters share about the googleapis clients: the auth they
// accept, per-request options, and turning what gaxios throws into UpstreamError.
// Duck-typed: several google-auth-library / gaxios versions are installed side by side.
import { UpstreamError } from '../errors.ts';
import { formatBytes, LIMITS } from '../limits.ts';
import { cleanText, redact } from '../redact.ts';
import { describeFetchError } from './bounded-http.ts';

/**
 * A google-auth-library client (GoogleAuth, OAuth2Client, an external account client …).
 * The googleapis clients only call `request` on it; declared structurally because the
 * app's google-auth-library and the one googleapis-common bundles are different copies.
 */
export interface GoogleApiAuth {
  request(opts: object): Promise<unknown>;
}

interface GaxiosLike {
  message?: string;
  /** node-fetch's FetchError kind: `max-size` past maxContentLength, `max-redirect` past maxRedirects. */
  type?: string;
  code?: string | number;
  status?: number;
  response?: { status?: number; headers?: { get?(name: string): string | null }; data?: unknown };
}

/**
 * The per-request options every Google call gets: no client-side retry (the next scheduled
 * run is the retry), a deadline, a body limit, and no redirects (Google's APIs answer where
 * they are asked; the bearer token is not sent anywhere else).
 */
export const googleRequestOptions = (timeoutMs: number) => ({
  retry: false,
  timeout: timeoutMs,
  maxContentLength: LIMITS.googleApiBodyBytes,
  maxRedirects: 0,
});

/** Maps a gaxios failure; the gaxios error is not kept as `cause` since its request config carries the bearer token. */
export function googleUpstreamError(upstream: string, e: unknown): UpstreamError {
  if (e instanceof UpstreamError) return e;
  const g = (e ?? {}) as GaxiosLike;
  // gaxios checks Content-Length; node-fetch stops a longer body as it streams (type max-size).
  if (g.type === 'max-size' || /content-length.{0,3} is over the limit|content size at .* over limit/i.test(g.message ?? '')) {
    return new UpstreamError(upstream, `answer larger than ${formatBytes(LIMITS.googleApiBodyBytes)}`, undefined, true);
  }
  if (g.type === 'max-redirect') return new UpstreamError(upstream, 'answered with a redirect, which is not followed', undefined, false);
  const status = g.response?.status ?? g.status;
  if (status === undefined) {
    const what = g.code === 'TimeoutError' || g.code === 'AbortError' ? 'timed out' : `request failed: ${describeFetchError(e)}`;
    return new UpstreamError(upstream, redact(what), undefined, true);
  }
  const body = g.response?.data as { error?: { message?: string; status?: string } } | undefined;
  const detail = typeof body === 'object' && body?.error ? cleanText(`${body.error.status ?? ''} ${body.error.message ?? ''}`) : '';
  const retryAfter = g.response?.headers?.get?.('retry-after');
  const text = `HTTP ${status}${detail ? `: ${detail}` : ''}${retryAfter ? ` (retry after ${retryAfter}s)` : ''}`;
  return new UpstreamError(upstream, redact(text), status);
}

/** A 2xx answer whose body is not the JSON object the API documents (truncated, HTML …). */
export function malformed(upstream: string, what: string): UpstreamError {
  return new UpstreamError(upstream, `malformed response: ${what}`, undefined, true);
}
