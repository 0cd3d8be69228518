// Config rules about where credentials may go (the rest of the config rules: config.test.ts).
import { describe, expect, it } from 'vitest';
import { launchProbeSchema } from '../../../shared/config/schema.ts';

describe('credentials in the launch probe config', () => {
  it('requires hubUrl with hubApiTokenEnv, naming the field and why', () => {
    const r = launchProbeSchema.safeParse({
      targets: [{ binderUrl: 'https://mybinder.org', repos: ['gh/o/r/HEAD'], hubApiTokenEnv: 'HUB_TOKEN' }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'targets.0.hubUrl',
        'is required with hubApiTokenEnv: the hub API token is sent only to this origin, never to a host a launch names',
      ],
    ]);
  });

  it('accepts hubApiTokenEnv with a hubUrl, and neither', () => {
    const ok = (target: object) =>
      launchProbeSchema.safeParse({ targets: [{ binderUrl: 'https://mybinder.org', repos: ['gh/o/r/HEAD'], ...target }] }).success;
    expect(ok({ hubApiTokenEnv: 'HUB_TOKEN', hubUrl: 'https://hub.mybinder.org' })).toBe(true);
    expect(ok({})).toBe(true);
  });
});
