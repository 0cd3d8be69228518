import { describe, expect, it } from 'vitest';
import { clusterHealthSchema } from '../../../shared/config/schema.ts';
import { detectClusterHealth } from '../../../shared/detectors/cluster-health.ts';
import type { ClusterHealthObservation, PodProblem } from '../../../shared/model.ts';

const MIN = 60_000;
const NOW = Date.UTC(2018, 0, 18, 14, 0);
const cfg = clusterHealthSchema.parse({});
const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';

function pod(
  pod: string,
  node: string,
  owner: string,
  namespace = 'prod',
  minutes = 5,
  reason: PodProblem['reason'] = 'CrashLoopBackOff',
): PodProblem {
  return { namespace, pod, node, owner, reason, since: NOW - minutes * MIN };
}

const fluentd = pod('fluentd-gcp-v2.0.9-68p79', SICK, 'DaemonSet/fluentd-gcp-v2.0.9', 'kube-system');
const ingress = pod('nginx-ingress-controller-5f8d9c7b4-xk2lp', SICK, 'ReplicaSet/nginx-ingress-controller-5f8d9c7b4');
const userServer = pod('jupyter-someuser-2dabc', 'gke-prod-a-ssd-pool-972e4826-aaaa', 'Pod/jupyter-someuser-2dabc', 'prod', 120);

