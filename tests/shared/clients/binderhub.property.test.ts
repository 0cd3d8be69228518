// Property tests of the launch event-stream client (streamLaunch) over generated streams:
// well-formed and broken events, comments, blank lines, control characters, CRLF, chunks
// cut anywhere (inside a UTF-8 sequence too), odd statuses and content types, raw bytes.
// Whatever arrives, the client returns an outcome (it never throws), a failure names a
// phase, and what it keeps of hub text is short, one line, and free of control characters
// and of the notebook token. The stream is served through the `fetch` the client is given,
// so thousands of runs take seconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamLaunch, type LaunchOutcome } from '../../../shared/clients/binderhub.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { withSecretScope } from '../../../shared/redact.ts';

const BINDER = 'https://binder.example.org';
const PHASES = ['resolve', 'build', 'launch', 'contact', 'stop', 'timeout'];
const HUB_PHASES = ['waiting', 'fetching', 'building', 'pushing', 'built', 'launching', 'ready', 'failed', 'unknown', 'heartbeat'];
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A `fetch` answering every request with `status`, `type` and the body cut into `chunks`. */
function serve(status: number, type: string, chunks: Uint8Array[]): typeof fetch {
  return async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(ctl) {
          for (const c of chunks) ctl.enqueue(c);
          ctl.close();
        },
      }),
      { status, headers: { 'content-type': type } },
    );
}

/** Cuts `bytes` at the given fractions: anywhere, inside a multi-byte character too. */
function cut(bytes: Uint8Array, fractions: number[]): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\x1b', '\r', '\n', '\u0007', '\u202e', '"', '\\', '<', '&', '*'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});
// Long enough not to occur in generated text by chance (short secrets: tests/shared/redact.test.ts).
const token = fc.string({ unit: fc.constantFrom(...'abcdef0123456789-_'), minLength: 8, maxLength: 24 });

/** One line group of an event stream. */
const piece = (tok: string) =>
  fc.oneof(
    fc
      .record({ phase: fc.constantFrom(...HUB_PHASES), message: fc.option(text, { nil: undefined }) })
      .map((e) => `data: ${JSON.stringify(e)}\n\n`),
    fc
      .record({ message: text })
      .map(
        (m) =>
          `data: ${JSON.stringify({ phase: 'ready', url: `${BINDER}/user/u/`, token: tok, message: `${m.message} server at ${tok}` })}\n\n`,
      ),
    fc.record({ message: text }).map((m) => `data: ${JSON.stringify({ phase: 'failed', message: m.message })}\n\n`),
    fc.constant(`data: ${JSON.stringify({ phase: 'ready', url: 'http://elsewhere.example/user/u/', token: tok })}\n\n`),
    text.map((t) => `data: ${t}\n\n`), // not JSON
    text.map((t) => `: ${t.replace(/[\r\n]/g, '')}\n`), // a comment
    fc.constant('\n'),
    text.map((t) => `event: ${t.replace(/[\r\n]/g, '')}\nid: 1\n`),
    fc.constant('data: {"phase": "building",\ndata: "message": "split over lines"}\n\n'),
    fc.constant('retry: 1000\n'),
  );

const stream = token.chain((tok) =>
  fc.record({
    tok: fc.constant(tok),
    pieces: fc.array(piece(tok), { maxLength: 12 }),
    crlf: fc.boolean(),
    fractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
    status: fc.constantFrom(200, 200, 200, 200, 404, 429, 500, 503),
    type: fc.constantFrom('text/event-stream; charset=UTF-8', 'text/event-stream', 'text/html', 'application/json', ''),
  }),
);

function expectWellFormed(out: LaunchOutcome, tok?: string): void {
  for (const m of out.messages) {
    expect(m.length).toBeLessThanOrEqual(LIMITS.hubTextChars);
    expect(m).not.toMatch(CONTROL);
  }
  expect(out.messages.length).toBeLessThanOrEqual(LIMITS.hubMessages);
  if (out.ok) {
    expect(new URL(out.url).protocol).toBe('https:');
    expect(out.token).toBe(tok);
  } else {
    expect(PHASES).toContain(out.failedPhase);
    expect(typeof out.error).toBe('string');
    expect(out.error).not.toMatch(CONTROL);
  }
  for (const d of Object.values(out.durations)) expect(Number.isFinite(d)).toBe(true);
}

describe('streamLaunch over generated event streams', () => {
  it('always returns an outcome naming a phase, with hub text short, clean and without the token', async () => {
    await fc.assert(
      fc.asyncProperty(stream, async ({ tok, pieces, crlf, fractions, status, type }) =>
        withSecretScope(async () => {
          const body = new TextEncoder().encode(pieces.map((p) => (crlf ? p.replace(/\n/g, '\r\n') : p)).join(''));
          const out = await streamLaunch(BINDER, 'gh/o/r/HEAD', {
            timeoutMs: 10_000,
            idleTimeoutMs: 10_000,
            fetch: serve(status, type, cut(body, fractions)),
          });
          expectWellFormed(out, tok);
          // The ready message carried the token: it is masked wherever kept.
          if (out.ok) for (const m of out.messages) expect(m.replaceAll('[redacted]', '')).not.toContain(tok);
        }),
      ),
      { numRuns: 5_000 },
    );
  }, 120_000);

  it('never throws on raw bytes, whatever the status and type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.constantFrom(200, 302, 500),
        fc.constantFrom('text/event-stream', 'text/plain'),
        async (chunks, status, type) => {
          const out = await streamLaunch(BINDER, 'gh/o/r/HEAD', {
            timeoutMs: 10_000,
            idleTimeoutMs: 10_000,
            fetch: serve(status, type, chunks),
          });
          expectWellFormed(out);
        },
      ),
      { numRuns: 5_000 },
    );
  }, 120_000);

  it('stops a line without end at the event limit, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 }), fc.constantFrom('data: ', ': ', 'event: x\ndata: '), async (chunkKiB, start) => {
        const chunk = new TextEncoder().encode('x'.repeat(chunkKiB * 1024));
        const count = Math.ceil((LIMITS.eventBytes + 1) / chunk.length) + 1;
        const chunks = [new TextEncoder().encode(start), ...Array.from({ length: count }, () => chunk)];
        const out = await streamLaunch(BINDER, 'gh/o/r/HEAD', {
          timeoutMs: 10_000,
          idleTimeoutMs: 10_000,
          fetch: serve(200, 'text/event-stream', chunks),
        });
        expect(out).toMatchObject({ ok: false, failedPhase: 'resolve', error: expect.stringMatching(/sent an event larger than 256 KiB/) });
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
