// BinderHub's HTTP API as the launch probe and the health check read it:
//   GET {binderUrl}/build/{provider}/{spec}  — a server-sent event stream of launch phases
//   GET {binderUrl}/health                   — {ok, checks: [{service, ok, …quota fields}]}
// (BinderHub docs, "BinderHub API Documentation"; binderhub/health.py.)
import { createParser } from 'eventsource-parser';
import type { HubHealth, HubHealthCheck, LaunchPhase } from '../model.ts';
import { formatBytes, LIMITS } from '../limits.ts';
import { cleanText, redactUrl, registerSecret } from '../redact.ts';
import { realTimers, type Timers } from '../timers.ts';
import {
  deadlineSignal,
  describeFetchError,
  noAnswerWithin,
  fetchSameOrigin,
  readHead,
  readText,
  seconds,
  TooLargeError,
  type FetchLike,
} from './bounded-http.ts';

export type { FetchLike } from './bounded-http.ts';

/** Joins a base URL that may carry a path (https://host/binder/) and a relative path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/**
 * The /build URL for a `provider/spec`. Each `/`-separated segment is percent-encoded on
 * its own, so a segment BinderHub expects escaped — GitLab's `group%2Fproject`, the git
 * provider's `https%3A%2F%2Fhost%2Frepo` — keeps its `%2F`, while refs may contain `/`.
 * Already-escaped input is left as it is (decode, then encode).
 */
export function buildUrl(binderUrl: string, repo: string): string {
  const [provider, ...spec] = repo.split('/');
  if (provider === 'git' && /^[a-z][a-z0-9+.-]*:$/i.test(spec[0] ?? '')) {
    throw new Error(
      `git specs are "<url-escaped repository URL>/<ref>", e.g. git/https%3A%2F%2Fgithub.com%2Forg%2Frepo/HEAD; got "${repo}"`,
    );
  }
  if (!provider || spec.length === 0 || spec.some((s) => s === '')) {
    throw new Error(`expected provider/spec like "gh/org/repo/ref", got "${repo}"`);
  }
  const encode = (segment: string) => {
    let raw = segment;
    try {
      raw = decodeURIComponent(segment);
    } catch {
      // a lone "%" is meant literally
    }
    return encodeURIComponent(raw);
  };
  return joinUrl(binderUrl, `build/${encode(provider)}/${spec.map(encode).join('/')}`);
}

/** One `data:` event of the launch stream. */
export interface LaunchEvent {
  phase: string;
  message?: string;
  url?: string;
  token?: string;
}

/** BinderHub phases timed on their own; any other name a hub sends is not a new key (a hostile hub could send endless names). */
export const TIMED_PHASES = new Set(['waiting', 'fetching', 'building', 'pushing', 'built', 'launching']);

/** Which probe phase a BinderHub phase belongs to, for naming where a launch failed. */
export function probePhaseOf(hubPhase: string | undefined, previous: LaunchPhase): LaunchPhase {
  switch (hubPhase) {
    case 'waiting':
    case 'fetching':
    case 'building':
    case 'pushing':
      return 'build';
    case 'built':
    case 'launching':
    case 'ready':
      return 'launch';
    default:
      return previous; // unknown or informational phases do not move the launch on
  }
}

export interface LaunchStreamOptions {
  /** Overall deadline for the stream to reach `ready`. */
  timeoutMs: number;
  /** Give up when no event (keep-alive comments do not count) arrives for this long. */
  idleTimeoutMs: number;
  fetch?: FetchLike;
  /** Cancels the launch (e.g. Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** Called for every event, as it arrives. */
  onEvent?: (event: LaunchEvent) => void;
  /** What the deadlines and phase durations run on; default the real clock. */
  timers?: Timers;
  /** How many of the last hub messages to keep. */
  keepMessages?: number;
}

