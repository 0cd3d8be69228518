import { describe, expect, it } from 'vitest';
import { detectBinderHealth } from '../../../shared/detectors/binder-health.ts';
import { detectLaunchProbe, type LaunchMemory } from '../../../shared/detectors/launch-probe.ts';
import { binderHealthSchema, configSchema, launchProbeSchema } from '../../../shared/config/schema.ts';
import type { ProbeResult } from '../../../shared/model.ts';
import { nextAlertState, initialAlertState, type AlertState } from '../../../shared/alerting/lifecycle.ts';
import { ruleFor } from '../../../shared/pipeline/run-check.ts';
import { mulberry32 } from '../../../infra/rng.ts';

const NOW = Date.UTC(2018, 0, 18, 14, 0);
const probe = (r: Partial<ProbeResult>): ProbeResult => ({ binderUrl: 'https://mybinder.org', repo: 'gh/binder-examples/requirements/HEAD', at: NOW, ok: false, ...r });
/** The finding once the failure is an incident: the same failure on two runs in a row (the blind and good cases on one). */
const finding = (r: Partial<ProbeResult>) => {
  const cfg = launchProbeSchema.parse({});
  const first = detectLaunchProbe({ results: [probe({ ...r, at: NOW - 600_000 })] }, cfg, NOW - 600_000);
  return detectLaunchProbe({ results: [probe(r)] }, cfg, NOW, first.memory).findings[0];
};

