// Cluster health: pods crash-looping in every namespace, grouped by
// node, to name the sick node. On 2018-01-18 a node with broken networking showed
// itself only through fluentd and ingress pods crash-looping in other namespaces.
import type { ClusterHealthConfig } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import { credentialsCommand } from './runbook.ts';
import { shortTitle, type ClusterHealthObservation, type ClusterRef, type Finding, type PodProblem } from '../model.ts';

/** A workload crash-looping on this many nodes is a bad rollout, not a bad node. */
const WORKLOAD_SPREAD = 3;

const isUserServer = (p: PodProblem) => p.owner.startsWith('Pod/');
const isCrashing = (p: PodProblem) => p.reason !== 'Pending';

function nodeRunbook(node: string, cluster: ClusterRef | undefined): string[] {
  return [
    ...credentialsCommand(cluster),
    `kubectl get pods --all-namespaces -o wide --field-selector spec.nodeName=${node}`,
    `kubectl describe node ${node}`,
    `kubectl cordon ${node}   # stop new launches landing there`,
    `kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data   # once cordoned, move what runs there`,
  ];
}

/** DaemonSets first: one of them failing is what says the node itself is broken. */
function ownersText(pods: PodProblem[]): string {
  const owners = [...new Set(pods.map((p) => `${p.owner} (${p.namespace})`))];
  return [...owners.filter((o) => o.startsWith('DaemonSet/')), ...owners.filter((o) => !o.startsWith('DaemonSet/'))].join(', ');
}

export function detectClusterHealth(obs: ClusterHealthObservation, cfg: ClusterHealthConfig, now: number): { findings: Finding[] } {
  const findings: Finding[] = [];
  const cluster = obs.cluster;
  const infra = obs.problems.filter((p) => !isUserServer(p));
  const crashing = infra.filter(isCrashing);

  // Workloads failing on many nodes are reported once, as the workload.
  const nodesByOwner = new Map<string, Set<string>>();
  for (const p of crashing) nodesByOwner.set(p.owner, (nodesByOwner.get(p.owner) ?? new Set()).add(p.node));
  const spread = new Set([...nodesByOwner].filter(([, nodes]) => nodes.size >= WORKLOAD_SPREAD).map(([o]) => o));
  for (const owner of spread) {
    const pods = crashing.filter((p) => p.owner === owner);
    findings.push({
      check: 'clusterHealth',
      key: `workload:${owner}`,
      status: 'problem',
      severity: 'warning',
      title: shortTitle(owner, ` crash-looping on ${nodesByOwner.get(owner)!.size} nodes`),
      summary: `${owner} is crash-looping on ${nodesByOwner.get(owner)!.size} nodes: a bad rollout or config, not one bad node`,
      evidence: { pods: pods.length, nodes: nodesByOwner.get(owner)!.size },
      runbook: [
        ...credentialsCommand(cluster),
        `kubectl get pods --all-namespaces -o wide | grep ${owner.split('/')[1]}`,
        `kubectl logs -n ${pods[0].namespace} ${pods[0].pod} --previous`,
      ],
    });
  }

  const byNode = new Map<string, PodProblem[]>();
  for (const p of crashing) if (!spread.has(p.owner)) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  const suspects = new Set<string>();
  const notReady = new Set(obs.notReadyNodes);
  for (const node of new Set([...byNode.keys(), ...notReady])) {
    const pods = byNode.get(node) ?? [];
    const owners = new Set(pods.map((p) => p.owner));
    const daemonSet = pods.find((p) => p.owner.startsWith('DaemonSet/'));
    const suspect = owners.size >= cfg.suspectOwners || daemonSet !== undefined;
    if (!suspect && !notReady.has(node)) continue;
    suspects.add(node);
    // The owners are listed in the evidence; the summary says why in one line.
    const reasons = [
      suspect
        ? `${pods.length} pod${pods.length === 1 ? '' : 's'} crash-looping from ${owners.size} owner${owners.size === 1 ? '' : 's'}`
        : '',
      daemonSet ? `a DaemonSet pod (${daemonSet.pod}) failing means the node itself is broken` : '',
      notReady.has(node) ? 'the node is NotReady' : '',
    ].filter(Boolean);
    findings.push({
      check: 'clusterHealth',
      key: `node:${node}`,
      status: 'problem',
      severity: suspect ? 'critical' : 'warning',
      title: suspect ? shortTitle(`Sick node ${node}`) : shortTitle(`Node ${node}`, ' NotReady'),
      summary: `${reasons.join('; ')}: launches scheduled there may fail`,
      evidence: {
        crashLoopingPods: pods.length,
        ...(pods.length ? { owners: ownersText(pods) } : {}),
        nodeReady: notReady.has(node) ? 'no' : 'yes',
      },
      runbook: nodeRunbook(node, cluster),
    });
  }

  // An infrastructure pod failing for long is worth a look even on a healthy node.
  const crashFor = cfg.infraCrashLoopFor;
  const pendingFor = cfg.pendingFor;
  for (const p of infra) {
    if (suspects.has(p.node) || spread.has(p.owner)) continue;
    const age = now - p.since;
    if (age < (p.reason === 'Pending' ? pendingFor : crashFor)) continue;
    const what = `${p.reason === 'Pending' ? 'pending' : `in ${p.reason}`} for ${formatDuration(age)}`;
    findings.push({
      check: 'clusterHealth',
      key: `pod:${p.namespace}/${p.pod}`,
      status: 'problem',
      severity: 'warning',
      title: shortTitle(p.owner, ` ${what}`),
      summary: `${p.namespace}/${p.pod} (${p.owner}) ${what} on ${p.node || 'no node'}`,
      runbook: [
        ...credentialsCommand(cluster),
        `kubectl describe pod -n ${p.namespace} ${p.pod}`,
        `kubectl logs -n ${p.namespace} ${p.pod} --previous`,
      ],
    });
  }

  if (obs.staleUserPods && obs.staleUserPods.count > 0) {
    const s = obs.staleUserPods;
    findings.push({
      check: 'clusterHealth',
      key: 'culler',
      status: 'problem',
      severity: 'warning',
      title: shortTitle(`Culler may be stuck: ${s.count} user pods older than ${formatDuration(s.maxAgeMs)}`),
      summary: `culler may be stuck: ${s.count} user pods older than ${formatDuration(s.maxAgeMs)} (oldest ${formatDuration(s.oldestAgeMs)}) hold room`,
      evidence: { staleUserPods: s.count, oldestHours: Number((s.oldestAgeMs / 3_600_000).toFixed(1)) },
      runbook: [
        ...credentialsCommand(cluster),
        'kubectl get pods -l component=singleuser-server --sort-by=.metadata.creationTimestamp',
        'kubectl logs deploy/hub --tail=500 | grep -i cull',
        'kubectl rollout restart deploy/hub   # the culler restarts with the hub',
      ],
    });
  }
  return { findings };
}
