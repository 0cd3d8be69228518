// runCheck with in-memory parts: the wiring between sources, detectors, lifecycle and delivery.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { NotifyError, UpstreamError } from '../../../shared/errors.ts';
import { jsonLogger } from '../../../shared/log.ts';
import type { ClusterHealthObservation, ProbeResult } from '../../../shared/model.ts';
import type { AlertNotification, Notifier } from '../../../shared/alerting/notifier.ts';
import { FileStore } from '../../../shared/state/file.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { sendWithRetry, type RetryPolicy } from '../../../shared/alerting/deliver.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import type { Telemetry } from '../../../shared/telemetry/telemetry.ts';

const T0 = Date.UTC(2018, 0, 18, 14, 0);
const MIN = 60_000;
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 1000, sleep: async () => {}, random: () => 1 };

function collector(name = 'console'): Notifier & { sent: AlertNotification[] } {
  const sent: AlertNotification[] = [];
  return {
    name,
    sent,
    async send(n) {
      sent.push(n);
    },
  };
}

const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';
const fluentd = {
  namespace: 'kube-system',
  pod: 'fluentd-gcp-v2.0.9-68p79',
  node: SICK,
  owner: 'DaemonSet/fluentd-gcp-v2.0.9',
  reason: 'CrashLoopBackOff' as const,
  since: T0,
};

function clusterDeps(
  state: { obs?: ClusterHealthObservation; error?: Error },
  config = {},
): CheckDeps & { console: ReturnType<typeof collector> } {
  const console = collector();
  return {
    config: parseConfig({ alerting: { defaults: { unknownToFire: 3 } }, ...config }),
    sources: {
      clusterHealth: {
        async observe() {
          if (state.error) throw state.error;
          return state.obs!;
        },
      },
    },
    store: new MemoryStore(),
    notifiers: [console],
    logger: jsonLogger(() => {}),
    retryPolicy: noWait,
    console,
  };
}

