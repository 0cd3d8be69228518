// The worst case fits in the function: each packaged function (the deploy archive, unpacked
// and started as Cloud Run starts it, under Node 22) runs against hostile loopback servers
// with V8's heap limited to its Terraform memory minus 64 MiB of headroom, and ends with a
// named failure or "cannot see" in its HTTP answer, never an out-of-memory. Each case starts
// a fresh instance, so the peak resident memory it reports (VmHWM) is that case's; the
// table in docs/limits.md ("Measured peaks per function") comes from this file's output.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../../infra/package.ts';
import { peakRssMiB, schedulerPost, startFunction, stopFunction, unpackArchive } from '../../infra/harnesses/function-runner.ts';
import { findNode22, NODE22_INSTALL } from '../../infra/harnesses/node22.ts';
import { startHostilePrometheus, type HostilePrometheus } from '../../infra/fakes/hostile-prometheus.ts';
import { kubeconfigFor, startFakeKubernetes, type FakeKubernetes } from '../../infra/fakes/kubernetes.ts';
import { startLoopback, type Loopback } from '../../infra/fakes/loopback-faults.ts';
import { startBinderHub, type FakeBinderHub } from '../../infra/fakes/binderhub.ts';
import { POOL_REF, startGoogleSide, type GoogleSide } from '../../infra/fakes/google-side.ts';
import { LIMITS } from '../../shared/limits.ts';
import { skippingFor } from '../helpers/stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const HEADROOM_MIB = 64;
const node22 = findNode22();
if (!node22) skippingFor(['Node 22 (the deploy runtime)'], NODE22_INSTALL);

