// Headroom and cluster health of a plain-Kubernetes member (k3s, OVH, Hetzner …) through
// its kubeconfig: the nodes against the cluster-autoscaler's status ConfigMap.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAutoscalerStatus } from '../../../shared/clients/autoscaler-status.ts';
import type { Finding } from '../../../shared/model.ts';
import { fixtureNode, kubeconfigFor, startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { runCli } from '../../helpers/cli.ts';

// The text of cluster-autoscaler before 1.30 (its FAQ's example, two node groups).
const LEGACY = `Cluster-autoscaler status at 2026-11-10 09:00:00.000000 +0000 UTC:
Cluster-wide:
  Health:      Healthy (ready=5 unready=0 notStarted=0 longNotStarted=0 registered=5 longUnregistered=0)
               LastProbeTime:      2026-11-10 09:00:00 +0000 UTC
  ScaleUp:     NoActivity (ready=5 registered=5)

NodeGroups:
  Name:        user-a
  Health:      Healthy (ready=3 unready=0 notStarted=0 longNotStarted=0 registered=3 longUnregistered=0 cloudProviderTarget=3 (minSize=1, maxSize=3))
  ScaleUp:     NoActivity (ready=3 cloudProviderTarget=3)

  Name:        user-b
  Health:      Healthy (ready=2 unready=0 notStarted=0 longNotStarted=0 registered=2 longUnregistered=0 cloudProviderTarget=2 (minSize=0, maxSize=2))
`;

// The YAML of 1.30+.
const YAML = `time: 2026-11-10 09:00:00.000 +0000 UTC
autoscalerStatus: Running
clusterWide:
  health: { status: Healthy }
nodeGroups:
- name: pool-1
  health:
    status: Healthy
    nodeCounts: { registered: { total: 2, ready: 2 } }
    cloudProviderTarget: 2
    minSize: 1
    maxSize: 4
`;

describe('cluster-autoscaler status', () => {
  it.each([
    [
      'the text before 1.30',
      LEGACY,
      [
        { name: 'user-a', minSize: 1, maxSize: 3 },
        { name: 'user-b', minSize: 0, maxSize: 2 },
      ],
    ],
    ['the YAML of 1.30+', YAML, [{ name: 'pool-1', minSize: 1, maxSize: 4 }]],
  ])('reads each node group from %s', (_, text, groups) => expect(parseAutoscalerStatus(text)).toEqual(groups));

  it('refuses a status naming no node group limits', () => {
    expect(() => parseAutoscalerStatus('Cluster-wide:\n  Health: Healthy\n')).toThrow(/no node group/);
  });
});

describe('a plain-Kubernetes member through its kubeconfig', () => {
  let kube: FakeKubernetes;
  let hub: FakeBinderHub;
  let dir: string;
  let config: string;
  beforeAll(async () => {
    [kube, hub] = await Promise.all([startFakeKubernetes(), startBinderHub()]);
    dir = mkdtempSync(join(tmpdir(), 'bw-fed-kube-'));
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigFor(kube));
    config = join(dir, 'c.yaml');
    writeFileSync(
      config,
      `federation:\n  frontDoor: "${hub.url}"\n  members:\n    k3s: { url: "${hub.url}", prime: true, cluster: { kubeconfig: "${join(dir, 'kubeconfig')}" } }\n` +
        `alerting:\n  state: { type: file, dir: "${join(dir, 'state')}" }\n`,
    );
  });
  afterAll(async () => {
    await Promise.all([kube.close(), hub.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('nodeHeadroom: five nodes against the autoscaler max of 3 + 2 is critical, named for the member', async () => {
    kube.nodes = Array.from({ length: 5 }, (_, i) => fixtureNode(`k3s-node-${i}`, { pool: 'default' }));
    kube.configMaps = [{ metadata: { namespace: 'kube-system', name: 'cluster-autoscaler-status' }, data: { status: LEGACY } }];
    const { code, stdout } = await runCli(['check', 'nodeHeadroom', '--config', config, '--json']);
    const f = (JSON.parse(stdout) as Finding[]).find((x) => x.status === 'problem')!;
    expect(code).toBe(1);
    expect(f).toMatchObject({ member: 'k3s', severity: 'critical' });
    expect(f.title).toMatch(/^k3s: .*5 of 5/);
  });

  it('nodeHeadroom: without the ConfigMap the member is "cannot see", never healthy', async () => {
    kube.configMaps = [];
    const { stdout } = await runCli(['check', 'nodeHeadroom', '--config', config, '--json']);
    const f = (JSON.parse(stdout) as Finding[]).find((x) => x.key === 'nodeHeadroom:source')!;
    expect(f).toMatchObject({ status: 'unknown', member: 'k3s' });
    expect(f.summary).toMatch(/cluster-autoscaler-status/);
  });

  it('clusterHealth: runs through the member kubeconfig', async () => {
    const { stdout } = await runCli(['check', 'clusterHealth', '--config', config, '--json']);
    const fs = JSON.parse(stdout) as Finding[];
    expect(fs.every((x) => x.member === 'k3s')).toBe(true);
    expect(kube.requests.some((r) => r.url.startsWith('/api/v1/pods'))).toBe(true);
  });
});
