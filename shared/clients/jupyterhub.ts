// The launched notebook server and the JupyterHub REST API, as the launch probe uses
// them: contact (GET {url}api), stop (POST {url}api/shutdown — what mybinder.org-deploy's
// tests/test_launch.py does) and, with a hub admin token, confirm through
// GET /hub/api/users/{name} that the server is gone and DELETE …/server if it is not.
import { UpstreamError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { redact, redactUrl } from '../redact.ts';
import { joinUrl } from './binderhub.ts';
import {
  deadlineSignal,
  describeFetchError,
  noAnswerWithin,
  discard,
  fetchSameOrigin,
  readText,
  TooLargeError,
  type FetchLike,
} from './bounded-http.ts';

/** A launched server as BinderHub's `ready` event hands it over. */
export interface ServerRef {
  /** …/user/<name>/ (or …/user/<name>/<server>/ for a named server). */
  url: string;
  token: string;
}

interface HttpOptions {
  /** Per request, body included. */
  timeoutMs: number;
  fetch?: FetchLike;
  /** The probe's own deadline: ends every request and wait at once. */
  signal?: AbortSignal;
}

const withSlash = (url: string) => (url.endsWith('/') ? url : url + '/');
const tokenHeader = (token: string) => ({ Authorization: `token ${token}` });

/** The request's deadline: its own timeout, or the caller's, whichever comes first. */
const requestSignal = (opts: HttpOptions) => deadlineSignal(opts.timeoutMs, opts.signal);

/** Waits `ms`, or less if the caller's deadline comes first. */
const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export const BUDGET_USED = 'the probe time budget ran out';

function failure(e: unknown, opts: HttpOptions): string {
  if (opts.signal?.aborted) return BUDGET_USED;
  if ((e as { name?: unknown } | null)?.name === 'TimeoutError') return noAnswerWithin(opts.timeoutMs);
  return describeFetchError(e);
}

/** GET {url}api must answer 200 JSON with a `version`: the server is really reachable. */
export async function contactServer(
  ref: ServerRef,
  opts: HttpOptions,
): Promise<{ ok: true; version: string } | { ok: false; error: string }> {
  const target = withSlash(ref.url) + 'api';
  let res: Response;
  try {
    // A redirect (to the hub's login or spawn page) means the server did not take the token.
    res = await (opts.fetch ?? fetch)(target, { headers: tokenHeader(ref.token), redirect: 'manual', signal: requestSignal(opts) });
  } catch (e) {
    return { ok: false, error: `${redactUrl(target)} api: ${failure(e, opts)}` };
  }
  const type = res.headers.get('content-type') ?? 'no content type';
  if (res.status !== 200) {
    discard(res);
    const where = res.status >= 300 && res.status < 400 ? ` to ${redactUrl(res.headers.get('location') ?? '')}` : '';
    return { ok: false, error: `server api answered HTTP ${res.status}${where} (${type})` };
  }
  let text: string;
  try {
    text = await readText(res, LIMITS.smallBodyBytes);
  } catch (e) {
    return {
      ok: false,
      error: `server api answered 200 ${type}, ${e instanceof TooLargeError ? e.message : `body cut off: ${failure(e, opts)}`}`,
    };
  }
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    if (typeof version === 'string') return { ok: true, version };
  } catch {
    // falls through: not JSON
  }
  return { ok: false, error: `server api answered 200 ${type} without a version` };
}

export interface ShutdownOptions extends HttpOptions {
  /** Attempts after the first. */
  retries: number;
  /** Wait before retry n is backoffMs · 2^(n-1). */
  backoffMs: number;
}

/** POST {url}api/shutdown until a 2xx, with retries; the server then exits on its own. */
export async function shutdownServer(ref: ServerRef, opts: ShutdownOptions): Promise<{ ok: boolean; attempts: number; error?: string }> {
  const target = withSlash(ref.url) + 'api/shutdown';
  let error = '';
  let attempt = 0;
  while (attempt <= opts.retries && !opts.signal?.aborted) {
    if (attempt++ > 0) await pause(opts.backoffMs * 2 ** (attempt - 2), opts.signal);
    try {
      const res = await (opts.fetch ?? fetch)(target, {
        method: 'POST',
        headers: tokenHeader(ref.token),
        redirect: 'manual',
        signal: requestSignal(opts),
      });
      discard(res);
      if (res.ok) return { ok: true, attempts: attempt };
      error = `HTTP ${res.status}`;
    } catch (e) {
      error = failure(e, opts);
    }
  }
  return {
    ok: false,
    attempts: attempt,
    error: `api/shutdown failed ${attempt} time${attempt === 1 ? '' : 's'}, last: ${error || BUDGET_USED}`,
  };
}

