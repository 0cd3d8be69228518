// The launch probe end to end: the loopback BinderHub (infra/fakes/binderhub.ts) in
// front of a real JupyterHub whose user servers are real notebook servers. Every fault
// must end in the right phase, and afterwards the hub must run no server at all.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { startJupyterHub, type JupyterHubHandle } from '../../../infra/harnesses/jupyterhub.ts';
import { probeCommand } from '../../../shared/cli/probe.ts';
import { stackAvailable } from '../../helpers/stack.ts';
import { binderHealthSchema, launchProbeSchema } from '../../../shared/config/schema.ts';
import type { LaunchPhase, ProbeResult } from '../../../shared/model.ts';
import { binderHealthSource } from '../../../shared/sources/binder-health.ts';
import { launchProbeSource, runLaunchProbe, type ProbeSettings } from '../../../shared/sources/launch-probe.ts';
import { ELEVATED_AT, EXTRA_LAUNCHES, type LaunchMemory } from '../../../shared/detectors/launch-probe.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/log.ts';
import { runCheck } from '../../../shared/pipeline/run-check.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { stateKeys } from '../../../shared/state/keys.ts';

let hub: JupyterHubHandle;
let binder: FakeBinderHub;

// A deadline a case is not meant to reach is generous: it costs nothing when the hub
// answers, and a loaded machine cannot make it fire. The two a case is meant to reach
// are short, against a stream or a server that never answers (they cannot fire early).
const settings: ProbeSettings = {
  timeoutMs: 60_000,
  idleTimeoutMs: 20_000,
  contactTimeoutMs: 10_000,
  stopRetries: 2,
  stopConfirmTimeoutMs: 20_000,
};
const SILENT_STREAM = { idleTimeoutMs: 2_000 };
const SILENT_SERVER = { contactTimeoutMs: 1_000 };
const fault = (name: string, ref = 'HEAD') => `gh/binderwatch-fault/${name}/${ref}`;
const probe = (repo: string, { withToken = true, deadlines = {} }: { withToken?: boolean; deadlines?: Partial<ProbeSettings> } = {}) =>
  runLaunchProbe(
    { binderUrl: binder.url, repo, hubUrl: hub.url, hubApiToken: withToken ? hub.adminToken : undefined },
    { ...settings, ...deadlines },
    { stopBackoffMs: 50 },
  );
/** Until the hub has noticed: a poll, not a sleep, so a slow hub makes it wait longer, never fail. */
const HUB_NOTICES_WITHIN = { timeout: 30_000, interval: 250 };
/** The hub user BinderHub made for a probe of `repo`. */
const userOf = (repo: string) => binder.launches.filter((l) => `${l.provider}/${l.spec}` === repo).at(-1)?.user;

// A real JupyterHub (Debian's jupyterhub + jupyter-notebook) is needed; see tests/helpers/stack.ts.
const available = stackAvailable('jupyterhub', 'jupyterhub-singleuser');
const suite = available ? describe : describe.skip;

beforeAll(async () => {
  if (!available) return;
  hub = await startJupyterHub({ pollIntervalS: 1 });
  binder = await startBinderHub({ hub });
});
afterAll(async () => {
  await binder?.close();
  await hub?.stop();
});

suite('a launch that works', () => {
  it('is ok, with every phase timed, and its server is gone from the hub when the probe returns', async () => {
    const repo = fault('ok', 'works-1');
    const r = await probe(repo);
    expect(r).toMatchObject({ ok: true, binderUrl: binder.url, repo });
    expect(r.failedPhase).toBeUndefined();
    expect(Object.keys(r.durations ?? {})).toEqual([
      'connect',
      'resolve',
      'waiting',
      'fetching',
      'building',
      'built',
      'launching',
      'contact',
      'stop',
    ]);
    // A real spawn through the hub takes a while; contact is one round trip to a live server.
    expect(r.durations!.launching).toBeGreaterThan(100);
    const user = userOf(repo)!;
    expect((await (await hub.api(`users/${user}`)).json()).servers).toEqual({});
  });

  it('stops its server without a hub token too: the notebook process exits', async () => {
    const repo = fault('ok', 'works-2');
    const r = await probe(repo, { withToken: false });
    expect(r.ok).toBe(true);
    const user = userOf(repo)!;
    // Without the token the probe cannot ask the hub; the hub notices on its next poll.
    await expect.poll(async () => (await hub.activeServers()).includes(user), HUB_NOTICES_WITHIN).toBe(false);
  });

  it('retries a stop that fails twice and then works, and stays ok', async () => {
    const r = await probe(fault('stop-flaky'));
    expect(r.ok).toBe(true);
    expect(r.messages).toContain('stop: api/shutdown took 3 attempts');
  });
});

