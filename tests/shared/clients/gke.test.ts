import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { startFakeGoogleApis, type FakeGoogleApis } from '../../../infra/fakes/google-apis.ts';
import { fixtureNode, fixturePod, startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';
import { GkeClient, type NodePoolRef } from '../../../shared/clients/gke.ts';
import { KubernetesReader, kubeConfigForGke } from '../../../shared/clients/kubernetes.ts';
import { nodeHeadroomSource } from '../../../shared/sources/node-headroom.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { UpstreamError } from '../../../shared/errors.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { detectNodeHeadroom, nodeHeadroomLookbackMs } from '../../../shared/detectors/node-headroom.ts';

const TOKEN = 'ya29.test-access-token-gke';
const CLUSTER = 'projects/binder-prod/locations/us-central1/clusters/prod';
const ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'];
const ref = (pool: string): NodePoolRef => ({ project: 'binder-prod', location: 'us-central1', cluster: 'prod', pool });

function auth(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  return client;
}

// Only the Container API's documented fields that binderwatch reads, plus a few it must ignore.
function nodePool(name: string, extra: Record<string, unknown>) {
  return { name, config: { machineType: 'n1-highmem-8' }, initialNodeCount: 1, status: 'RUNNING', ...extra };
}

describe('GKE node pool limits through the googleapis client', () => {
  let fake: FakeGoogleApis;
  let gke: GkeClient;

  beforeAll(async () => {
    fake = await startFakeGoogleApis({ accessToken: TOKEN });
    // A deadline far beyond any loopback answer; only an answer that never comes meets a short one.
    gke = new GkeClient({ auth: auth(), rootUrl: fake.rootUrl, timeoutMs: 10_000 });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.faults.clear();
    fake.requests.length = 0;
    fake.clusters.clear();
    fake.nodePools.clear();
    fake.clusters.set(CLUSTER, {
      name: 'prod',
      locations: ZONES.slice(0, 2),
      endpoint: '34.1.2.3',
      masterAuth: { clusterCaCertificate: 'Q0EK' },
    });
  });

  it('multiplies the per-zone maxNodeCount by the pool’s three zones', async () => {
    fake.nodePools.set(
      `${CLUSTER}/nodePools/user`,
      nodePool('user', { locations: ZONES, autoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 5 } }),
    );
    expect(await gke.nodePoolLimit(ref('user'))).toEqual({ max: 15, zones: ZONES, perZoneMax: 5 });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', url: `/v1/${CLUSTER}/nodePools/user` });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('falls back to the cluster’s zones when the pool lists none', async () => {
    fake.nodePools.set(`${CLUSTER}/nodePools/user`, nodePool('user', { autoscaling: { enabled: true, maxNodeCount: 5 } }));
    expect(await gke.nodePoolLimit(ref('user'))).toEqual({ max: 10, zones: ZONES.slice(0, 2), perZoneMax: 5 });
  });

  it('takes totalMaxNodeCount as the whole pool’s ceiling', async () => {
    fake.nodePools.set(
      `${CLUSTER}/nodePools/user`,
      nodePool('user', {
        locations: ZONES,
        autoscaling: { enabled: true, totalMinNodeCount: 1, totalMaxNodeCount: 20, locationPolicy: 'ANY' },
      }),
    );
    expect(await gke.nodePoolLimit(ref('user'))).toEqual({ max: 20, zones: ZONES });
  });

  it('has no max when autoscaling is off or absent', async () => {
    fake.nodePools.set(
      `${CLUSTER}/nodePools/core`,
      nodePool('core', { locations: ZONES, autoscaling: { enabled: false, maxNodeCount: 5 } }),
    );
    fake.nodePools.set(`${CLUSTER}/nodePools/fixed`, nodePool('fixed', { locations: ZONES }));
    expect((await gke.nodePoolLimit(ref('core'))).max).toBeNull();
    expect((await gke.nodePoolLimit(ref('fixed'))).max).toBeNull();
  });

  it('refuses an autoscaled pool that states no max', async () => {
    fake.nodePools.set(`${CLUSTER}/nodePools/user`, nodePool('user', { locations: ZONES, autoscaling: { enabled: true } }));
    await expect(gke.nodePoolLimit(ref('user'))).rejects.toThrow(/neither maxNodeCount nor totalMaxNodeCount/);
  });

  it('gives the control plane endpoint and CA for a Kubernetes client', async () => {
    expect(await gke.clusterAccess(ref('user'))).toEqual({ server: 'https://34.1.2.3', caCert: 'Q0EK' });
  });

  const failures: [string, (f: FakeGoogleApis) => void, number | undefined, number?][] = [
    ['a missing pool (404)', () => {}, 404],
    ['a 403', (f) => f.faults.add({ kind: 'status', status: 403 }), 403],
    ['a 429', (f) => f.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 5 }), 429],
    ['a 500', (f) => f.faults.add({ kind: 'status', status: 500 }), 500],
    ['a truncated body', (f) => f.faults.add({ kind: 'truncated' }), undefined],
    ['an answer that never comes', (f) => f.faults.add({ kind: 'hang' }), undefined, 500],
  ];
  it.each(failures)('%s is an UpstreamError, not "autoscaling off"', async (name, inject, status, timeoutMs) => {
    if (!name.includes('missing'))
      fake.nodePools.set(
        `${CLUSTER}/nodePools/user`,
        nodePool('user', { locations: ZONES, autoscaling: { enabled: true, maxNodeCount: 5 } }),
      );
    inject(fake);
    const client = timeoutMs ? new GkeClient({ auth: auth(), rootUrl: fake.rootUrl, timeoutMs }) : gke;
    const err = await client.nodePoolLimit(ref('user')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstream).toBe('gke');
    expect((err as UpstreamError).status).toBe(status);
    expect((err as UpstreamError).message).not.toContain(TOKEN);
  });
});

