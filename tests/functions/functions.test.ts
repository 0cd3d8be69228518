// The Cloud Function entry points as Cloud Scheduler calls them: a POST to the
// registered function (functions-framework's own test server), which runs the check
// through runCheck against real upstreams and answers with what happened.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { startBinderHub, type FakeBinderHub } from '../../infra/fakes/binderhub.ts';
import { startJupyterHub, type JupyterHubHandle } from '../../infra/harnesses/jupyterhub.ts';
import { stackAvailable } from '../helpers/stack.ts';

const available = stackAvailable('jupyterhub', 'jupyterhub-singleuser');

describe.skipIf(!available)('functions/launch-probe.ts', () => {
  let hub: JupyterHubHandle;
  let binder: FakeBinderHub;
  let server: Server;
  let url: string;

  /** The function's log lines (stderr, as Cloud Logging reads it), kept for the assertions below instead of the run's output. */
  const logLines: string[] = [];

  beforeAll(async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    hub = await startJupyterHub({ pollIntervalS: 1 });
    binder = await startBinderHub({ hub });
    // What Terraform sets: the config as YAML, the hub token from Secret Manager.
    process.env.BINDERWATCH_CONFIG = [
      'checks:',
      '  launchProbe:',
      '    targets:',
      `      - binderUrl: ${binder.url}`,
      '        repos: [gh/binderwatch-fault/ok/HEAD]',
      `        hubUrl: ${hub.url}`,
      '        hubApiTokenEnv: BW_TEST_HUB_TOKEN',
      // The unreachable server is handed over behind the fake's faulty front of the hub: that is its hubUrl.
      `      - binderUrl: ${binder.url}`,
      '        repos: [gh/binderwatch-fault/unreachable/HEAD]',
      `        hubUrl: ${binder.url}/via/blackhole/`,
      '        hubApiTokenEnv: BW_TEST_HUB_TOKEN',
      '    timeout: 60s',
      '    contactTimeout: 2s',
      '    alert: { failuresToFire: 1 }',
      'alerting:',
      '  state: { type: memory }',
      // The launch alert alone: this hub's SLO would burn on the same failures and page on its own.
      'slo:',
      '  enabled: false',
    ].join('\n');
    process.env.BW_TEST_HUB_TOKEN = hub.adminToken;
    await import('../../functions/launch-probe.ts');
    server = getTestServer('launchProbe');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await binder?.close();
    await hub?.stop();
    delete process.env.BINDERWATCH_CONFIG;
    delete process.env.BW_TEST_HUB_TOKEN;
    vi.restoreAllMocks();
  });

  it('answers Scheduler POSTs after launching both repos, firing within six failed runs (not the first two) of the one whose server cannot be reached', async () => {
    type Body = {
      outcome: string;
      findings: { key: string; title: string; summary: string }[];
      notifications: { key: string; state: string; severity: string }[];
    };
    const post = async (): Promise<Body> => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Google-Cloud-Scheduler' },
        body: '{}',
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Body;
    };
    // One or two failed runs are within a hub's background of failures, not yet an incident. The
    // evidence adds up per hub and the other repo keeps working (a contact failure is not
    // relaunched: its server is being cleaned up), so it fires within six runs.
    let body: Body | undefined;
    for (let run = 1; run <= 6 && !body?.notifications.length; run++) {
      const answer = await post();
      if (run <= 2) expect(answer.notifications).toEqual([]);
      body = answer;
      // Runs are minutes apart in production: let the hub finish stopping the run's server.
      await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
    }
    if (!body) throw new Error('no run');
    expect(body.outcome).toBe('problem');
    expect(body.findings.map((f) => f.key)).toEqual([`launch:${new URL(binder.url).host}:gh/binderwatch-fault/unreachable/HEAD`]);
    // At most 80 characters: a long repo name is cut, the hub and the phase always show.
    const title = body.findings[0].title;
    expect(title.startsWith('Launch of gh/binderwatch-fault/')).toBe(true);
    expect(title.endsWith(` fails on ${new URL(binder.url).host} (contact)`)).toBe(true);
    expect([...title].length).toBeLessThanOrEqual(80);
    expect(body.findings[0].summary).toContain('Phase contact: the server started but does not answer');
    // Probe evidence alone (no traffic check corroborating it): a warning.
    expect(body.notifications).toEqual([{ key: body.findings[0].key, state: 'firing', severity: 'warning' }]);
    // Logged for Cloud Logging: one JSON object a line with its severity, the alert among them, no hub token.
    const logs = logLines.map((l) => JSON.parse(l) as { severity: string; message: string });
    expect(logs.every((l) => ['DEBUG', 'INFO', 'WARNING', 'ERROR'].includes(l.severity))).toBe(true);
    expect(logs).toContainEqual(expect.objectContaining({ severity: 'WARNING', message: `FIRING warning: ${title}` }));
    expect(logLines.join('\n')).not.toContain(hub.adminToken);
  }, 480_000);

  it('leaves no server running on the real hub', async () => {
    // A server stopped through api/shutdown stays listed until the hub's next poll: polled for, never slept on.
    await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
  });
});
