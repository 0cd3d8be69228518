// Every upstream as an attacker would run it, on loopback: endless lines and bodies, huge
// declared lengths, answers that never come, redirects elsewhere, lists without end. Each
// production client runs in a child process (tests/helpers/hostile-client.ts) that reports
// what it returned, how long it took, and its peak resident memory growth (getrusage
// maxRSS). Every case must end in a named phase or an UpstreamError (which a check reports
// as unknown), in bounded time, growing by at most 64 MiB.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { startFakeGoogleApis, type FakeGoogleApis } from '../../../infra/fakes/google-apis.ts';
import { fixturePod, startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';
import { startLoopback, type Loopback } from '../../../infra/fakes/loopback-faults.ts';
import type { ProbeSettings } from '../../../shared/sources/launch-probe.ts';
import type { HostileCall, HostileReport } from '../../helpers/hostile-client.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const RSS_BUDGET = 64 * MiB;
/** What each case measured, printed at the end for the record. */
const measured: string[] = [];

async function hostile(name: string, c: HostileCall): Promise<HostileReport> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tests/helpers/hostile-client.ts', JSON.stringify(c)], {
    timeout: 120_000,
    maxBuffer: 4 * MiB,
  });
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as HostileReport;
  measured.push(`${name.padEnd(52)} ${String(report.ms).padStart(6)} ms  ${(report.rssGrowth / MiB).toFixed(1).padStart(6)} MiB`);
  expect(report.rssGrowth, `${name}: peak RSS growth`).toBeLessThanOrEqual(RSS_BUDGET);
  return report;
}

let binder: FakeBinderHub;
/** A server on another origin, which must never receive anything a credential rides on. */
let elsewhere: Loopback;
let honestHub: Loopback;
const fault = (name: string) => `gh/hostile/${name}/HEAD`;
const launch = (repo: string, timeoutMs = 20_000): HostileCall => ({
  kind: 'launch',
  binderUrl: binder.url,
  repo,
  timeoutMs,
  idleTimeoutMs: 10_000,
});

beforeAll(async () => {
  binder = await startBinderHub();
  elsewhere = await startLoopback({ errorBody: () => ({}), route: () => ({ status: 200, body: { version: '6.4.12' } }) });
  // The configured hub: it answers the user model with no server (gone).
  honestHub = await startLoopback({ errorBody: () => ({}), route: () => ({ status: 404, body: { message: 'Not Found' } }) });
});
afterAll(async () => {
  await Promise.all([binder.close(), elsewhere.close(), honestHub.close()]);
  process.stdout.write(`\nhostile servers: time and peak RSS growth of the client\n${measured.join('\n')}\n`);
});

