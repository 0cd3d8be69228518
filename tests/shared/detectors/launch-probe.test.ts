import { describe, expect, it } from 'vitest';
import {
  corroboration,
  detectLaunchProbe,
  ELEVATED_AT,
  EXTRA_LAUNCHES,
  extraLaunches,
  type LaunchMemory,
} from '../../../shared/detectors/launch-probe.ts';
import { configSchema, launchProbeSchema, type AlertRule } from '../../../shared/config/schema.ts';
import type { Finding, FiringAlert, LaunchProbeObservation, ProbeResult } from '../../../shared/model.ts';
import { nextAlertState, initialAlertState, type AlertState } from '../../../shared/alerting/lifecycle.ts';
import { ruleFor } from '../../../shared/pipeline/run-check.ts';
import { mulberry32 } from '../../../infra/rng.ts';

const NOW = Date.UTC(2018, 0, 18, 14, 0);
/** The traffic check's levelling-off alert, firing (past its own pending time). */
const TRAFFIC_FIRING: FiringAlert = {
  check: 'trafficVsPods',
  key: 'trafficVsPods:levelling-off',
  severity: 'critical',
  since: NOW - 10 * 60_000,
};
const probe = (r: Partial<ProbeResult>): ProbeResult => ({
  binderUrl: 'https://mybinder.org',
  repo: 'gh/binder-examples/requirements/HEAD',
  at: NOW,
  ok: false,
  ...r,
});
/** The finding once the failure is an incident: the same failure on three runs in a row (the blind and good cases on one). */
const finding = (r: Partial<ProbeResult>) => {
  const cfg = launchProbeSchema.parse({});
  const first = detectLaunchProbe({ results: [probe({ ...r, at: NOW - 1_200_000 })] }, cfg, NOW - 1_200_000);
  const second = detectLaunchProbe({ results: [probe({ ...r, at: NOW - 600_000 })] }, cfg, NOW - 600_000, first.memory);
  return detectLaunchProbe({ results: [probe(r)] }, cfg, NOW, second.memory).findings[0];
};

describe('launch probe findings', () => {
  it('name the repo, hub and phase in the title, and say why in one line', () => {
    const f = finding({ failedPhase: 'contact', durations: { waiting: 2_000, launching: 40_000, contact: 30_000 } });
    expect(f.title).toBe('Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (contact)');
    expect(f.summary).toMatch(
      /^Phase contact: the server started but does not answer \(pod up, unreachable\), after 1m; failing probes on mybinder.org add up to /,
    );
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
    expect(finding({ unknownReason: 'no probe result since 2018-01-18T13:00:00.000Z' }).title).toBe(
      'Launch probe of gh/binder-examples/requirements/HEAD cannot run',
    );
    expect(finding({ ok: true }).title).toBe('gh/binder-examples/requirements/HEAD launches on mybinder.org');
  });

  it('call the hub by its configured name, keeping the key and the health dependency on the URL host', () => {
    const f = finding({ binderUrl: 'http://127.0.0.1:18585', hubName: 'local-binderhub', failedPhase: 'build' });
    expect(f.title).toBe('Launch of gh/binder-examples/requirements/HEAD fails on local-binderhub (build)');
    expect(f.summary).toContain('failing probes on local-binderhub add up to');
    expect(f.summary).not.toContain('127.0.0.1');
    expect(f.key).toBe('launch:127.0.0.1:18585:gh/binder-examples/requirements/HEAD');
    expect(f.dependsOn).toEqual(['binderHealth/health:127.0.0.1:18585']);
  });
});

