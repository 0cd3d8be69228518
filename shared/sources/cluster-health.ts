// Cluster health observation: pods in CrashLoopBackOff / ImagePullBackOff / long
// Pending in all namespaces (with node and controlling owner), NotReady nodes,
// and user servers older than the culler's max age.
//
// Kubernetes records no "crash-looping since": the API gives only estimates (see
// ContainerWaiting.since). With a store, the first time each problem was seen is
// remembered across runs, so `since` does not reset at every restart.
import type { ClusterHealthObservation, ClusterRef, PodProblem, PodProblemReason } from '../model.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';
import type { ObservationSource, ObserveRequest } from './source.ts';
import type { KubernetesReader, PodSummary } from '../clients/kubernetes.ts';
import { stateKeys } from '../state/keys.ts';

export interface ClusterHealthSourceOptions {
  /** With `replicaSetController`, problem pods are named by their ReplicaSet's real owner. */
  kube: Pick<KubernetesReader, 'nodes' | 'pods'> & Partial<Pick<KubernetesReader, 'replicaSetController'>>;
  /** User servers older than this suggest the culler is stuck. */
  cullerMaxAgeMs: number;
  /** Pending pods younger than this are launches in progress and not listed (default 0: all). */
  pendingForMs?: number;
  /** Remembers when each problem was first seen. */
  store?: StateStore;
  /** Names the cluster in the store key (one key per cluster). */
  cluster?: string;
  /** The cluster as the config names it, passed on so runbooks can name it. */
  clusterRef?: ClusterRef;
  /** Label `key=value` of user servers (Zero to JupyterHub: component=singleuser-server). */
  userPodLabel?: string;
  /** A problem missing from a run for less than this keeps its first-seen time (a crash-looping container is briefly Running between back-offs). */
  forgetAfterMs?: number;
}

interface Seen {
  firstSeen: number;
  lastSeen: number;
}

export function clusterHealthSource(opts: ClusterHealthSourceOptions): ObservationSource<'clusterHealth'> {
  const [userKey, userValue] = (opts.userPodLabel ?? 'component=singleuser-server').split('=');
  return {
    async observe(req: ObserveRequest): Promise<ClusterHealthObservation> {
      const [nodes, pods] = await Promise.all([
        opts.kube.nodes(),
        opts.kube.pods({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
      ]);
      let problems = await withRealOwners(
        opts.kube,
        pods,
        pods.flatMap((p) => problemOf(p, req.now, opts.pendingForMs ?? 0)),
      );
      if (opts.store)
        problems = await rememberFirstSeen(
          opts.store,
          stateKeys.podProblems(opts.cluster ?? 'default'),
          problems,
          req.now,
          opts.forgetAfterMs ?? 15 * 60_000,
        );
      const userAges = pods.filter((p) => p.labels[userKey] === userValue).map((p) => req.now - p.startedAt);
      return {
        ...(opts.clusterRef ? { cluster: opts.clusterRef } : {}),
        problems,
        notReadyNodes: nodes
          .filter((n) => !n.ready)
          .map((n) => n.name)
          .sort(),
        staleUserPods: {
          count: userAges.filter((a) => a > opts.cullerMaxAgeMs).length,
          oldestAgeMs: Math.max(0, ...userAges),
          maxAgeMs: opts.cullerMaxAgeMs,
        },
      };
    },
  };
}

/** ReplicaSets read per run, at most: a bad rollout crash-loops many pods of a few ReplicaSets. */
const MAX_OWNER_LOOKUPS = 20;

/**
 * Problem pods of a ReplicaSet named by that ReplicaSet's controller, read from the API
 * once per ReplicaSet per run. Only problem pods are looked up, so a run costs a few
 * reads; one that fails (no RBAC for replicasets, a timeout) keeps the name the pod's
 * labels give.
 */
async function withRealOwners(kube: ClusterHealthSourceOptions['kube'], pods: PodSummary[], problems: PodProblem[]): Promise<PodProblem[]> {
  const lookup = kube.replicaSetController?.bind(kube);
  if (!lookup) return problems;
  const replicaSetOf = new Map(pods.filter((p) => p.replicaSet).map((p) => [`${p.namespace}/${p.name}`, p.replicaSet!]));
  const owners = new Map<string, Promise<string | undefined>>();
  return Promise.all(
    problems.map(async (problem) => {
      const rs = replicaSetOf.get(`${problem.namespace}/${problem.pod}`);
      if (!rs) return problem;
      const id = `${problem.namespace}/${rs}`;
      let owner = owners.get(id);
      if (!owner) {
        if (owners.size >= MAX_OWNER_LOOKUPS) return problem;
        owner = lookup(problem.namespace, rs).then(
          (controller) => controller ?? `ReplicaSet/${rs}`,
          () => undefined,
        );
        owners.set(id, owner);
      }
      const real = await owner;
      return real ? { ...problem, owner: real } : problem;
    }),
  );
}

function problemOf(p: PodSummary, now: number, pendingForMs: number): PodProblem[] {
  const base = { namespace: p.namespace, pod: p.name, node: p.node, owner: p.owner };
  const waitingFor = (reason: PodProblemReason, kubeletReasons: string[]): PodProblem[] => {
    const w = p.waiting.filter((c) => kubeletReasons.includes(c.reason));
    return w.length ? [{ ...base, reason, since: Math.min(...w.map((c) => c.since)) }] : [];
  };
  const crash = waitingFor('CrashLoopBackOff', ['CrashLoopBackOff']);
  if (crash.length) return crash;
  const pull = waitingFor('ImagePullBackOff', ['ImagePullBackOff', 'ErrImagePull']);
  if (pull.length) return pull;
  if (p.phase === 'Pending' && now - p.createdAt >= pendingForMs) return [{ ...base, reason: 'Pending', since: p.createdAt }];
  return [];
}

async function rememberFirstSeen(
  store: StateStore,
  key: string,
  problems: PodProblem[],
  now: number,
  forgetAfterMs: number,
): Promise<PodProblem[]> {
  const idOf = (p: PodProblem) => `${p.namespace}/${p.pod}/${p.reason}`;
  const seen = await updateWithRetry<Record<string, Seen>, Record<string, Seen>>(store, key, (current) => {
    const next: Record<string, Seen> = {};
    for (const [id, s] of Object.entries(current ?? {})) if (now - s.lastSeen < forgetAfterMs) next[id] = s;
    for (const p of problems) {
      const id = idOf(p);
      next[id] = { firstSeen: Math.min(next[id]?.firstSeen ?? Infinity, p.since), lastSeen: now };
    }
    return { value: next, result: next };
  });
  return problems.map((p) => ({ ...p, since: seen?.[idOf(p)]?.firstSeen ?? p.since }));
}
