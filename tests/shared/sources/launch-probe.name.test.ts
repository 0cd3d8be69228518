// A launch target's configured name rides on each probe result, so findings call the hub by it.
import { describe, expect, it } from 'vitest';
import { launchProbeSchema } from '../../../shared/config/schema.ts';
import { launchProbeSource } from '../../../shared/sources/launch-probe.ts';
import { detectLaunchProbe } from '../../../shared/detectors/launch-probe.ts';

describe('launch target name', () => {
  it('is carried from the config into the results and the findings’ titles (a hub that refuses connections)', async () => {
    const cfg = launchProbeSchema.parse({
      targets: [{ binderUrl: 'http://127.0.0.1:1', name: 'closed-hub', repos: ['gh/o/r/HEAD'] }],
      timeout: '5s',
    });
    const { results } = await launchProbeSource(cfg).observe({ now: Date.now() } as never);
    expect(results.map((r) => [r.hubName, r.ok])).toEqual([['closed-hub', false]]);
    const { findings } = detectLaunchProbe({ results }, cfg, Date.now());
    expect(findings[0].title).toContain('closed-hub');
    expect(findings[0].title).not.toContain('127.0.0.1');
  });

  it('is optional and bounded', () => {
    expect(
      launchProbeSchema.parse({ targets: [{ binderUrl: 'https://mybinder.org', repos: ['gh/o/r/HEAD'] }] }).targets[0].name,
    ).toBeUndefined();
    expect(
      launchProbeSchema.safeParse({ targets: [{ binderUrl: 'https://mybinder.org', name: '', repos: ['gh/o/r/HEAD'] }] }).success,
    ).toBe(false);
  });
});