describe('detectLaunchProbe, one run at a time', () => {
  const REPO = 'gh/binder-examples/requirements/HEAD';
  const KEY = `launch:mybinder.org:${REPO}`;
  const MIN = 60_000;
  const cfg = launchProbeSchema.parse({});
  /** Memory after two failed runs of REPO, the last ten minutes ago: 2 × ln((0.3² + 0.01)/0.01) = 2 × ln 10 ≈ 4.6 of evidence. */
  const afterOneFailure: LaunchMemory = {
    evidence: { 'mybinder.org': 4.6 },
    failing: [],
    counted: { [KEY]: NOW - 10 * MIN },
    lastFailed: { [KEY]: NOW - 10 * MIN },
  };
  /** Memory of a hub already failing since half an hour ago, whose repo last failed an hour ago. */
  const failingLongAgo: LaunchMemory = {
    evidence: { 'mybinder.org': 6.5 },
    failing: ['mybinder.org'],
    incidentSince: { 'mybinder.org': NOW - 30 * MIN },
    counted: { [KEY]: NOW - 10 * MIN },
    lastFailed: { [KEY]: NOW - 60 * MIN },
  };
  const retried = [
    { at: NOW, ok: false, failedPhase: 'launch' as const },
    { at: NOW, ok: true },
  ];
  const RUNBOOK_START = `binderwatch probe https://mybinder.org ${REPO}   # watch the phases live`;

  it.each<
    [
      string,
      Partial<ProbeResult>,
      LaunchMemory | undefined,
      { at: number; launchSuccess: number; shortfall: boolean } | undefined,
      Partial<Finding>,
    ]
  >([
    [
      'a launch that works',
      { ok: true },
      undefined,
      undefined,
      {
        status: 'ok',
        severity: 'warning',
        title: `${REPO} launches on mybinder.org`,
        summary: `${REPO} launches on mybinder.org`,
        runbook: [],
      },
    ],
    [
      'one failed run: not yet an incident',
      { failedPhase: 'build' },
      undefined,
      undefined,
      {
        status: 'ok',
        severity: 'warning',
        summary: `${REPO} launches on mybinder.org; one failure is not yet an incident (evidence 2.3 of 6.5)`,
      },
    ],
    [
      'a failure the in-run confirmation did not repeat: ln(0.3·0.7 / (0.03 − 0.01)) ≈ 2.35, counted as no more than a failed run (2.3)',
      { ok: true, attempts: retried },
      undefined,
      undefined,
      {
        status: 'ok',
        summary: `${REPO} launches on mybinder.org; one failure (first launch failed, the confirmation worked) is not yet an incident (evidence 2.3 of 6.5)`,
      },
    ],
    [
      'a third failed run close after two: a warning on probe evidence alone',
      { failedPhase: 'build', durations: { waiting: 1_000, building: 59_000 } },
      afterOneFailure,
      undefined,
      {
        status: 'problem',
        severity: 'warning',
        title: `Launch of ${REPO} fails on mybinder.org (build)`,
        summary:
          'Phase build: the build failed, after 1m; failing probes on mybinder.org add up to 6.5 (fires at 6.5). Probe evidence only.',
        evidence: { waitingSec: 1, buildingSec: 59 },
      },
    ],
    [
      'a third failed run while the pods follow demand',
      { failedPhase: 'launch' },
      afterOneFailure,
      { at: NOW - 5 * MIN, launchSuccess: 0.96, shortfall: false },
      {
        status: 'problem',
        severity: 'warning',
        summary: expect.stringMatching(/Probe evidence only: running pods follow demand \(implied launch success ≈ 96 %\)\.$/),
      },
    ],
    [
      'a first failure the firing traffic alert corroborates: critical at once',
      { failedPhase: 'launch' },
      undefined,
      { at: NOW - 5 * MIN, launchSuccess: 0.3, shortfall: true },
      {
        status: 'problem',
        severity: 'critical',
        summary:
          'Phase launch: the server did not start ("waiting for server to launch"); failing probes on mybinder.org add up to 6.5 (fires at 6.5). Corroborated: running pods fall short of demand (trafficVsPods; implied launch success ≈ 30 % on its latest run).',
      },
    ],
    [
      'a first failure with a traffic verdict 21 minutes old: it corroborates nothing',
      { failedPhase: 'launch' },
      undefined,
      { at: NOW - 21 * MIN, launchSuccess: 0.3, shortfall: true },
      { status: 'ok' },
    ],
    [
      'the same failed run read again: counted once',
      { failedPhase: 'build', at: NOW - 10 * MIN },
      afterOneFailure,
      undefined,
      { status: 'ok', summary: expect.stringContaining('(evidence 4.6 of 6.5)') },
    ],
    [
      'a stop that failed: a warning on its own, whatever the evidence',
      { failedPhase: 'stop', error: 'api/shutdown failed 4 times' },
      undefined,
      { at: NOW, launchSuccess: 0.3, shortfall: true },
      {
        status: 'problem',
        severity: 'warning',
        title: `Launch of ${REPO} fails on mybinder.org (stop)`,
        summary: 'Phase stop: the probe could not stop its server (it may be leaking)',
        details: 'api/shutdown failed 4 times',
      },
    ],
    [
      'a failing hub whose repo works again and last failed before the incident began',
      { ok: true },
      failingLongAgo,
      undefined,
      { status: 'ok', title: `${REPO} launches on mybinder.org` },
    ],
    [
      'a failing hub whose repo failed at first this run',
      { ok: true, attempts: retried },
      failingLongAgo,
      undefined,
      {
        status: 'problem',
        severity: 'warning',
        title: 'Launches on mybinder.org keep failing',
        summary: expect.stringMatching(/^The latest launch of .* worked \(first launch failed, the confirmation worked\); failing probes/),
      },
    ],
    [
      'a probe that could not run',
      { unknownReason: 'git specs are "<url-escaped repository URL>/<ref>"' },
      afterOneFailure,
      undefined,
      {
        status: 'unknown',
        title: `Launch probe of ${REPO} cannot run`,
        summary: `launch probe of ${REPO} on mybinder.org could not run: git specs are "<url-escaped repository URL>/<ref>"`,
        runbook: [],
      },
    ],
    [
      "a failure without a phase, with the hub's last messages",
      { error: 'the scenario records a failed probe', messages: ['a', 'b', 'c', 'd'] },
      afterOneFailure,
      undefined,
      {
        status: 'problem',
        summary: expect.stringMatching(/^Failed: the scenario records a failed probe; /),
        details: 'the scenario records a failed probe Last hub messages: b | c | d',
      },
    ],
  ])('%s', (_name, result, memory, traffic, expected) => {
    // The traffic check's alert fires whenever its verdict is a shortfall here; tests below take them apart.
    const firing = traffic?.shortfall ? [TRAFFIC_FIRING] : undefined;
    const [f] = detectLaunchProbe({ results: [probe({ at: NOW, ...result })], traffic, firing }, cfg, NOW, memory).findings;
    expect(f).toMatchObject({
      check: 'launchProbe',
      key: KEY,
      dependsOn: ['binderHealth/health:mybinder.org'],
      links: [{ title: `launch ${REPO}`, url: `https://mybinder.org/v2/${REPO}` }],
      ...expected,
    });
    if (f.status === 'problem') expect(f.runbook[0]).toBe(RUNBOOK_START);
  });

  it.each([
    ['a hub on a port', 'http://127.0.0.1:8585/', `launch:127.0.0.1:8585:${'gh/o/r/HEAD'}`, 'http://127.0.0.1:8585/v2/gh/o/r/HEAD'],
    [
      'a hub under a path',
      'https://hub.example.org/binder',
      'launch:hub.example.org:gh/o/r/HEAD',
      'https://hub.example.org/binder/v2/gh/o/r/HEAD',
    ],
  ])('keys %s by host and repo and links its launch page', (_name, binderUrl, key, url) => {
    const [f] = detectLaunchProbe({ results: [probe({ binderUrl, repo: 'gh/o/r/HEAD', ok: true })] }, cfg, NOW).findings;
    expect(f.key).toBe(key);
    expect(f.links).toEqual([{ title: 'launch gh/o/r/HEAD', url }]);
  });

  it('speaks for a repo with its newest result when a run holds two', () => {
    const findings = detectLaunchProbe(
      { results: [probe({ at: NOW, ok: true }), probe({ at: NOW - 10 * MIN, failedPhase: 'build' })] },
      cfg,
      NOW,
    ).findings;
    expect(findings.map((f) => [f.key, f.title])).toEqual([[KEY, `${REPO} launches on mybinder.org`]]);
  });
});