describe('runCheck', () => {
  it('fires for the sick node on the second run and resolves once the node is gone', async () => {
    const state: { obs?: ClusterHealthObservation } = { obs: { problems: [fluentd], notReadyNodes: [] } };
    const d = clusterDeps(state);
    const first = await runCheck('clusterHealth', d, T0);
    expect(first.outcome).toBe('problem');
    await runCheck('clusterHealth', d, T0 + 5 * MIN);
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`]);
    state.obs = { problems: [], notReadyNodes: [] };
    await runCheck('clusterHealth', d, T0 + 10 * MIN);
    await runCheck('clusterHealth', d, T0 + 15 * MIN);
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`, `resolved:node:${SICK}`]);
  });

  it('adds alerting.links to every notification, after the finding’s own, and says in one line what recovered', async () => {
    const state: { obs?: ClusterHealthObservation } = { obs: { problems: [fluentd], notReadyNodes: [] } };
    const d = clusterDeps(state, {
      alerting: { links: { dashboard: 'https://grafana.mybinder.org/d/nodes', hub: 'https://mybinder.org' } },
    });
    for (const minute of [0, 5]) await runCheck('clusterHealth', d, T0 + minute * MIN);
    state.obs = { problems: [], notReadyNodes: [] };
    for (const minute of [10, 15]) await runCheck('clusterHealth', d, T0 + minute * MIN);
    expect(d.console.sent.map((n) => ({ state: n.state, title: n.title, summary: n.summary, links: n.links }))).toEqual([
      {
        state: 'firing',
        title: `Sick node ${SICK}`,
        summary:
          '1 pod crash-looping from 1 owner; a DaemonSet pod (fluentd-gcp-v2.0.9-68p79) failing means the node itself is broken: launches scheduled there may fail',
        links: [
          { title: 'Dashboard', url: 'https://grafana.mybinder.org/d/nodes' },
          { title: 'Hub', url: 'https://mybinder.org' },
        ],
      },
      {
        state: 'resolved',
        title: `Sick node ${SICK}`,
        // Lasted from its firing (minute 5); the node is no longer among the findings, and the resolve says so.
        summary: `Resolved after 10m: clusterHealth no longer finds it: Sick node ${SICK} is gone`,
        links: [
          { title: 'Dashboard', url: 'https://grafana.mybinder.org/d/nodes' },
          { title: 'Hub', url: 'https://mybinder.org' },
        ],
      },
    ]);
  });

  it('reports a source that cannot be read as unknown, never as healthy, and fires "cannot see" after unknownToFire runs', async () => {
    const state: { obs?: ClusterHealthObservation; error?: Error } = { obs: { problems: [fluentd], notReadyNodes: [] } };
    const d = clusterDeps(state);
    await runCheck('clusterHealth', d, T0);
    await runCheck('clusterHealth', d, T0 + 5 * MIN); // firing for the node
    state.error = new UpstreamError('kubernetes', 'pods is forbidden: 403', 403);
    for (let i = 2; i < 6; i++) {
      const r = await runCheck('clusterHealth', d, T0 + i * 5 * MIN);
      expect(r.outcome).toBe('unknown');
      expect(r.findings[0]).toMatchObject({ key: 'clusterHealth:source', status: 'unknown' });
    }
    const states = d.console.sent.map((n) => `${n.state}:${n.status}:${n.key}`);
    // The node alert is not resolved by blindness; a separate blind alert fires.
    expect(states).toEqual([`firing:problem:node:${SICK}`, 'firing:unknown:clusterHealth:source']);
    expect(d.console.sent[1].summary).toContain('cannot see kubernetes');
  });

  it("holds back a launch alert while its hub's health alert fires, and says so on the hub alert", async () => {
    const console = collector();
    const health = { ok: false };
    const config = parseConfig({
      checks: {
        launchProbe: { targets: [{ binderUrl: 'https://hub.example.org', repos: ['gh/a/b/HEAD'] }], alert: { failuresToFire: 1 } },
        binderHealth: { alert: { failuresToFire: 1 } },
      },
    });
    const result = (at: number): ProbeResult => ({
      binderUrl: 'https://hub.example.org',
      repo: 'gh/a/b/HEAD',
      at,
      ok: false,
      failedPhase: 'launch',
    });
    const d: CheckDeps = {
      config,
      sources: {
        launchProbe: {
          async observe(r) {
            return { results: [result(r.now)] };
          },
        },
        binderHealth: {
          async observe() {
            return { hubs: [{ binderUrl: 'https://hub.example.org', checks: [{ service: 'Hub API', ok: health.ok }] }] };
          },
        },
      },
      store: new MemoryStore(),
      notifiers: [console],
      logger: jsonLogger(() => {}),
      retryPolicy: noWait,
    };
    await runCheck('binderHealth', d, T0);
    await runCheck('launchProbe', d, T0 + MIN);
    expect(console.sent.map((n) => n.key)).toEqual(['health:hub.example.org']);
    expect(console.sent[0].details).toContain('held back');
    health.ok = true;
    await runCheck('binderHealth', d, T0 + 2 * MIN);
    await runCheck('binderHealth', d, T0 + 3 * MIN);
    await runCheck('launchProbe', d, T0 + 4 * MIN);
    expect(console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([
      'firing:health:hub.example.org',
      'resolved:health:hub.example.org',
      'firing:launch:hub.example.org:gh/a/b/HEAD',
    ]);
  });

  it('writes the heartbeat for every run', async () => {
    const runs: string[] = [];
    const telemetry: Telemetry = {
      async recordRun(check, outcome) {
        runs.push(`${check}:${outcome}`);
      },
      async recordProbe() {},
    };
    const d = { ...clusterDeps({ obs: { problems: [], notReadyNodes: [] } }), telemetry };
    await runCheck('clusterHealth', d, T0);
    expect(runs).toEqual(['clusterHealth:ok']);
  });

  it('skips a check that is disabled or has no source', async () => {
    const d = clusterDeps({ obs: { problems: [], notReadyNodes: [] } }, { checks: { clusterHealth: { enabled: false } } });
    expect((await runCheck('clusterHealth', d, T0)).outcome).toBe('skipped');
    expect((await runCheck('nodeHeadroom', d, T0)).outcome).toBe('skipped');
  });
});

