// Launch probe outcomes (DESIGN §3) as findings: one per hub and repo, naming the
// phase that failed. The launch itself is I/O and lives in sources/launch-probe.ts.
import { z } from 'zod';
import type { LaunchProbeConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
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
  return `launch:${hubOf(r.binderUrl)}:${r.repo}`;
}

/**
 * Evidence per probe run that launches fail at 30 % (≤ 70 % success) rather than
 * 3 % at random, as log-likelihood ratios; a failed launch is retried once in the run:
 * first attempt ok ln(0.70/0.97); failed, confirmation ok ln(0.3·0.7 / (0.03·0.97));
 * both failed ln(0.3² / 0.03²). Summed per hub as a CUSUM (Page 1954).
 */
const EVIDENCE = { ok: Math.log(0.7 / 0.97), retried: Math.log((0.3 * 0.7) / (0.03 * 0.97)), failed: Math.log(0.09 / 0.0009) };
/** The same ratios for one extra launch: ok ln(0.70/0.97), failed ln(0.3/0.03). */
const EXTRA_EVIDENCE = { ok: Math.log(0.7 / 0.97), failed: Math.log(0.3 / 0.03) };
/**
 * Adaptive probing: while a hub's evidence is at least this (one run whose first launch
 * failed, 2.0, and not yet worked off by ~2 good runs), each repo's next run launches
 * EXTRA_LAUNCHES more times, so a real failure builds evidence sooner and a flake is
 * cleared sooner. Measured in the scorecard (docs/scorecard.md).
 */
export const ELEVATED_AT = 1.5;
/** Extra launches per repo and run while elevated: ~14 % more launches in the scorecard's mix of days. */
export const EXTRA_LAUNCHES = 2;
/**
 * Fire at this much evidence: measured with the default config (2 repos every 10 min,
 * 900 simulated days, as in tests/shared/detectors/launch-probe.test.ts), 3 % random failures
 * page 0.8 times per 30 days; at 70 % success the median time to fire is 50 min
 * (72 % within the hour). A run counts at most one confirmed failure (4.6), so one
 * bad moment never fires alone; two failed runs in a row do.
 */
const FIRE_AT = 6.5;
/** Evidence is capped here, and a failing hub counts as failing until it fell to half: ~13 good runs. */
const CAP = FIRE_AT;
/** A repo speaks for a failing hub while it failed within this long (the last three runs of the default schedule). */
const RECENT_FAILURE_MS = 30 * 60_000;
/** A traffic verdict older than this says nothing about launches now. */
const CORROBORATION_MAX_AGE_MS = 20 * 60_000;

export interface LaunchMemory {
  /** Evidence per hub. */
  evidence: Record<string, number>;
  /** Hubs whose launches count as failing. */
  failing: string[];
  /** Probe times already counted, per key. */
  counted: Record<string, number>;
  /** When each key last had a failed attempt. */
  lastFailed?: Record<string, number>;
}

/** What a stored LaunchMemory must look like to be used (checked by the state store on read). */
export const launchMemoryShape: z.ZodType<LaunchMemory> = z.looseObject({
  evidence: z.record(z.string(), z.number()),
  failing: z.array(z.string()),
  counted: z.record(z.string(), z.number()),
  lastFailed: z.record(z.string(), z.number()).optional(),
});

/** Extra launches per hub the next run should make: EXTRA_LAUNCHES per repo of each hub whose evidence is elevated. */
export function extraLaunches(memory: LaunchMemory | undefined): Record<string, number> | undefined {
  const elevated = Object.entries(memory?.evidence ?? {}).filter(([, e]) => e >= ELEVATED_AT);
  return elevated.length ? Object.fromEntries(elevated.map(([hub]) => [hub, EXTRA_LAUNCHES])) : undefined;
}

const extras = (r: ProbeResult) => r.attempts?.filter((a) => a.extra) ?? [];

