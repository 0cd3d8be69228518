// The detect stage: the check's detector over what was observed, the blind finding in
// place of an observation, the source's own finding, and the detector's memory kept.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../shared/errors.ts';
import type { ClusterHealthObservation, ProbeResult } from '../../../shared/model.ts';
import { detect } from '../../../shared/pipeline/detect.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import { MIN, T0, testRun } from '../../helpers/pipeline.ts';

const failed: ProbeResult = { binderUrl: 'https://hub.example.org', repo: 'gh/a/b/HEAD', at: T0, ok: false, failedPhase: 'launch' };
const statuses = (fs: { key: string; status: string; severity: string }[]) => fs.map((f) => `${f.key} ${f.status} ${f.severity}`);

describe('detect', () => {
  it("adds the source's ok finding to the detector's, and passes on the observation and band", async () => {
    const observation: ClusterHealthObservation = { problems: [], notReadyNodes: [] };
    const detected = await detect(testRun('clusterHealth'), { memory: undefined, observation, peerMemory: undefined });
    expect(statuses(detected.findings)).toEqual(['clusterHealth:source ok warning']);
    expect(detected.observation).toBe(observation);
    expect(detected.band).toBeUndefined();
  });

  it('gives the detector the memory of the check it reads and the firing alerts of its corroborators: a probe failure the firing traffic alert corroborates is critical at once', async () => {
    const run = testRun('launchProbe');
    const alone = await detect(run, { memory: undefined, observation: { results: [failed] }, peerMemory: undefined });
    expect(statuses(alone.findings)[0]).toBe('launch:hub.example.org:gh/a/b/HEAD ok warning');
    const traffic = { implied: { at: T0 - MIN, launchSuccess: 0.4, shortfall: true } };
    // The traffic verdict alone, its alert not firing (pending): no corroboration.
    const pending = await detect(run, { memory: undefined, observation: { results: [failed] }, peerMemory: traffic });
    expect(statuses(pending.findings)[0]).toBe('launch:hub.example.org:gh/a/b/HEAD ok warning');
    const firing = [
      { check: 'trafficVsPods' as const, key: 'trafficVsPods:levelling-off', severity: 'critical' as const, since: T0 - 5 * MIN },
    ];
    const corroborated = await detect(run, {
      memory: undefined,
      observation: { results: [failed] },
      peerMemory: traffic,
      peerAlerts: firing,
    });
    expect(statuses(corroborated.findings)[0]).toBe('launch:hub.example.org:gh/a/b/HEAD problem critical');
    expect(corroborated.findings[0].summary).toContain(
      'Corroborated: running pods fall short of demand (trafficVsPods; implied launch success ≈ 40 % on its latest run)',
    );
  });

  it('keeps what the detector remembers, for its next run', async () => {
    const run = testRun('launchProbe');
    await detect(run, { memory: undefined, observation: { results: [failed] }, peerMemory: undefined });
    const first = await run.deps.store.get<{ evidence: Record<string, number> }>(stateKeys.memory('launchProbe'));
    await detect(run, { memory: first, observation: { results: [{ ...failed, at: T0 + 10 * MIN }] }, peerMemory: undefined });
    const second = await run.deps.store.get<{ evidence: Record<string, number> }>(stateKeys.memory('launchProbe'));
    expect(second!.value.evidence['hub.example.org']).toBeGreaterThan(first!.value.evidence['hub.example.org']);
  });

  it('turns a failed observation into one unknown finding naming the upstream, logged at WARNING, remembering nothing', async () => {
    const run = testRun('clusterHealth');
    const detected = await detect(run, { memory: undefined, error: new UpstreamError('kubernetes', '403 forbidden') });
    expect(statuses(detected.findings)).toEqual(['clusterHealth:source unknown warning']);
    expect(detected.findings[0]).toMatchObject({
      title: 'clusterHealth cannot see kubernetes',
      summary: 'clusterHealth cannot see kubernetes: kubernetes: 403 forbidden',
    });
    expect(detected.observation).toBeUndefined();
    expect(run.logs.map((l) => `${l.severity} ${l.message}`)).toEqual(['WARNING check could not observe']);
    expect(await run.deps.store.list('')).toEqual([]);
  });

  it('treats a detector that throws on what it was given as a blind source', async () => {
    const observation: ClusterHealthObservation = JSON.parse('{"notReadyNodes": []}');
    const detected = await detect(testRun('clusterHealth'), { memory: undefined, observation, peerMemory: undefined });
    expect(statuses(detected.findings)).toEqual(['clusterHealth:source unknown warning']);
    expect(detected.findings[0].title).toBe('clusterHealth cannot see source');
  });
});
