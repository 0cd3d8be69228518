import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureNode, fixturePod, fixtureReplicaSet, startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';
import { KubernetesReader, kubeConfigForGke, kubeConfigFromFile } from '../../../shared/clients/kubernetes.ts';
import { clusterHealthSource } from '../../../shared/sources/cluster-health.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { UpstreamError } from '../../../shared/errors.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { detectClusterHealth } from '../../../shared/detectors/cluster-health.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2018, 0, 18, 16, 0, 0);
const USER = { component: 'singleuser-server' };

describe('Kubernetes reads through @kubernetes/client-node over TLS', () => {
  let kube: FakeKubernetes;
  let reader: KubernetesReader;
  /** Deadline far beyond any loopback answer; only an answer that never comes meets the short one. */
  const withDeadline = (timeoutMs: number) =>
    new KubernetesReader(kubeConfigForGke({ endpoint: kube.server, caCert: kube.caCert, token: kube.token }), { pageSize: 2, timeoutMs });

  beforeAll(async () => {
    kube = await startFakeKubernetes();
    reader = withDeadline(10_000);
  });
  afterAll(() => kube.close());
  beforeEach(() => {
    kube.faults.clear();
    kube.requests.length = 0;
  });

  it('lists the nodes of one pool, cordoned included, reading every page', async () => {
    kube.nodes = [
      fixtureNode('user-1', { pool: 'user' }),
      fixtureNode('user-2', { pool: 'user', cordoned: true }),
      fixtureNode('user-3', { pool: 'user', ready: false }),
      fixtureNode('user-4', { pool: 'user' }),
      fixtureNode('core-1', { pool: 'core' }),
    ];
    const nodes = await reader.nodes('cloud.google.com/gke-nodepool=user');

    expect(nodes).toEqual([
      { name: 'user-1', pool: 'user', cordoned: false, ready: true },
      { name: 'user-2', pool: 'user', cordoned: true, ready: true },
      { name: 'user-3', pool: 'user', cordoned: false, ready: false },
      { name: 'user-4', pool: 'user', cordoned: false, ready: true },
    ]);
    expect(kube.requests).toHaveLength(2);
    const second = new URL(kube.requests[1].url, 'https://x').searchParams;
    expect(second.get('continue')).toBeTruthy();
    expect(second.get('labelSelector')).toBe('cloud.google.com/gke-nodepool=user');
    expect(second.get('limit')).toBe('2');
    expect(kube.requests[0].headers.authorization).toBe(`Bearer ${kube.token}`);
  });

  it('counts a node without a Ready condition as not ready', async () => {
    const node = fixtureNode('odd', { pool: 'user' });
    node.status.conditions = [];
    kube.nodes = [node];
    expect(await reader.nodes()).toEqual([{ name: 'odd', pool: 'user', cordoned: false, ready: false }]);
  });

  it('names owners as Kind/name from the controller reference, a Deployment behind its ReplicaSet, and a bare pod as Pod/<name>', async () => {
    kube.pods = [
      fixturePod({
        namespace: 'kube-system',
        name: 'fluentd-gcp-v2.0.9-x1',
        node: 'n1',
        created: NOW - HOUR,
        owner: 'DaemonSet/fluentd-gcp-v2.0.9',
      }),
      fixturePod({ namespace: 'prod', name: 'binder-7d9-abc', node: 'n1', created: NOW - HOUR, owner: 'ReplicaSet/binder-7d9' }),
      fixturePod({
        namespace: 'prod',
        name: 'hub-5d4f8-xyz',
        node: 'n1',
        created: NOW - HOUR,
        owner: 'ReplicaSet/hub-5d4f8',
        labels: { 'pod-template-hash': '5d4f8' },
      }),
      fixturePod({ namespace: 'prod', name: 'jupyter-someone', node: 'n2', created: NOW - HOUR, labels: USER }),
    ];
    const pods = await reader.pods();
    expect(pods.map((p) => [p.namespace, p.name, p.owner])).toEqual([
      ['kube-system', 'fluentd-gcp-v2.0.9-x1', 'DaemonSet/fluentd-gcp-v2.0.9'],
      // no pod-template-hash label: a ReplicaSet of its own, not a Deployment's
      ['prod', 'binder-7d9-abc', 'ReplicaSet/binder-7d9'],
      ['prod', 'hub-5d4f8-xyz', 'Deployment/hub'],
      ['prod', 'jupyter-someone', 'Pod/jupyter-someone'],
    ]);
  });

  it('reads a kubeconfig file as the CLI does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: fake\n  cluster:\n    server: ${kube.server}\n    certificate-authority-data: ${Buffer.from(kube.caCert).toString('base64')}`,
          `users:\n- name: me\n  user:\n    token: ${kube.token}`,
          'contexts:\n- name: other\n  context: {cluster: nowhere, user: me}\n- name: fake\n  context: {cluster: fake, user: me}',
          'current-context: other',
        ].join('\n'),
      );
      kube.nodes = [fixtureNode('n1', { pool: 'user' })];
      const nodes = await new KubernetesReader(kubeConfigFromFile(file, 'fake')).nodes();
      expect(nodes.map((n) => n.name)).toEqual(['n1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const failures: [string, (k: FakeKubernetes) => void, number | undefined, number?][] = [
    ['a 403 (RBAC)', (k) => k.faults.add({ kind: 'status', status: 403 }), 403],
    ['a 429', (k) => k.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 1 }), 429],
    ['a 500', (k) => k.faults.add({ kind: 'status', status: 500 }), 500],
    ['a truncated body', (k) => k.faults.add({ kind: 'truncated' }), undefined],
    ['an HTML page', (k) => k.faults.add({ kind: 'html' }), undefined],
    ['an answer that never comes', (k) => k.faults.add({ kind: 'hang' }), undefined, 500],
    ['a failure on the second page', (k) => k.faults.add({ kind: 'slow', delayMs: 0 }).add({ kind: 'status', status: 500 }), 500],
  ];
  it.each(failures)('%s is an UpstreamError', async (_name, inject, status, timeoutMs) => {
    kube.nodes = [1, 2, 3].map((i) => fixtureNode(`n${i}`, { pool: 'user' }));
    inject(kube);
    const err = await (timeoutMs ? withDeadline(timeoutMs) : reader).nodes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstream).toBe('kubernetes');
    expect((err as UpstreamError).status).toBe(status);
  });

  it('a wrong token is a 401 UpstreamError that does not show the token', async () => {
    const wrong = 'wrong-token-abcdef-123456';
    const bad = new KubernetesReader(kubeConfigForGke({ endpoint: kube.server, caCert: kube.caCert, token: wrong }));
    const err = (await bad.nodes().catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.status).toBe(401);
    expect(err.message).not.toContain(wrong);
  });

  it('asks a token function before every request, so a renewed token replaces an expired one', async () => {
    const live = new Set(['token-one-abcdef-123456']);
    const rotating = await startFakeKubernetes({ accepts: (t) => live.has(t) });
    try {
      rotating.nodes = [fixtureNode('n1', { pool: 'user' })];
      let current = 'token-one-abcdef-123456';
      const r = new KubernetesReader(kubeConfigForGke({ endpoint: rotating.server, caCert: rotating.caCert, token: async () => current }));
      expect(await r.nodes()).toHaveLength(1);
      // The first token expires and the credential renews it.
      live.clear();
      current = 'token-two-abcdef-654321';
      live.add(current);
      expect(await r.nodes()).toHaveLength(1);
      expect(rotating.requests.map((q) => q.headers.authorization)).toEqual([
        'Bearer token-one-abcdef-123456',
        'Bearer token-two-abcdef-654321',
      ]);
    } finally {
      await rotating.close();
    }
  });

  it('refuses a server whose certificate the configured CA did not sign', async () => {
    const other = await startFakeKubernetes({ token: kube.token });
    try {
      const r = new KubernetesReader(kubeConfigForGke({ endpoint: other.server, caCert: kube.caCert, token: kube.token }));
      await expect(r.nodes()).rejects.toBeInstanceOf(UpstreamError);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('cluster health source', () => {
  let kube: FakeKubernetes;
  let reader: KubernetesReader;

  beforeAll(async () => {
    kube = await startFakeKubernetes();
    reader = new KubernetesReader(kubeConfigForGke({ endpoint: kube.server, caCert: kube.caCert, token: kube.token }), { pageSize: 3 });
  });
  afterAll(() => kube.close());
  beforeEach(() => {
    kube.faults.clear();
    kube.requests.length = 0;
    kube.replicaSets = [];
    kube.nodes = [
      fixtureNode('gke-prod-a-ssd-pool-972e4826-2fhq', { pool: 'user' }),
      fixtureNode('gke-prod-a-ssd-pool-972e4826-9xxz', { pool: 'user' }),
      fixtureNode('gke-prod-core-1', { pool: 'core', ready: false }),
    ];
  });

  const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';
  const WELL = 'gke-prod-a-ssd-pool-972e4826-9xxz';

  function sickNodePods() {
    return [
      // The 2018-01-18 picture: fluentd and the ingress controller crash-looping on one node …
      fixturePod({
        namespace: 'kube-system',
        name: 'fluentd-gcp-v2.0.9-abcde',
        node: SICK,
        created: NOW - 5 * HOUR,
        owner: 'DaemonSet/fluentd-gcp-v2.0.9',
        waiting: { reason: 'CrashLoopBackOff', lastFinished: NOW - 2 * MIN, restarts: 17 },
        notReadySince: NOW - 40 * MIN,
      }),
      // (a Deployment's pod: the controller labels it with its ReplicaSet's pod-template-hash)
      fixturePod({
        namespace: 'ingress',
        name: 'nginx-ingress-controller-5d6b8c9f7-q2',
        node: SICK,
        created: NOW - 5 * HOUR,
        owner: 'ReplicaSet/nginx-ingress-controller-5d6b8c9f7',
        labels: { 'pod-template-hash': '5d6b8c9f7' },
        waiting: { reason: 'CrashLoopBackOff', lastFinished: NOW - 3 * MIN, restarts: 12 },
      }),
      // … a user's own server crash-looping elsewhere (their code, a bare pod) …
      fixturePod({
        namespace: 'prod',
        name: 'jupyter-someone',
        node: WELL,
        created: NOW - 30 * MIN,
        labels: USER,
        waiting: { reason: 'CrashLoopBackOff', lastFinished: NOW - MIN, restarts: 4 },
      }),
      // … image pulls failing, one backing off, one just failed …
      fixturePod({
        namespace: 'prod',
        name: 'binder-6c5-img',
        node: WELL,
        created: NOW - 20 * MIN,
        owner: 'ReplicaSet/binder-6c5',
        phase: 'Pending',
        waiting: { reason: 'ImagePullBackOff' },
      }),
      fixturePod({
        namespace: 'staging',
        name: 'hub-77f-img',
        node: WELL,
        created: NOW - 2 * MIN,
        owner: 'ReplicaSet/hub-77f',
        phase: 'Pending',
        waiting: { reason: 'ErrImagePull' },
      }),
      // … a pod pending for an hour and one that is merely starting …
      fixturePod({ namespace: 'prod', name: 'jupyter-waiting', created: NOW - HOUR, labels: USER, unschedulableSince: NOW - HOUR }),
      fixturePod({
        namespace: 'prod',
        name: 'jupyter-starting',
        node: WELL,
        created: NOW - MIN,
        labels: USER,
        phase: 'Pending',
        waiting: { reason: 'ContainerCreating' },
      }),
      // … and healthy or finished pods that are no problem.
      fixturePod({ namespace: 'prod', name: 'hub-5d4-ok', node: WELL, created: NOW - 9 * HOUR, owner: 'ReplicaSet/hub-5d4' }),
      fixturePod({
        namespace: 'prod',
        name: 'build-done',
        node: WELL,
        created: NOW - HOUR,
        phase: 'Succeeded',
        waiting: { reason: 'CrashLoopBackOff' },
      }),
    ];
  }

  it('lists crash-looping, image-pull and long-pending pods in all namespaces with node, owner and since', async () => {
    kube.pods = sickNodePods();
    const cluster = { project: 'binderhub-288415', location: 'us-central1', cluster: 'prod-a' };
    const source = clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * HOUR, pendingForMs: 15 * MIN, clusterRef: cluster });
    const obs = await source.observe({ now: NOW, lookbackMs: HOUR, stepMs: MIN });

    expect(obs.cluster).toEqual(cluster);
    expect(obs.problems).toEqual([
      {
        namespace: 'ingress',
        pod: 'nginx-ingress-controller-5d6b8c9f7-q2',
        node: SICK,
        owner: 'Deployment/nginx-ingress-controller',
        reason: 'CrashLoopBackOff',
        since: NOW - 3 * MIN,
      },
      // the earlier of "containers not ready since" and the last crash
      {
        namespace: 'kube-system',
        pod: 'fluentd-gcp-v2.0.9-abcde',
        node: SICK,
        owner: 'DaemonSet/fluentd-gcp-v2.0.9',
        reason: 'CrashLoopBackOff',
        since: NOW - 40 * MIN,
      },
      {
        namespace: 'prod',
        pod: 'binder-6c5-img',
        node: WELL,
        owner: 'ReplicaSet/binder-6c5',
        reason: 'ImagePullBackOff',
        since: NOW - 20 * MIN,
      },
      { namespace: 'prod', pod: 'jupyter-someone', node: WELL, owner: 'Pod/jupyter-someone', reason: 'CrashLoopBackOff', since: NOW - MIN },
      { namespace: 'prod', pod: 'jupyter-waiting', node: '', owner: 'Pod/jupyter-waiting', reason: 'Pending', since: NOW - HOUR },
      {
        namespace: 'staging',
        pod: 'hub-77f-img',
        node: WELL,
        owner: 'ReplicaSet/hub-77f',
        reason: 'ImagePullBackOff',
        since: NOW - 2 * MIN,
      },
    ]);
    expect(obs.notReadyNodes).toEqual(['gke-prod-core-1']);
    // Terminated pods are filtered by the server, as the real API does with this field selector.
    expect(new URL(kube.requests.find((r) => r.url.startsWith('/api/v1/pods'))!.url, 'https://x').searchParams.get('fieldSelector')).toBe(
      'status.phase!=Succeeded,status.phase!=Failed',
    );

    // The detector names the sick node from this observation.
    const findings = detectClusterHealth(obs, parseConfig({}).checks.clusterHealth, NOW).findings;
    const sick = findings.find((f) => f.key === `node:${SICK}`);
    expect(sick).toMatchObject({ status: 'problem', severity: 'critical' });
    expect(sick?.title).toBe(`Sick node ${SICK}`);
    expect(sick?.evidence?.owners).toBe('DaemonSet/fluentd-gcp-v2.0.9 (kube-system), Deployment/nginx-ingress-controller (ingress)');
    expect(sick?.runbook[0]).toBe('gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415');
  });

  it('names a problem pod by its ReplicaSet’s real controller, reading each ReplicaSet once per run', async () => {
    const crash = { reason: 'CrashLoopBackOff', lastFinished: NOW - MIN, restarts: 9 };
    kube.pods = [
      // An Argo Rollout's ReplicaSet: no Deployment hash label, but the API knows its owner.
      fixturePod({
        namespace: 'prod',
        name: 'web-6c9f8-a',
        node: SICK,
        created: NOW - HOUR,
        owner: 'ReplicaSet/web-6c9f8',
        waiting: crash,
      }),
      fixturePod({
        namespace: 'prod',
        name: 'web-6c9f8-b',
        node: SICK,
        created: NOW - HOUR,
        owner: 'ReplicaSet/web-6c9f8',
        waiting: crash,
      }),
      // A Deployment's ReplicaSet: the API confirms what the label says.
      fixturePod({
        namespace: 'prod',
        name: 'hub-5d4f8-x',
        node: SICK,
        created: NOW - HOUR,
        owner: 'ReplicaSet/hub-5d4f8',
        labels: { 'pod-template-hash': '5d4f8' },
        waiting: crash,
      }),
      // A healthy pod's ReplicaSet is never read.
      fixturePod({ namespace: 'prod', name: 'binder-7d9-ok', node: WELL, created: NOW - HOUR, owner: 'ReplicaSet/binder-7d9' }),
    ];
    kube.replicaSets = [
      fixtureReplicaSet('prod', 'web-6c9f8', 'Rollout/web'),
      fixtureReplicaSet('prod', 'hub-5d4f8', 'Deployment/hub'),
      fixtureReplicaSet('prod', 'binder-7d9', 'Deployment/binder'),
    ];
    const obs = await clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * HOUR }).observe({ now: NOW, lookbackMs: HOUR, stepMs: MIN });
    expect(obs.problems.map((p) => [p.pod, p.owner])).toEqual([
      ['hub-5d4f8-x', 'Deployment/hub'],
      ['web-6c9f8-a', 'Rollout/web'],
      ['web-6c9f8-b', 'Rollout/web'],
    ]);
    expect(
      kube.requests
        .filter((r) => r.url.startsWith('/apis/apps/v1/'))
        .map((r) => r.url)
        .sort(),
    ).toEqual(['/apis/apps/v1/namespaces/prod/replicasets/hub-5d4f8', '/apis/apps/v1/namespaces/prod/replicasets/web-6c9f8']);
  });

  it('keeps the name the labels give when a ReplicaSet cannot be read, and says a ReplicaSet of its own is one', async () => {
    const crash = { reason: 'CrashLoopBackOff', lastFinished: NOW - MIN, restarts: 9 };
    kube.pods = [
      fixturePod({
        namespace: 'prod',
        name: 'hub-5d4f8-x',
        node: SICK,
        created: NOW - HOUR,
        owner: 'ReplicaSet/hub-5d4f8',
        labels: { 'pod-template-hash': '5d4f8' },
        waiting: crash,
      }),
      fixturePod({
        namespace: 'prod',
        name: 'lone-7bd5c-x',
        node: SICK,
        created: NOW - HOUR,
        owner: 'ReplicaSet/lone-7bd5c',
        labels: { 'pod-template-hash': '7bd5c' },
        waiting: crash,
      }),
    ];
    // hub-5d4f8 is not there (404: as without RBAC for replicasets); lone-7bd5c has no controller.
    kube.replicaSets = [fixtureReplicaSet('prod', 'lone-7bd5c')];
    const obs = await clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * HOUR }).observe({ now: NOW, lookbackMs: HOUR, stepMs: MIN });
    expect(obs.problems.map((p) => [p.pod, p.owner])).toEqual([
      ['hub-5d4f8-x', 'Deployment/hub'],
      ['lone-7bd5c-x', 'ReplicaSet/lone-7bd5c'],
    ]);
  });

  it('counts user servers older than the culler’s max age', async () => {
    kube.pods = [
      fixturePod({ namespace: 'prod', name: 'jupyter-fresh', node: WELL, created: NOW - HOUR, labels: USER }),
      fixturePod({ namespace: 'prod', name: 'jupyter-old', node: WELL, created: NOW - 9 * HOUR, labels: USER }),
      fixturePod({ namespace: 'prod', name: 'jupyter-older', node: WELL, created: NOW - 10 * HOUR, labels: USER }),
      fixturePod({ namespace: 'prod', name: 'hub-ancient', node: WELL, created: NOW - 90 * HOUR, owner: 'ReplicaSet/hub-5d4' }),
    ];
    const obs = await clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * HOUR }).observe({ now: NOW, lookbackMs: HOUR, stepMs: MIN });
    expect(obs.staleUserPods).toEqual({ count: 2, oldestAgeMs: 10 * HOUR, maxAgeMs: 8 * HOUR });
    expect(obs.problems).toEqual([]);
  });

  it('remembers when a crash loop was first seen, across restarts that move the API’s estimate', async () => {
    const store = new MemoryStore();
    const source = clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * HOUR, store, cluster: 'prod' });
    const looping = (lastFinished: number) =>
      fixturePod({
        namespace: 'kube-system',
        name: 'kube-proxy-x',
        node: SICK,
        created: NOW - 5 * HOUR,
        owner: 'DaemonSet/kube-proxy',
        waiting: { reason: 'CrashLoopBackOff', lastFinished },
      });
    const sinceAt = async (now: number) => (await source.observe({ now, lookbackMs: HOUR, stepMs: MIN })).problems[0]?.since;

    kube.pods = [looping(NOW - MIN)];
    expect(await sinceAt(NOW)).toBe(NOW - MIN);
    kube.pods = [looping(NOW + 9 * MIN)];
    expect(await sinceAt(NOW + 10 * MIN)).toBe(NOW - MIN);
    // Briefly Running between back-offs: not a problem in this run, but not forgotten either.
    kube.pods = [
      fixturePod({ namespace: 'kube-system', name: 'kube-proxy-x', node: SICK, created: NOW - 5 * HOUR, owner: 'DaemonSet/kube-proxy' }),
    ];
    expect(await sinceAt(NOW + 15 * MIN)).toBeUndefined();
    kube.pods = [looping(NOW + 19 * MIN)];
    expect(await sinceAt(NOW + 20 * MIN)).toBe(NOW - MIN);
    // Gone for longer than the grace period: a later loop is a new problem.
    kube.pods = [];
    await sinceAt(NOW + 40 * MIN);
    kube.pods = [looping(NOW + 59 * MIN)];
    expect(await sinceAt(NOW + 60 * MIN)).toBe(NOW + 59 * MIN);
  });

  it('is an UpstreamError when the pods cannot be listed (403)', async () => {
    kube.pods = sickNodePods();
    kube.faults.add({ kind: 'status', status: 403 }, 2);
    const err = await clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * HOUR })
      .observe({ now: NOW, lookbackMs: HOUR, stepMs: MIN })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(403);
  });
});