function runEvidence(r: ProbeResult): number {
  const base = r.ok && !r.attempts?.some((a) => !a.extra && !a.ok) ? EVIDENCE.ok : r.ok ? EVIDENCE.retried : EVIDENCE.failed;
  return extras(r).reduce((sum, a) => sum + (a.ok ? EXTRA_EVIDENCE.ok : EXTRA_EVIDENCE.failed), base);
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

function finding(r: ProbeResult, hubFailing: boolean, obs: LaunchProbeObservation, now: number, evidence: number): Finding {
  // People read the configured name; the alert's identity (key, dependsOn) stays the URL's host.
  const hub = r.hubName ?? hubOf(r.binderUrl);
  const base = {
    check: 'launchProbe' as const,
    key: launchKey(r),
    severity: (r.failedPhase === 'stop' ? 'warning' : 'critical') as Finding['severity'],
    dependsOn: [`binderHealth/health:${hubOf(r.binderUrl)}`],
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
  // The probe alone is a warning; with the pods falling short of demand too, users are failing: critical.
  const traffic = obs.traffic && now - obs.traffic.at <= CORROBORATION_MAX_AGE_MS ? obs.traffic : undefined;
  const corroborated = !stopFailed && traffic?.shortfall === true;
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
      ? // The traffic incident outlives a run whose own evaluation is mild: say which reading the number is.
        ` Corroborated: running pods fall short of demand (trafficVsPods; implied launch success ≈ ${Math.round(traffic!.launchSuccess * 100)} % on its latest run).`
      : ` Probe evidence only${traffic ? `: running pods follow demand (implied launch success ≈ ${Math.round(traffic.launchSuccess * 100)} %)` : ''}.`;
  return {
    ...base,
    severity: stopFailed ? 'warning' : corroborated ? 'critical' : 'warning',
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
      (stopFailed ? '' : `; failing probes on ${hub} add up to ${evidence.toFixed(1)} (fires at ${FIRE_AT}).${why}`),
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
  // One run's results per hub count as one step: the repos of one run fail together
  // when the hub has a bad moment (a full pool, a restart), which is not yet a trend.
  const perHub = new Map<string, number>();
  const confirmedFailure = new Set<string>();
  for (const r of obs.results) {
    const key = launchKey(r);
    if (r.unknownReason || (r.failedPhase === 'stop' && !r.ok) || r.at <= (counted[key] ?? -Infinity)) continue;
    counted[key] = r.at;
    perHub.set(hubOf(r.binderUrl), (perHub.get(hubOf(r.binderUrl)) ?? 0) + runEvidence(r));
    if (!r.ok) confirmedFailure.add(hubOf(r.binderUrl));
    if (!r.ok || r.attempts?.some((a) => !a.ok)) lastFailed[key] = r.at;
  }
  const corroborating = obs.traffic?.shortfall === true && now - obs.traffic.at <= CORROBORATION_MAX_AGE_MS;
  for (const [hub, step] of perHub) {
    evidence[hub] = Math.min(CAP, Math.max(0, (evidence[hub] ?? 0) + Math.min(step, EVIDENCE.failed)));
    // A confirmed failure the pods corroborate is two independent signals agreeing: failing at once.
    if (evidence[hub] >= FIRE_AT || (corroborating && confirmedFailure.has(hub))) failing.add(hub);
    else if (evidence[hub] <= FIRE_AT / 2) failing.delete(hub);
  }
  return {
    // A failing hub is reported by the repos that failed lately, not by one that keeps working.
    findings: [...latest.values()].map((r) => {
      const failedLately = now - (lastFailed[launchKey(r)] ?? -Infinity) <= RECENT_FAILURE_MS;
      return finding(r, failing.has(hubOf(r.binderUrl)) && failedLately, obs, now, evidence[hubOf(r.binderUrl)] ?? 0);
    }),
    memory: { evidence, failing: [...failing], counted, lastFailed },
  };
}