describe('runCheck over state objects that cannot be read', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-broken-state-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function damageAll(): Promise<string[]> {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    for (const f of files) await writeFile(join(dir, f), '{"broken');
    return files.map((f) => decodeURIComponent(f.slice(0, -5))).sort();
  }

  async function unreadableFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const f of await readdir(dir)) {
      try {
        JSON.parse(await readFile(join(dir, f), 'utf8'));
      } catch {
        out.push(f);
      }
    }
    return out;
  }

  function brokenStateDeps(state: { obs?: ClusterHealthObservation }) {
    const logs: { severity: string; key?: string }[] = [];
    const d = {
      ...clusterDeps(state),
      store: new FileStore(
        dir,
        jsonLogger((l) => logs.push(JSON.parse(l) as { severity: string; key?: string })),
      ),
    };
    return { d, errors: () => logs.filter((l) => l.severity === 'ERROR').map((l) => l.key) };
  }

  it('keeps running the check, logs each unreadable key once at ERROR, and overwrites every one', async () => {
    const state = { obs: { problems: [fluentd], notReadyNodes: [] } as ClusterHealthObservation };
    const { d, errors } = brokenStateDeps(state);
    await runCheck('clusterHealth', d, T0);
    await runCheck('clusterHealth', d, T0 + 5 * MIN);
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`]);

    const damaged = await damageAll();
    expect(damaged).toEqual(expect.arrayContaining([`alert/clusterHealth/node:${SICK}`, 'run/clusterHealth']));
    const third = await runCheck('clusterHealth', d, T0 + 10 * MIN);
    expect(third.outcome).toBe('problem');
    expect(errors().sort()).toEqual(damaged);
    // Only the channel's health is written when a delivery is next attempted; the hub's last page when a page next fires.
    expect(await unreadableFiles()).toEqual(['channel%2Fconsole.json', 'page%2Fhub.json']);

    // The alert's history is lost, so it starts again: pending, then firing anew.
    await runCheck('clusterHealth', d, T0 + 15 * MIN);
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`, `firing:node:${SICK}`]);
    expect(await unreadableFiles()).toEqual([]);
    expect(errors()).toHaveLength(damaged.length);
  });

  it('rewrites an unreadable alert that is no longer reported, resolving nothing it cannot know had fired', async () => {
    const state = { obs: { problems: [fluentd], notReadyNodes: [] } as ClusterHealthObservation };
    const { d, errors } = brokenStateDeps(state);
    await runCheck('clusterHealth', d, T0);
    await runCheck('clusterHealth', d, T0 + 5 * MIN);
    await damageAll();
    state.obs = { problems: [], notReadyNodes: [] };
    expect((await runCheck('clusterHealth', d, T0 + 10 * MIN)).outcome).toBe('ok');
    expect(errors()).toContain(`alert/clusterHealth/node:${SICK}`);
    expect(await unreadableFiles()).not.toContain(encodeURIComponent(`alert/clusterHealth/node:${SICK}`) + '.json');
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`]);
  });
});

describe('sendWithRetry', () => {
  const n = { id: 'x' } as AlertNotification;
  function flaky(errors: NotifyError[]): Notifier & { calls: number } {
    const self = {
      name: 'slack',
      calls: 0,
      async send() {
        self.calls++;
        const e = errors.shift();
        if (e) throw e;
      },
    };
    return self;
  }

  it('retries 429 and 5xx with backoff, waiting at least Retry-After', async () => {
    const waits: number[] = [];
    const notifier = flaky([new NotifyError('slack', '429', true, 800), new NotifyError('slack', '503', true)]);
    const r = await sendWithRetry(notifier, n, { ...noWait, sleep: async (ms) => void waits.push(ms) });
    expect(r.ok).toBe(true);
    expect(notifier.calls).toBe(3);
    expect(waits).toEqual([800, 20]);
  });

  it('does not retry a permanent failure', async () => {
    const notifier = flaky([new NotifyError('slack', '404 no_service', false)]);
    const r = await sendWithRetry(notifier, n, noWait);
    expect(r).toMatchObject({ ok: false });
    expect(notifier.calls).toBe(1);
  });

  it('gives up after the configured attempts', async () => {
    const notifier = flaky([1, 2, 3, 4].map(() => new NotifyError('slack', '500', true)));
    expect((await sendWithRetry(notifier, n, noWait)).ok).toBe(false);
    expect(notifier.calls).toBe(3);
  });
});

describe('owed notifications', () => {
  it('are dropped, loudly, once no channel has taken them for a day', async () => {
    const lines: string[] = [];
    const broken: Notifier = {
      name: 'console',
      async send() {
        throw new NotifyError('console', 'gone', false);
      },
    };
    const state = { obs: { problems: [fluentd], notReadyNodes: [] } as ClusterHealthObservation };
    const d: CheckDeps = { ...clusterDeps(state), notifiers: [broken], logger: jsonLogger((l) => lines.push(l)) };
    await runCheck('clusterHealth', d, T0);
    await runCheck('clusterHealth', d, T0 + 5 * MIN); // fires; the channel refuses it
    const key = `alert/clusterHealth/node:${SICK}`;
    const owedStates = async () =>
      (await d.store.get<{ owed: { notification: AlertNotification }[] }>(key))!.value.owed.map(
        (o) => `${o.notification.state}@${o.notification.at}`,
      );
    const firing = `firing@${new Date(T0 + 5 * MIN).toISOString()}`;
    expect(await owedStates()).toEqual([firing]);
    await runCheck('clusterHealth', d, T0 + 6 * 3_600_000); // still owed hours later (beside a reminder)
    expect(await owedStates()).toContain(firing);
    await runCheck('clusterHealth', d, T0 + 25 * 3_600_000);
    expect(await owedStates()).not.toContain(firing);
    expect(lines.some((l) => l.includes('"severity":"ERROR"') && l.includes('undeliverable for a day'))).toBe(true);
  });
});

describe('runCheck over state objects of another shape', () => {
  it.each([
    ['an empty object', {}],
    ['an array', []],
    ['a string', 'firing'],
    [
      'a state whose owed list is not a list',
      { key: `node:${SICK}`, phase: 'firing', recent: 'pp', owed: 'x', seq: 1, consecutiveOk: 0, consecutiveUnknown: 0 },
    ],
  ])('starts an alert stored as %s afresh, logged at ERROR, and keeps firing and resolving', async (_, stored) => {
    const state = { obs: { problems: [fluentd], notReadyNodes: [] } as ClusterHealthObservation };
    const logs: { severity: string; key?: string }[] = [];
    const logger = jsonLogger((l) => logs.push(JSON.parse(l) as { severity: string; key?: string }));
    // The store reports an object of the wrong shape; the run's own logger anything else.
    const d = { ...clusterDeps(state), store: new MemoryStore(logger), logger };
    const key = `alert/clusterHealth/node:${SICK}`;
    await d.store.put(key, stored, null);
    // A blind run delivers what every known alert owes: the odd object must not stop it.
    expect(
      (
        await runCheck(
          'clusterHealth',
          { ...d, sources: { clusterHealth: { observe: async () => Promise.reject(new UpstreamError('kubernetes', 'down')) } } },
          T0,
        )
      ).outcome,
    ).toBe('unknown');
    await runCheck('clusterHealth', d, T0 + 5 * MIN);
    await runCheck('clusterHealth', d, T0 + 10 * MIN);
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`]);
    expect(logs.filter((l) => l.severity === 'ERROR').map((l) => l.key)).toEqual([key]);
    state.obs = { problems: [], notReadyNodes: [] };
    await runCheck('clusterHealth', d, T0 + 15 * MIN);
    await runCheck('clusterHealth', d, T0 + 20 * MIN);
    expect(d.console.sent.map((n) => `${n.state}:${n.key}`)).toEqual([`firing:node:${SICK}`, `resolved:node:${SICK}`]);
  });
});