const config = configSchema.parse({});
const cfg = config.checks.launchProbe;
const rule = ruleFor(config, 'launchProbe');
const REPOS = ['gh/binder-examples/requirements/HEAD', 'gh/binder-examples/conda/HEAD'];
const EVERY = 10 * 60_000;
const DAY = 24 * 3_600_000;

/**
 * One run of the default config: 2 repos, each launch failing with `failure(t)`, a failed one retried at once,
 * and `extra` more launches per repo when the detector asked for them (adaptive probing, as the source does).
 */
function run(t: number, failure: number, r: () => number, extra = 0, runFailure = 0): ProbeResult[] {
  return REPOS.map((repo) => {
    // A hiccup that outlasts the run (a registry outage): every launch of this run fails, the retry and extras too.
    const hiccup = runFailure > 0 && r() < runFailure;
    const fails = () => hiccup || r() < failure;
    const more = Array.from({ length: extra }, () => {
      const ok = !fails();
      return { at: t, ok, extra: true as const, ...(ok ? {} : { failedPhase: 'launch' as const }) };
    });
    const first = !fails();
    if (first) return { binderUrl: 'https://mybinder.org', repo, at: t, ok: true, ...(more.length ? { attempts: more } : {}) };
    const second = !fails();
    return {
      binderUrl: 'https://mybinder.org',
      repo,
      at: t,
      ok: second,
      attempts: [
        { at: t, ok: false, failedPhase: 'launch' },
        { at: t, ok: second, ...(second ? {} : { failedPhase: 'launch' as const }) },
        ...more,
      ],
    };
  });
}

