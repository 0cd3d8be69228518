// The BinderHub client against the loopback BinderHub (no JupyterHub behind it:
// `ready` is scripted), so every way a launch stream can go wrong is driven here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { freePort } from '../../../infra/harnesses/jupyterhub.ts';
import {
  buildUrl,
  fetchHealth,
  MessageLog,
  parseHealth,
  streamLaunch,
  type FetchLike,
  type LaunchEvent,
} from '../../../shared/clients/binderhub.ts';
import { ManualTimers } from '../../helpers/manual-timers.ts';
import { registerSecret } from '../../../shared/redact.ts';
import { binderHealthSource } from '../../../shared/sources/binder-health.ts';
import { mapLimit } from '../../../shared/sources/launch-probe.ts';
import { binderHealthSchema } from '../../../shared/config/schema.ts';

let binder: FakeBinderHub;
const READY = { url: 'http://127.0.0.1:9/user/someone-abc/', token: 'tok-9f8e7d6c5b4a' };
/** Deadlines on a clock nobody moves: they never fire, however slow the machine is. */
const still = () => ({ timeoutMs: 5_000, idleTimeoutMs: 400, timers: new ManualTimers() });
/** For reads that should answer: a deadline far beyond any loopback answer. */
const ANSWERS_WITHIN_MS = 10_000;

/** Resolves once `count` of the values seen so far satisfy `test`; checked on every `seen`. */
function counter<T>() {
  const values: T[] = [];
  const waiting: { test: (v: T) => boolean; count: number; resolve: () => void }[] = [];
  const matching = (test: (v: T) => boolean) => values.filter(test).length;
  return {
    matching,
    seen(v: T) {
      values.push(v);
      for (const w of [...waiting])
        if (matching(w.test) >= w.count) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
    },
    until: (test: (v: T) => boolean, count: number) =>
      new Promise<void>((resolve) => (matching(test) >= count ? resolve() : waiting.push({ test, count, resolve }))),
  };
}

/** The events a launch reported, as the client handled them; `reached` waits for the n-th of a phase. */
function eventLog() {
  const c = counter<string>();
  return {
    onEvent: (e: LaunchEvent) => c.seen(e.phase),
    count: (phase: string) => c.matching((p) => p === phase),
    reached: (phase: string, n = 1) => c.until((p) => p === phase, n),
  };
}

/** fetch that notes each body chunk containing `text` as it passes to the client. */
function tappedFetch(text: string) {
  const c = counter<string>();
  const has = (chunk: string) => chunk.includes(text);
  const tapped: FetchLike = async (input, init) => {
    const res = await fetch(input, init);
    const decoder = new TextDecoder();
    const body = res.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          out.enqueue(chunk);
          c.seen(decoder.decode(chunk, { stream: true }));
        },
      }),
    );
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: tapped, count: () => c.matching(has), passed: (n: number) => c.until(has, n) };
}

beforeAll(async () => {
  binder = await startBinderHub();
});
afterAll(async () => {
  await binder?.close();
});

/** A unique repo per test, with the script it gets. */
let n = 0;
function repoWith(script: Parameters<FakeBinderHub['script']>[1]): string {
  const repo = `gh/unit/case-${++n}/HEAD`;
  binder.script(repo, script);
  return repo;
}

describe('buildUrl', () => {
  it('keeps the slashes of a GitHub spec, including a ref that contains one', () => {
    expect(buildUrl('https://mybinder.org', 'gh/binder-examples/requirements/feature/x')).toBe(
      'https://mybinder.org/build/gh/binder-examples/requirements/feature/x',
    );
  });

  it('keeps a GitLab namespace escaped as one segment', () => {
    expect(buildUrl('https://mybinder.org/', 'gl/group%2Fsub%2Fproject/main')).toBe(
      'https://mybinder.org/build/gl/group%2Fsub%2Fproject/main',
    );
  });

  it('escapes characters a ref may hold but a path may not', () => {
    expect(buildUrl('https://hub.example/binder/', 'gh/o/r/v1.0#rc 1')).toBe('https://hub.example/binder/build/gh/o/r/v1.0%23rc%201');
  });

  it('sends a git provider URL escaped, whether it was written escaped or not within its segment', () => {
    const escaped = buildUrl('https://mybinder.org', 'git/https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main');
    expect(escaped).toBe('https://mybinder.org/build/git/https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main');
    expect(buildUrl('https://mybinder.org', 'git/https:%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main')).toBe(escaped);
  });

  it('refuses a git spec whose repository URL was not escaped, since its end cannot be told from the ref', () => {
    expect(() => buildUrl('https://mybinder.org', 'git/https://github.com/o/r/main')).toThrow(/url-escaped/);
  });
});