/** Each function's memory as Terraform deploys it (terraform/locals.tf), in MiB. */
function terraformMemoryMiB(target: string): number {
  const locals = readFileSync(join(ROOT, 'terraform/locals.tf'), 'utf8');
  const m = new RegExp(`^\\s*${target}\\s*=\\s*\\{[^}]*memory\\s*=\\s*"(\\d+)(Mi|Gi)"`, 'm').exec(locals);
  if (!m) throw new Error(`terraform/locals.tf: no memory for ${target}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** Items a server ignoring `limit` packs into one page under the 8 MiB cap. */
const MINIMAL_ITEMS = 250_000;
const ignoringLimit = (kind: string) => {
  const items = Array.from({ length: MINIMAL_ITEMS }, (_, i) => ({ metadata: { name: `x${i}` } }));
  return { kind: 'answer' as const, answer: () => ({ status: 200, body: { kind, apiVersion: 'v1', metadata: {}, items } }) };
};

const measured: string[] = [];

describe.skipIf(!node22)(
  'packaged functions against hostile servers, heap limited to Terraform memory − 64 MiB',
  { timeout: 120_000 },
  () => {
    let dir: string;
    let prom: HostilePrometheus;
    let kube: FakeKubernetes;
    let kubeconfigDir: string;
    let health: Loopback;
    let binder: FakeBinderHub;
    let up: GoogleSide;

    beforeAll(async () => {
      const pkg = await buildPackage({ root: ROOT });
      dir = unpackArchive(pkg.archive);
      [prom, kube, health, binder, up] = await Promise.all([
        startHostilePrometheus(0),
        startFakeKubernetes(),
        startLoopback({ errorBody: () => ({}), route: () => ({ status: 200, body: {} }) }),
        startBinderHub(),
        startGoogleSide(),
      ]);
      kubeconfigDir = mkdtempSync(join(tmpdir(), 'bw-kubeconfig-'));
      writeFileSync(join(kubeconfigDir, 'kubeconfig'), kubeconfigFor(kube));
    }, 240_000);

    afterAll(async () => {
      await Promise.all([prom?.close(), kube?.close(), health?.close(), binder?.close(), up?.close()]);
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
      process.stdout.write(`\npackaged functions against hostile servers: peak RSS (VmHWM) per case\n${measured.join('\n')}\n`);
    });

    /** Starts a fresh instance under the heap limit, runs the check once as Scheduler does, and records its peak. */
    async function hostileRun(
      target: string,
      name: string,
      checks: Record<string, unknown>,
      sources: Record<string, unknown> = {},
      status = 200,
    ) {
      const memory = terraformMemoryMiB(target);
      const config = JSON.stringify({ checks, sources, alerting: { state: { type: 'memory' }, defaults: { failuresToFire: 1 } } });
      const f = await startFunction(dir, target, config, {
        node: node22,
        env: { ...up.env, NODE_OPTIONS: `--max-old-space-size=${memory - HEADROOM_MIB}` },
      });
      try {
        const started = peakRssMiB(f.child);
        const t0 = Date.now();
        const answer = await schedulerPost(f.port, target);
        const peak = peakRssMiB(f.child);
        measured.push(
          `${target.padEnd(14)} ${name.padEnd(58)} ${String(memory).padStart(4)} MiB  started ${started.toFixed(0).padStart(4)} MiB  peak ${peak.toFixed(0).padStart(4)} MiB  ${String(Date.now() - t0).padStart(6)} ms`,
        );
        expect(f.output()).not.toMatch(/heap out of memory|Allocation failed/);
        expect(f.child.exitCode, f.output()).toBeNull();
        expect(answer.status, f.output()).toBe(status);
        expect(peak).toBeLessThan(memory);
        return {
          ...(answer.body as { outcome: string; error?: string; findings: { status: string; summary: string }[] }),
          log: f.output(),
        };
      } finally {
        await stopFunction(f.child);
      }
    }

    const cannotSee = (body: { findings: { status: string; summary: string }[] }, what: RegExp) =>
      expect(body.findings, JSON.stringify(body)).toContainEqual(
        expect.objectContaining({ status: 'unknown', summary: expect.stringMatching(what) }),
      );

    describe('trafficVsPods: a cold start against a Prometheus of valid samples', () => {
      const traffic = {
        trafficVsPods: { demand: { source: 'promql', query: 'sum(launches)' }, podsQuery: 'sum(pods)' },
      };
      it('45,000 samples in every answer (each under its caps): refused at the run budget', async () => {
        prom.samplesPerAnswer = 45_000;
        const body = await hostileRun('trafficVsPods', 'Prometheus: 45,000 samples per answer', traffic, { prometheus: { url: prom.url } });
        cannotSee(body, new RegExp(`this run read more than ${LIMITS.prometheusRunSamples} samples`));
      });

      it('~8 MiB of valid samples per range chunk: refused at the answer cap', async () => {
        prom.samplesPerAnswer = 400_000;
        const body = await hostileRun('trafficVsPods', 'Prometheus: ~8 MiB of samples per answer', traffic, {
          prometheus: { url: prom.url },
        });
        cannotSee(body, new RegExp(`answer holds more than ${LIMITS.prometheusAnswerSamples} samples`));
      });
    });

    describe('clusterHealth: a Kubernetes API ignoring limit', () => {
      const sources = () => ({ kubernetes: { kubeconfig: join(kubeconfigDir, 'kubeconfig') } });
      it(`a page of ${MINIMAL_ITEMS} minimal pods is refused`, async () => {
        kube.faults.add(ignoringLimit('PodList'), Infinity);
        try {
          const body = await hostileRun('clusterHealth', `Kubernetes: ${MINIMAL_ITEMS} minimal pods in one page`, {}, sources());
          cannotSee(body, /more than the 100 asked for/);
        } finally {
          kube.faults.clear();
        }
      });

      it('an endless page is refused at the page cap', async () => {
        kube.faults.add({ kind: 'endless' }, Infinity);
        try {
          const body = await hostileRun('clusterHealth', 'Kubernetes: endless page', {}, sources());
          cannotSee(body, /a list page larger than 8 MiB/);
        } finally {
          kube.faults.clear();
        }
      });
    });

    describe('nodeHeadroom: GKE and its Kubernetes API', () => {
      const checks = { nodeHeadroom: { pools: [POOL_REF] } };
      it(`a page of ${MINIMAL_ITEMS} minimal nodes is refused`, async () => {
        up.kube.faults.add(ignoringLimit('NodeList'), Infinity);
        try {
          const body = await hostileRun('nodeHeadroom', `Kubernetes: ${MINIMAL_ITEMS} minimal nodes in one page`, checks);
          cannotSee(body, /more than the 100 asked for/);
        } finally {
          up.kube.faults.clear();
        }
      });

      it('an endless GKE answer is refused at its cap', async () => {
        up.google.faults.add({ kind: 'endless' }, Infinity);
        try {
          // The cluster is looked up while the check is wired, before it observes: a failure there is a 500 naming
          // the error's kind, the cap in its log line (and the heartbeat records the run as an error).
          const body = await hostileRun('nodeHeadroom', 'GKE: endless answer', checks, {}, 500);
          expect(body.error).toMatch(/the check failed to run \(UpstreamError\)/);
          expect(body.log).toMatch(/"check failed to run".*"error":"gke: answer larger than 8 MiB"/);
        } finally {
          up.google.faults.clear();
        }
      });
    });

    describe('binderHealth: a hostile /health', () => {
      it('an endless body is refused at the /health cap', async () => {
        health.faults.add({ kind: 'endless' }, Infinity);
        try {
          const body = await hostileRun('binderHealth', '/health: endless body', { binderHealth: { binderUrls: [health.url] } });
          cannotSee(body, /larger than 256 KiB/);
        } finally {
          health.faults.clear();
        }
      });

      it('2,000 failing checks just under the cap: one capped finding', async () => {
        const checks = Array.from({ length: 2_000 }, (_, i) => ({ service: `check ${i} ${'x'.repeat(60)}`, ok: false }));
        health.faults.add({ kind: 'answer', answer: () => ({ status: 503, body: { ok: false, checks } }) }, Infinity);
        try {
          const body = await hostileRun('binderHealth', '/health: 2,000 failing checks', { binderHealth: { binderUrls: [health.url] } });
          expect(body.outcome).toBe('problem');
          expect(body.findings[0].summary).toMatch(/and 1997 more/);
          expect(body.findings[0].summary.length).toBeLessThan(1_000);
        } finally {
          health.faults.clear();
        }
      });
    });

    describe('launchProbe: a hostile BinderHub event stream', () => {
      const probe = (repo: string) => ({ launchProbe: { targets: [{ binderUrl: binder.url, repos: [repo] }], timeout: '60s' } });
      it('endless small events fail the build at the stream cap', async () => {
        binder.script('gh/hostile/events/HEAD', { phases: ['waiting'], flood: 'events' });
        const body = await hostileRun('launchProbe', '/build: endless events', probe('gh/hostile/events/HEAD'));
        // One run's failure (confirmed by the in-run second launch) is evidence, not yet a finding: the log names it.
        expect(body.log).toMatch(/"launch probe failed in build".*event stream larger than 16 MiB/);
      });

      it('a line that never ends fails the build at the event cap', async () => {
        binder.script('gh/hostile/line/HEAD', { phases: ['waiting', 'building'], flood: 'line' });
        const body = await hostileRun('launchProbe', '/build: a line without end', probe('gh/hostile/line/HEAD'));
        expect(body.log).toMatch(/"launch probe failed in build".*event larger than 256 KiB/);
      });
    });
  },
);
