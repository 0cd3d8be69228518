// The documented Kubernetes role is exactly what the code calls: a clusterHealth run
// (nodes, pods, and the ReplicaSet behind a crash-looping pod; nodeHeadroom lists the same
// nodes and pods) against the loopback Kubernetes API, its requests read as RBAC verbs and
// resources, compared with infra/kubernetes/binderwatch-reader.yaml, the file docs/deploy.md applies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  fixtureNode,
  fixturePod,
  fixtureReplicaSet,
  kubeconfigFor,
  startFakeKubernetes,
  type FakeKubernetes,
} from '../../infra/fakes/kubernetes.ts';
import { runCli } from '../helpers/cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ROLE = 'infra/kubernetes/binderwatch-reader.yaml';
const SICK = 'gke-prod-a-user-pool-0001';
const MIN = 60_000;

/** An API request as RBAC sees it: `<verb> <resource>.<group>` (core group: no suffix). */
function asPermission(method: string, url: string): string {
  const u = new URL(url, 'https://k8s');
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+)?\/([^/]+)(\/[^/]+)?$/.exec(u.pathname);
  if (!m || method !== 'GET') return `unexpected ${method} ${u.pathname}`;
  const verb = m[3] ? 'get' : u.searchParams.get('watch') === 'true' ? 'watch' : 'list';
  return `${verb} ${m[2]}${m[1] ? `.${m[1]}` : ''}`;
}

describe('the documented Kubernetes role', () => {
  let kube: FakeKubernetes;
  let dir: string;
  beforeAll(async () => {
    kube = await startFakeKubernetes();
    dir = mkdtempSync(join(tmpdir(), 'bw-rbac-'));
  });
  afterAll(async () => {
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants exactly the verbs and resources a check run uses', async () => {
    const now = Date.now();
    const crashing = { created: now - 60 * MIN, waiting: { reason: 'CrashLoopBackOff', lastFinished: now - MIN, restarts: 9 } };
    kube.nodes = [fixtureNode(SICK, { pool: 'user' })];
    kube.pods = [
      fixturePod({ namespace: 'prod', name: 'web-7d4b9-x1', node: SICK, owner: 'ReplicaSet/web-7d4b9', ...crashing }),
      fixturePod({ namespace: 'kube-system', name: 'fluentd-x2', node: SICK, owner: 'DaemonSet/fluentd', ...crashing }),
    ];
    kube.replicaSets = [fixtureReplicaSet('prod', 'web-7d4b9', 'Deployment/web')];
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigFor(kube));
    writeFileSync(
      join(dir, 'c.yaml'),
      `sources:\n  kubernetes:\n    kubeconfig: ${join(dir, 'kubeconfig')}\nalerting:\n  state: { type: memory }\n`,
    );
    const from = kube.requests.length;
    const r = await runCli(['check', 'clusterHealth', '--config', join(dir, 'c.yaml')]);
    expect(r.code).toBe(1); // the sick node was found, so the run went through every read
    const used = [...new Set(kube.requests.slice(from).map((q) => asPermission(q.method, q.url)))].sort();

    const role = parse(readFileSync(join(ROOT, ROLE), 'utf8')) as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = role.rules
      .flatMap((rule) =>
        rule.apiGroups.flatMap((g) => rule.resources.flatMap((res) => rule.verbs.map((v) => `${v} ${res}${g ? `.${g}` : ''}`))),
      )
      .sort();
    expect(used).toEqual(['get replicasets.apps', 'list nodes', 'list pods']);
    expect(granted).toEqual(used);
  });

  it('is the one docs/deploy.md applies', () => {
    const deploy = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
    expect(deploy).toContain(`kubectl apply -f ${ROLE}`);
    expect(deploy).not.toMatch(/kubectl create clusterrole /);
  });
});