describe('streamLaunch', () => {
  it('follows the phases to ready and hands over the server URL and token, timing each phase', async () => {
    const timers = new ManualTimers();
    const seen: string[] = [];
    // Each event moves the clock 10 ms on, so every phase's duration is known exactly.
    const onEvent = (e: LaunchEvent) => (seen.push(e.phase), timers.advance(10));
    const out = await streamLaunch(binder.url, repoWith({ ready: READY }), { ...still(), timers, onEvent });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.url).toBe(READY.url);
    expect(out.token).toBe(READY.token);
    expect(seen).toEqual(['waiting', 'fetching', 'building', 'building', 'building', 'built', 'launching', 'ready']);
    // A phase lasts from its first event to the next phase's: three building events are 30 ms.
    expect(out.durations).toEqual({ connect: 0, resolve: 0, waiting: 10, fetching: 10, building: 30, built: 10, launching: 10 });
    expect(out.messages.at(-1)).toMatch(/^ready: server running at/);
  });

  it('asks for an event stream and sends the git spec with its URL still escaped', async () => {
    const repo = 'git/https%3A%2F%2Fgit.example.org%2Fteam%2Fnotebooks.git/v2';
    binder.script(repo, { ready: READY });
    const out = await streamLaunch(binder.url, repo, still());
    expect(out.ok).toBe(true);
    expect(binder.launches.at(-1)?.rawPath).toBe('/build/git/https%3A%2F%2Fgit.example.org%2Fteam%2Fnotebooks.git/v2');
  });

  it.each([
    ['resolve', [] as string[]],
    ['build', ['waiting', 'fetching', 'building']],
    ['launch', ['built', 'launching']],
  ])('names %s as the failed phase when the hub fails after %j', async (phase, phases) => {
    const out = await streamLaunch(binder.url, repoWith({ phases, end: 'failed', failMessage: 'it broke here' }), still());
    expect(out).toMatchObject({ ok: false, failedPhase: phase, error: 'hub reported failure: it broke here' });
    expect(out.messages.at(-1)).toBe('failed: it broke here');
  });

  it('fails in resolve when BinderHub rejects the spec itself', async () => {
    const out = await streamLaunch(binder.url, 'gh/only-two/parts', still());
    expect(out).toMatchObject({ ok: false, failedPhase: 'resolve' });
    expect(!out.ok && out.error).toMatch(/Spec is not of the form "user\/repo\/ref"/);
  });

  it('fails in the phase it was in when the stream is cut mid-way', async () => {
    const out = await streamLaunch(binder.url, repoWith({ phases: ['waiting', 'fetching', 'building'], end: 'cut' }), still());
    expect(out).toMatchObject({ ok: false, failedPhase: 'build' });
    expect(!out.ok && out.error).toMatch(/event stream broke in phase building/);
  });

  it('times out in the phase it was in when the stream goes silent before ready', async () => {
    const events = eventLog();
    const timers = new ManualTimers();
    const launch = streamLaunch(binder.url, repoWith({ phases: ['built', 'launching'], end: 'silent' }), {
      ...still(),
      idleTimeoutMs: 300,
      timers,
      onEvent: events.onEvent,
    });
    await events.reached('launching');
    timers.advance(300);
    const out = await launch;
    expect(out).toMatchObject({ ok: false, failedPhase: 'timeout', error: 'no event for 0.3 s (last phase: launching)' });
    expect(out.durations.launching).toBe(300);
  });

  it('times out on a stream of keep-alive comments alone, since comments are not events', async () => {
    const comments = tappedFetch(':heartbeat');
    const timers = new ManualTimers();
    const launch = streamLaunch(binder.url, repoWith({ phases: [], end: 'silent', heartbeatMs: 20 }), {
      ...still(),
      timers,
      fetch: comments.fetch,
    });
    await comments.passed(1);
    timers.advance(200);
    // Comments that reach the client after this point would push an idle deadline that counted them past 400 ms.
    await comments.passed(comments.count() + 2);
    timers.advance(200);
    const out = await launch;
    expect(out).toMatchObject({ ok: false, failedPhase: 'timeout', error: 'no event for 0.4 s (last phase: resolve)' });
    expect(out.durations).toEqual({ connect: 0, resolve: 400 });
  });

  it('times out at the overall deadline while events keep coming', async () => {
    const events = eventLog();
    const timers = new ManualTimers();
    // An endless stream of building events, each re-arming the 400 ms idle deadline.
    const launch = streamLaunch(binder.url, repoWith({ phases: [], flood: 'events' }), {
      timeoutMs: 500,
      idleTimeoutMs: 400,
      timers,
      onEvent: events.onEvent,
    });
    await events.reached('building');
    timers.advance(250);
    await events.reached('building', events.count('building') + 1);
    timers.advance(250);
    const out = await launch;
    expect(out).toMatchObject({ ok: false, failedPhase: 'timeout', error: 'no ready within 0.5 s (last phase: building)' });
  });

  it.each([
    [429, 'application/json', '{"message": "Too many requests"}', /HTTP 429: \{"message": "Too many requests"\}/],
    [500, 'text/html', '<html><body>500: Internal Server Error</body></html>', /HTTP 500: 500: Internal Server Error/],
    [
      200,
      'text/html; charset=utf-8',
      '<html><body><h1>502 Bad Gateway</h1></body></html>',
      /text\/html; charset=utf-8 instead of an event stream: 502 Bad Gateway/,
    ],
  ])('fails in resolve when /build answers %i %s instead of events', async (status, contentType, body, error) => {
    const out = await streamLaunch(binder.url, repoWith({ status, contentType, body }), still());
    expect(out).toMatchObject({ ok: false, failedPhase: 'resolve' });
    expect(!out.ok && out.error).toMatch(error);
  });

  it('fails in resolve for a provider BinderHub does not have', async () => {
    const out = await streamLaunch(binder.url, 'nope/a/b/c', still());
    expect(out).toMatchObject({ ok: false, failedPhase: 'resolve' });
    expect(!out.ok && out.error).toMatch(/HTTP 404: 404: No provider found for prefix nope/);
  });

  it('fails in resolve when nothing listens at the hub', async () => {
    const out = await streamLaunch(`http://127.0.0.1:${await freePort()}`, 'gh/o/r/HEAD', still());
    expect(out).toMatchObject({ ok: false, failedPhase: 'resolve' });
    expect(!out.ok && out.error).toMatch(/ECONNREFUSED/);
  });

  it('fails in launch when ready comes without a token', async () => {
    const out = await streamLaunch(binder.url, repoWith({ ready: { url: READY.url } as typeof READY }), still());
    expect(out).toMatchObject({ ok: false, failedPhase: 'launch', error: 'ready event without url and token' });
  });

  it('stops at once when the caller cancels', async () => {
    const ctl = new AbortController();
    const events = eventLog();
    const launch = streamLaunch(binder.url, repoWith({ phases: ['waiting'], end: 'silent' }), {
      ...still(),
      signal: ctl.signal,
      onEvent: events.onEvent,
    });
    await events.reached('waiting');
    ctl.abort();
    expect(await launch).toMatchObject({ ok: false, failedPhase: 'timeout', error: 'cancelled (last phase: waiting)' });
  });
});