describe('node headroom source end to end (GKE + Kubernetes loopbacks, memory store)', () => {
  let google: FakeGoogleApis;
  let kube: FakeKubernetes;
  const T0 = Date.UTC(2018, 0, 18, 16, 0, 0);

  beforeAll(async () => {
    [google, kube] = await Promise.all([startFakeGoogleApis({ accessToken: TOKEN }), startFakeKubernetes()]);
    // The cluster's endpoint is the Kubernetes loopback, with its CA as GKE gives it (base64 PEM).
    google.clusters.set(CLUSTER, {
      name: 'prod',
      locations: ZONES,
      endpoint: kube.server.replace('https://', ''),
      masterAuth: { clusterCaCertificate: Buffer.from(kube.caCert).toString('base64') },
    });
    google.nodePools.set(
      `${CLUSTER}/nodePools/user`,
      nodePool('user', { locations: ZONES, autoscaling: { enabled: true, maxNodeCount: 5 } }),
    );
    google.nodePools.set(`${CLUSTER}/nodePools/core`, nodePool('core', { locations: ZONES }));
  });
  afterAll(() => Promise.all([google.close(), kube.close()]));

  it('reports 14 of 15 nodes with the cordoned and NotReady ones named, pending pods, and a growing history', async () => {
    const gke = new GkeClient({ auth: auth(), rootUrl: google.rootUrl });
    const access = await gke.clusterAccess(ref('user'));
    const reader = new KubernetesReader(kubeConfigForGke({ endpoint: access.server, caCert: access.caCert, token: kube.token }), {
      pageSize: 5,
    });
    const store = new MemoryStore();
    const source = nodeHeadroomSource({
      pools: [
        { ref: ref('user'), gke, kube: reader },
        { ref: ref('core'), gke, kube: reader },
      ],
      store,
    });
    const cfg = parseConfig({}).checks.nodeHeadroom;
    const lookbackMs = nodeHeadroomLookbackMs(cfg);

    const userNodes = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        fixtureNode(`gke-prod-user-${String(i).padStart(2, '0')}`, { pool: 'user', cordoned: i === 3, ready: i !== 7 }),
      );
    const coreNodes = [fixtureNode('gke-prod-core-00', { pool: 'core' }), fixtureNode('gke-prod-core-01', { pool: 'core' })];
    kube.nodes = [...userNodes(12), ...coreNodes];
    kube.pods = [];
    await source.observe({ now: T0, lookbackMs, stepMs: 60_000 });

    kube.nodes = [...userNodes(14), ...coreNodes];
    kube.pods = [
      fixturePod({ namespace: 'prod', name: 'jupyter-a', created: T0, unschedulableSince: T0 + 60_000 }),
      fixturePod({
        namespace: 'prod',
        name: 'jupyter-b',
        created: T0,
        unschedulableSince: T0 + 60_000,
        nodeSelector: { 'cloud.google.com/gke-nodepool': 'user' },
      }),
      fixturePod({
        namespace: 'prod',
        name: 'hub-x',
        created: T0,
        unschedulableSince: T0,
        nodeSelector: { 'cloud.google.com/gke-nodepool': 'core' },
      }),
      fixturePod({
        namespace: 'prod',
        name: 'launching',
        node: 'gke-prod-user-00',
        created: T0,
        phase: 'Pending',
        waiting: { reason: 'ContainerCreating' },
      }),
    ];
    const now = T0 + 5 * 60_000;
    const obs = await source.observe({ now, lookbackMs, stepMs: 60_000 });

    const user = obs.pools.find((p) => p.pool === 'prod/user');
    expect(user).toEqual({
      pool: 'prod/user',
      nodes: [
        { t: T0, v: 12 },
        { t: now, v: 14 },
      ],
      cordoned: 1,
      cordonedNodes: ['gke-prod-user-03'],
      notReadyNodes: ['gke-prod-user-07'],
      max: 15,
      maxSetting: { kind: 'perZone', perZone: 5, zones: 3 },
      pending: 2, // jupyter-a (may land anywhere) and jupyter-b (needs this pool); not hub-x, not a pod merely starting
    });
    expect(obs.pools.find((p) => p.pool === 'prod/core')).toMatchObject({
      nodes: [
        { t: T0, v: 2 },
        { t: now, v: 2 },
      ],
      max: null,
      pending: 2,
    });

    // The detector reads this observation as a critical headroom problem that names the cordoned node.
    const finding = detectNodeHeadroom(obs, cfg, now).findings.find((f) => f.key === 'headroom:prod/user');
    expect(finding).toMatchObject({ status: 'problem', severity: 'critical' });
    expect(finding?.summary).toContain('14 of 15');
    expect(finding?.summary).toContain('gke-prod-user-03');
    // … and its runbook raises the max in the unit GKE takes: per zone.
    expect(finding?.runbook.at(-1)).toBe(
      'gcloud container clusters update prod --node-pool user --enable-autoscaling --max-nodes 7   # per zone: now 5 × 3 zones = 15',
    );
  });

  it('fails as a whole, never with a null max, when GKE cannot be read', async () => {
    const gke = new GkeClient({ auth: auth(), rootUrl: google.rootUrl });
    const reader = new KubernetesReader(kubeConfigForGke({ endpoint: kube.server, caCert: kube.caCert, token: kube.token }));
    const source = nodeHeadroomSource({ pools: [{ ref: ref('user'), gke, kube: reader }], store: new MemoryStore() });
    google.faults.add({ kind: 'status', status: 403 });
    await expect(source.observe({ now: T0, lookbackMs: 3_600_000, stepMs: 60_000 })).rejects.toBeInstanceOf(UpstreamError);
  });
});
