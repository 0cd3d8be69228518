// A federation of three loopback BinderHubs behind a loopback federation-redirect, each
// check run once by `binderwatch check <check>` over all of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import type { FakeRedirector } from '../../../infra/fakes/federation-redirect.ts';
import { runCli } from '../../helpers/cli.ts';

import { byKey, configYaml, findingsOf, freshFederation, healthy, NAMES, redirectorFor, REPO, VERSIONS } from '../../helpers/federation.ts';

describe('binderwatch check over a federation of three members', () => {
  let hubs: FakeBinderHub[];
  let redirector: FakeRedirector;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    hubs = await Promise.all(NAMES.map(() => startBinderHub()));
    redirector = await redirectorFor(hubs);
  });
  afterAll(async () => {
    await Promise.all([...hubs.map((h) => h.close()), redirector.close()]);
  });
  beforeEach(() => {
    ({ dir, config } = freshFederation('bw-fed-', hubs, redirector.url));
    redirector.pin(undefined);
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('binderHealth: a failing member the front door still sends launches to is a page; a member on other versions is out of the rotation', async () => {
    hubs[1].setHealth(healthy(5, 100, false));
    hubs[2].setVersions({ ...VERSIONS, binderhub: '1.1.0' });
    redirector.pin('gesis'); // the redirector has not noticed yet
    const { code, stdout } = await runCli(['check', 'binderHealth', '--config', config, '--json']);
    expect(code).toBe(1);
    const fs = findingsOf(stdout);
    const gesisHealth = fs.find((f) => f.member === 'gesis' && f.key.startsWith('health:'))!;
    expect(gesisHealth).toMatchObject({ status: 'problem', severity: 'critical' });
    expect(gesisHealth.title).toMatch(/^gesis: .*Docker registry/);
    expect(byKey(fs, 'federation:front-door')).toMatchObject({
      status: 'problem',
      severity: 'critical',
      title: 'Front door sends launches to failing gesis',
    });
    expect(byKey(fs, 'federation:rotation:gesis')?.summary).toMatch(/\/health failing: Docker registry/);
    expect(byKey(fs, 'federation:rotation:bids')?.member).toBe('bids');
    expect(byKey(fs, 'federation:rotation:bids')?.summary).toMatch(/\/versions differ from the prime twoi2c's since \d\d:\d\d UTC/);
    expect(byKey(fs, 'federation:rotation:twoi2c')?.status).toBe('ok');

    // The redirector's own rules drop both: the front door now lands on the healthy prime.
    redirector.pin(undefined);
    expect(await redirector.check()).toEqual(['twoi2c']);
    const again = findingsOf((await runCli(['check', 'binderHealth', '--config', config, '--json'])).stdout);
    expect(byKey(again, 'federation:front-door')).toMatchObject({ status: 'ok', summary: expect.stringContaining('twoi2c') });
    expect(byKey(again, 'federation:capacity')).toMatchObject({ status: 'ok', evidence: expect.objectContaining({ freePods: 85 }) });
  });

  it('binderHealth: a member that cannot be reached is "cannot see", never healthy', async () => {
    const gone = await startBinderHub();
    await gone.close();
    const cfg = configYaml(
      dir,
      [
        { name: 'twoi2c', url: hubs[0].url },
        { name: 'gone', url: gone.url },
      ],
      redirector.url,
    );
    const fs = findingsOf((await runCli(['check', 'binderHealth', '--config', cfg, '--json'])).stdout);
    expect(fs.find((f) => f.member === 'gone' && f.key.startsWith('health:'))?.status).toBe('unknown');
    expect(byKey(fs, 'federation:rotation:gone')?.status).toBe('unknown');
  });

  it("launchProbe: each member's launches go to that member, named first, and its state is its own", async () => {
    hubs.forEach((h, i) =>
      h.script(REPO, i === 1 ? { status: 500, body: 'registry down' } : { phases: ['waiting'], end: 'failed', failMessage: 'x' }),
    );
    const { stdout } = await runCli(['check', 'launchProbe', '--config', config, '--json']);
    const fs = findingsOf(stdout).filter((f) => f.key.startsWith('launch:') && f.member);
    expect(fs.map((f) => f.member).sort()).toEqual(['bids', 'gesis', 'twoi2c']);
    for (const f of fs) expect(f.title.startsWith(`${f.member}: `)).toBe(true);
    expect(fs.every((f) => f.dependsOn?.includes(`binderHealth/federation:rotation:${f.member}`))).toBe(true);
    expect(hubs.map((h) => h.launches.length >= 1)).toEqual([true, true, true]);
  });
});

describe('ten members, one of them never answering', () => {
  let hubs: FakeBinderHub[];
  let silent: Server;
  beforeAll(async () => {
    hubs = await Promise.all(Array.from({ length: 9 }, () => startBinderHub()));
    silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await Promise.all([...hubs.map((h) => h.close()), new Promise((r) => silent.close(r))]);
  });

  it('each member runs in its own budget: the silent one is "cannot see" when its budget ends, the nine others are read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-fed10-'));
    for (const h of hubs) {
      h.setHealth(healthy());
      h.setVersions(VERSIONS);
      h.script(REPO, { status: 500, body: 'no' });
    }
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const members = [...hubs.map((h, i) => ({ name: `m${i}`, url: h.url })), { name: 'silent', url: silentUrl }];
    const cfg = configYaml(dir, members, hubs[0].url, '  memberBudget: 3s\n');
    const started = performance.now();
    const { stdout } = await runCli(['check', 'launchProbe', '--config', cfg, '--json']);
    const ms = performance.now() - started;
    const fs = findingsOf(stdout);
    expect(fs.find((f) => f.member === 'silent' && f.key === 'launchProbe:source')?.status).toBe('unknown');
    expect(new Set(fs.filter((f) => f.key.startsWith('launch:') && f.member).map((f) => f.member)).size).toBe(9);
    // 10 members in one run: bounded by the budget (3 s), not by ten times it.
    expect(ms).toBeLessThan(3000 + 2500);
    process.stdout.write(`ten members, launchProbe, one silent: ${Math.round(ms)} ms\n`);

    // binderHealth: each member's /health in its budget, and the federation's view of all ten, its reads in the same budget.
    const t0 = performance.now();
    const health = findingsOf((await runCli(['check', 'binderHealth', '--config', cfg, '--json'])).stdout);
    const healthMs = performance.now() - t0;
    expect(health.filter((f) => f.member === 'silent').every((f) => f.status === 'unknown')).toBe(true);
    expect(health.find((f) => f.key === 'federation:rotation:silent')?.status).toBe('unknown');
    expect(health.filter((f) => f.member?.startsWith('m') && f.key.startsWith('health:') && f.status === 'ok')).toHaveLength(9);
    expect(healthMs).toBeLessThan(3000 + 2500);
    process.stdout.write(`ten members, binderHealth, one silent: ${Math.round(healthMs)} ms\n`);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
