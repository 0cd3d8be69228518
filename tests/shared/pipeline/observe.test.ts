// The observe stage: what the source is asked for, its telemetry hook, the memories the
// detector reads, and a blind source told apart from a failing store.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../shared/errors.ts';
import type { CheckName, ProbeResult } from '../../../shared/model.ts';
import { initialAlertState, type AlertState } from '../../../shared/alerting/lifecycle.ts';
import { observe } from '../../../shared/pipeline/observe.ts';
import type { ObserveRequest } from '../../../shared/sources/source.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import type { Telemetry } from '../../../shared/telemetry/telemetry.ts';
import { MIN, T0, testRun } from '../../helpers/pipeline.ts';

const probe: ProbeResult = { binderUrl: 'https://hub.example.org', repo: 'gh/a/b/HEAD', at: T0, ok: true };

function probeTelemetry(): Telemetry & { probes: ProbeResult[] } {
  const probes: ProbeResult[] = [];
  return {
    probes,
    async recordRun() {},
    async recordProbe(r) {
      probes.push(r);
    },
  };
}

describe('observe', () => {
  it("asks the source for the detector's lookback, one-minute steps and what came since the last run", async () => {
    const run = testRun('clusterHealth');
    await run.deps.store.put(stateKeys.lastRun('clusterHealth'), { lastRunAt: T0 - 5 * MIN }, null);
    const asked: ObserveRequest[] = [];
    const observed = await observe(run, {
      async observe(r) {
        asked.push(r);
        return { problems: [], notReadyNodes: [] };
      },
    });
    expect(asked).toEqual([{ now: T0, lookbackMs: 60 * MIN, stepMs: MIN, previousRunAt: T0 - 5 * MIN, historyRanges: undefined }]);
    expect(observed).toEqual({ memory: undefined, observation: { problems: [], notReadyNodes: [] }, peerMemory: undefined });
  });

  it('hands the launch detector the alerts of its corroborators that fire on a problem, not pending, blind or other checks', async () => {
    const run = testRun('launchProbe');
    const state = (check: CheckName, key: string, phase: AlertState['phase'], status: 'problem' | 'unknown' = 'problem'): AlertState => ({
      ...initialAlertState(key, check),
      phase,
      ...(phase === 'firing'
        ? { firing: { since: T0 - 20 * MIN, firedAt: T0 - 15 * MIN, status, severity: 'critical', notified: true } }
        : {}),
      last: { status, severity: 'critical', summary: 's', runbook: [], evidence: { pendingPods: 4 }, at: T0 - MIN },
    });
    const alerts: [CheckName, string, AlertState][] = [
      ['nodeHeadroom', 'headroom:ssd-pool', state('nodeHeadroom', 'headroom:ssd-pool', 'firing')],
      ['trafficVsPods', 'trafficVsPods:levelling-off', state('trafficVsPods', 'trafficVsPods:levelling-off', 'pending')],
      ['binderHealth', 'health:hub.example.org', state('binderHealth', 'health:hub.example.org', 'firing', 'unknown')],
      ['clusterHealth', 'node:n1', state('clusterHealth', 'node:n1', 'firing')],
    ];
    for (const [check, key, st] of alerts) await run.deps.store.put(stateKeys.alert(check, key), st, null);
    const observed = await observe(run, { observe: async () => ({ results: [probe] }) });
    expect(observed).toMatchObject({
      peerAlerts: [
        { check: 'nodeHeadroom', key: 'headroom:ssd-pool', severity: 'critical', since: T0 - 15 * MIN, evidence: { pendingPods: 4 } },
      ],
    });
  });

  it("hands the detector's memory to the source's history request and passes it on with its version", async () => {
    const run = testRun('trafficVsPods');
    const asked: ObserveRequest[] = [];
    const source = {
      async observe(r: ObserveRequest) {
        asked.push(r);
        return { demand: [], pods: [], stepMs: MIN };
      },
    };
    await observe(run, source);
    // No model yet: the detector asks for older stretches to learn what normal is.
    expect(asked[0].historyRanges?.length).toBeGreaterThan(0);
    const remembered = { judgeFrom: T0 - 5 * MIN };
    const version = await run.deps.store.put(stateKeys.memory('trafficVsPods'), remembered, null);
    expect(await observe(run, source)).toMatchObject({ memory: { value: remembered, version } });
  });

  it("records what the source saw through the source's own telemetry hook, when there is telemetry", async () => {
    const telemetry = probeTelemetry();
    const seen: ProbeResult[][] = [];
    const source = {
      async observe() {
        return { results: [probe] };
      },
      async recordTelemetry({ results }: { results: ProbeResult[] }, t: Telemetry) {
        seen.push(results);
        for (const r of results) await t.recordProbe(r);
      },
    };
    await observe(testRun('launchProbe'), source);
    expect(seen).toEqual([]);
    await observe(testRun('launchProbe', { telemetry }), source);
    expect(telemetry.probes).toEqual([probe]);
  });

  it('reads the memory of the check the detector declares, as it is after observing', async () => {
    const store = new MemoryStore();
    const key = stateKeys.memory('trafficVsPods');
    await store.put(key, { implied: { at: T0 - 10 * MIN, launchSuccess: 1, shortfall: false } }, null);
    const latest = { implied: { at: T0 - MIN, launchSuccess: 0.4, shortfall: true } };
    const observed = await observe(testRun('launchProbe', { store }), {
      // The traffic check runs while the probe waits for its server.
      async observe() {
        await store.put(key, latest, (await store.get(key))!.version);
        return { results: [probe] };
      },
    });
    expect(observed).toMatchObject({ peerMemory: latest });
  });

  it("returns a source's failure as the run's error, with the detector's memory", async () => {
    const run = testRun('launchProbe');
    const remembered = { evidence: {}, failing: [], counted: {} };
    await run.deps.store.put(stateKeys.memory('launchProbe'), remembered, null);
    const error = new UpstreamError('binderhub', 'connection refused');
    expect(await observe(run, { observe: () => Promise.reject(error) })).toEqual({
      memory: { value: remembered, version: '1' },
      error,
    });
  });

  it('lets a failing store fail the run: the source is not blind', async () => {
    class DownStore extends MemoryStore {
      override async get(): Promise<undefined> {
        throw new Error('storage.googleapis.com answered 503');
      }
    }
    await expect(
      observe(testRun('clusterHealth', { store: new DownStore() }), {
        async observe() {
          return { problems: [], notReadyNodes: [] };
        },
      }),
    ).rejects.toThrow('503');
  });
});
