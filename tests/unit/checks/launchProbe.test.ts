import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.ts';
import { detectLaunchProbe, type LaunchMemory } from '../../../shared/checks/launchProbe.ts';
import { nextAlertState, initialAlertState, type AlertState } from '../../../shared/alerting/lifecycle.ts';
import { ruleFor } from '../../../shared/run-check.ts';
import type { ProbeResult } from '../../../shared/model.ts';
import { rng } from '../../helpers/traffic.ts';

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
  const r = rng(seed);
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
