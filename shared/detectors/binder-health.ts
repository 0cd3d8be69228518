// BinderHub's own /health checks (registry, hub API, pod quota …) as one finding per hub.
import { findingKeys } from '../state/keys.ts';
import type { BinderHealthConfig } from '../config/schema.ts';
import { shortTitle, type BinderHealthObservation, type Finding, type HubHealth, type HubHealthCheck } from '../model.ts';
import { listWithMore } from '../text.ts';
import { hubOf } from './launch-probe.ts';

const HELD_BACK = 'Launch-probe alerts of this hub are held back while this alert fires.';
/** Checks named in a summary, and rows of evidence: a hub reports a handful; a broken or hostile one may report thousands. */
const NAMED_CHECKS = 3;
const EVIDENCE_CHECKS = 12;

/** One row per check, failing ones first, at most EVIDENCE_CHECKS, then one row saying how many more. */
function healthEvidence(checks: HubHealthCheck[]): Record<string, string> {
  const ordered = [...checks.filter((c) => !c.ok), ...checks.filter((c) => c.ok)];
  const rows = ordered
    .slice(0, EVIDENCE_CHECKS)
    .map((c): [string, string] =>
      c.quota ? [`${c.service} used`, `${c.quota.used} of ${c.quota.total}`] : [c.service, c.ok ? 'ok' : 'failing'],
    );
  const left = ordered.slice(EVIDENCE_CHECKS);
  if (left.length) rows.push(['more checks', `${left.length} (${left.filter((c) => !c.ok).length} failing)`]);
  return Object.fromEntries(rows);
}

function finding(h: HubHealth, cfg: BinderHealthConfig): Finding {
  const hub = hubOf(h.binderUrl);
  const base = {
    check: 'binderHealth' as const,
    key: findingKeys.health(hub),
    links: [{ title: `${hub} /health`, url: `${h.binderUrl.replace(/\/$/, '')}/health` }],
    runbook: [
      `curl -s ${h.binderUrl.replace(/\/$/, '')}/health | python3 -m json.tool`,
      'kubectl get pods -o wide   # in the hub namespace: binder, hub, proxy',
      'kubectl logs deploy/binder --tail=200',
    ],
  };
  if (!h.checks) {
    return {
      ...base,
      status: 'unknown',
      severity: 'warning',
      title: shortTitle(`Cannot read ${hub} /health`),
      summary: `${hub} /health unreadable: ${h.error ?? 'no checks'}`,
    };
  }
  const failing = h.checks.filter((c) => !c.ok);
  const nearQuota = h.checks.filter((c) => c.quota && c.quota.total > 0 && c.quota.used / c.quota.total >= cfg.quotaWarnAt);
  const evidence = healthEvidence(h.checks);
  if (failing.length) {
    return {
      ...base,
      status: 'problem',
      severity: 'critical',
      title: shortTitle(
        `${hub} unhealthy: ${listWithMore(
          failing.map((c) => c.service),
          NAMED_CHECKS,
        )}`,
      ),
      summary: `${hub} reports unhealthy: ${listWithMore(
        failing.map((c) => `${c.service}${c.message ? ` (${c.message})` : ''}`),
        NAMED_CHECKS,
      )}`,
      details: HELD_BACK,
      evidence,
    };
  }
  if (nearQuota.length) {
    const quotas = nearQuota.map((c) => `${c.quota!.used} of ${c.quota!.total}`);
    return {
      ...base,
      status: 'problem',
      severity: 'warning',
      title: shortTitle(hub, ` pod quota at ${listWithMore(quotas, NAMED_CHECKS)}`),
      summary: `${hub} pod quota nearly full: ${listWithMore(quotas, NAMED_CHECKS)}`,
      details: HELD_BACK,
      evidence,
    };
  }
  return {
    ...base,
    status: 'ok',
    severity: 'warning',
    title: shortTitle(hub, ' healthy'),
    summary: `${hub} healthy`,
    evidence,
    runbook: [],
  };
}

export function detectBinderHealth(obs: BinderHealthObservation, cfg: BinderHealthConfig, _now: number): { findings: Finding[] } {
  return { findings: obs.hubs.map((h) => finding(h, cfg)) };
}
