// A member's node headroom where it is not a GKE pool: through its kubeconfig, against
// the cluster-autoscaler's status or a fixed node count (`headroom` in its config).
// `podQuota` (and a member with no cluster access) leaves headroom to its /health quota,
// which the federation view reads.
import type { FederationMember } from '../config/federation.ts';
import type { ObservationSource } from '../sources/source.ts';
import type { StateStore } from '../state/store.ts';

export async function memberHeadroom(m: FederationMember, store: StateStore): Promise<ObservationSource<'nodeHeadroom'> | undefined> {
  const kubeconfig = m.cluster && 'kubeconfig' in m.cluster ? m.cluster.kubeconfig : undefined;
  const headroom = m.headroom ?? (kubeconfig ? 'autoscalerStatus' : undefined);
  if (!kubeconfig || headroom === undefined || headroom === 'gke' || headroom === 'podQuota') return undefined;
  const [k8s, { clusterHeadroomSource }] = await Promise.all([
    import('../clients/kubernetes.ts'),
    import('../sources/cluster-headroom.ts'),
  ]);
  const kube = new k8s.KubernetesReader(k8s.kubeConfigFromFile(kubeconfig));
  return clusterHeadroomSource({ kube, max: headroom, cluster: m.name, store });
}