describe('launch probe findings', () => {
  it('name the repo, hub and phase in the title, and say why in one line', () => {
    const f = finding({ failedPhase: 'contact', durations: { waiting: 2_000, launching: 40_000, contact: 30_000 } });
    expect(f.title).toBe('Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (contact)');
    expect(f.summary).toMatch(/^Phase contact: the server started but does not answer \(pod up, unreachable\), after 1m; failing probes on mybinder.org add up to /);
    expect(f.evidence).toEqual({ waitingSec: 2, launchingSec: 40, contactSec: 30 });
  });

  it('say what failed when no phase is known', () => {
    expect(finding({ error: 'the scenario records a failed probe' })).toMatchObject({
      title: 'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org',
      summary: expect.stringMatching(/^Failed: the scenario records a failed probe; /),
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

const config = configSchema.parse({});
const cfg = config.checks.launchProbe;
const rule = ruleFor(config, 'launchProbe');
const REPOS = ['gh/binder-examples/requirements/HEAD', 'gh/binder-examples/conda/HEAD'];
const EVERY = 10 * 60_000;
const DAY = 24 * 3_600_000;

/** One run of the default config: 2 repos, each launch failing with `failure(t)`, a failed one retried at once. */
function run(t: number, failure: number, r: () => number): ProbeResult[] {
  return REPOS.map((repo) => {
    const first = r() >= failure;
    if (first) return { binderUrl: 'https://mybinder.org', repo, at: t, ok: true };
    const second = r() >= failure;
    return {
      binderUrl: 'https://mybinder.org',
      repo,
      at: t,
      ok: second,
      attempts: [
        { at: t, ok: false, failedPhase: 'launch' },
        { at: t, ok: second, ...(second ? {} : { failedPhase: 'launch' as const }) },
      ],
    };
  });
}

/** Runs detector and lifecycle every 10 min; returns the times of FIRING notifications. */
function firings(days: number, failure: (t: number) => number, seed: number, traffic?: (t: number) => { launchSuccess: number; shortfall: boolean }) {
  const r = mulberry32(seed);
  let memory: LaunchMemory | undefined;
  const states = new Map<string, AlertState>();
  const fired: { at: number; severity: string; summary: string }[] = [];
  for (let t = 0; t < days * DAY; t += EVERY) {
    const obs = { results: run(t, failure(t), r), traffic: traffic ? { at: t, ...traffic(t) } : undefined };
    const out = detectLaunchProbe(obs, cfg, t, memory);
    memory = out.memory;
    for (const f of out.findings) {
      const next = nextAlertState(states.get(f.key) ?? initialAlertState(f.key, 'launchProbe'), f, { rule, now: t, silences: [], dependencyFiring: false });
      states.set(f.key, next.state);
      for (const n of next.notifications) if (n.state === 'firing') fired.push({ at: t, severity: n.severity, summary: n.summary });
    }
  }
  return fired;
}

describe('launchProbe: pages only for real failures', () => {
  it('pages less than once per 30 days when launches fail independently 3 % of the time (300 simulated days)', () => {
    // Alerts of both repos on one hub at one time are one page.
    const pages = new Set(firings(300, () => 0.03, 11).map((f) => f.at)).size;
    expect(pages / (300 / 30)).toBeLessThan(1);
  });

  it('fires within 60 minutes of launch success dropping to 70 % (median of 40 drops)', () => {
    const delays: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const onset = DAY / 2;
      const first = firings(1, (t) => (t >= onset ? 0.3 : 0.03), seed).find((f) => f.at >= onset);
      delays.push(first ? first.at - onset : Infinity);
    }
    delays.sort((a, b) => a - b);
    expect(delays[Math.floor(delays.length / 2)]).toBeLessThanOrEqual(60 * 60_000);
    expect(delays.filter((d) => d <= 2 * 3_600_000).length).toBeGreaterThanOrEqual(36);
  });

  it('records both attempts, says whether the failure was confirmed, and fires on the second failed run, not the first', () => {
    const r = () => 0; // every launch fails
    const first = detectLaunchProbe({ results: run(0, 1, r) }, cfg, 0);
    // One bad moment of the hub (both repos at once) is not yet a trend.
    expect(first.findings.map((f) => f.status)).toEqual(['ok', 'ok']);
    expect(first.findings[0].summary).toContain('one failure (confirmed: the immediate second launch failed too) is not yet an incident');
    const second = detectLaunchProbe({ results: run(EVERY, 1, r) }, cfg, EVERY, first.memory);
    expect(second.findings.map((f) => f.status)).toEqual(['problem', 'problem']);
    expect(second.findings[0].summary).toContain('confirmed: the immediate second launch failed too');
  });

  it('a confirmed failure the pods corroborate is critical at once; without them it waits for more evidence', () => {
    const results = run(0, 1, () => 0).slice(0, 1);
    const alone = detectLaunchProbe({ results }, cfg, 0);
    expect(alone.findings[0].status).toBe('ok');
    const both = detectLaunchProbe({ results, traffic: { at: 0, launchSuccess: 0.3, shortfall: true } }, cfg, 0);
    expect(both.findings[0]).toMatchObject({ status: 'problem', severity: 'critical' });
    // A traffic verdict from long ago corroborates nothing.
    const stale = detectLaunchProbe({ results, traffic: { at: -3_600_000, launchSuccess: 0.3, shortfall: true } }, cfg, 0);
    expect(stale.findings[0].status).toBe('ok');
  });

  it('one failure retried successfully is no incident', () => {
    const results: ProbeResult[] = [
      { binderUrl: 'https://mybinder.org', repo: REPOS[0], at: 0, ok: true, attempts: [{ at: 0, ok: false, failedPhase: 'launch' }, { at: 0, ok: true }] },
    ];
    const out = detectLaunchProbe({ results }, cfg, 0);
    expect(out.findings[0].status).toBe('ok');
    expect(out.findings[0].summary).toContain('first launch failed, the confirmation worked');
  });

  it('is a warning on probe evidence alone and critical when the pods corroborate it', () => {
    const failing = (t: number) => (t >= DAY / 2 ? 0.6 : 0.01);
    const alone = firings(1, failing, 3, () => ({ launchSuccess: 0.97, shortfall: false }))[0];
    expect(alone.severity).toBe('warning');
    expect(alone.summary).toContain('Probe evidence only');
    const both = firings(1, failing, 3, () => ({ launchSuccess: 0.4, shortfall: true }))[0];
    expect(both.severity).toBe('critical');
    expect(both.summary).toContain('Corroborated: running pods imply launch success ≈ 40 %');
  });
});