export type LaunchOutcome = {
  /** Milliseconds per BinderHub phase, plus `connect` (until the response headers). */
  durations: Record<string, number>;
  /** The last hub messages, as `phase: message`. */
  messages: string[];
} & ({ ok: true; url: string; token: string } | { ok: false; failedPhase: LaunchPhase; error: string });

/** Times consecutive phases: each phase lasts from its first event to the next phase's. */
export class PhaseClock {
  readonly durations: Record<string, number> = {};
  private phase: string;
  private since: number;

  constructor(
    first: string,
    private readonly now: () => number,
  ) {
    this.phase = first;
    this.since = now();
  }

  get current(): string {
    return this.phase;
  }

  enter(phase: string): void {
    if (phase === this.phase) return;
    this.close();
    this.phase = phase;
  }

  /** Adds the running phase's time so far; the clock keeps running from here. */
  close(): void {
    const t = this.now();
    this.durations[this.phase] = (this.durations[this.phase] ?? 0) + Math.round(t - this.since);
    this.since = t;
  }
}

/** Remembers the last few distinct messages, redacted and shortened. */
export class MessageLog {
  readonly messages: string[] = [];
  constructor(private readonly keep: number = LIMITS.hubMessages) {}

  add(text: string): void {
    const line = cleanText(text);
    // Repeats (BinderHub relays "Launching server..." many times) would crowd out the rest.
    if (!line || line === this.messages.at(-1)) return;
    this.messages.push(line);
    if (this.messages.length > this.keep) this.messages.shift();
  }
}

class Deadline extends Error {}

async function bodySnippet(res: Response): Promise<string> {
  const plain = (await readHead(res)).replace(/<[^>]*>/g, ' ');
  return cleanText(plain, 200);
}

/** Where the event stream's byte limits stand; BinderHub sends one short JSON event per line. */
class StreamBudget {
  private total = 0;
  /** Bytes since the parser last emptied its buffer (an event, a comment or a blank line). */
  private pending = 0;

  /** Counts one line (or a line's start) about to be fed; an error message when a limit is passed. */
  take(bytes: number): string | undefined {
    this.total += bytes;
    this.pending += bytes;
    if (this.pending > LIMITS.eventBytes) return `an event larger than ${formatBytes(LIMITS.eventBytes)}`;
    if (this.total > LIMITS.eventStreamBytes) return `an event stream larger than ${formatBytes(LIMITS.eventStreamBytes)}`;
    return undefined;
  }

  flushed(): void {
    this.pending = 0;
  }
}

const NEWLINE = 0x0a;

/** Splits raw bytes after each newline, so each piece is at most one line (the last may be a line's start). */
function* lines(chunk: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
    yield chunk.subarray(start, i + 1);
    start = i + 1;
  }
  if (start < chunk.length) yield chunk.subarray(start);
}

/** The `ready` server URL, if the probe may send the notebook token there: over the BinderHub's own scheme. */
function serverUrlProblem(binderUrl: string, serverUrl: string): string | undefined {
  let server: URL;
  try {
    server = new URL(serverUrl);
  } catch {
    return 'ready event with an invalid server url';
  }
  const binderScheme = new URL(binderUrl).protocol;
  if (server.protocol !== binderScheme) {
    return `ready names a server over ${server.protocol.slice(0, -1)} while BinderHub is ${binderScheme.slice(0, -1)}: the token is not sent there`;
  }
  return undefined;
}

/**
 * Runs one launch: reads the event stream until `ready` (server URL and token), `failed`,
 * the end of the stream, or a deadline. Never throws for upstream trouble: the outcome
 * names the phase it failed in.
 */