describe('fetchHealth', () => {
  const health = (status: number, body: string, contentType = 'application/json') => binder.setHealth({ status, body, contentType });
  afterAll(() => binder.setHealth(undefined));

  it("reads BinderHub's checks, with the pod quota as used of total", async () => {
    health(
      200,
      JSON.stringify({
        ok: true,
        checks: [
          { service: 'Docker registry', ok: true },
          { service: 'JupyterHub API', ok: true },
          { service: 'Pod quota', total_pods: 93, build_pods: 3, user_pods: 90, quota: 100, ok: true, _ignore_failure: true },
        ],
      }),
    );
    expect(await fetchHealth(binder.url, { timeoutMs: ANSWERS_WITHIN_MS })).toEqual({
      binderUrl: binder.url,
      checks: [
        { service: 'Docker registry', ok: true },
        { service: 'JupyterHub API', ok: true },
        { service: 'Pod quota', ok: true, quota: { used: 93, total: 100 }, message: '90 user pods, 3 build pods' },
      ],
    });
  });

  it('reads the checks of an unhealthy hub, which answers 503 with the same JSON', async () => {
    health(
      503,
      JSON.stringify({
        ok: false,
        checks: [
          { service: 'JupyterHub API', ok: false },
          { service: 'Pod quota', total_pods: 3, quota: null, ok: true },
        ],
      }),
    );
    const h = await fetchHealth(binder.url, { timeoutMs: ANSWERS_WITHIN_MS });
    expect(h.checks).toEqual([
      { service: 'JupyterHub API', ok: false },
      { service: 'Pod quota', ok: true },
    ]);
  });

  it.each([
    ['an HTML page', 200, '<html><body>Bad Gateway</body></html>', 'text/html', /unreadable body: not JSON \(text\/html\)/],
    ['a 500', 500, 'oops', 'text/plain', /^HTTP 500: oops/],
    ['JSON without checks', 200, '{"ok": true}', 'application/json', /no "checks" list/],
    ['an empty checks list', 200, '{"ok": true, "checks": []}', 'application/json', /an empty "checks" list/],
    ['a check without a service', 200, '{"ok": true, "checks": [{"ok": true}]}', 'application/json', /checks\[0\] lacks service or ok/],
    ['a cut-off body', 200, '{"ok": true, "checks": [', 'application/json', /not JSON/],
  ])('reports %s as an error with no checks', async (_what, status, body, type, error) => {
    health(status, body, type);
    const h = await fetchHealth(binder.url, { timeoutMs: ANSWERS_WITHIN_MS });
    expect(h.checks).toBeUndefined();
    expect(h.error).toMatch(error);
  });

  it('reports a hub that does not answer in time as an error', async () => {
    // Under /via/blackhole/user/ the loopback server accepts requests and never answers.
    const h = await fetchHealth(`${binder.url}/via/blackhole/user/x`, { timeoutMs: 300 });
    expect(h).toEqual({ binderUrl: `${binder.url}/via/blackhole/user/x`, error: 'no answer within 0.3 s' });
  });

  it('reports a hub nothing listens at as an error', async () => {
    const h = await fetchHealth(`http://127.0.0.1:${await freePort()}`, { timeoutMs: ANSWERS_WITHIN_MS });
    expect(h.error).toMatch(/ECONNREFUSED/);
  });

  it('parseHealth keeps a quota only where both numbers are given', () => {
    expect(parseHealth('u', { checks: [{ service: 'Pod quota', ok: true, total_pods: 4 }] }).checks).toEqual([
      { service: 'Pod quota', ok: true },
    ]);
  });
});