/** Runs detector and lifecycle every 10 min; returns the times of FIRING notifications. */
function firings(
  days: number,
  failure: (t: number) => number,
  seed: number,
  traffic?: (t: number) => { launchSuccess: number; shortfall: boolean },
) {
  return notifications(days, failure, seed, { traffic }).filter((n) => n.state === 'firing');
}

/** Every notification of detector and lifecycle run every 10 min; `runFailure`: the share of runs failing altogether. */
function notifications(
  days: number,
  failure: (t: number) => number,
  seed: number,
  opts: { traffic?: (t: number) => { launchSuccess: number; shortfall: boolean }; runFailure?: number; rule?: AlertRule } = {},
) {
  const { traffic } = opts;
  const r = mulberry32(seed);
  let memory: LaunchMemory | undefined;
  const states = new Map<string, AlertState>();
  const fired: { at: number; state: string; severity: string; summary: string }[] = [];
  for (let t = 0; t < days * DAY; t += EVERY) {
    const obs = {
      results: run(t, failure(t), r, extraLaunches(memory)?.['mybinder.org'], opts.runFailure),
      traffic: traffic ? { at: t, ...traffic(t) } : undefined,
      // The traffic check's alert fires while its verdict is a shortfall.
      firing: traffic?.(t).shortfall ? [{ ...TRAFFIC_FIRING, since: t }] : undefined,
    };
    const out = detectLaunchProbe(obs, cfg, t, memory);
    memory = out.memory;
    for (const f of out.findings) {
      const next = nextAlertState(states.get(f.key) ?? initialAlertState(f.key, 'launchProbe'), f, {
        rule: opts.rule ?? rule,
        now: t,
        silences: [],
        dependencyFiring: false,
      });
      states.set(f.key, next.state);
      for (const n of next.notifications) fired.push({ at: t, state: n.state, severity: n.severity, summary: n.summary });
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
    console.log('delays', delays.map((d) => d / 60_000).join(' '));
    expect(delays[Math.floor(delays.length / 2)]).toBeLessThanOrEqual(60 * 60_000);
    expect(delays.filter((d) => d <= 2 * 3_600_000).length).toBeGreaterThanOrEqual(36);
  });

  it('records both attempts, says whether the failure was confirmed, and fires on the third failed run, not the first two', () => {
    const r = () => 0; // every launch fails
    const first = detectLaunchProbe({ results: run(0, 1, r) }, cfg, 0);
    // One bad moment of the hub (both repos at once) is not yet a trend.
    expect(first.findings.map((f) => f.status)).toEqual(['ok', 'ok']);
    expect(first.findings[0].summary).toContain('one failure (confirmed: the immediate second launch failed too) is not yet an incident');
    const second = detectLaunchProbe({ results: run(EVERY, 1, r) }, cfg, EVERY, first.memory);
    // One or two failed runs on a healthy hub notify nobody.
    expect(second.findings.map((f) => f.status)).toEqual(['ok', 'ok']);
    const third = detectLaunchProbe({ results: run(2 * EVERY, 1, r) }, cfg, 2 * EVERY, second.memory);
    // One incident, one alert: the other repo that failed is named in it.
    expect(third.findings.map((f) => f.status)).toEqual(['problem', 'ok']);
    expect(third.findings[0].summary).toContain('confirmed: the immediate second launch failed too');
    expect(third.findings[0].summary).toContain(`Also failing in this incident: ${REPOS[1]}.`);
  });

  it('a confirmed failure the pods corroborate is critical at once; without them it waits for more evidence', () => {
    const results = run(0, 1, () => 0).slice(0, 1);
    const alone = detectLaunchProbe({ results }, cfg, 0);
    expect(alone.findings[0].status).toBe('ok');
    const traffic = { at: 0, launchSuccess: 0.3, shortfall: true };
    const both = detectLaunchProbe({ results, traffic, firing: [{ ...TRAFFIC_FIRING, since: -600_000 }] }, cfg, 0);
    expect(both.findings[0]).toMatchObject({ status: 'problem', severity: 'critical' });
    // A traffic verdict from long ago corroborates nothing.
    const stale = detectLaunchProbe({ results, traffic: { ...traffic, at: -3_600_000 }, firing: [TRAFFIC_FIRING] }, cfg, 0);
    expect(stale.findings[0].status).toBe('ok');
  });

  it('one failure retried successfully is no incident', () => {
    const results: ProbeResult[] = [
      {
        binderUrl: 'https://mybinder.org',
        repo: REPOS[0],
        at: 0,
        ok: true,
        attempts: [
          { at: 0, ok: false, failedPhase: 'launch' },
          { at: 0, ok: true },
        ],
      },
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
    expect(both.summary).toContain(
      'Corroborated: running pods fall short of demand (trafficVsPods; implied launch success ≈ 40 % on its latest run)',
    );
  });
});

