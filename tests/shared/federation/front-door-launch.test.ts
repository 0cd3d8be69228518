// Launches through the front door: the loopback redirector in front of three BinderHub
// fakes, one of them in front of a real JupyterHub, so a launch the front door sends
// there runs to a real notebook server, which is stopped again. `binderwatch check
// launchProbe` probes every member directly and the front door once, and the front
// door's finding names the member the launch landed on.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { startRedirector, type FakeRedirector } from '../../../infra/fakes/federation-redirect.ts';
import { startJupyterHub, type JupyterHubHandle } from '../../../infra/harnesses/jupyterhub.ts';
import { parseConfigYaml } from '../../../shared/config/load.ts';
import type { Finding } from '../../../shared/model.ts';
import { frontDoorLaunchSource } from '../../../shared/sources/front-door-launch.ts';
import { configYaml, findingsOf, freshFederation, healthy, redirectorFor, REPO } from '../../helpers/federation.ts';
import { runCli } from '../../helpers/cli.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const available = stackAvailable('jupyterhub', 'jupyterhub-singleuser');
const suite = available ? describe : describe.skip;

/** The front door's own launch finding: the federation's, with no member of its own. */
const frontDoorLaunch = (fs: Finding[], redirector: FakeRedirector) =>
  fs.find((f) => !f.member && f.key.startsWith(`launch:${new URL(redirector.url).host}:`))!;

suite('launches through the front door', () => {
  let hub: JupyterHubHandle;
  let hubs: FakeBinderHub[];
  let redirector: FakeRedirector;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    hub = await startJupyterHub({ pollIntervalS: 1 });
    // twoi2c launches for real on the JupyterHub; the others are scripted.
    hubs = [await startBinderHub({ hub }), await startBinderHub(), await startBinderHub()];
    redirector = await redirectorFor(hubs);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...(hubs ?? []).map((h) => h.close()), redirector?.close()]);
    await hub?.stop();
  });
  beforeEach(() => {
    ({ dir, config } = freshFederation('bw-frontdoor-', hubs, redirector.url));
    hubs[1].script(REPO, { phases: ['waiting', 'fetching'], end: 'failed', failMessage: 'Docker registry unreachable' });
    hubs[2].script(REPO, { phases: ['waiting'], end: 'failed', failMessage: 'no' });
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('a launch the front door sends to a healthy member runs there to a real server, is stopped, and names the member', async () => {
    redirector.pin('twoi2c');
    const before = hubs[0].launches.length;
    const { stdout } = await runCli(['check', 'launchProbe', '--config', config, '--json']);
    const fs = findingsOf(stdout);
    const front = frontDoorLaunch(fs, redirector);
    expect(front).toMatchObject({ status: 'ok' });
    expect(front.summary).toContain('front door → twoi2c');
    // One launch on twoi2c directly, one through the front door; the other members got none from the front door.
    expect(hubs[0].launches.length - before).toBe(2);
    expect(fs.filter((f) => f.key.startsWith('launch:') && f.member).map((f) => f.member)).toHaveLength(3);
    await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
  }, 90_000);

  it('a redirector that keeps sending launches to a failing member pages, naming that member', async () => {
    // gesis's registry fails and its /health says so, but the redirector has not noticed.
    hubs[1].setHealth(healthy(5, 100, false));
    redirector.pin('gesis');
    const health = findingsOf((await runCli(['check', 'binderHealth', '--config', config, '--json'])).stdout);
    expect(health.find((f) => f.key === 'federation:front-door')).toMatchObject({ status: 'problem', severity: 'critical' });
    const { stdout } = await runCli(['check', 'launchProbe', '--config', config, '--json']);
    const front = frontDoorLaunch(findingsOf(stdout), redirector);
    expect(front).toMatchObject({ status: 'problem', severity: 'critical' });
    expect(front.title).toContain('front door → gesis');
    expect(front.summary).toContain('the front door sends launches to a failing member');
    expect(front.details).toContain('Docker registry unreachable');
    await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
  }, 120_000);

  it('a 307 to a host that is not a member is not followed: the launch fails there, unsent', async () => {
    const stranger = await startBinderHub();
    const rogue = await startRedirector({ x: { url: stranger.url, weight: 1, health: '', versions: '', prime: true } });
    const cfg = parseConfigYaml(readFileSync(configYaml(dir, [{ name: 'twoi2c', url: hubs[0].url }], rogue.url), 'utf8'));
    const source = frontDoorLaunchSource(cfg.federation!, cfg.checks.launchProbe);
    const { results } = await source.observe({ now: Date.now(), lookbackMs: 0, stepMs: 60_000 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: false, failedPhase: 'resolve', hubName: 'front door' });
    expect(results[0].landedOn).toBeUndefined();
    expect(results[0].error).toContain(`HTTP 307 redirect to ${stranger.url}/… refused`);
    expect(stranger.launches).toHaveLength(0);
    await Promise.all([stranger.close(), rogue.close()]);
  }, 60_000);
});