describe('a hostile BinderHub event stream', () => {
  it('a line that never ends fails in its phase at the event limit', async () => {
    binder.script(fault('line'), { phases: ['waiting', 'building'], flood: 'line' });
    const r = await hostile('event stream: line without newline', launch(fault('line')));
    expect(r.outcome).toMatchObject({ ok: false, failedPhase: 'build', error: expect.stringMatching(/sent an event larger than 256 KiB/) });
  });

  it('an event that never ends (data lines, no blank line) fails at the event limit', async () => {
    binder.script(fault('event'), { phases: ['waiting'], flood: 'event' });
    const r = await hostile('event stream: event without end', launch(fault('event')));
    expect(r.outcome).toMatchObject({ ok: false, failedPhase: 'build', error: expect.stringMatching(/sent an event larger than 256 KiB/) });
  });

  it('endless small events fail at the stream limit', async () => {
    binder.script(fault('events'), { phases: ['waiting'], flood: 'events' });
    const r = await hostile('event stream: endless events', launch(fault('events')));
    expect(r.outcome).toMatchObject({
      ok: false,
      failedPhase: 'build',
      error: expect.stringMatching(/sent an event stream larger than 16 MiB/),
    });
  });

  it('a 5 MB failed event is refused at the event limit, not carried into the finding', async () => {
    binder.script(fault('huge-failed'), { phases: ['waiting', 'building'], flood: 'huge-failed', hugeBytes: 5_000_000 });
    const r = await hostile('event stream: failed event of 5 MB', launch(fault('huge-failed')));
    expect(r.outcome).toMatchObject({ ok: false, failedPhase: 'build', error: expect.stringMatching(/event larger than 256 KiB/) });
  });

  it('a 200 KiB failed message becomes one capped line without escape sequences', async () => {
    binder.script(fault('long-failed'), { phases: ['waiting', 'building'], flood: 'huge-failed', hugeBytes: 200 * 1024 });
    const r = await hostile('event stream: failed event of 200 KiB', launch(fault('long-failed')));
    const { error, messages } = r.outcome as { error: string; messages: string[] };
    expect(r.outcome).toMatchObject({ ok: false, failedPhase: 'build' });
    expect(error).toMatch(/^hub reported failure: Build failed: y+…$/); // the colour sequence went whole
    expect(error.length).toBeLessThanOrEqual(330);
    for (const line of [error, ...messages]) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('an error status with an endless body names the status', async () => {
    binder.script(fault('endless-500'), {
      status: 500,
      contentType: 'text/html',
      body: '<p>500: Internal Server Error</p>',
      endlessBody: true,
    });
    const r = await hostile('/build: HTTP 500 with endless body', launch(fault('endless-500')));
    expect(r.outcome).toMatchObject({
      ok: false,
      failedPhase: 'resolve',
      error: expect.stringMatching(/answered HTTP 500: 500: Internal Server Error/),
    });
  });

  it('a /build redirect to another origin is refused', async () => {
    binder.script(fault('redirect'), { redirectTo: `${elsewhere.url}/build/gh/o/r/HEAD` });
    const before = elsewhere.requests.length;
    const r = await hostile('/build: redirect to another origin', launch(fault('redirect')));
    expect(r.outcome).toMatchObject({
      ok: false,
      failedPhase: 'resolve',
      error: expect.stringMatching(/redirect to http:\/\/127\.0\.0\.1:\d+\/… refused/),
    });
    expect(elsewhere.requests.length).toBe(before);
  });
});

describe('a hostile /health', () => {
  it('an endless body is an error at the limit (the check reports unknown)', async () => {
    binder.setHealth({ status: 200, contentType: 'application/json', body: '{"ok": true, "checks": [', endless: true });
    try {
      const r = await hostile('/health: endless body', { kind: 'health', binderUrl: binder.url, timeoutMs: 20_000 });
      expect(r.outcome).toEqual({ binderUrl: binder.url, error: 'HTTP 200, answer larger than 256 KiB' });
    } finally {
      binder.setHealth(undefined);
    }
  });
});

describe('credentials and the probe time budget', () => {
  // The defaults that made `--timeout 5s` take 157 s: 30 s contact, 3 stop retries of 30 s, 45 s confirmation.
  const slowDefaults: ProbeSettings = {
    timeoutMs: 5_000,
    idleTimeoutMs: 3_000,
    contactTimeoutMs: 30_000,
    stopRetries: 3,
    stopConfirmTimeoutMs: 45_000,
  };
  const quick: ProbeSettings = { ...slowDefaults, timeoutMs: 20_000, contactTimeoutMs: 2_000, stopConfirmTimeoutMs: 1_000 };
  // Wall-clock bounds on a loaded machine: twice the 5 s budget, still far below the 30 s
  // contact deadline (or the 157 s) the probe would end at if the budget were not kept.
  const WITHIN_PROBE_BUDGET = 2 * 5_000;

  /** A probe of a launch whose `ready` names `serverUrl` with the notebook token `nb-token-<name>`; with `hub`, its admin API there. */
  function probeOf(name: string, serverUrl: string, settings: ProbeSettings, hub?: { url: string; token: string }): HostileCall {
    binder.script(fault(name), { phases: ['waiting'], ready: { url: serverUrl, token: `nb-token-${name}` } });
    return {
      kind: 'probe',
      binderUrl: binder.url,
      repo: fault(name),
      settings,
      ...(hub ? { hubUrl: hub.url + '/', hubApiToken: hub.token } : {}),
    };
  }
  const authorizations = (server: Loopback, from: number) => server.requests.slice(from).map((q) => q.headers.authorization);

  it('a notebook server that accepts and never answers: the whole probe, stop included, ends within its 5 s', async () => {
    const r = await hostile(
      'probe --timeout 5s: notebook never answers',
      probeOf('blackhole', `${binder.url}/via/blackhole/user/u1/`, slowDefaults),
    );
    expect(r.outcome).toMatchObject({ ok: false, failedPhase: 'contact', error: expect.stringMatching(/probe time budget ran out/) });
    expect(r.ms).toBeLessThan(WITHIN_PROBE_BUDGET);
  });

  it('…and a hub API that never answers either still fits the 5 s', async () => {
    const hangingHub = await startLoopback({ errorBody: () => ({}), route: () => ({ status: 200, body: {} }) });
    hangingHub.faults.add({ kind: 'hang' }, Infinity);
    try {
      const call = probeOf('blackhole-hub', `${binder.url}/via/blackhole/user/u2/`, slowDefaults, {
        url: hangingHub.url,
        token: 'hub-admin-token-hang',
      });
      const r = await hostile('probe --timeout 5s: notebook and hub API hang', call);
      expect(r.outcome).toMatchObject({ ok: false, failedPhase: 'contact' });
      expect(r.ms).toBeLessThan(WITHIN_PROBE_BUDGET);
    } finally {
      await hangingHub.close();
    }
  });

  it('the hub admin token goes only to the configured hubUrl, never to the host `ready` names', async () => {
    const [from, hubFrom] = [elsewhere.requests.length, honestHub.requests.length];
    const r = await hostile(
      'probe: ready names another host',
      probeOf('elsewhere', `${elsewhere.url}/user/u3/`, quick, { url: honestHub.url, token: 'hub-admin-token-0123' }),
    );
    expect(r.outcome).toMatchObject({ ok: true });
    // The notebook token goes to the server BinderHub named (contact, stop); the admin token never does.
    expect(authorizations(elsewhere, from)).toEqual(['token nb-token-elsewhere', 'token nb-token-elsewhere']);
    expect(honestHub.requests.slice(hubFrom).map((q) => [q.method, q.url, q.headers.authorization])).toEqual([
      ['GET', '/hub/api/users/u3', 'token hub-admin-token-0123'],
    ]);
  });

  it('the hub admin token does not follow a hub API redirect to another origin', async () => {
    honestHub.faults.add({ kind: 'redirect', location: `${elsewhere.url}/hub/api/users/u4` }, 10);
    const from = elsewhere.requests.length;
    try {
      const r = await hostile(
        'probe: hub API redirects elsewhere',
        probeOf('hub-redirect', `${elsewhere.url}/user/u4/`, quick, { url: honestHub.url, token: 'hub-admin-token-4567' }),
      );
      expect(r.outcome).toMatchObject({
        ok: false,
        failedPhase: 'stop',
        error: expect.stringMatching(/redirect to http:\/\/127\.0\.0\.1:\d+\/… refused/),
      });
      expect(authorizations(elsewhere, from)).toEqual(['token nb-token-hub-redirect', 'token nb-token-hub-redirect']);
    } finally {
      honestHub.faults.clear();
    }
  });

  it('a `ready` server over another scheme than the BinderHub gets no token', async () => {
    const from = elsewhere.requests.length;
    const r = await hostile(
      'probe: ready over another scheme',
      probeOf('scheme', `${elsewhere.url.replace('http:', 'https:')}/user/u5/`, slowDefaults),
    );
    expect(r.outcome).toMatchObject({
      ok: false,
      failedPhase: 'launch',
      error: 'ready names a server over https while BinderHub is http: the token is not sent there',
    });
    expect(elsewhere.requests.length).toBe(from);
  });
});

describe('a hostile Prometheus', () => {
  let prom: Loopback;
  beforeAll(async () => {
    prom = await startLoopback({
      errorBody: (status, message) => ({ status: 'error', errorType: String(status), error: message }),
      route: () => ({ status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } }),
    });
  });
  afterAll(() => prom.close());

  it.each([
    ['endless body', { kind: 'endless' } as const, /answer larger than 8 MiB/],
    ['declared 2 GiB', { kind: 'declared-huge' } as const, /answer larger than 8 MiB/],
    ['never answers', { kind: 'hang' } as const, /no answer within 2000 ms/],
  ])('%s is an UpstreamError (unknown)', async (name, f, message) => {
    prom.faults.add(f);
    const r = await hostile(`prometheus: ${name}`, { kind: 'promql', url: prom.url, timeoutMs: 2_000 });
    expect(r.outcome).toEqual({ thrown: 'UpstreamError', message: expect.stringMatching(message) });
    // Less than two deadlines: it ended at the first, with room for a loaded machine.
    expect(r.ms).toBeLessThan(2 * 2_000);
  });
});

describe('a hostile Kubernetes API', () => {
  let kube: FakeKubernetes;
  const pods = (extra: Partial<Extract<HostileCall, { kind: 'pods' }>> = {}): HostileCall => ({
    kind: 'pods',
    server: kube.server,
    caCert: kube.caCert,
    token: kube.token,
    timeoutMs: 60_000,
    ...extra,
  });
  beforeAll(async () => {
    kube = await startFakeKubernetes();
  });
  afterAll(() => kube.close());

  it('10,000 pods are summarised page by page within the memory budget', async () => {
    // Real pods carry ~10 KiB of spec, status and annotations; these carry 8 KiB of annotation each (80 MB in all).
    const annotation = 'a'.repeat(8 * 1024);
    kube.pods = Array.from({ length: 10_000 }, (_, i) => {
      const pod = fixturePod({
        namespace: `ns-${i % 40}`,
        name: `jupyter-user-${i}`,
        node: `node-${i % 50}`,
        created: Date.now() - 60_000,
        labels: { component: 'singleuser-server' },
        owner: `ReplicaSet/rs-${i % 7}`,
      });
      pod.metadata.annotations = { 'hub.jupyter.org/state': annotation };
      return pod;
    });
    try {
      const r = await hostile('kubernetes: 10,000 pods of 8 KiB, default pages', pods());
      expect(r.outcome).toEqual({ pods: 10_000 });
    } finally {
      kube.pods = [];
    }
  });

  it('a page with an endless body is an UpstreamError at the page limit', async () => {
    kube.faults.add({ kind: 'endless' });
    const r = await hostile('kubernetes: endless page', pods());
    expect(r.outcome).toEqual({ thrown: 'UpstreamError', message: 'kubernetes: a list page larger than 8 MiB' });
  });

  it('a list whose pages never end stops at the page cap', async () => {
    let n = 0;
    kube.faults.add(
      {
        kind: 'answer',
        answer: () => ({ status: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: { continue: `page-${++n}` }, items: [] } }),
      },
      Infinity,
    );
    try {
      const r = await hostile('kubernetes: pages without end', pods());
      expect(r.outcome).toEqual({ thrown: 'UpstreamError', message: 'kubernetes: list longer than 500 pages of 100' });
    } finally {
      kube.faults.clear();
    }
  });

  it('a list that never answers ends at its one deadline', async () => {
    kube.faults.add({ kind: 'hang' });
    const r = await hostile('kubernetes: never answers', pods({ timeoutMs: 2_000 }));
    expect(r.outcome).toEqual({ thrown: 'UpstreamError', message: 'kubernetes: timed out' });
    // Less than two deadlines: it ended at the first, with room for a loaded machine.
    expect(r.ms).toBeLessThan(2 * 2_000);
  });
});