suite('a spec that cannot be sent', () => {
  it('is unknown, not a hub failure, and launches nothing', async () => {
    const before = binder.launches.length;
    const r = await probe('git/https://github.com/org/repo/main');
    expect(r).toMatchObject({ ok: false, unknownReason: expect.stringMatching(/url-escaped repository URL/) });
    expect(r.failedPhase).toBeUndefined();
    expect(binder.launches.length).toBe(before);
  });
});

suite.concurrent('each fault ends in its phase, and servers handed over are cleaned up', () => {
  const cases: [string, LaunchPhase, RegExp, Partial<ProbeSettings>?][] = [
    ['resolve-failed', 'resolve', /hub reported failure: Could not resolve ref/],
    ['rate-limited', 'resolve', /HTTP 429/],
    ['server-error', 'resolve', /HTTP 500/],
    ['html-page', 'resolve', /text\/html; charset=utf-8 instead of an event stream/],
    ['build-failed', 'build', /Build failed: step 3\/7/],
    ['cut', 'build', /event stream broke in phase building/],
    ['launch-failed', 'launch', /Image failed to launch/],
    ['never-ready', 'timeout', /no event for 2 s \(last phase: building\)/, SILENT_STREAM],
    ['keepalive-only', 'timeout', /no event for 2 s/, SILENT_STREAM],
    // 2018-01-18: the pod is up but the hub cannot reach it.
    ['unreachable', 'contact', /api: no answer within 1 s/, SILENT_SERVER],
    ['route-missing', 'contact', /server api answered HTTP 404 \(text\/html\)/],
    ['stop-broken', 'stop', /api\/shutdown failed 3 times, last: HTTP 500; the hub API deleted the server/],
  ];
  it.each(cases)('%s → %s', async (name, phase, error, deadlines) => {
    const r = await probe(fault(name), { deadlines });
    expect(r.ok).toBe(false);
    expect(r.failedPhase).toBe(phase);
    expect(r.error).toMatch(error);
  });

  it('cleans up through the hub API when the server it contacted cannot be reached to stop', async () => {
    const repo = fault('unreachable', 'cleanup');
    const r = await probe(repo, { deadlines: SILENT_SERVER });
    expect(r.failedPhase).toBe('contact');
    expect(r.messages).toContain(`stop: deleted ${userOf(repo)}'s server through the hub API`);
    expect((await hub.activeServers()).includes(userOf(repo)!)).toBe(false);
  });

  it('reports a stop that never works without a hub token as a stop finding, and the server really is still running', async () => {
    const repo = fault('stop-broken', 'no-token');
    const r = await probe(repo, { withToken: false });
    expect(r).toMatchObject({ ok: false, failedPhase: 'stop' });
    expect(r.error).toMatch(/no hub API token configured, the server may be leaking/);
    const user = userOf(repo)!;
    // Give the hub two polls: a server that had exited would be dropped by then.
    await new Promise((res) => setTimeout(res, 2_500));
    expect(await hub.activeServers()).toContain(user);
    // The leak is this test's doing; remove it so the final count means something.
    expect((await hub.api(`users/${user}/server`, { method: 'DELETE' })).status).toBeLessThan(300);
  });
});

suite('launchProbeSource', () => {
  it('probes every repo of every hub and reports each', async () => {
    const second = await startBinderHub({ hub });
    try {
      const cfg = launchProbeSchema.parse({
        targets: [
          { binderUrl: binder.url, hubUrl: hub.url, repos: [fault('ok', 'source-1'), fault('build-failed')] },
          { binderUrl: second.url, hubUrl: hub.url, repos: [fault('ok', 'source-2'), fault('route-missing', 'source')] },
        ],
        timeout: '60s',
        idleTimeout: '20s',
        contactTimeout: '10s',
        stopRetries: 1,
        stopConfirmTimeout: '20s',
        concurrency: 2,
      });
      const hubApiTokens = { [binder.url]: hub.adminToken, [second.url]: hub.adminToken };
      const launches = (b: typeof binder, repo: string) => b.launches.filter((l) => `${l.provider}/${l.spec}` === repo).length;
      const counts = () => [
        launches(binder, fault('build-failed')),
        launches(second, fault('route-missing', 'source')),
        launches(binder, fault('ok', 'source-1')),
      ];
      const before = counts();
      const { results } = await launchProbeSource(cfg, { hubApiTokens, stopBackoffMs: 50 }).observe({
        now: Date.now(),
        lookbackMs: 0,
        stepMs: 0,
      });
      expect(results.map((r: ProbeResult) => [r.binderUrl, r.repo, r.ok, r.failedPhase])).toEqual([
        [binder.url, fault('ok', 'source-1'), true, undefined],
        [binder.url, fault('build-failed'), false, 'build'],
        [second.url, fault('ok', 'source-2'), true, undefined],
        [second.url, fault('route-missing', 'source'), false, 'contact'],
      ]);
      // A launch failing before a server exists is confirmed by a second one in the same run, both recorded;
      // a good one is not repeated, nor one whose server was handed over (its clean-up may be under way).
      expect(results.map((r: ProbeResult) => r.attempts?.map((a) => [a.ok, a.failedPhase]))).toEqual([
        undefined,
        [
          [false, 'build'],
          [false, 'build'],
        ],
        undefined,
        undefined,
      ]);
      expect(counts().map((n, i) => n - before[i])).toEqual([2, 1, 1]);
    } finally {
      await second.close();
    }
  });
});