/** Where a launched server lives on its hub. */
export interface ServerLocation {
  /** …/hub/api/ */
  hubApi: string;
  user: string;
  /** '' for the default server. */
  server: string;
}

/** A server outside the configured hub: neither the notebook token nor the admin token is sent to it. */
export class ForeignServerError extends Error {
  constructor(serverUrl: string, hubUrl: string) {
    super(`ready names a server at ${redactUrl(serverUrl)}, outside hubUrl ${redactUrl(hubUrl)}: no token was sent there`);
    this.name = 'ForeignServerError';
  }
}

/** A server the hub says was running before this probe began: the admin token does not act on it. */
export class NotOurServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotOurServerError';
  }
}

/** `hubUrl`'s path with one trailing slash: JupyterHub serves users under `{base}user/<name>/`. */
const basePath = (hub: URL) => hub.pathname.replace(/\/*$/, '/');

/** Whether `serverUrl` shares `hubUrl`'s origin (scheme, host and port) and lies under its base path. */
export function underHub(serverUrl: string, hubUrl: string): boolean {
  const server = new URL(serverUrl);
  const hub = new URL(hubUrl);
  return server.origin === hub.origin && server.pathname.startsWith(basePath(hub));
}

/**
 * Reads the user (and named server) from a `{hubUrl}user/<name>/[<server>/]` URL. The
 * server must live on the configured hub (same origin, under its base path), else
 * ForeignServerError: BinderHub may not choose which hub user the admin token acts on.
 */
export function serverLocation(serverUrl: string, hubUrl: string): ServerLocation {
  if (!underHub(serverUrl, hubUrl)) throw new ForeignServerError(serverUrl, hubUrl);
  const rest = new URL(serverUrl).pathname.slice(basePath(new URL(hubUrl)).length);
  const m = /^user\/([^/]+)\/(?:([^/]+)\/?)?$/.exec(rest);
  if (!m) throw new Error(`cannot tell the user from server URL ${redactUrl(serverUrl)}`);
  return { hubApi: joinUrl(hubUrl, 'hub/api/'), user: decodeURIComponent(m[1]), server: m[2] ? decodeURIComponent(m[2]) : '' };
}

function serverPath(loc: ServerLocation): string {
  const user = `users/${encodeURIComponent(loc.user)}`;
  return loc.server ? `${user}/servers/${encodeURIComponent(loc.server)}` : `${user}/server`;
}

async function hubCall(loc: ServerLocation, token: string, path: string, method: string, opts: HttpOptions): Promise<Response> {
  try {
    // Same origin only: the admin token never follows a redirect elsewhere.
    return await fetchSameOrigin(loc.hubApi + path, { method, headers: tokenHeader(token), signal: requestSignal(opts) }, opts.fetch);
  } catch (e) {
    throw new UpstreamError('jupyterhub', `${method} ${path}: ${failure(e, opts)}`);
  }
}

/** What the hub says of a server: running or starting/stopping ('active'), or not listed ('gone'); when it started (epoch ms), if it says. */
export interface HubServerState {
  state: 'active' | 'gone';
  started?: number;
}

/** Reads the user model: the server's state and start time. */
export async function hubServerState(loc: ServerLocation, token: string, opts: HttpOptions): Promise<HubServerState> {
  const res = await hubCall(loc, token, `users/${encodeURIComponent(loc.user)}`, 'GET', opts);
  if (res.status === 404) {
    discard(res);
    return { state: 'gone' };
  }
  if (res.status !== 200) {
    discard(res);
    throw new UpstreamError('jupyterhub', `GET users/${loc.user} answered HTTP ${res.status}`, res.status);
  }
  let model: { servers?: Record<string, { ready?: boolean; pending?: string | null; started?: unknown }> };
  try {
    model = JSON.parse(await readText(res, LIMITS.hubApiBodyBytes)) as typeof model;
  } catch (e) {
    throw new UpstreamError('jupyterhub', `GET users/${loc.user} answered ${e instanceof TooLargeError ? e.message : 'no JSON'}`);
  }
  // Without read:servers the model has no `servers`: we cannot confirm anything.
  if (!model || typeof model.servers !== 'object' || model.servers === null)
    throw new UpstreamError('jupyterhub', 'user model has no "servers" (token lacks admin:servers?)');
  const s = model.servers[loc.server];
  if (!s || !(s.ready || s.pending)) return { state: 'gone' };
  const started = typeof s.started === 'string' ? Date.parse(s.started) : NaN;
  return Number.isFinite(started) ? { state: 'active', started } : { state: 'active' };
}

/**
 * Why the admin token may not delete this server, if it may not: the hub must say it
 * started within the probe's window (from `startedAfter`, less the clock skew we allow
 * between us and the hub). A server running from before is someone else's.
 */
export function notOurs(loc: ServerLocation, seen: HubServerState, startedAfter: number): string | undefined {
  const who = `${loc.user}'s server${loc.server ? ` ${loc.server}` : ''}`;
  if (seen.started === undefined) return `the hub does not say when ${who} started, so the probe cannot tell it started it`;
  const from = startedAfter - LIMITS.hubClockSkewMs;
  if (seen.started < from) {
    const iso = (t: number) => new Date(t).toISOString();
    return `the hub says ${who} started at ${iso(seen.started)}, before this probe began (${iso(startedAfter)})`;
  }
  return undefined;
}

/** Asks the hub to stop the server (204 stopped, 202 stopping, 400/404 not running). */
export async function hubDeleteServer(loc: ServerLocation, token: string, opts: HttpOptions): Promise<void> {
  const res = await hubCall(loc, token, serverPath(loc), 'DELETE', opts);
  discard(res);
  if (res.status === 204 || res.status === 202 || res.status === 400 || res.status === 404) return;
  throw new UpstreamError('jupyterhub', `DELETE ${serverPath(loc)} answered HTTP ${res.status}`, res.status);
}

export interface EnsureGoneOptions extends HttpOptions {
  /** How long the hub gets to notice (each wait: before and after a DELETE). */
  confirmTimeoutMs: number;
  /** Whether api/shutdown succeeded: if so, first give the hub time to notice on its own. */
  shutdownOk: boolean;
  /** When the probe began (epoch ms, the real clock: the hub's is real too); only a server started since may be deleted. */
  startedAfter: number;
}

/** Polls until the hub lists the server as gone or the confirm window ends; the last state seen. */
async function waitGone(loc: ServerLocation, token: string, opts: EnsureGoneOptions): Promise<HubServerState> {
  const pollMs = Math.min(2000, Math.max(100, opts.confirmTimeoutMs / 10));
  const until = Date.now() + opts.confirmTimeoutMs;
  for (;;) {
    const seen = await hubServerState(loc, token, opts);
    if (seen.state === 'gone' || Date.now() + pollMs > until || opts.signal?.aborted) return seen;
    await pause(pollMs, opts.signal);
  }
}

/**
 * Makes sure the hub no longer runs the server. After a successful api/shutdown the hub
 * keeps listing the server until its next poll (Spawner.poll_interval), so it gets
 * `confirmTimeoutMs` to notice before we DELETE it; after a failed shutdown we DELETE at
 * once — but only a server the hub says started within this probe (NotOurServerError).
 */
export async function ensureServerGone(
  loc: ServerLocation,
  token: string,
  opts: EnsureGoneOptions,
): Promise<{ gone: boolean; deleted: boolean; error?: string }> {
  try {
    const seen = opts.shutdownOk ? await waitGone(loc, token, opts) : await hubServerState(loc, token, opts);
    if (seen.state === 'gone') return { gone: true, deleted: false };
    const refused = notOurs(loc, seen, opts.startedAfter);
    if (refused) throw new NotOurServerError(`not deleted: ${refused}`);
    await hubDeleteServer(loc, token, opts);
    if ((await waitGone(loc, token, opts)).state === 'gone') return { gone: true, deleted: true };
    return {
      gone: false,
      deleted: true,
      error: `hub still lists ${loc.user}'s server ${Math.round(opts.confirmTimeoutMs / 1000)} s after DELETE`,
    };
  } catch (e) {
    return { gone: false, deleted: false, error: redact((e as Error).message) };
  }
}
