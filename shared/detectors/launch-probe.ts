// Launch probe outcomes as findings: one per hub and repo, naming the
// phase that failed. The launch itself is I/O and lives in sources/launch-probe.ts.
import { z } from 'zod';
import type { LaunchProbeConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import { FRONT_DOOR_KEY } from './federation.ts';
import { alertRef, findingKeys } from '../state/keys.ts';
import { shortTitle, type Finding, type LaunchProbeObservation, type ProbeResult } from '../model.ts';

const PHASE_TEXT: Record<string, string> = {
  resolve: 'could not resolve the repo',
  build: 'the build failed',
  launch: 'the server did not start ("waiting for server to launch")',
  contact: 'the server started but does not answer (pod up, unreachable)',
  stop: 'the probe could not stop its server (it may be leaking)',
  timeout: 'it timed out',
};

export function hubOf(binderUrl: string): string {
  try {
    return new URL(binderUrl).host;
  } catch {
    return binderUrl;
  }
}

export function launchKey(r: Pick<ProbeResult, 'binderUrl' | 'repo'>): string {
  return findingKeys.launch(hubOf(r.binderUrl), r.repo);
}

/**
 * Evidence per probe run that launches fail at 30 % (≤ 70 % success) rather than at the
 * background rate this hub and repo show on their own, as log-likelihood ratios; a failed
 * launch is retried once in the run. Summed per hub as a CUSUM (Page 1954).
 */
const BAD = 0.3;
/**
 * What is assumed of a hub or repo with little history, worth PRIOR.runs runs: first launches
 * fail 3 % of the time, and 1 % of runs fail altogether (a registry hiccup can outlast the
 * in-run retry), so one or two failed runs (ln 10 ≈ 2.3 each) never fire on their own.
 */
const PRIOR = { runs: 300, first: 0.03, failed: 0.01 };
/** Learnt counts fade by this much per counted run: about two weeks of the default schedule. */
const FADE = 1 - 1 / 4000;
/** A first failure the confirmation did not repeat is never taken as rarer than this under the background. */
const MIN_RETRIED = 0.01;
/**
 * Adaptive probing: while a hub's evidence is at least this (one run whose first launch
 * failed, 2.3, and not yet worked off by ~2 good runs), each repo's next run launches
 * EXTRA_LAUNCHES more times, so a real failure builds evidence sooner and a flake is
 * cleared sooner. Measured in the scorecard (docs/scorecard.md).
 */
export const ELEVATED_AT = 1.5;
/** Extra launches per repo and run while elevated: ~14 % more launches in the scorecard's mix of days. */
export const EXTRA_LAUNCHES = 2;
/**
 * Fire at this much evidence: three failed runs close together, or one with two retried
 * runs; two failed runs (4.6) never do. A run counts at most one failed run's evidence, so
 * one bad moment never fires alone.
 */
const FIRE_AT = 6.5;
/** Evidence is capped here, and a failing hub counts as failing until it fell to half: ~10 good runs. */
const CAP = FIRE_AT;
/** When a hub starts failing, its repos that failed within this long speak for the incident. */
const INCIDENT_LOOKBACK_MS = 60 * 60_000;
/** A traffic verdict older than this says nothing about launches now. */
const CORROBORATION_MAX_AGE_MS = 20 * 60_000;

/** Learnt background of one repo on one hub: counted runs, runs whose first launch failed, runs that failed altogether (faded). */
export interface Background {
  runs: number;
  first: number;
  failed: number;
}

export interface LaunchMemory {
  /** Evidence per hub. */
  evidence: Record<string, number>;
  /** Hubs whose launches count as failing. */
  failing: string[];
  /** Probe times already counted, per key. */
  counted: Record<string, number>;
  /** When each key last had a failed attempt. */
  lastFailed?: Record<string, number>;
  /** When each failing hub's incident began. */
  incidentSince?: Record<string, number>;
  /** The key whose alert speaks for each failing hub's incident: one incident, one alert; the other repos are named in it. */
  lead?: Record<string, string>;
  /** Background failure counts per key, learnt from runs once they proved healthy times. */
  background?: Record<string, Background>;
  /** Runs not yet learnt, per key: learnt once their hub's evidence is back at 0, dropped when it fails. */
  unlearnt?: Record<string, Background>;
}

interface Rates {
  first: number;
  failed: number;
}

/** The background rates a run of `key` is judged against: the worse of its repo's and its hub's, each pulled toward PRIOR. */
function ratesFor(hub: string, key: string, background: Record<string, Background>): Rates {
  const ofThisHub = findingKeys.launchesOf(hub);
  const sum = (bs: Background[]): Background =>
    bs.reduce((x, y) => ({ runs: x.runs + y.runs, first: x.first + y.first, failed: x.failed + y.failed }), {
      runs: 0,
      first: 0,
      failed: 0,
    });
  const rate = (b: Background): Rates => ({
    first: (b.first + PRIOR.first * PRIOR.runs) / (b.runs + PRIOR.runs),
    failed: (b.failed + PRIOR.failed * PRIOR.runs) / (b.runs + PRIOR.runs),
  });
  const own = rate(background[key] ?? { runs: 0, first: 0, failed: 0 });
  const ofHub = rate(sum(Object.entries(background).flatMap(([k, b]) => (k.startsWith(ofThisHub) ? [b] : []))));
  const failed = Math.max(own.failed, ofHub.failed);
  return { first: Math.max(own.first, ofHub.first, failed), failed };
}

/** One run added to counts (not yet faded). */
function tally(b: Background | undefined, r: ProbeResult): Background {
  const firstFailed = !r.ok || (r.attempts?.some((a) => !a.extra && !a.ok) ?? false);
  const prev = b ?? { runs: 0, first: 0, failed: 0 };
  return { runs: prev.runs + 1, first: prev.first + (firstFailed ? 1 : 0), failed: prev.failed + (r.ok ? 0 : 1) };
}

/** `runs` learnt into `b`, older counts faded by one step per run. */
function learn(b: Background | undefined, runs: Background): Background {
  const fade = FADE ** runs.runs;
  const prev = b ?? { runs: 0, first: 0, failed: 0 };
  return { runs: prev.runs * fade + runs.runs, first: prev.first * fade + runs.first, failed: prev.failed * fade + runs.failed };
}

const countsShape = z.looseObject({ runs: z.number(), first: z.number(), failed: z.number() });
/** What a stored LaunchMemory must look like to be used (checked by the state store on read). */
export const launchMemoryShape: z.ZodType<LaunchMemory> = z.looseObject({
  evidence: z.record(z.string(), z.number()),
  failing: z.array(z.string()),
  counted: z.record(z.string(), z.number()),
  lastFailed: z.record(z.string(), z.number()).optional(),
  incidentSince: z.record(z.string(), z.number()).optional(),
  lead: z.record(z.string(), z.string()).optional(),
  background: z.record(z.string(), countsShape).optional(),
  unlearnt: z.record(z.string(), countsShape).optional(),
});

/** Extra launches per hub the next run should make: EXTRA_LAUNCHES per repo of each hub whose evidence is elevated. */
export function extraLaunches(memory: LaunchMemory | undefined): Record<string, number> | undefined {
  const elevated = Object.entries(memory?.evidence ?? {}).filter(([, e]) => e >= ELEVATED_AT);
  return elevated.length ? Object.fromEntries(elevated.map(([hub]) => [hub, EXTRA_LAUNCHES])) : undefined;
}

const extras = (r: ProbeResult) => r.attempts?.filter((a) => a.extra) ?? [];

function runEvidence(r: ProbeResult, p: Rates): { step: number; failedRun: number } {
  const ok = Math.log((1 - BAD) / (1 - p.first));
  const failedRun = Math.log((BAD * BAD + p.failed) / p.failed);
  const retried = Math.log((BAD * (1 - BAD)) / Math.max(p.first - p.failed, MIN_RETRIED));
  const base = r.ok && !r.attempts?.some((a) => !a.extra && !a.ok) ? ok : r.ok ? retried : failedRun;
  const extraFailed = Math.log(BAD / p.first);
  return { step: extras(r).reduce((sum, a) => sum + (a.ok ? ok : extraFailed), base), failedRun };
}

function attemptsText(r: ProbeResult): string {
  const confirmed = r.attempts?.some((a) => !a.extra);
  const base = !confirmed
    ? ''
    : r.ok
      ? ' (first launch failed, the confirmation worked)'
      : ' (confirmed: the immediate second launch failed too)';
  const more = extras(r);
  if (!more.length) return base;
  // Which of the extra launches failed, by number and phase, so the alert says what the evidence rests on.
  const failed = more.flatMap((a, i) => (a.ok ? [] : [`#${i + 1}${a.failedPhase ? ` (${a.failedPhase})` : ''}`]));
  return `${base} (extra launches: ${failed.length ? `${failed.join(', ')} of ${more.length} failed` : `all ${more.length} worked`})`;
}

/**
 * Evidence beyond the probe that users' launches fail too, each past its own pending time
 * (an alert that fires, never one pending): the hub's /health failing, a full pool or pods
 * pending for room, or the traffic check's alert on an established shortfall. One uncertain
 * finding never promotes another to a page. Contract with the traffic check: its verdict
 * (`obs.traffic`, from its memory) must say `shortfall` (held on consecutive runs) and its
 * levelling-off alert must be firing; a verdict it marks as still calibrating must not
 * corroborate either (where it says so, add that condition in `trafficAgrees`).
 */
export function corroboration(hub: string, obs: LaunchProbeObservation, now: number): string | undefined {
  const firing = obs.firing ?? [];
  const health = firing.find((a) => a.check === 'binderHealth' && a.key === findingKeys.health(hub));
  if (health) return `the hub's /health fails (binderHealth ${health.key})`;
  // A launch through a federation's front door fails on the member it was sent to, and the front door is known to send launches to a failing member.
  const door = firing.find((a) => a.check === 'binderHealth' && a.key === FRONT_DOOR_KEY);
  const landed = obs.results.find((r) => r.landedOn && hubOf(r.binderUrl) === hub);
  if (door && landed) return `the front door sends launches to a failing member (binderHealth ${door.key})`;
  const pool = firing.find((a) => a.check === 'nodeHeadroom' && (a.severity === 'critical' || Number(a.evidence?.pendingPods) > 0));
  if (pool) return `the node pool is full or pods wait for room (nodeHeadroom ${pool.key})`;
  const traffic = obs.traffic;
  const trafficAgrees =
    traffic !== undefined &&
    now - traffic.at <= CORROBORATION_MAX_AGE_MS &&
    traffic.shortfall &&
    firing.some((a) => a.check === 'trafficVsPods' && a.key === findingKeys.levellingOff);
  if (trafficAgrees)
    // The traffic incident outlives a run whose own evaluation is mild: say which reading the number is.
    return `running pods fall short of demand (trafficVsPods; implied launch success ≈ ${Math.round(traffic.launchSuccess * 100)} % on its latest run)`;
  return undefined;
}

function finding(
  r: ProbeResult,
  hubFailing: boolean,
  obs: LaunchProbeObservation,
  now: number,
  evidence: number,
  corroborated?: string,
  alsoFailing: string[] = [],
): Finding {
  // People read the configured name; the alert's identity (key, dependsOn) stays the URL's host.
  const hub = r.hubName ?? hubOf(r.binderUrl);
  const base = {
    check: 'launchProbe' as const,
    key: launchKey(r),
    severity: (r.failedPhase === 'stop' ? 'warning' : 'critical') as Finding['severity'],
    dependsOn: [alertRef('binderHealth', findingKeys.health(hubOf(r.binderUrl)))],
    evidence: Object.fromEntries(Object.entries(r.durations ?? {}).map(([phase, ms]) => [`${phase}Sec`, Math.round(ms / 100) / 10])),
    links: [{ title: `launch ${r.repo}`, url: `${r.binderUrl.replace(/\/$/, '')}/v2/${r.repo}` }],
  };
  if (r.unknownReason) {
    return {
      ...base,
      status: 'unknown',
      title: shortTitle(`Launch probe of ${r.repo}`, ' cannot run'),
      summary: `launch probe of ${r.repo} on ${hub} could not run: ${r.unknownReason}`,
      runbook: [],
    };
  }
  const stopFailed = !r.ok && r.failedPhase === 'stop';
  // The probe alone is a warning; with evidence beyond the probe agreeing, users are failing: critical.
  const traffic = obs.traffic && now - obs.traffic.at <= CORROBORATION_MAX_AGE_MS ? obs.traffic : undefined;
  if (!hubFailing && !stopFailed) {
    const note =
      r.ok && !r.attempts?.some((a) => !a.ok)
        ? extras(r).length
          ? attemptsText(r)
          : ''
        : `; one failure${attemptsText(r)} is not yet an incident (evidence ${evidence.toFixed(1)} of ${FIRE_AT})`;
    return {
      ...base,
      severity: 'warning',
      status: 'ok',
      title: shortTitle(r.repo, ` launches on ${hub}`),
      summary: `${r.repo} launches on ${hub}${note}`,
      runbook: [],
    };
  }
  const total = Object.values(r.durations ?? {}).reduce((a, b) => a + b, 0);
  const messages = r.messages?.length ? ` Last hub messages: ${r.messages.slice(-3).join(' | ')}` : '';
  const why = stopFailed
    ? ''
    : corroborated
      ? ` Corroborated: ${corroborated}.`
      : ` Probe evidence only${traffic ? `: running pods follow demand (implied launch success ≈ ${Math.round(traffic.launchSuccess * 100)} %)` : ''}.`;
  return {
    ...base,
    severity: !stopFailed && corroborated ? 'critical' : 'warning',
    status: 'problem',
    title: r.ok
      ? shortTitle(`Launches on ${hub}`, ' keep failing')
      : shortTitle(`Launch of ${r.repo}`, ` fails on ${hub}${r.failedPhase ? ` (${r.failedPhase})` : ''}`),
    // The title names the repo and hub; the why says what went wrong.
    summary:
      (r.ok
        ? `The latest launch of ${r.repo} worked${attemptsText(r)}`
        : r.failedPhase
          ? `Phase ${r.failedPhase}: ${PHASE_TEXT[r.failedPhase]}${attemptsText(r)}`
          : `Failed${attemptsText(r)}${r.error ? `: ${r.error}` : ''}`) +
      (!r.ok && total ? `, after ${formatDuration(total)}` : '') +
      (stopFailed ? '' : `; failing probes on ${hub} add up to ${evidence.toFixed(1)} (fires at ${FIRE_AT}).${why}`) +
      (alsoFailing.length ? ` Also failing in this incident: ${alsoFailing.join(', ')}.` : ''),
    details: `${r.error ?? ''}${messages}`.trim() || undefined,
    runbook: [
      `binderwatch probe ${r.binderUrl} ${r.repo}   # watch the phases live`,
      'kubectl get pods --all-namespaces -o wide | grep -v Running',
      'kubectl logs deploy/binder --tail=200   # in the hub namespace',
      'kubectl logs deploy/hub --tail=200',
    ],
  };
}

export function detectLaunchProbe(
  obs: LaunchProbeObservation,
  _cfg: LaunchProbeConfig,
  now: number,
  memory?: LaunchMemory,
): { findings: Finding[]; memory: LaunchMemory } {
  // The newest result per hub and repo speaks for it.
  const latest = new Map<string, ProbeResult>();
  for (const r of obs.results) {
    const prev = latest.get(launchKey(r));
    if (!prev || r.at >= prev.at) latest.set(launchKey(r), r);
  }
  const evidence = { ...(memory?.evidence ?? {}) };
  const counted = { ...(memory?.counted ?? {}) };
  const failing = new Set(memory?.failing ?? []);
  const lastFailed = { ...(memory?.lastFailed ?? {}) };
  const incidentSince = { ...(memory?.incidentSince ?? {}) };
  const lead = { ...(memory?.lead ?? {}) };
  const background = { ...(memory?.background ?? {}) };
  const unlearnt = { ...(memory?.unlearnt ?? {}) };
  // One run's results per hub count as one step: the repos of one run fail together
  // when the hub has a bad moment (a full pool, a restart), which is not yet a trend.
  const perHub = new Map<string, { step: number; cap: number }>();
  const confirmedFailure = new Set<string>();
  for (const r of obs.results) {
    const key = launchKey(r);
    const hub = hubOf(r.binderUrl);
    if (r.unknownReason || (r.failedPhase === 'stop' && !r.ok) || r.at <= (counted[key] ?? -Infinity)) continue;
    counted[key] = r.at;
    const { step, failedRun } = runEvidence(r, ratesFor(hub, key, background));
    const prev = perHub.get(hub) ?? { step: 0, cap: 0 };
    perHub.set(hub, { step: prev.step + step, cap: Math.max(prev.cap, failedRun) });
    unlearnt[key] = tally(unlearnt[key], r);
    if (!r.ok) confirmedFailure.add(hub);
    if (!r.ok || r.attempts?.some((a) => !a.ok)) lastFailed[key] = r.at;
  }
  const corroborated = new Map([...new Set(obs.results.map((r) => hubOf(r.binderUrl)))].map((hub) => [hub, corroboration(hub, obs, now)]));
  for (const [hub, { step, cap }] of perHub) {
    evidence[hub] = Math.min(CAP, Math.max(0, (evidence[hub] ?? 0) + Math.min(step, cap)));
    // A confirmed failure that independent evidence corroborates is two signals agreeing: failing at once.
    if (evidence[hub] >= FIRE_AT || (corroborated.get(hub) && confirmedFailure.has(hub))) {
      // The incident takes in the failures that built its evidence: the last hour's.
      if (!failing.has(hub)) incidentSince[hub] = now - INCIDENT_LOOKBACK_MS;
      // Corroborated, it is as established as one that added up: it ends only when good runs outweigh half of it,
      // so a full pool all day with a failed run now and then is one incident, not one per failed run.
      evidence[hub] = CAP;
      failing.add(hub);
      // The background is learnt from healthy times only: an incident's runs are not this hub's normal.
      for (const key of Object.keys(unlearnt)) if (key.startsWith(findingKeys.launchesOf(hub))) delete unlearnt[key];
    } else if (evidence[hub] <= FIRE_AT / 2 && failing.has(hub) && !corroborated.get(hub)) {
      // The incident is over, unless what corroborated it still holds (a pool full all day): one incident with
      // updates, not one per failed run. Its evidence starts afresh, so one failed run later is not its return.
      failing.delete(hub);
      delete incidentSince[hub];
      delete lead[hub];
      evidence[hub] = 0;
    }
    if (evidence[hub] === 0 && !failing.has(hub)) {
      // The runs since the last healthy moment proved healthy times: now they are this hub's background.
      for (const [key, runs] of Object.entries(unlearnt))
        if (key.startsWith(findingKeys.launchesOf(hub))) {
          background[key] = learn(background[key], runs);
          delete unlearnt[key];
        }
    }
  }
  // Each failing hub's incident is reported by one repo, the one that failed last when it began, until it ends.
  const failedIn = (hub: string) =>
    [...latest.keys()].filter((k) => k.startsWith(findingKeys.launchesOf(hub)) && (lastFailed[k] ?? -Infinity) >= incidentSince[hub]);
  for (const hub of failing) {
    const failed = failedIn(hub).sort((x, y) => lastFailed[y] - lastFailed[x]);
    if (!lead[hub] && failed.length) lead[hub] = failed[0];
  }
  return {
    findings: [...latest.values()].map((r) => {
      const hub = hubOf(r.binderUrl);
      const key = launchKey(r);
      const others = lead[hub] === key ? failedIn(hub).filter((k) => k !== key) : [];
      return finding(
        r,
        lead[hub] === key,
        obs,
        now,
        evidence[hub] ?? 0,
        corroborated.get(hub),
        others.map((k) => latest.get(k)!.repo),
      );
    }),
    memory: { evidence, failing: [...failing], counted, lastFailed, incidentSince, lead, background, unlearnt },
  };
}