describe('launchProbe: one incident, not a storm', () => {
  it.each([11, 12, 13])(
    'a pool full all day (launch success 0.85, corroborated all day) is one incident: at most 6 notifications (seed %i)',
    (seed) => {
      const fullPool = () => ({ launchSuccess: 0.85, shortfall: true });
      const sent = notifications(1, () => 0.15, seed, { traffic: fullPool });
      console.log('full pool all day:', sent.map((n) => `${n.state}@${new Date(n.at).toISOString().slice(11, 16)}`).join(' '));
      expect(sent.filter((n) => n.state === 'firing').length).toBeGreaterThan(0);
      expect(sent.length).toBeLessThanOrEqual(6);
    },
  );
});

describe('launchProbe: judged against its own history', () => {
  it('learns a hub whose runs fail 3 % of the time altogether (a hiccup outlasting the retry): at most one warning a month, no page', () => {
    const sent = notifications(60, () => 0, 5, { runFailure: 0.03 });
    const firing = sent.filter((n) => n.state === 'firing');
    console.log('correlated 3 %: firings in 60 days', firing.length, firing.map((n) => new Date(n.at).toISOString()).join(' '));
    expect(firing.filter((n) => n.severity === 'critical')).toEqual([]);
    expect(firing.length / 2).toBeLessThanOrEqual(1);
  });

  it('starts an incident’s evidence afresh once it resolves: one failed run hours later notifies nobody', () => {
    const onset = DAY / 4;
    const end = onset + 2 * 3_600_000;
    // Every launch fails for two hours, then one run fails altogether three hours after.
    const lateFailure = end + 3 * 3_600_000;
    const failure = (t: number) => (t >= onset && t < end ? 1 : t === lateFailure ? 1 : 0);
    const sent = notifications(1, failure, 9);
    const states = sent.map((n) => `${n.state}@${Math.round((n.at - onset) / 60_000)}`);
    expect(states.filter((x) => x.startsWith('firing')).length).toBeGreaterThan(0);
    expect(sent.filter((n) => n.at >= end + 3_600_000)).toEqual([]);
  });

  it('holds a condition that lasts all day as one incident: launch success 85 % gives at most 6 notifications a day per channel', () => {
    for (const seed of [1, 2, 3]) {
      const all = notifications(3, () => 0.15, seed);
      // A real problem: it is alerted.
      expect(all.some((n) => n.state === 'firing')).toBe(true);
      const sent = all.filter((n) => n.at >= DAY);
      const perDay = sent.length / 2;
      console.log(
        `85 % all day, seed ${seed}: ${perDay} notifications a day`,
        sent.map((n) => `${n.state}@${new Date(n.at).toISOString().slice(11, 16)}`).join(' '),
      );
      expect(perDay).toBeLessThanOrEqual(6);
    }
  });
});

