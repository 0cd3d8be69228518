// `binderwatch check` on a laptop with a production config: no Google credentials and the
// state in GCS. The error stays the cause and a second line says how to run it here.
// Run as a user runs it (bin/binderwatch.js in a child process), with the Google
// libraries' environment pinned to loopback: the metadata server and the GKE API are
// closed ports, GCS a loopback server that refuses every request for want of a
// credential (401, as Google's does), so nothing leaves 127.0.0.1.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGcs, type FakeGcs } from '../../../infra/fakes/gcs.ts';
import { fixtureNode, fixturePod, kubeconfigFor, startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLOSED = '127.0.0.1:9';
const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';

describe('binderwatch check without Google', { timeout: 60_000 }, () => {
  let dir: string;
  let kube: FakeKubernetes;
  let gcs: FakeGcs;
  let env: Record<string, string>;

  /** The CLI as a user runs it; exit code, stdout, stderr. */
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/binderwatch.js'), ...args], {
        cwd: dir,
        env,
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const r = e as { code: number; stdout: string; stderr: string };
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-no-google-'));
    [kube, gcs] = await Promise.all([startFakeKubernetes(), startFakeGcs({ buckets: ['binderwatch-state'], accepts: () => false })]);
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir, // no ~/.config/gcloud credentials …
      CLOUDSDK_CONFIG: join(dir, 'gcloud'), // … wherever gcloud keeps them
      GCE_METADATA_HOST: CLOSED, // not on Google Cloud: no metadata server answers
      BINDERWATCH_CONTAINER_API_URL: `http://${CLOSED}`,
      BINDERWATCH_STORAGE_API_URL: gcs.url,
    };
  });
  afterAll(async () => {
    await Promise.all([kube?.close(), gcs?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('against the example config: the credential error first, then how to run it locally', async () => {
    const r = await cli(['check', 'nodeHeadroom', '--config', join(ROOT, 'binderwatch.example.yaml')]);
    expect(r.code).toBe(3);
    const lines = r.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => l.startsWith('binderwatch:'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^binderwatch: gke: .*Could not load the default credentials/);
    expect(lines[1]).toContain('no Google credentials on this machine: gcloud auth application-default login');
    expect(lines[1]).toContain('README "Run it locally" (npm run local:stack, then --config infra/local/binderwatch.local.yaml)');
    expect(existsSync(join(ROOT, 'infra/local/binderwatch.local.yaml'))).toBe(true);
  });

  it('with the state in GCS: names the store and --state memory, which then runs the check', async () => {
    const now = Date.now();
    kube.nodes = [fixtureNode(SICK, { pool: 'user' })];
    kube.pods = [
      fixturePod({
        namespace: 'kube-system',
        name: 'fluentd-gcp-v2.0.9-68p79',
        node: SICK,
        created: now - 3_600_000,
        owner: 'DaemonSet/fluentd-gcp-v2.0.9',
        waiting: { reason: 'CrashLoopBackOff', lastFinished: now - 60_000, restarts: 9 },
      }),
    ];
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigFor(kube));
    const config = join(dir, 'gcs.yaml');
    writeFileSync(
      config,
      `sources:\n  kubernetes:\n    kubeconfig: ${join(dir, 'kubeconfig')}\nalerting:\n  state: { type: gcs, bucket: binderwatch-state }\n`,
    );

    const inGcs = await cli(['check', 'clusterHealth', '--config', config]);
    expect(inGcs.code).toBe(3);
    const [cause, hint] = inGcs.stderr.trimEnd().split('\n');
    expect(cause).toMatch(/^binderwatch: gcs: reading run\/clusterHealth: /);
    expect(hint).toContain(`the state is in GCS (alerting.state in ${config}): --state memory keeps it in memory for this run`);

    const inMemory = await cli(['check', 'clusterHealth', '--config', config, '--state', 'memory']);
    expect(inMemory.stderr).not.toContain('gcs');
    expect(inMemory.code).toBe(1);
    expect(inMemory.stdout).toContain(`PROBLEM  critical node:${SICK}`);

    // --state file: the file store's default directory, in the working directory.
    const inFile = await cli(['check', 'clusterHealth', '--config', config, '--state', 'file']);
    expect(inFile.code, inFile.stderr).toBe(1);
    expect(existsSync(join(dir, '.binderwatch-state'))).toBe(true);
  });

  it('a source blind for want of credentials: the "cannot see" finding, then the same hint', async () => {
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigFor(kube));
    const config = join(dir, 'pool.yaml');
    // Nodes through the kubeconfig, the pool's autoscaler max from the GKE API, which needs a Google credential.
    writeFileSync(
      config,
      `checks:\n  nodeHeadroom:\n    pools: [{ project: p, location: l, cluster: c, pool: user }]\nsources:\n  kubernetes:\n    kubeconfig: ${join(dir, 'kubeconfig')}\nalerting:\n  state: { type: memory }\n`,
    );
    const r = await cli(['check', 'nodeHeadroom', '--config', config]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^UNKNOWN\s+warning\s+nodeHeadroom:source\n.*\n.*Could not load the default credentials/m);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'binderwatch: no Google credentials on this machine: gcloud auth application-default login; or try every check locally, without Google: README "Run it locally" (npm run local:stack, then --config infra/local/binderwatch.local.yaml)',
    );
  });

  it('refuses a --state it does not know', async () => {
    const r = await cli(['check', 'clusterHealth', '--config', join(ROOT, 'binderwatch.example.yaml'), '--state', 'gcs']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('binderwatch: arguments: --state: expected memory or file\n');
  });
});
