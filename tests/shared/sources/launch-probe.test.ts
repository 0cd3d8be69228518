// The launch probe source's in-run confirmation, against a loopback BinderHub whose
// build fails at once (no JupyterHub needed: no server is ever handed over).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../fakes/binderhub.ts';
import { launchProbeSchema } from '../../../shared/config/schema.ts';
import { launchProbeSource } from '../../../shared/sources/launch-probe.ts';

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