describe('launchProbe: only independent evidence makes a page', () => {
  const results = run(0, 1, () => 0).slice(0, 1);
  const traffic = { at: 0, launchSuccess: 0.3, shortfall: true };
  const detect = (obs: Partial<LaunchProbeObservation>) => detectLaunchProbe({ results, ...obs }, cfg, 0).findings[0];
  const pool = (severity: 'warning' | 'critical', pendingPods: number): FiringAlert => ({
    check: 'nodeHeadroom',
    key: 'headroom:ssd-pool',
    severity,
    since: -600_000,
    evidence: { usedPct: 85, pendingPods },
  });

  it.each<[string, Partial<LaunchProbeObservation>, string | undefined]>([
    ['a traffic shortfall whose alert is still pending', { traffic }, undefined],
    // Issue 22: "only an established shortfall corroborates": a firing alert with a verdict that did not hold is no evidence.
    [
      'a firing traffic alert whose latest verdict is no established shortfall',
      { traffic: { ...traffic, shortfall: false }, firing: [TRAFFIC_FIRING] },
      undefined,
    ],
    ['a firing traffic alert on an established shortfall', { traffic, firing: [TRAFFIC_FIRING] }, 'running pods fall short of demand'],
    [
      'the hub’s /health alert firing',
      { firing: [{ check: 'binderHealth', key: 'health:mybinder.org', severity: 'warning', since: -600_000 }] },
      "the hub's /health fails",
    ],
    [
      'another hub’s /health alert firing',
      { firing: [{ check: 'binderHealth', key: 'health:other.org', severity: 'warning', since: -600_000 }] },
      undefined,
    ],
    ['a pool nearly full, no pods waiting (warning)', { firing: [pool('warning', 0)] }, undefined],
    ['pods waiting for room', { firing: [pool('warning', 3)] }, 'the node pool is full or pods wait for room'],
    ['a full pool (critical)', { firing: [pool('critical', 0)] }, 'the node pool is full or pods wait for room'],
  ])('%s', (_name, obs, corroborated) => {
    const f = detect(obs);
    if (corroborated) {
      expect(f).toMatchObject({ status: 'problem', severity: 'critical' });
      expect(f.summary).toContain(`Corroborated: ${corroborated}`);
    } else {
      // One failed run alone is not an incident, and nothing else made it one.
      expect(f.status).toBe('ok');
      expect(corroboration('mybinder.org', { results, ...obs }, 0)).toBeUndefined();
    }
  });
});

