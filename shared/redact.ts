// The one redactor. Secrets are masked wherever text leaves the process: log lines,
// CLI lines, alert text and error messages all pass through `redact`.
//
// Two lifetimes, so nothing grows for the life of an instance:
// - run secrets (a launched server's token, a fresh access token) belong to the run
//   that registered them (`withSecretScope`: one check run, one CLI command, one probe)
//   and are released when it ends;
// - instance secrets (a webhook URL, an SMTP password: what the deploy configured) are
//   registered once when the channels and clients are built; they are as many as the
//   configuration names, however many runs there are.
import { AsyncLocalStorage } from 'node:async_hooks';
import { StringDecoder } from 'node:string_decoder';
import { LIMITS } from './limits.ts';
import { fitText } from './text.ts';

interface Scope {
  readonly secrets: Set<string>;
  readonly parent?: Scope;
}

const runScopes = new AsyncLocalStorage<Scope>();
const instanceSecrets = new Set<string>();
/**
 * Run secrets registered outside any run (a library caller that opened no scope). Kept to
 * the last few, oldest released first: a long-lived process without scopes cannot grow it.
 */
const UNSCOPED_KEEP = 64;
const unscoped = new Set<string>();

/** Runs `fn` with its own run secrets, released when it settles. Nested scopes also mask their parents' secrets. */
export function withSecretScope<T>(fn: () => T): T {
  return runScopes.run({ secrets: new Set(), parent: runScopes.getStore() }, fn);
}

/**
 * Registers a secret value of any length to be masked everywhere. `lifetime: 'instance'`
 * is for configured credentials; anything an upstream hands over, or that is fetched per
 * run, is a run secret.
 */
export function registerSecret(value: string | undefined, lifetime: 'run' | 'instance' = 'run'): void {
  if (!value) return;
  if (lifetime === 'instance') {
    instanceSecrets.add(value);
    return;
  }
  const scope = runScopes.getStore();
  if (scope) {
    scope.secrets.add(value);
    return;
  }
  unscoped.delete(value);
  unscoped.add(value);
  if (unscoped.size > UNSCOPED_KEEP) unscoped.delete(unscoped.values().next().value!);
}

/** How many secrets the current context masks (for tests that check they are released). */
export function activeSecretCount(): number {
  return activeSecrets().size;
}

function activeSecrets(): Set<string> {
  const all = new Set([...instanceSecrets, ...unscoped]);
  for (let s = runScopes.getStore(); s; s = s.parent) for (const v of s.secrets) all.add(v);
  return all;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A secret as it appears inside a JSON string too (`"` → `\"`, `\` → `\\`, controls escaped). */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return json === secret ? [secret] : [secret, json];
}

/** Masks registered secrets, URL credentials and token-looking query or header values. */
export function redact(text: string): string {
  const secrets = [...activeSecrets()].flatMap(spellings).sort((a, b) => b.length - a.length);
  // One pass with the longest first, so a short secret cannot cut a longer one (or the mask) apart.
  const out = secrets.length ? text.replace(new RegExp(secrets.map(escapeRegExp).join('|'), 'g'), '[redacted]') : text;
  return out
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@')
    .replace(/(hooks\.slack\.com\/services\/)[^\s"']+/gi, '$1[redacted]')
    .replace(/((?:token|password|secret|authorization)["']?\s*[=:]\s*["']?(?:token |bearer |basic )?)[^\s"'&,}]+/gi, '$1[redacted]');
}

/** Every string inside a JSON-able value redacted (before it is serialised); Errors become {name, message}. */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (Array.isArray(value)) return value.map(redactDeep);
  // Like JSON.stringify: an object without toJSON is its own enumerable properties.
  if (value && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  }
  return value;
}

// Terminal escape sequences (colours, cursor moves, titles) go whole; then C0 and C1 controls
// (carriage returns, bells …) and the bidi overrides that reorder a line.
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g;

/**
 * Upstream text made fit for one line of a log, CLI or alert: escape sequences and
 * control characters out first (removing `\x1b[0m` from `sec\x1b[0mret` joins the
 * secret, so it must be whole before it is looked for), then redacted (before the cut,
 * so a secret cut in two is still masked), runs of spaces made one, and cut to
 * `maxChars` between graphemes with an ellipsis.
 */
export function cleanText(text: string, maxChars: number = LIMITS.hubTextChars): string {
  return fitText(redact(text.replace(ESCAPES, '').replace(CONTROLS, ' ')).replace(/\s+/g, ' ').trim(), maxChars, '…');
}

// What a terminal must not be sent from upstream text: escape sequences (OSC 52 writes the
// clipboard, CSI moves the cursor or clears the screen), C1 controls (U+009B is a CSI on its own),
// C0 controls but tab, newline and carriage return, and the bidi overrides. The sequences
// the CLI writes itself are kept: erase-line (ESC [2K, the probe's rewritten line) and the
// few colours of its status words (cli/verb.ts colours()), which can only colour text.
const TERMINAL_UNSAFE =
  /\u001b\[2K|\u009b[0-?]*[ -/]*[@-~]|\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const CLI_OWN = new Set(['\u001b[2K', '\u001b[0m', '\u001b[2m', '\u001b[31m', '\u001b[32m', '\u001b[33m']);

/** Text safe to print on a terminal: see TERMINAL_UNSAFE. */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (m) => (CLI_OWN.has(m) ? m : ''));
}

/** Only the origin of a URL, for messages about it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return '[invalid url]';
  }
}

type WriteCallback = (error?: Error | null) => void;

/**
 * The same stream, except that everything written is made terminal-safe, then passes
 * `redact` (the CLI's stdout and stderr, for every command): strings and Buffers (decoded as UTF-8, a character split between writes kept
 * whole), and across writes: whole lines go out at once, the unfinished end of a line
 * waits for the writes of the same tick (setImmediate), so a secret written in pieces is
 * masked whole. `end` writes what waits first.
 */
export function redactingStream<S extends NodeJS.WritableStream>(stream: S): S {
  const decoder = new StringDecoder('utf8');
  const write = (text: string, cb?: WriteCallback) => (stream.write as (t: string, cb?: WriteCallback) => boolean).call(stream, text, cb);
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const out = pending && redact(terminalSafe(pending));
    pending = '';
    if (out) write(out);
  };
  const take = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') {
      pending +=
        typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8'
          ? Buffer.from(chunk, encoding as BufferEncoding).toString()
          : chunk;
    } else if (chunk instanceof Uint8Array) pending += decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) => {
          take(chunk, rest[0]);
          const cb = rest.find((a): a is WriteCallback => typeof a === 'function');
          const lines = pending.lastIndexOf('\n') + 1;
          const out = redact(terminalSafe(pending.slice(0, lines)));
          pending = pending.slice(lines);
          if (pending && !scheduled) {
            scheduled = true;
            setImmediate(flush);
          }
          return write(out, cb);
        };
      }
      if (prop === 'end') {
        return (...args: unknown[]) => {
          if (args.length && typeof args[0] !== 'function') take(args.shift(), typeof args[0] === 'string' ? args.shift() : undefined);
          pending += decoder.end();
          flush();
          return (target.end as (...a: unknown[]) => S).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
