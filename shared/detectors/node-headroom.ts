// Node headroom: nodes of each autoscaled pool, cordoned ones
// included, against the autoscaler's max, with a time-to-max forecast.
// On 2018-01-18 the team read "12 of 15" off a dashboard that skipped a cordoned node.
import { findingKeys } from '../state/keys.ts';
import type { NodeHeadroomConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import { shortTitle, type Finding, type NodeHeadroomObservation, type NodePoolObservation, type Severity } from '../model.ts';
import { credentialsCommand } from './runbook.ts';
import { lastSample, slope } from '../series.ts';

/** Older than this, the node count is not "now" any more. */
const STALE_MS = 15 * 60_000;

export function nodeHeadroomLookbackMs(cfg: NodeHeadroomConfig): number {
  return cfg.forecastWindow + 5 * 60_000;
}

/** The configured pool behind an observation (`cluster/pool` live, the bare pool in scenarios). */
function poolRef(pool: string, cfg: NodeHeadroomConfig): NodeHeadroomConfig['pools'][number] | undefined {
  return cfg.pools.find((r) => `${r.cluster}/${r.pool}` === pool) ?? cfg.pools.find((r) => r.pool === pool);
}

/** A new max a third above the current one: room for a surge like 2018's, a number to start from. */
const raise = (n: number) => n + Math.max(1, Math.ceil(n / 3));

function maxCommand(p: NodePoolObservation): string {
  const s = p.maxSetting;
  if (s?.kind === 'perZone') {
    return `--max-nodes ${raise(s.perZone)}   # per zone: now ${s.perZone} × ${s.zones} zone${s.zones === 1 ? '' : 's'} = ${p.max}`;
  }
  if (s?.kind === 'total') return `--total-max-nodes ${raise(p.max ?? 0)}   # now ${p.max} in all`;
  return `--max-nodes <per-zone max>   # now ${Number.isFinite(p.max) ? p.max : '?'} over all zones`;
}

function runbook(p: NodePoolObservation, cfg: NodeHeadroomConfig): string[] {
  const ref = poolRef(p.pool, cfg);
  const name = ref?.pool ?? p.pool.split('/').pop()!;
  const cluster = ref
    ? `${ref.cluster} --location ${ref.location} --project ${ref.project}`
    : p.pool.includes('/')
      ? p.pool.split('/')[0]
      : '<cluster>';
  return [
    ...credentialsCommand(ref),
    `kubectl get nodes -l cloud.google.com/gke-nodepool=${name} -o wide   # SchedulingDisabled = cordoned, still counted`,
    'kubectl get pods --all-namespaces --field-selector=status.phase=Pending',
    `gcloud container clusters update ${cluster} --node-pool ${name} --enable-autoscaling ${maxCommand(p)}`,
  ];
}

function evaluatePool(p: NodePoolObservation, cfg: NodeHeadroomConfig, now: number): Finding {
  const key = findingKeys.headroom(p.pool);
  const current = lastSample(p.nodes, now);
  if (!current || now - current.t > STALE_MS || !Number.isFinite(p.max ?? 0)) {
    return {
      check: 'nodeHeadroom',
      key,
      status: 'unknown',
      severity: 'warning',
      title: shortTitle(`Node count of pool ${p.pool}`, ' unknown'),
      summary: `node count of pool ${p.pool} unknown (no data for ${current ? formatDuration(now - current.t) : 'the whole window'})`,
      runbook: runbook(p, cfg),
    };
  }
  const nodes = current.v;
  if (p.max === null || p.max <= 0) {
    return {
      check: 'nodeHeadroom',
      key,
      status: 'ok',
      severity: 'warning',
      title: shortTitle(`Pool ${p.pool}`, `: ${nodes} nodes, autoscaling off`),
      summary: `${nodes} nodes in ${p.pool}; autoscaling off`,
      runbook: [],
    };
  }
  const ratio = nodes / p.max;
  const atMaxWithPending = nodes >= p.max && p.pending > 0;
  const severity: Severity | undefined =
    ratio >= cfg.criticalAt || atMaxWithPending ? 'critical' : ratio >= cfg.warnAt ? 'warning' : undefined;

  const recent = p.nodes.filter((s) => s.t > now - cfg.forecastWindow && s.t <= now);
  const perMs = slope(recent);
  const timeToMax = nodes >= p.max ? 0 : perMs > 0 ? (p.max - nodes) / perMs : Infinity;
  const forecast =
    timeToMax === 0
      ? 'at the max'
      : Number.isFinite(timeToMax)
        ? `max reached in ~${formatDuration(timeToMax)} at the current rate`
        : 'not growing';

  const cordonedNames = p.cordonedNodes?.length ? ` (${p.cordonedNodes.join(', ')})` : '';
  const cordonedText =
    p.cordoned > 0 ? `, ${p.cordoned} cordoned${cordonedNames}: dashboards that skip cordoned nodes show ${nodes - p.cordoned}` : '';
  const pendingText = p.pending > 0 ? `; ${p.pending} pods pending for lack of room` : '';
  const notReadyText = p.notReadyNodes?.length ? `; NotReady: ${p.notReadyNodes.join(', ')}` : '';
  return {
    check: 'nodeHeadroom',
    key,
    status: severity ? 'problem' : 'ok',
    severity: severity ?? 'warning',
    title: shortTitle(`Pool ${p.pool}`, ` at ${nodes} of ${p.max} nodes`),
    summary: `${nodes} of ${p.max} nodes in use in pool ${p.pool} (${Math.round(ratio * 100)} %)${cordonedText}${pendingText}; ${forecast}${notReadyText}`,
    evidence: {
      nodes,
      max: p.max,
      usedPct: Math.round(ratio * 100),
      cordoned: p.cordoned,
      pendingPods: p.pending,
      timeToMaxMin: Number.isFinite(timeToMax) ? Math.round(timeToMax / 60_000) : 'never',
    },
    runbook: severity ? runbook(p, cfg) : [],
  };
}

export function detectNodeHeadroom(obs: NodeHeadroomObservation, cfg: NodeHeadroomConfig, now: number): { findings: Finding[] } {
  return { findings: obs.pools.map((p) => evaluatePool(p, cfg, now)) };
}
