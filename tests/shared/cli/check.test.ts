// `binderwatch check <name> --config c.yaml`: one live run, through a kubeconfig to a
// loopback Kubernetes API (TLS, bearer token), printing findings with their runbook.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureNode, fixturePod, kubeconfigFor, startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';
import { runCli } from '../../helpers/cli.ts';

const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';
const MIN = 60_000;

describe('binderwatch check', () => {
  let kube: FakeKubernetes;
  let dir: string;
  let config: string;
  beforeAll(async () => {
    kube = await startFakeKubernetes();
    dir = mkdtempSync(join(tmpdir(), 'bw-check-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor(kube));
    config = join(dir, 'binderwatch.yaml');
    writeFileSync(
      config,
      `sources:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\nalerting:\n  state: { type: file, dir: ${join(dir, 'state')} }\n`,
    );
  });
  afterAll(async () => {
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the suspect node with the commands to run, and exits 1', async () => {
    const now = Date.now();
    kube.nodes = [fixtureNode(SICK, { pool: 'user' }), fixtureNode('gke-prod-a-ssd-pool-972e4826-aaaa', { pool: 'user' })];
    kube.pods = [
      fixturePod({
        namespace: 'kube-system',
        name: 'fluentd-gcp-v2.0.9-68p79',
        node: SICK,
        created: now - 60 * MIN,
        owner: 'DaemonSet/fluentd-gcp-v2.0.9',
        waiting: { reason: 'CrashLoopBackOff', lastFinished: now - MIN, restarts: 9 },
      }),
    ];
    const r = await runCli(['check', 'clusterHealth', '--config', config]);
    expect(r.stderr).not.toContain(kube.token);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`PROBLEM  critical node:${SICK}\n    Sick node ${SICK}\n`);
    expect(r.stdout).toContain(`$ kubectl cordon ${SICK}`);
  });

  it('exits 0 when the cluster is healthy', async () => {
    kube.pods = [];
    const r = await runCli(['check', 'clusterHealth', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK/m);
  });

  it('exits 2 for a check that is not configured to watch anything', async () => {
    const r = await runCli(['check', 'nodeHeadroom', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing to watch');
  });
});
