import { describe, expect, it } from 'vitest';
import { detectBinderHealth } from '../../../shared/checks/binderHealth.ts';
import { detectLaunchProbe } from '../../../shared/checks/launchProbe.ts';
import { binderHealthSchema, launchProbeSchema } from '../../../shared/config/schema.ts';
import type { ProbeResult } from '../../../shared/model.ts';

const NOW = Date.UTC(2018, 0, 18, 14, 0);
const probe = (r: Partial<ProbeResult>): ProbeResult => ({ binderUrl: 'https://mybinder.org', repo: 'gh/binder-examples/requirements/HEAD', at: NOW, ok: false, ...r });
const finding = (r: Partial<ProbeResult>) => detectLaunchProbe({ results: [probe(r)] }, launchProbeSchema.parse({}), NOW).findings[0];

describe('launch probe findings', () => {
  it('name the repo, hub and phase in the title, and say why in one line', () => {
    const f = finding({ failedPhase: 'contact', durations: { waiting: 2_000, launching: 40_000, contact: 30_000 } });
    expect(f.title).toBe('Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (contact)');
    expect(f.summary).toBe('Phase contact: the server started but does not answer (pod up, unreachable), after 1m');
    expect(f.evidence).toEqual({ waitingSec: 2, launchingSec: 40, contactSec: 30 });
  });

  it('say what failed when no phase is known', () => {
    expect(finding({ error: 'the scenario records a failed probe' })).toMatchObject({
      title: 'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org',
      summary: 'Failed: the scenario records a failed probe',
    });
  });

  it('keep titles within 80 characters for long repo names, cutting the repo, not the hub or the phase', () => {
    const f = finding({ repo: `gh/${'a'.repeat(60)}/${'b'.repeat(40)}/HEAD`, failedPhase: 'build' });
    expect(f.title).toBe(`Launch of gh/${'a'.repeat(36)}… fails on mybinder.org (build)`);
    expect([...f.title]).toHaveLength(80);
  });

  it('title a blind probe and a good one', () => {
    expect(finding({ unknownReason: 'no probe result since 2018-01-18T13:00:00.000Z' }).title).toBe('Launch probe of gh/binder-examples/requirements/HEAD cannot run');
    expect(finding({ ok: true }).title).toBe('gh/binder-examples/requirements/HEAD launches on mybinder.org');
  });
});

describe('hub health findings', () => {
  const health = (checks: { service: string; ok: boolean; quota?: { used: number; total: number } }[] | undefined) =>
    detectBinderHealth({ hubs: [{ binderUrl: 'https://mybinder.org', checks, error: checks ? undefined : 'HTTP 502' }] }, binderHealthSchema.parse({}), NOW).findings[0];

  it.each([
    [[{ service: 'Docker registry', ok: false }, { service: 'JupyterHub API', ok: false }], 'mybinder.org unhealthy: Docker registry, JupyterHub API'],
    [[{ service: 'Pod quota', ok: true, quota: { used: 190, total: 200 } }], 'mybinder.org pod quota at 190 of 200'],
    [undefined, 'Cannot read mybinder.org /health'],
  ])('%#: title what is wrong with the hub', (checks, title) => {
    expect(health(checks).title).toBe(title);
  });
});
