// The launch probe source's in-run confirmation, against a loopback BinderHub whose
// build fails at once (no JupyterHub needed: no server is ever handed over).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { launchProbeSchema } from '../../../shared/config/schema.ts';
import { launchProbeSource } from '../../../shared/sources/launch-probe.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/log.ts';
import type { ProbeResult } from '../../../shared/model.ts';
import { runCheck } from '../../../shared/pipeline/run-check.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';

let binder: FakeBinderHub;
beforeAll(async () => {
  binder = await startBinderHub({ podQuota: 100 });
});
afterAll(async () => {
  await binder?.close();
});

describe('launchProbeSource confirmation', () => {
  it('confirms a failed build with the default 10-minute timeout (what is left of it is a whole number of ms)', async () => {
    const cfg = launchProbeSchema.parse({ targets: [{ binderUrl: binder.url, repos: ['gh/binderwatch-fault/build-failed/HEAD'] }] });
    const { results } = await launchProbeSource(cfg).observe({ now: Date.now(), lookbackMs: 0, stepMs: 0 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: false, failedPhase: 'build' });
    expect(results[0].unknownReason).toBeUndefined();
    expect(results[0].attempts?.map((a) => [a.ok, a.failedPhase])).toEqual([
      [false, 'build'],
      [false, 'build'],
    ]);
  });
});

describe('launchProbeSource telemetry', () => {
  it("reports each probe's result to telemetry when a check run observes through it", async () => {
    const config = parseConfig({
      checks: { launchProbe: { targets: [{ binderUrl: binder.url, repos: ['gh/binderwatch-fault/build-failed/HEAD'] }] } },
    });
    const probes: ProbeResult[] = [];
    const telemetry = {
      async recordRun() {},
      async recordProbe(r: ProbeResult) {
        probes.push(r);
      },
    };
    const sources = { launchProbe: launchProbeSource(config.checks.launchProbe) };
    const result = await runCheck(
      'launchProbe',
      { config, sources, store: new MemoryStore(), notifiers: [], logger: silentLogger, telemetry },
      Date.now(),
    );
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({
      binderUrl: binder.url,
      repo: 'gh/binderwatch-fault/build-failed/HEAD',
      ok: false,
      failedPhase: 'build',
    });
    expect(result.findings.map((f) => f.key)).toContain(`launch:${new URL(binder.url).host}:gh/binderwatch-fault/build-failed/HEAD`);
  });
});