export async function streamLaunch(binderUrl: string, repo: string, opts: LaunchStreamOptions): Promise<LaunchOutcome> {
  const timers = opts.timers ?? realTimers;
  const clock = new PhaseClock('connect', () => timers.now());
  const log = new MessageLog(opts.keepMessages);
  const fail = (failedPhase: LaunchPhase, error: string): LaunchOutcome => {
    clock.close();
    return { ok: false, failedPhase, error, durations: clock.durations, messages: log.messages };
  };

  let url: string;
  try {
    url = buildUrl(binderUrl, repo);
  } catch (e) {
    return fail('resolve', (e as Error).message);
  }

  const ctl = new AbortController();
  const cancelOverall = timers.after(opts.timeoutMs, () => ctl.abort(new Deadline(`no ready within ${seconds(opts.timeoutMs)}`)));
  let cancelIdle = () => {};
  const armIdle = () => {
    cancelIdle();
    cancelIdle = timers.after(opts.idleTimeoutMs, () => ctl.abort(new Deadline(`no event for ${seconds(opts.idleTimeoutMs)}`)));
  };
  const onCallerAbort = () => ctl.abort(new Deadline('cancelled'));
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  armIdle();

  let stage: LaunchPhase = 'resolve';
  // A deadline aborts the request; anything else that breaks it is the phase's failure.
  const broken = (phase: LaunchPhase, what: string, e: unknown) => {
    const reason = ctl.signal.reason;
    return reason instanceof Deadline
      ? fail('timeout', `${reason.message} (last phase: ${clock.current})`)
      : fail(phase, `${what}: ${describeFetchError(e)}`);
  };

  try {
    let res: Response;
    try {
      res = await fetchSameOrigin(url, { headers: { Accept: 'text/event-stream' }, signal: ctl.signal }, opts.fetch);
    } catch (e) {
      return broken('resolve', `${redactUrl(binderUrl)} /build request failed`, e);
    }
    const type = res.headers.get('content-type') ?? '';
    if (res.status !== 200) {
      return fail('resolve', `${redactUrl(binderUrl)} /build answered HTTP ${res.status}: ${await bodySnippet(res)}`);
    }
    if (!type.startsWith('text/event-stream') || !res.body) {
      return fail(
        'resolve',
        `${redactUrl(binderUrl)} /build answered ${type || 'no content type'} instead of an event stream: ${await bodySnippet(res)}`,
      );
    }
    // Between the headers and the first event BinderHub resolves the ref.
    clock.enter('resolve');

    let ending: LaunchOutcome | undefined;
    const budget = new StreamBudget();
    const parser = createParser({
      onComment: () => budget.flushed(),
      onEvent(msg) {
        budget.flushed();
        if (ending) return;
        armIdle();
        let event: LaunchEvent;
        try {
          event = JSON.parse(msg.data) as LaunchEvent;
        } catch {
          log.add(`unparseable event: ${msg.data}`);
          return;
        }
        if (typeof event !== 'object' || event === null || typeof event.phase !== 'string') {
          log.add(`event without a phase: ${msg.data}`);
          return;
        }
        if (typeof event.token === 'string') registerSecret(event.token);
        // ready and failed end the launch: they close the running phase instead of starting one.
        if (event.phase === 'ready' || event.phase === 'failed') clock.close();
        else if (TIMED_PHASES.has(event.phase)) clock.enter(event.phase);
        stage = probePhaseOf(event.phase, stage);
        const message = typeof event.message === 'string' ? event.message : undefined;
        if (message) log.add(`${event.phase}: ${message}`);
        opts.onEvent?.({ ...event, phase: cleanText(event.phase, 40), message: message && cleanText(message) });
        if (event.phase === 'failed') {
          ending = fail(stage, `hub reported failure: ${cleanText(message || 'no message')}`);
        } else if (event.phase === 'ready') {
          if (typeof event.url !== 'string' || typeof event.token !== 'string') {
            ending = fail('launch', 'ready event without url and token');
            return;
          }
          const problem = serverUrlProblem(binderUrl, event.url);
          if (problem) {
            ending = fail('launch', problem);
            return;
          }
          ending = { ok: true, url: event.url, token: event.token, durations: clock.durations, messages: log.messages };
        }
      },
    });

    // Fed line by line, counted in bytes before the parser buffers them: a line without end or an endless event stops at its limit.
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          return broken(stage, `event stream broke in phase ${clock.current}`, e);
        }
        if (chunk.done) break;
        for (const line of lines(chunk.value)) {
          const tooLarge = budget.take(line.byteLength);
          if (tooLarge) return fail(stage, `${redactUrl(binderUrl)} /build sent ${tooLarge} (last phase: ${clock.current})`);
          const text = decoder.decode(line, { stream: true });
          // A blank line ends an event: the parser dispatches or drops what it buffered.
          if (text === '\n' || text === '\r\n') budget.flushed();
          parser.feed(text);
          if (ending) return ending;
        }
      }
      parser.reset({ consume: true });
      return ending ?? fail(stage, `event stream ended without ready (last phase: ${clock.current})`);
    } finally {
      // Closes the connection when we stop early (ready, failed); harmless after the end.
      reader.cancel().catch(() => {});
    }
  } finally {
    cancelOverall();
    cancelIdle();
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Maps BinderHub's /health JSON; throws on a shape it does not document. */
export function parseHealth(binderUrl: string, body: unknown): HubHealth {
  const checks = (body as { checks?: unknown })?.checks;
  if (!Array.isArray(checks)) throw new Error('no "checks" list');
  // BinderHub always reports its hub and build checks; an empty list says nothing, so it is not "healthy".
  if (checks.length === 0) throw new Error('an empty "checks" list');
  return {
    binderUrl,
    checks: checks.map((raw, i): HubHealthCheck => {
      const c = raw as Record<string, unknown>;
      if (typeof c?.service !== 'string' || typeof c.ok !== 'boolean') throw new Error(`checks[${i}] lacks service or ok`);
      const used = num(c.total_pods);
      const total = num(c.quota);
      const parts = [
        num(c.user_pods) !== undefined && `${c.user_pods} user pods`,
        num(c.build_pods) !== undefined && `${c.build_pods} build pods`,
      ];
      const message = parts.filter(Boolean).join(', ');
      return {
        service: cleanText(c.service, 100),
        ok: c.ok,
        ...(used !== undefined && total !== undefined ? { quota: { used, total } } : {}),
        ...(message ? { message } : {}),
      };
    }),
  };
}

/**
 * Reads BinderHub's /health. It answers 503 with the same JSON when a check fails, so
 * both are read; anything unreadable becomes a HubHealth with `error` and no checks.
 */
export async function fetchHealth(
  binderUrl: string,
  opts: { timeoutMs: number; fetch?: FetchLike; signal?: AbortSignal },
): Promise<HubHealth> {
  const signal = deadlineSignal(opts.timeoutMs, opts.signal);
  let res: Response;
  try {
    res = await fetchSameOrigin(joinUrl(binderUrl, 'health'), { headers: { Accept: 'application/json' }, signal }, opts.fetch);
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { binderUrl, error: timedOut ? noAnswerWithin(opts.timeoutMs) : describeFetchError(e) };
  }
  if (res.status !== 200 && res.status !== 503) return { binderUrl, error: `HTTP ${res.status}: ${await bodySnippet(res)}` };
  let text: string;
  try {
    text = await readText(res, LIMITS.healthBodyBytes);
  } catch (e) {
    if (e instanceof TooLargeError) return { binderUrl, error: `HTTP ${res.status}, ${e.message}` };
    return { binderUrl, error: `HTTP ${res.status}, body cut off: ${describeFetchError(e)}` };
  }
  try {
    return parseHealth(binderUrl, JSON.parse(text));
  } catch (e) {
    const what = e instanceof SyntaxError ? `not JSON (${res.headers.get('content-type') ?? 'no content type'})` : (e as Error).message;
    return { binderUrl, error: `HTTP ${res.status}, unreadable body: ${what}` };
  }
}
