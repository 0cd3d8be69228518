// Builds the function archive, unpacks it into an empty directory and starts
// functions from it the way Cloud Functions does: the Functions Framework's
// main.js with --target, the archive's package.json `main`, and only the
// dependencies that package.json declares installed beside it.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildPackage, functionEntries, type PackageResult } from '../../infra/package.ts';
import { readZip } from '../../infra/zip.ts';
import {
  schedulerPost,
  startFunction as startFunctionIn,
  stopFunction,
  unpackArchive,
  type StartedFunction,
} from '../../infra/harnesses/function-runner.ts';
import { startBinderHub } from '../../infra/fakes/binderhub.ts';
import { startSmtpServer } from '../../infra/harnesses/smtp.ts';
import { PNG } from 'pngjs';

const ROOT = resolve(import.meta.dirname, '../..');

// No launch targets, no pools, state in memory, no GOOGLE_CLOUD_PROJECT (so no
// telemetry): a run that needs nothing beyond the process.
const CONFIG = JSON.stringify({ alerting: { state: { type: 'memory' } } });

let result: PackageResult;
let dir: string;
const children: ChildProcess[] = [];

async function startFunction(target: string, config = CONFIG, env: Record<string, string> = {}): Promise<StartedFunction> {
  const started = startFunctionIn(dir, target, config, { env });
  started.then(
    (f) => children.push(f.child),
    () => undefined,
  );
  return started;
}

const stop = stopFunction;

beforeAll(async () => {
  result = await buildPackage({ root: ROOT });
  dir = unpackArchive(result.archive);
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map(stop));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('function source archive', () => {
  it('holds index.js, a package.json and one bundle per entry point in functions/', () => {
    const names = readZip(readFileSync(result.archive)).map((e) => e.name);
    expect(names).toContain('index.js');
    for (const entry of functionEntries(join(ROOT, 'functions'))) expect(names).toContain(`${entry.name}.js`);
    expect(names.filter((n) => n.endsWith('.ts'))).toEqual([]);
  });

  it("declares an ES module for Node 22 with the client libraries it imports, at the repository's ranges, and their lock", () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ type: 'module', main: 'index.js', engines: { node: '22.x' } });
    expect(manifest.dependencies).toMatchObject({
      '@google-cloud/functions-framework': root.dependencies['@google-cloud/functions-framework'],
      'google-auth-library': root.dependencies['google-auth-library'],
      '@google-cloud/storage': root.dependencies['@google-cloud/storage'],
      // A native module whose binary comes from a per-platform package the build's npm picks.
      '@resvg/resvg-js': root.dependencies['@resvg/resvg-js'],
    });
    // Bundled, so not installed: loading its 826 files one by one dominated cold start.
    expect(manifest.dependencies).not.toHaveProperty('@kubernetes/client-node');
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages[''].dependencies).toEqual(manifest.dependencies);
    expect(lock.packages['node_modules/google-auth-library'].version).toBe(
      JSON.parse(readFileSync(join(ROOT, 'node_modules/google-auth-library/package.json'), 'utf8')).version,
    );
    // Nothing only the tests use.
    expect(lock.packages).not.toHaveProperty('node_modules/vitest');
  });

  it('reports what each entry point loads at cold start', () => {
    for (const b of result.bundles) {
      expect(b.bytes).toBeGreaterThan(0);
      expect(b.modules).toBeGreaterThan(0);
      expect(b.reachableBytes).toBeGreaterThanOrEqual(b.bytes);
    }
  });

  it.each(['launchProbe', 'nodeHeadroom'])(
    'serves %s from the archive alone and answers a Scheduler POST with 200 JSON',
    async (target) => {
      const { port, child, output } = await startFunction(target);
      const answer = await schedulerPost(port, target);
      expect(answer.status, output()).toBe(200);
      expect(answer.type).toContain('application/json');
      expect(answer.body).toMatchObject({ check: target });
      expect(answer.body.outcome).toEqual(expect.any(String));
      await stop(child);
    },
  );

  it("loads a check's lazily imported clients from the archive: binderHealth reads a loopback BinderHub /health", async () => {
    const hub = await startBinderHub({ podQuota: 100 });
    try {
      const config = JSON.stringify({
        checks: { binderHealth: { binderUrls: [hub.url], alert: { failuresToFire: 1 } } },
        alerting: { state: { type: 'memory' }, links: { dashboard: 'https://grafana.example.org/d/binder' } },
      });
      const health = (ok: boolean) => ({
        status: ok ? 200 : 503,
        contentType: 'application/json',
        body: JSON.stringify({
          ok,
          checks: [
            { service: 'JupyterHub API', ok },
            { service: 'Pod quota', ok: true, total_pods: 12, build_pods: 2, user_pods: 10, quota: 100 },
          ],
        }),
      });
      hub.setHealth(health(true));
      const { port, child, output } = await startFunction('binderHealth', config);
      const answer = await schedulerPost(port, 'binderHealth');
      expect(answer.status, output()).toBe(200);
      expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'binderHealth', outcome: 'ok' });
      hub.setHealth(health(false));
      const failing = await schedulerPost(port, 'binderHealth');
      expect(failing.body).toMatchObject({ check: 'binderHealth', outcome: 'problem' });
      // The alert as the archive writes it (the console channel): its title, and the configured link.
      await vi.waitFor(() => expect(output()).toContain(`"message":"FIRING critical: ${new URL(hub.url).host} unhealthy: JupyterHub API"`));
      expect(output()).toContain('{"title":"Dashboard","url":"https://grafana.example.org/d/binder"}');
      await stop(child);
    } finally {
      await hub.close();
    }
  });

  it("sends a failing launch's alert by email with its chart, drawn by resvg from the archive", async () => {
    const hub = await startBinderHub();
    const smtp = await startSmtpServer('bw', 'pw-for-package-tests');
    try {
      const repo = 'gh/binderwatch-fault/build-failed/HEAD';
      const config = JSON.stringify({
        checks: { launchProbe: { targets: [{ binderUrl: hub.url, repos: [repo] }], timeout: '20s' } },
        // Probe evidence alone is a warning (no traffic check corroborates it here): route it to email too.
        alerting: { state: { type: 'memory' }, routes: [{ severity: 'warning', channels: ['email'] }] },
      });
      const env = {
        BINDERWATCH_SMTP_URL: smtp.url,
        BINDERWATCH_EMAIL_FROM: 'alerts@example.org',
        BINDERWATCH_EMAIL_TO: 'oncall@example.org',
      };
      const { port, child, output } = await startFunction('launchProbe', config, env);
      // One or two failed runs are within a hub's background of failures: the third in a row fires (and charts three points).
      for (let i = 0; i < 3; i++) expect((await schedulerPost(port, 'launchProbe')).status, output()).toBe(200);
      await stop(child);
      const mail = smtp.received.find((m) => m.parsed.subject?.includes('FIRING'));
      expect(mail, output()).toBeDefined();
      const png = mail!.parsed.attachments.find((a) => a.contentType === 'image/png');
      expect(png, output()).toBeDefined();
      expect(PNG.sync.read(png!.content).width).toBe(1440);
    } finally {
      await smtp.close();
      await hub.close();
    }
  });

  it('refuses to start a target that has no bundle, naming the ones it has', async () => {
    await expect(startFunction('noSuchCheck')).rejects.toThrow(/unknown function target "noSuchCheck".*launchProbe/s);
  });
});