describe("runCheck writing the detector's memory", () => {
  const probeDeps = (store: MemoryStore): CheckDeps => ({
    config: parseConfig({ checks: { launchProbe: { targets: [{ binderUrl: 'https://hub.example.org', repos: ['gh/a/b/HEAD'] }] } } }),
    sources: {
      launchProbe: {
        async observe(r) {
          return { results: [{ binderUrl: 'https://hub.example.org', repo: 'gh/a/b/HEAD', at: r.now, ok: true }] };
        },
      },
    },
    store,
    notifiers: [collector()],
    logger: jsonLogger(() => {}),
    retryPolicy: noWait,
  });
  const memoryKey = stateKeys.memory('launchProbe');

  it('keeps the memory of an overlapping run that wrote first, and finishes the run', async () => {
    const theirs = { evidence: {}, failing: [], counted: {}, lastFailed: {} };
    class RacedStore extends MemoryStore {
      override async put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
        if (key === memoryKey && ifVersion === null) await super.put(key, theirs, null);
        return super.put(key, value, ifVersion);
      }
    }
    const store = new RacedStore();
    expect((await runCheck('launchProbe', probeDeps(store), T0)).outcome).toBe('ok');
    expect((await store.get(memoryKey))?.value).toEqual(theirs);
    expect((await store.get(stateKeys.lastRun('launchProbe')))?.value).toEqual({ lastRunAt: T0 });
  });

  it('fails the run when the store fails otherwise, instead of reporting its source as blind', async () => {
    class FailingStore extends MemoryStore {
      override async put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
        if (key === memoryKey) throw new Error('storage.googleapis.com answered 503');
        return super.put(key, value, ifVersion);
      }
    }
    const store = new FailingStore();
    await expect(runCheck('launchProbe', probeDeps(store), T0)).rejects.toThrow('503');
    expect(await store.list(stateKeys.alertsOf('launchProbe'))).toEqual([]);
  });
});