describe('clusterHealth', () => {
  it('names the node of the 2018 incident as suspect (a DaemonSet pod and ingress crash-looping there)', () => {
    const { findings } = detectClusterHealth({ problems: [fluentd, ingress, userServer], notReadyNodes: [] }, cfg, NOW);
    expect(findings.map((f) => `${f.key}:${f.severity}`)).toEqual([`node:${SICK}:critical`]);
    expect(findings[0]).toMatchObject({
      title: `Sick node ${SICK}`,
      summary:
        '2 pods crash-looping from 2 owners; a DaemonSet pod (fluentd-gcp-v2.0.9-68p79) failing means the node itself is broken: launches scheduled there may fail',
      evidence: {
        crashLoopingPods: 2,
        owners: 'DaemonSet/fluentd-gcp-v2.0.9 (kube-system), ReplicaSet/nginx-ingress-controller-5f8d9c7b4 (prod)',
        nodeReady: 'yes',
      },
    });
    expect(findings[0].runbook).toContain(`kubectl get pods --all-namespaces -o wide --field-selector spec.nodeName=${SICK}`);
    expect(findings[0].runbook.join('\n')).toContain(`kubectl cordon ${SICK}`);
  });

  it('starts each runbook by pointing kubectl at the configured cluster', () => {
    const cluster = { project: 'binderhub-288415', location: 'us-central1', cluster: 'prod-a' };
    const { findings } = detectClusterHealth({ cluster, problems: [fluentd, ingress], notReadyNodes: [] }, cfg, NOW);
    expect(findings[0].runbook[0]).toBe(
      'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415',
    );
  });

  it.each([
    ['a sick node', { problems: [fluentd] }, `Sick node ${SICK}`],
    ['a NotReady node', { problems: [], notReadyNodes: ['gke-prod-a-user-pool-1'] }, 'Node gke-prod-a-user-pool-1 NotReady'],
    [
      'a workload failing everywhere',
      { problems: ['n1', 'n2', 'n3'].map((n) => pod(`f-${n}`, n, 'DaemonSet/fluentd-gcp-v2.0.10', 'kube-system')) },
      'DaemonSet/fluentd-gcp-v2.0.10 crash-looping on 3 nodes',
    ],
    [
      'a long crash-loop',
      { problems: [{ ...ingress, node: 'healthy', since: NOW - 20 * MIN }] },
      'ReplicaSet/nginx-ingress-controller-5f8d9c7b4 in CrashLoopBackOff for 20m',
    ],
    [
      'a stuck culler',
      { problems: [], staleUserPods: { count: 3, oldestAgeMs: 9 * 3_600_000, maxAgeMs: 8 * 3_600_000 } },
      'Culler may be stuck: 3 user pods older than 8h',
    ],
  ])('titles %s in at most 80 characters', (_name, obs, title) => {
    const [f] = detectClusterHealth({ notReadyNodes: [], ...obs }, cfg, NOW).findings;
    expect(f.title).toBe(title);
    expect(f.title.length).toBeLessThanOrEqual(80);
  });

  it.each([
    ['a crash-looping DaemonSet pod alone', [fluentd], [`node:${SICK}`]],
    ['two owners on one node', [ingress, pod('other-7d9-x', SICK, 'ReplicaSet/other-7d9')], [`node:${SICK}`]],
    ['one non-DaemonSet owner for a short while: nothing yet', [ingress], []],
    ['a user server (bare pod) crash-looping for hours: its own code, no alert', [userServer], []],
    ['several user servers on one node: still no alert', [userServer, pod('jupyter-b', userServer.node, 'Pod/jupyter-b')], []],
  ] as const)('%s', (_name, problems, keys) => {
    const { findings } = detectClusterHealth({ problems: [...problems], notReadyNodes: [] }, cfg, NOW);
    expect(findings.map((f) => f.key)).toEqual(keys);
  });

  it('warns about an infrastructure pod crash-looping for longer than infraCrashLoopFor on a healthy node', () => {
    const longIngress = { ...ingress, node: 'healthy-node', since: NOW - 20 * MIN };
    const { findings } = detectClusterHealth({ problems: [longIngress], notReadyNodes: [] }, cfg, NOW);
    expect(findings.map((f) => `${f.key}:${f.severity}`)).toEqual([`pod:prod/${ingress.pod}:warning`]);
  });

  it('reports a workload crash-looping on many nodes once, as the workload, not as many sick nodes', () => {
    const problems = ['n1', 'n2', 'n3', 'n4'].map((n) => pod(`fluentd-${n}`, n, 'DaemonSet/fluentd-gcp-v2.0.10', 'kube-system'));
    const { findings } = detectClusterHealth({ problems, notReadyNodes: [] }, cfg, NOW);
    expect(findings.map((f) => f.key)).toEqual(['workload:DaemonSet/fluentd-gcp-v2.0.10']);
  });

  it('reports NotReady nodes', () => {
    const { findings } = detectClusterHealth({ problems: [], notReadyNodes: ['node-x'] }, cfg, NOW);
    expect(findings.map((f) => `${f.key}:${f.severity}`)).toEqual(['node:node-x:warning']);
  });

  it('says the culler may be stuck when user pods outlive its max age', () => {
    const { findings } = detectClusterHealth(
      { problems: [], notReadyNodes: [], staleUserPods: { count: 37, oldestAgeMs: 9 * 3_600_000, maxAgeMs: 8 * 3_600_000 } },
      cfg,
      NOW,
    );
    expect(findings[0].summary).toBe('culler may be stuck: 37 user pods older than 8h (oldest 9h) hold room');
  });

  it('flags infrastructure pods pending for long', () => {
    const pending = pod('hub-abc', '', 'ReplicaSet/hub-abc', 'prod', 30, 'Pending');
    const { findings } = detectClusterHealth({ problems: [pending], notReadyNodes: [] }, cfg, NOW);
    expect(findings[0].summary).toContain('pending for 30m');
  });
});