describe('hostile Google APIs', () => {
  let google: FakeGoogleApis;
  const TOKEN = 'ya29.hostile-test-token';
  beforeAll(async () => {
    google = await startFakeGoogleApis({ accessToken: TOKEN });
  });
  afterAll(() => google.close());

  it('GA4: an endless report is an UpstreamError at the limit', async () => {
    google.faults.add({ kind: 'endless' });
    const r = await hostile('ga4: endless body', { kind: 'ga4', rootUrl: google.rootUrl, token: TOKEN, timeoutMs: 20_000 });
    expect(r.outcome).toEqual({ thrown: 'UpstreamError', message: 'ga4: answer larger than 8 MiB' });
  });

  it('GKE: a declared 2 GiB answer is an UpstreamError before reading it', async () => {
    google.faults.add({ kind: 'declared-huge' });
    const r = await hostile('gke: declared 2 GiB', { kind: 'gke', rootUrl: google.rootUrl, token: TOKEN, timeoutMs: 20_000 });
    expect(r.outcome).toEqual({ thrown: 'UpstreamError', message: 'gke: answer larger than 8 MiB' });
  });

  it('GKE: a redirect elsewhere is not followed with the bearer token', async () => {
    google.faults.add({ kind: 'redirect', location: `${elsewhere.url}/v1/projects/p` });
    const from = elsewhere.requests.length;
    const r = await hostile('gke: redirect to another origin', { kind: 'gke', rootUrl: google.rootUrl, token: TOKEN, timeoutMs: 20_000 });
    expect(r.outcome).toMatchObject({ thrown: 'UpstreamError' });
    expect(elsewhere.requests.length).toBe(from);
  });
});