describe('binderHealthSource', () => {
  it("falls back to the launch probe's hubs, each read once", async () => {
    binder.setHealth({
      status: 200,
      contentType: 'application/json',
      body: '{"ok": true, "checks": [{"service": "JupyterHub API", "ok": true}]}',
    });
    const cfg = binderHealthSchema.parse({ timeout: '10s' });
    const obs = await binderHealthSource(cfg, { defaultBinderUrls: [binder.url, binder.url] }).observe({
      now: Date.now(),
      lookbackMs: 0,
      stepMs: 0,
    });
    expect(obs.hubs).toEqual([{ binderUrl: binder.url, checks: [{ service: 'JupyterHub API', ok: true }] }]);
    binder.setHealth(undefined);
  });
});

describe('MessageLog', () => {
  it('keeps the last distinct messages, one line each, without secrets', () => {
    registerSecret('s3cr3t-user-token');
    const log = new MessageLog(3);
    for (const m of [
      'waiting: a',
      'launching: Launching server...\n',
      'launching: Launching server...\n',
      'building: x\n  y',
      'ready: token s3cr3t-user-token',
    ])
      log.add(m);
    expect(log.messages).toEqual(['launching: Launching server...', 'building: x y', 'ready: token [redacted]']);
  });
});

describe('mapLimit', () => {
  it('never runs more than the limit at once and keeps the order of results', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 1], 2, async (x) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, x * 5));
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 10]);
    expect(most).toBe(2);
  });
});