suite('adaptive probing through a check run', () => {
  it('launches each repo 2 more times only while the evidence is elevated, and stops every server it launched', async () => {
    const repos = [fault('ok', 'adaptive-1'), fault('ok', 'adaptive-2')];
    const config = parseConfig({
      checks: {
        launchProbe: {
          targets: [{ binderUrl: binder.url, hubUrl: hub.url, repos }],
          timeout: '60s',
          idleTimeout: '20s',
          contactTimeout: '10s',
          stopConfirmTimeout: '20s',
          concurrency: 2,
        },
      },
    });
    const store = new MemoryStore();
    const deps = {
      config,
      sources: {
        launchProbe: launchProbeSource(config.checks.launchProbe, { hubApiTokens: { [binder.url]: hub.adminToken }, stopBackoffMs: 50 }),
      },
      store,
      notifiers: [],
      logger: silentLogger,
    };
    const launched = () => binder.launches.filter((l) => repos.includes(`${l.provider}/${l.spec}`));
    const runOnce = async (t: number) => {
      const before = launched().length;
      await runCheck('launchProbe', deps, t);
      return launched().length - before;
    };
    const t0 = Date.now();
    // Nothing remembered: one launch per repo.
    expect(await runOnce(t0)).toBe(2);
    // The last run left the hub's evidence elevated (a first launch failed, say): each repo launches 1 + EXTRA_LAUNCHES times, all recorded.
    const hubKey = new URL(binder.url).host;
    const memory = (await store.get<LaunchMemory>(stateKeys.memory('launchProbe')))!;
    await store.put(stateKeys.memory('launchProbe'), { ...memory.value, evidence: { [hubKey]: ELEVATED_AT + 0.5 } }, memory.version);
    expect(await runOnce(t0 + 600_000)).toBe(2 * (1 + EXTRA_LAUNCHES));
    const after = (await store.get<LaunchMemory>(stateKeys.memory('launchProbe')))!.value;
    // Six good launches are evidence that the hub works: below the mark again, so the next run is plain.
    expect(after.evidence[hubKey]).toBeLessThan(ELEVATED_AT);
    expect(await runOnce(t0 + 1_200_000)).toBe(2);
    // Every server the probe was handed is gone from the hub.
    const users = launched().map((l) => l.user);
    expect(users.every(Boolean)).toBe(true);
    const active = await hub.activeServers();
    expect(users.filter((u) => active.includes(u!))).toEqual([]);
  });
});

suite('binderHealthSource', () => {
  it("reports the hub's API as healthy and its running servers against the pod quota", async () => {
    // One user server the test starts itself, so the count is known to be above zero.
    expect((await hub.api('users/health-check-user', { method: 'POST' })).status).toBe(201);
    expect((await hub.api('users/health-check-user/server', { method: 'POST' })).status).toBeLessThan(300);
    try {
      const cfg = binderHealthSchema.parse({ binderUrls: [binder.url], timeout: '20s' });
      const { hubs } = await binderHealthSource(cfg).observe({ now: Date.now(), lookbackMs: 0, stepMs: 0 });
      expect(hubs).toHaveLength(1);
      expect(hubs[0].checks?.find((c) => c.service === 'JupyterHub API')).toEqual({ service: 'JupyterHub API', ok: true });
      const quota = hubs[0].checks?.find((c) => c.service === 'Pod quota');
      expect(quota?.quota).toEqual({ used: (await hub.activeServers()).length, total: 100 });
      expect(quota?.quota?.used).toBeGreaterThanOrEqual(1);
    } finally {
      await hub.api('users/health-check-user/server', { method: 'DELETE' });
    }
  });
});

