// BinderHub's own /health checks (registry, hub API, pod quota …) as one finding per hub.
import { findingKeys } from '../state/keys.ts';
import type { BinderHealthConfig } from '../config/schema.ts';
import { shortTitle, type BinderHealthObservation, type Finding, type HubHealth } from '../model.ts';
import { hubOf } from './launch-probe.ts';

const HELD_BACK = 'Launch-probe alerts of this hub are held back while this alert fires.';

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
  const evidence = Object.fromEntries(
    h.checks.flatMap((c) =>
      c.quota ? [[`${c.service} used`, `${c.quota.used} of ${c.quota.total}`]] : [[c.service, c.ok ? 'ok' : 'failing']],
    ),
  );
  if (failing.length) {
    return {
      ...base,
      status: 'problem',
      severity: 'critical',
      title: shortTitle(`${hub} unhealthy: ${failing.map((c) => c.service).join(', ')}`),
      summary: `${hub} reports unhealthy: ${failing.map((c) => `${c.service}${c.message ? ` (${c.message})` : ''}`).join(', ')}`,
      details: HELD_BACK,
      evidence,
    };
  }
  if (nearQuota.length) {
    return {
      ...base,
      status: 'problem',
      severity: 'warning',
      title: shortTitle(hub, ` pod quota at ${nearQuota.map((c) => `${c.quota!.used} of ${c.quota!.total}`).join(', ')}`),
      summary: `${hub} pod quota nearly full: ${nearQuota.map((c) => `${c.quota!.used} of ${c.quota!.total}`).join(', ')}`,
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
