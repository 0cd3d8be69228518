// Launch probe outcomes (DESIGN §3) as findings: one per hub and repo, naming the
// phase that failed. The launch itself is I/O and lives in sources/launch-probe.ts.
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

function finding(r: ProbeResult): Finding {
  const hub = hubOf(r.binderUrl);
  const base = {
    check: 'launchProbe' as const,
    key: launchKey(r),
    severity: (r.failedPhase === 'stop' ? 'warning' : 'critical') as Finding['severity'],
    dependsOn: [`binderHealth/health:${hub}`],
    evidence: Object.fromEntries(Object.entries(r.durations ?? {}).map(([phase, ms]) => [`${phase}Sec`, Math.round(ms / 100) / 10])),
    links: [{ title: `launch ${r.repo}`, url: `${r.binderUrl.replace(/\/$/, '')}/v2/${r.repo}` }],
  };
  if (r.unknownReason) {
    return { ...base, status: 'unknown', title: shortTitle(`Launch probe of ${r.repo}`, ' cannot run'), summary: `launch probe of ${r.repo} on ${hub} could not run: ${r.unknownReason}`, runbook: [] };
  }
  if (r.ok) return { ...base, status: 'ok', title: shortTitle(r.repo, ` launches on ${hub}`), summary: `${r.repo} launches on ${hub}`, runbook: [] };
  const total = Object.values(r.durations ?? {}).reduce((a, b) => a + b, 0);
  const messages = r.messages?.length ? ` Last hub messages: ${r.messages.slice(-3).join(' | ')}` : '';
  return {
    ...base,
    status: 'problem',
    title: shortTitle(`Launch of ${r.repo}`, ` fails on ${hub}${r.failedPhase ? ` (${r.failedPhase})` : ''}`),
    // The title names the repo and hub; the why says what went wrong.
    summary:
      (r.failedPhase ? `Phase ${r.failedPhase}: ${PHASE_TEXT[r.failedPhase]}` : `Failed${r.error ? `: ${r.error}` : ''}`) +
      (total ? `, after ${formatDuration(total)}` : ''),
    details: `${r.error ?? ''}${messages}`.trim() || undefined,
    runbook: [
      `binderwatch probe ${r.binderUrl} ${r.repo}   # watch the phases live`,
      'kubectl get pods --all-namespaces -o wide | grep -v Running',
      'kubectl logs deploy/binder --tail=200   # in the hub namespace',
      'kubectl logs deploy/hub --tail=200',
    ],
  };
}

export function detectLaunchProbe(obs: LaunchProbeObservation, _cfg: LaunchProbeConfig, _now: number): { findings: Finding[] } {
  // The newest result per hub and repo speaks for it.
  const latest = new Map<string, ProbeResult>();
  for (const r of obs.results) {
    const prev = latest.get(launchKey(r));
    if (!prev || r.at >= prev.at) latest.set(launchKey(r), r);
  }
  return { findings: [...latest.values()].map(finding) };
}