suite('binderwatch probe', () => {
  const capture = () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c) => (out += c));
    stderr.on('data', (c) => (err += c));
    return { stdout, stderr, text: () => ({ out, err }) };
  };
  const env = { BW_HUB_TOKEN: '' };

  it('prints each phase as a line and exits 0 when the launch works', async () => {
    env.BW_HUB_TOKEN = hub.adminToken;
    const io = capture();
    const code = await probeCommand(
      [binder.url, fault('ok', 'cli-1'), '--hub-token-env', 'BW_HUB_TOKEN', '--hub-url', hub.url, '--timeout', '30s'],
      { ...io, isTTY: false, env },
    );
    const { out } = io.text();
    expect(code).toBe(0);
    const phases = out
      .split('\n')
      .filter((l) => /^\s+\d/.test(l))
      .map((l) => l.trim().split(/\s+/)[1]);
    expect(phases).toEqual(['waiting', 'fetching', 'building', 'built', 'launching', 'ready', 'contact', 'stop']);
    expect(out).toMatch(/^ok: gh\/binderwatch-fault\/ok\/cli-1 on http:\/\/127\.0\.0\.1:\d+ launched, answered and stopped in /m);
    expect(out).not.toContain(hub.adminToken);
  });

  it('rewrites one line on a terminal', async () => {
    const io = capture();
    const code = await probeCommand([binder.url, fault('ok', 'cli-2')], { ...io, isTTY: true, env: {} });
    const { out } = io.text();
    expect(code).toBe(0);
    expect(out.split('\r\x1b[2K').length).toBeGreaterThan(8);
    expect(out.trimEnd().split('\n')).toHaveLength(1); // only the summary ends a line
  });

  it('exits 1 naming the phase when the launch fails', async () => {
    const io = capture();
    const code = await probeCommand([binder.url, fault('build-failed', 'cli')], { ...io, isTTY: false, env: {} });
    expect(code).toBe(1);
    expect(io.text().out).toMatch(/^FAILED in phase build: hub reported failure: Build failed/m);
    expect(io.text().out).toMatch(/last hub messages:\n {2}waiting: /);
  });

  it('prints only the ProbeResult as JSON on stdout with --json', async () => {
    const io = capture();
    const code = await probeCommand([binder.url, fault('never-ready', 'cli'), '--json', '--idle-timeout', '1s'], {
      ...io,
      isTTY: true,
      env: {},
    });
    expect(code).toBe(1);
    const result = JSON.parse(io.text().out) as ProbeResult;
    expect(result).toMatchObject({ ok: false, failedPhase: 'timeout', repo: fault('never-ready', 'cli'), binderUrl: binder.url });
    expect(io.text().err).toMatch(/building/);
  });

  it.each([
    [['http://127.0.0.1:1'], /usage: binderwatch probe/],
    [['not a url', 'gh/o/r/HEAD'], /<binderUrl>: expected an absolute URL/],
    [['http://127.0.0.1:1', 'gh/o/r/HEAD', '--timeout', 'soon'], /--timeout: expected a duration/],
    [['http://127.0.0.1:1', 'gh/o/r/HEAD', '--hub-token-env', 'BW_HUB_TOKEN'], /--hub-url: is required with --hub-token-env/],
    [['http://127.0.0.1:1', 'gh/o/r/HEAD', '--hub-token-env', 'NOT_SET'], /environment variable NOT_SET is not set/],
    [['http://127.0.0.1:1', 'git/https://github.com/o/r/main'], /<provider\/spec>: git specs are "<url-escaped repository URL>\/<ref>"/],
  ])('exits 2 on bad arguments %j', async (args, message) => {
    const io = capture();
    expect(await probeCommand(args, { ...io, isTTY: false, env: { BW_HUB_TOKEN: 'set' } })).toBe(2);
    expect(io.text().err + io.text().out).toMatch(message);
  });
});

suite('after the whole fault matrix', () => {
  it('the hub runs zero servers and no notebook process is left', async () => {
    // A server stopped through api/shutdown stays listed until the hub's next poll (1 s here).
    await expect.poll(() => hub.activeServers(), HUB_NOTICES_WITHIN).toEqual([]);
    expect(await hub.singleuserPids()).toEqual([]);
    // And the probes did launch real servers: this is not zero because nothing ran.
    expect(binder.launches.filter((l) => l.user).length).toBeGreaterThanOrEqual(10);
  });
});
