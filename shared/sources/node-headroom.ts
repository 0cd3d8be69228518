// Node headroom observation per GKE node pool: the autoscaler ceiling from the
// Container API, the nodes (cordoned included) and unschedulable pods from the
// Kubernetes API. Kubernetes only knows "now", so the node count is kept as a
// rolling history in the state store for the time-to-max forecast.
import type { NodeHeadroomObservation, NodePoolObservation } from '../model.ts';
import type { StateStore } from '../state/store.ts';
import type { ObservationSource, ObserveRequest } from './source.ts';
import type { GkeClient, NodePoolRef } from '../clients/gke.ts';
import { NODE_POOL_LABEL, type KubernetesReader, type PodSummary } from '../clients/kubernetes.ts';
import { sliceSeries } from '../series.ts';
import { appendHistory } from '../state/history.ts';
import { stateKeys } from '../state/keys.ts';

export interface NodePoolTarget {
  ref: NodePoolRef;
  gke: Pick<GkeClient, 'nodePoolLimit'>;
  /** A reader for the pool's cluster; pools of one cluster may share it. */
  kube: Pick<KubernetesReader, 'nodes' | 'pods'>;
}

export interface NodeHeadroomSourceOptions {
  pools: NodePoolTarget[];
  store: StateStore;
  /** Node-count history kept (default 26 h, at least the check's lookback). */
  retentionMs?: number;
}

/** The observation's pool name. */
export const poolName = (ref: NodePoolRef) => `${ref.cluster}/${ref.pool}`;

export function nodeHeadroomSource(opts: NodeHeadroomSourceOptions): ObservationSource<'nodeHeadroom'> {
  return {
    async observe(req: ObserveRequest): Promise<NodeHeadroomObservation> {
      // Unschedulable pods are listed once per cluster reader, not once per pool.
      const pendingByReader = new Map<NodePoolTarget['kube'], Promise<PodSummary[]>>();
      const pendingPods = (kube: NodePoolTarget['kube']) => {
        let p = pendingByReader.get(kube);
        if (!p) pendingByReader.set(kube, (p = kube.pods({ fieldSelector: 'status.phase=Pending' })));
        return p;
      };
      const pools = await Promise.all(opts.pools.map((target) => observePool(target, pendingPods(target.kube), req, opts)));
      return { pools };
    },
  };
}

async function observePool(
  { ref, gke, kube }: NodePoolTarget,
  pendingPods: Promise<PodSummary[]>,
  req: ObserveRequest,
  opts: NodeHeadroomSourceOptions,
): Promise<NodePoolObservation> {
  const [limit, nodes, pending] = await Promise.all([gke.nodePoolLimit(ref), kube.nodes(`${NODE_POOL_LABEL}=${ref.pool}`), pendingPods]);
  const history = await appendHistory(opts.store, stateKeys.nodeCounts(ref), [{ t: req.now, v: nodes.length }], {
    now: req.now,
    retentionMs: Math.max(opts.retentionMs ?? 26 * 3_600_000, req.lookbackMs),
  });
  const cordonedNodes = nodes
    .filter((n) => n.cordoned)
    .map((n) => n.name)
    .sort();
  return {
    pool: poolName(ref),
    nodes: sliceSeries(history, req.now - req.lookbackMs, req.now),
    cordoned: cordonedNodes.length,
    cordonedNodes,
    notReadyNodes: nodes
      .filter((n) => !n.ready)
      .map((n) => n.name)
      .sort(),
    max: limit.max,
    ...(limit.max === null
      ? {}
      : {
          maxSetting: limit.perZoneMax
            ? { kind: 'perZone' as const, perZone: limit.perZoneMax, zones: limit.zones.length }
            : { kind: 'total' as const },
        }),
    // A pod restricted to other pools does not wait for this one; an unrestricted pod could land here.
    pending: pending.filter((p) => p.unschedulableSince !== undefined && (!p.pools || p.pools.includes(ref.pool))).length,
  };
}