describe('adaptive probing', () => {
  const cfg = launchProbeSchema.parse({});
  const HUB = 'mybinder.org';
  const memoryAt = (evidence: number): LaunchMemory => ({ evidence: { [HUB]: evidence, 'other.example': 0 }, failing: [], counted: {} });

  it('asks for extra launches on a hub only while its evidence is at least ELEVATED_AT', () => {
    expect(extraLaunches(undefined)).toBeUndefined();
    expect(extraLaunches(memoryAt(ELEVATED_AT - 0.01))).toBeUndefined();
    expect(extraLaunches(memoryAt(ELEVATED_AT))).toEqual({ [HUB]: EXTRA_LAUNCHES });
    // One run whose first launch failed and whose confirmation worked is enough to look closer.
    const retried = detectLaunchProbe(
      {
        results: [
          probe({
            at: 0,
            ok: true,
            attempts: [
              { at: 0, ok: false, failedPhase: 'launch' },
              { at: 0, ok: true },
            ],
          }),
        ],
      },
      cfg,
      0,
    );
    expect(extraLaunches(retried.memory)).toEqual({ [HUB]: EXTRA_LAUNCHES });
  });

  it("counts each extra launch's evidence: good ones clear a flake, failed ones fire sooner, and the alert names them", () => {
    const start = memoryAt(2);
    const extra = (ok: boolean) => ({ at: NOW, ok, extra: true as const, ...(ok ? {} : { failedPhase: 'launch' as const }) });
    const good = detectLaunchProbe({ results: [probe({ ok: true, attempts: [extra(true), extra(true)] })] }, cfg, NOW, start);
    // Three good launches: 2 + 3·ln(0.7/0.97) ≈ 1.0, below the mark again.
    expect(good.memory.evidence[HUB]).toBeCloseTo(2 + 3 * Math.log(0.7 / 0.97), 9);
    expect(extraLaunches(good.memory)).toBeUndefined();
    expect(good.findings[0]).toMatchObject({ status: 'ok' });
    expect(good.findings[0].summary).toContain('(extra launches: all 2 worked)');

    const plain = detectLaunchProbe({ results: [probe({ ok: true })] }, cfg, NOW, start);
    const bad = detectLaunchProbe({ results: [probe({ ok: true, attempts: [extra(false), extra(true)] })] }, cfg, NOW, start);
    // A failed extra launch adds ln(0.3/0.03) to what the run alone says.
    expect(bad.memory.evidence[HUB] - plain.memory.evidence[HUB]).toBeCloseTo(Math.log(10) + Math.log(0.7 / 0.97), 9);
    expect(bad.findings[0].summary).toContain('(extra launches: #1 (launch) of 2 failed)');

    const worse = detectLaunchProbe(
      {
        results: [
          probe({
            ok: false,
            failedPhase: 'launch',
            attempts: [
              { at: NOW, ok: false, failedPhase: 'launch' },
              { at: NOW, ok: false, failedPhase: 'launch' },
              extra(false),
              extra(true),
            ],
          }),
        ],
      },
      cfg,
      NOW,
      memoryAt(4.5),
    );
    expect(worse.findings[0]).toMatchObject({ status: 'problem' });
    expect(worse.findings[0].summary).toContain(
      'confirmed: the immediate second launch failed too) (extra launches: #1 (launch) of 2 failed)',
    );
  });
});
