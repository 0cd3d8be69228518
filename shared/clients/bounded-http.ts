// Reading an upstream that may be hostile: bodies are read up to a byte limit (never
// buffered whole first), and redirects are followed only within the same origin (or
// from http to https on the same host and port), so a credential cannot be led elsewhere.
import { formatBytes, LIMITS } from '../limits.ts';
import { cleanText, redactUrl } from '../redact.ts';

export type FetchLike = typeof fetch;

/**
 * Aborts after `timeoutMs` (a TimeoutError, like AbortSignal.timeout) or when `parent`
 * does. Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: Node may collect the
 * inner timeout signal before it fires (nodejs/node#57736), and a request to a server
 * that never answers then waits for the parent's deadline; seen here as a probe whose
 * stop used its whole budget on one attempt and leaked the server. The timer holds the
 * controller, so it always fires; unref'd, it never keeps a process alive by itself.
 */
export function deadlineSignal(timeoutMs: number, parent?: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return controller.signal;
  }
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  timer.unref();
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  if (parent) followParent(parent, controller);
  return controller.signal;
}

/** The deadlines still running under each parent signal. */
const children = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Aborts `controller` when `parent` aborts, through one listener per parent: a listener per
 * deadline would stay on a long-lived parent (a probe's whole budget) until that deadline's
 * own timer ran out, however early its request ended, and pile up past Node's
 * MaxListeners. A deadline leaves the set when it aborts.
 */
function followParent(parent: AbortSignal, controller: AbortController): void {
  let live = children.get(parent);
  if (!live) {
    const set = new Set<AbortController>();
    live = set;
    children.set(parent, set);
    parent.addEventListener('abort', () => [...set].forEach((c) => c.abort(parent.reason)), { once: true });
  }
  const set = live;
  set.add(controller);
  controller.signal.addEventListener('abort', () => set.delete(controller), { once: true });
}

/**
 * A request that failed without an answer, in a few words on one line, redacted and
 * bounded: fetch hides the useful part (`ECONNREFUSED`, `ENOTFOUND`) in `cause`, so it is
 * named beside the message. Every client and notifier describes a transport failure here.
 */
export function describeFetchError(e: unknown): string {
  const err = e as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | null | undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const cause = err?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return cleanText(detail ? `${message} (${detail})` : message, LIMITS.errorTextChars);
}

/** A deadline as people read it in a message: seconds to one decimal (`0.3 s`, `20 s`). */
export const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** What a request that hit its deadline reports, e.g. `no answer within 2 s`. */
export const noAnswerWithin = (timeoutMs: number) => `no answer within ${seconds(timeoutMs)}`;

/** An answer past its byte limit; the message is the sentence a finding shows. */
export class TooLargeError extends Error {
  constructor(public readonly limitBytes: number) {
    super(`answer larger than ${formatBytes(limitBytes)}`);
    this.name = 'TooLargeError';
  }
}

/** A redirect the client refused to follow (another origin, a downgrade to http, too many). */
export class RedirectRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedirectRefusedError';
  }
}

/**
 * The body as bytes, failing with TooLargeError as soon as it passes `maxBytes`: a
 * Content-Length over the limit fails before reading, an endless body after the limit.
 */
export async function readBytes(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new TooLargeError(maxBytes);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new TooLargeError(maxBytes);
      chunks.push(value);
    }
  } finally {
    // Closes the connection when we stop early; harmless after the end.
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks);
}

/** The body as UTF-8 text, bounded like readBytes. */
export async function readText(res: Response, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(res, maxBytes));
}

/** The start of a body for an error message: at most `maxBytes`, never failing (a cut or broken body gives what arrived). */
export async function readHead(res: Response, maxBytes: number = LIMITS.smallBodyBytes): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // what arrived is enough for a message
  } finally {
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

/** Statuses whose Response may not carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** `body` passed on until `maxBytes` (then TooLargeError) or until `signal` aborts (then its reason): never a quiet, cut answer. */
function cappedBody(body: ReadableStream<Uint8Array>, maxBytes: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        const { done, value } = await Promise.race([reader.read(), aborted]);
        if (done) return ctl.close();
        size += value.byteLength;
        if (size > maxBytes) throw new TooLargeError(maxBytes);
        ctl.enqueue(value);
      } catch (e) {
        reader.cancel().catch(() => {});
        ctl.error(e);
      }
    },
    cancel: (reason) => reader.cancel(reason).catch(() => {}),
  });
}

/**
 * A fetch for the libraries that take one (Slack's clients): the whole exchange, answer
 * body included, ends by `timeoutMs` on a timer this module holds (deadlineSignal; a
 * library's own `AbortSignal.timeout` can be collected once headers arrived, and a
 * drip-fed answer then runs on), and the answer is cut at `maxBytes` (TooLargeError).
 */
export function boundedFetch(bounds: { timeoutMs: number; maxBytes: number }, fetchImpl: FetchLike = fetch): FetchLike {
  return async (input, init = {}) => {
    const signal = deadlineSignal(bounds.timeoutMs, init.signal ?? undefined);
    const res = await fetchImpl(input, { ...init, signal });
    if (Number(res.headers.get('content-length') ?? NaN) > bounds.maxBytes) {
      discard(res);
      throw new TooLargeError(bounds.maxBytes);
    }
    if (!res.body || NULL_BODY_STATUS.has(res.status)) return res;
    return new Response(cappedBody(res.body, bounds.maxBytes, signal), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
}

/** Drops a body we only needed the status of, without reading it. */
export function discard(res: Response): void {
  res.body?.cancel().catch(() => {});
}

/**
 * Whether a request may follow a redirect from `from` to `to`: the same origin, or an
 * upgrade from http to https on the same host and port (`host`, not `hostname`: another
 * port is another server; `http://hub` → `https://hub` keeps both default ports).
 */
export function redirectAllowed(from: URL, to: URL): boolean {
  return to.origin === from.origin || (from.protocol === 'http:' && to.protocol === 'https:' && to.host === from.host);
}

/**
 * fetch, following redirects (GET and HEAD only) itself under `redirectAllowed`, at most
 * LIMITS.redirects of them; a refused one throws RedirectRefusedError naming where it led.
 * Other methods get the 3xx answer as it is.
 */
export async function fetchSameOrigin(url: string, init: RequestInit = {}, fetchImpl: FetchLike = fetch): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await fetchImpl(current.href, { ...init, redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || location === null || (method !== 'GET' && method !== 'HEAD')) return res;
    discard(res);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new RedirectRefusedError(`HTTP ${res.status} to an invalid Location`);
    }
    if (!redirectAllowed(current, next)) {
      throw new RedirectRefusedError(
        `HTTP ${res.status} redirect to ${redactUrl(next.href)} refused (another origin or a downgrade to http)`,
      );
    }
    if (hop >= LIMITS.redirects) throw new RedirectRefusedError(`more than ${LIMITS.redirects} redirects`);
    current = next;
  }
}
