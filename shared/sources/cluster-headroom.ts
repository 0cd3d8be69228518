// Node headroom on any Kubernetes (k3s, OVH, Hetzner …): the cluster's nodes against the
// cluster-autoscaler's max (the sum of its node groups' maxSize, from its status
// ConfigMap) or a fixed node count where nothing scales. The whole cluster is one "pool".
import { AUTOSCALER_STATUS, parseAutoscalerStatus } from '../clients/autoscaler-status.ts';
import type { KubernetesReader } from '../clients/kubernetes.ts';
import { UpstreamError } from '../errors.ts';
import { sliceSeries } from '../series.ts';
import { appendHistory } from '../state/history.ts';
import { stateKeys } from '../state/keys.ts';
import type { StateStore } from '../state/store.ts';
import type { ObservationSource } from './source.ts';

export interface ClusterHeadroomOptions {
  kube: Pick<KubernetesReader, 'nodes' | 'configMapData'>;
  /** `autoscalerStatus`, or a fixed number of nodes. */
  max: 'autoscalerStatus' | { maxNodes: number };
  /** Names the cluster in findings and in the node-count history. */
  cluster: string;
  store: StateStore;
}

/** The autoscaler's max over all its node groups. */
export async function autoscalerMax(kube: ClusterHeadroomOptions['kube']): Promise<number> {
  const { namespace, name, key } = AUTOSCALER_STATUS;
  const data = await kube.configMapData(namespace, name);
  if (!data?.[key])
    throw new UpstreamError('kubernetes', `no ${namespace}/${name} ConfigMap with "${key}" (is the cluster-autoscaler running?)`);
  try {
    return parseAutoscalerStatus(data[key]).reduce((sum, g) => sum + g.maxSize, 0);
  } catch (e) {
    throw new UpstreamError('kubernetes', `${namespace}/${name}: ${(e as Error).message}`);
  }
}

export function clusterHeadroomSource(opts: ClusterHeadroomOptions): ObservationSource<'nodeHeadroom'> {
  return {
    async observe(req) {
      const [nodes, max] = await Promise.all([
        opts.kube.nodes(),
        opts.max === 'autoscalerStatus' ? autoscalerMax(opts.kube) : Promise.resolve(opts.max.maxNodes),
      ]);
      const ref = { project: '-', location: '-', cluster: opts.cluster, pool: 'all' };
      const history = await appendHistory(opts.store, stateKeys.nodeCounts(ref), [{ t: req.now, v: nodes.length }], {
        now: req.now,
        retentionMs: Math.max(26 * 3_600_000, req.lookbackMs),
      });
      const cordonedNodes = nodes.filter((n) => n.cordoned).map((n) => n.name);
      return {
        pools: [
          {
            pool: `${opts.cluster}/all`,
            nodes: sliceSeries(history, req.now - req.lookbackMs, req.now),
            cordoned: cordonedNodes.length,
            cordonedNodes,
            notReadyNodes: nodes.filter((n) => !n.ready).map((n) => n.name),
            max,
            maxSetting: { kind: 'total' },
            pending: 0,
          },
        ],
      };
    },
  };
}