describe('detectClusterHealth: what it reports, and at which status and severity', () => {
  // Thresholds written out here, so each boundary row below says what it tests.
  const set = clusterHealthSchema.parse({ infraCrashLoopFor: '15m', pendingFor: '10m', suspectOwners: 2 });
  const crashing = (owner: string, node: string, minutes: number) => pod(`${owner.split('/')[1]}-${node}`, node, owner, 'prod', minutes);
  const pending = (owner: string, node: string, minutes: number) =>
    pod(`${owner.split('/')[1]}-${node}`, node, owner, 'prod', minutes, 'Pending');

  it.each<[string, Partial<ClusterHealthObservation>, string[]]>([
    ['a healthy cluster', {}, []],
    ['a DaemonSet pod crash-looping on a node', { problems: [fluentd] }, [`node:${SICK}:problem:critical`]],
    [
      'two owners crash-looping on one node (suspectOwners)',
      { problems: [crashing('ReplicaSet/a-1', 'n1', 1), crashing('ReplicaSet/b-1', 'n1', 1)] },
      ['node:n1:problem:critical'],
    ],
    ['one owner crash-looping briefly on one node', { problems: [crashing('ReplicaSet/a-1', 'n1', 14)] }, []],
    [
      'one owner crash-looping for infraCrashLoopFor on a healthy node',
      { problems: [crashing('ReplicaSet/a-1', 'n1', 15)] },
      ['pod:prod/a-1-n1:problem:warning'],
    ],
    ['a NotReady node', { notReadyNodes: ['n9'] }, ['node:n9:problem:warning']],
    [
      'a NotReady node with a DaemonSet pod failing on it',
      { problems: [{ ...fluentd, node: 'n9' }], notReadyNodes: ['n9'] },
      ['node:n9:problem:critical'],
    ],
    [
      'one owner crash-looping on 3 nodes: the workload, once',
      { problems: ['n1', 'n2', 'n3'].map((n) => crashing('ReplicaSet/a-1', n, 60)) },
      ['workload:ReplicaSet/a-1:problem:warning'],
    ],
    ['one owner crash-looping on 2 nodes: not yet a workload', { problems: ['n1', 'n2'].map((n) => crashing('ReplicaSet/a-1', n, 1)) }, []],
    [
      'an infrastructure pod pending for pendingFor',
      { problems: [pending('ReplicaSet/hub-1', '', 10)] },
      ['pod:prod/hub-1-:problem:warning'],
    ],
    ['an infrastructure pod pending for less', { problems: [pending('ReplicaSet/hub-1', '', 9)] }, []],
    [
      'two owners pending on one node: pending is not crash-looping',
      { problems: [pending('ReplicaSet/a-1', 'n1', 1), pending('ReplicaSet/b-1', 'n1', 1)] },
      [],
    ],
    [
      'user servers crash-looping for hours',
      { problems: [userServer, pod('jupyter-b', userServer.node, 'Pod/jupyter-b', 'prod', 300)] },
      [],
    ],
    [
      'user pods older than the culler allows',
      { staleUserPods: { count: 2, oldestAgeMs: 9 * 3_600_000, maxAgeMs: 8 * 3_600_000 } },
      ['culler:problem:warning'],
    ],
    ['no user pods older than the culler allows', { staleUserPods: { count: 0, oldestAgeMs: 0, maxAgeMs: 8 * 3_600_000 } }, []],
  ])('%s', (_name, obs, expected) => {
    const { findings } = detectClusterHealth({ problems: [], notReadyNodes: [], ...obs }, set, NOW);
    expect(findings.map((f) => `${f.key}:${f.status}:${f.severity}`)).toEqual(expected);
    for (const f of findings) expect(f.check).toBe('clusterHealth');
  });

  it('says both reasons for a NotReady node with a DaemonSet pod failing on it', () => {
    const [f] = detectClusterHealth({ problems: [{ ...fluentd, node: 'n9' }], notReadyNodes: ['n9'] }, set, NOW).findings;
    expect(f.summary).toBe(
      `1 pod crash-looping from 1 owner; a DaemonSet pod (${fluentd.pod}) failing means the node itself is broken; the node is NotReady: launches scheduled there may fail`,
    );
    expect(f.evidence).toEqual({ crashLoopingPods: 1, owners: 'DaemonSet/fluentd-gcp-v2.0.9 (kube-system)', nodeReady: 'no' });
  });
});
