// Node headroom (DESIGN §5): nodes of each autoscaled pool, cordoned ones
// included, against the autoscaler's max, with a time-to-max forecast.
// On 2018-01-18 the team read "12 of 15" off a dashboard that skipped a cordoned node.
import type { NodeHeadroomConfig } from '../config/schema.ts';
import { formatDuration, parseDuration } from '../duration.ts';
import type { Finding, NodeHeadroomObservation, NodePoolObservation, Severity } from '../model.ts';
import { lastSample, slope } from '../series.ts';

/** Older than this, the node count is not "now" any more. */
const STALE_MS = 15 * 60_000;

export function nodeHeadroomLookbackMs(cfg: NodeHeadroomConfig): number {
  return parseDuration(cfg.forecastWindow) + 5 * 60_000;
}

function runbook(pool: string, max: number | null): string[] {
  const [cluster, name] = pool.includes('/') ? pool.split('/', 2) : ['<cluster>', pool];
  return [
    `kubectl get nodes -l cloud.google.com/gke-nodepool=${name} -o wide   # SchedulingDisabled = cordoned, still counted`,
    'kubectl get pods --all-namespaces --field-selector=status.phase=Pending',
    `gcloud container clusters update ${cluster} --node-pool ${name} --enable-autoscaling --max-nodes <per-zone max above ${max ?? '?'}>   # raise the max (per zone)`,
  ];
}

function evaluatePool(p: NodePoolObservation, cfg: NodeHeadroomConfig, now: number): Finding {
  const key = `headroom:${p.pool}`;
  const current = lastSample(p.nodes, now);
  if (!current || now - current.t > STALE_MS || !Number.isFinite(p.max ?? 0)) {
    return {
      check: 'nodeHeadroom',
      key,
      status: 'unknown',
      severity: 'warning',
      summary: `node count of pool ${p.pool} unknown (no data for ${current ? formatDuration(now - current.t) : 'the whole window'})`,
      runbook: runbook(p.pool, p.max),
    };
  }
  const nodes = current.v;
  if (p.max === null || p.max <= 0) {
    return { check: 'nodeHeadroom', key, status: 'ok', severity: 'warning', summary: `${nodes} nodes in ${p.pool}; autoscaling off`, runbook: [] };
  }
  const ratio = nodes / p.max;
  const atMaxWithPending = nodes >= p.max && p.pending > 0;
  const severity: Severity | undefined = ratio >= cfg.criticalAt || atMaxWithPending ? 'critical' : ratio >= cfg.warnAt ? 'warning' : undefined;

  const recent = p.nodes.filter((s) => s.t > now - parseDuration(cfg.forecastWindow) && s.t <= now);
  const perMs = slope(recent);
  const timeToMax = nodes >= p.max ? 0 : perMs > 0 ? (p.max - nodes) / perMs : Infinity;
  const forecast =
    timeToMax === 0 ? 'at the max' : Number.isFinite(timeToMax) ? `max reached in ~${formatDuration(timeToMax)} at the current rate` : 'not growing';

  const cordonedNames = p.cordonedNodes?.length ? ` (${p.cordonedNodes.join(', ')})` : '';
  const cordonedText = p.cordoned > 0 ? `, ${p.cordoned} cordoned${cordonedNames}: dashboards that skip cordoned nodes show ${nodes - p.cordoned}` : '';
  const pendingText = p.pending > 0 ? `; ${p.pending} pods pending for lack of room` : '';
  const notReadyText = p.notReadyNodes?.length ? `; NotReady: ${p.notReadyNodes.join(', ')}` : '';
  return {
    check: 'nodeHeadroom',
    key,
    status: severity ? 'problem' : 'ok',
    severity: severity ?? 'warning',
    summary: `${nodes} of ${p.max} nodes in use in pool ${p.pool} (${Math.round(ratio * 100)} %)${cordonedText}${pendingText}; ${forecast}${notReadyText}`,
    evidence: {
      nodes,
      max: p.max,
      usedPct: Math.round(ratio * 100),
      cordoned: p.cordoned,
      pendingPods: p.pending,
      timeToMaxMin: Number.isFinite(timeToMax) ? Math.round(timeToMax / 60_000) : 'never',
    },
    runbook: severity ? runbook(p.pool, p.max) : [],
  };
}

export function detectNodeHeadroom(obs: NodeHeadroomObservation, cfg: NodeHeadroomConfig, now: number): { findings: Finding[] } {
  return { findings: obs.pools.map((p) => evaluatePool(p, cfg, now)) };
}
