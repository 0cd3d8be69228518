// What ships is what is tested: the deploy archive unpacked into an empty directory,
// `npm ci --omit=dev` from its own package-lock.json, each of the five functions
// (and the status page) started by the Functions Framework under Node 22 (the nodejs22 runtime) exactly
// as Cloud Run starts it, with every source it uses configured against loopback
// servers: Kubernetes over TLS through a kubeconfig and through the GKE endpoint +
// token, the GKE and GA4 APIs, a real Prometheus, BinderHub + a real JupyterHub,
// GCS for state, Slack and SMTP for delivery. The Google credential comes from a
// loopback metadata server, as on Cloud Run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../../infra/package.ts';
import { schedulerPost, startFunction, stopFunction, unpackArchive, type StartedFunction } from '../../infra/harnesses/function-runner.ts';
import { findNode22, NODE22_INSTALL } from '../../infra/harnesses/node22.ts';
import { CLUSTER_REF, POOL_REF, startGoogleSide, STATE_BUCKET, STATUS_BUCKET, type GoogleSide } from '../../infra/fakes/google-side.ts';
import { fixtureNode, fixturePod, kubeconfigFor, startFakeKubernetes, type FakeKubernetes } from '../../infra/fakes/kubernetes.ts';
import { startFakeSlack, type FakeSlack } from '../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../infra/harnesses/smtp.ts';
import { startPrometheus, type PrometheusServer } from '../../infra/harnesses/prometheus.ts';
import { startJupyterHub, type JupyterHubHandle } from '../../infra/harnesses/jupyterhub.ts';
import { startBinderHub, type FakeBinderHub } from '../../infra/fakes/binderhub.ts';
import { skippingFor, stackAvailable } from '../helpers/stack.ts';
import { MIN, simulateTraffic } from '../helpers/traffic.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLUSTER = `projects/${CLUSTER_REF.project}/locations/${CLUSTER_REF.location}/clusters/${CLUSTER_REF.cluster}`;
const SICK = 'gke-prod-user-0042';

const node22 = findNode22();
// CI must prove the deploy runtime (skippingFor throws there); elsewhere the run's summary names what to install.
if (!node22) skippingFor(['Node 22 (the deploy runtime)'], NODE22_INSTALL);
const stack = stackAvailable('prometheus', 'promtool', 'jupyterhub', 'jupyterhub-singleuser');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 15 of 15 nodes of the user pool, one cordoned, and a user pod that cannot be scheduled. */
function fullPool(kube: FakeKubernetes, now: number) {
  kube.nodes = Array.from({ length: 15 }, (_, i) =>
    fixtureNode(`gke-prod-user-${String(i).padStart(2, '0')}`, { pool: 'user', cordoned: i === 3 }),
  );
  kube.pods = [fixturePod({ namespace: 'prod', name: 'jupyter-waiting', created: now - 10 * MIN, unschedulableSince: now - 10 * MIN })];
}

/** A node whose fluentd and a user pod crash-loop: the 2018-01-18 pattern. */
function sickNode(kube: FakeKubernetes, now: number) {
  kube.nodes = [fixtureNode(SICK, { pool: 'user' }), fixtureNode('gke-prod-user-0043', { pool: 'user' })];
  kube.pods = [
    fixturePod({
      namespace: 'kube-system',
      name: 'fluentd-gcp-v2.0.9-68p79',
      node: SICK,
      created: now - 60 * MIN,
      owner: 'DaemonSet/fluentd-gcp-v2.0.9',
      waiting: { reason: 'CrashLoopBackOff', lastFinished: now - MIN, restarts: 9 },
    }),
    fixturePod({
      namespace: 'kube-system',
      name: 'kube-proxy-x1',
      node: SICK,
      created: now - 60 * MIN,
      owner: 'DaemonSet/kube-proxy',
      waiting: { reason: 'CrashLoopBackOff', lastFinished: now - MIN, restarts: 7 },
    }),
  ];
}

describe.skipIf(!node22 || !stack)('packaged functions under Node 22, sources configured', { timeout: 60_000 }, () => {
  let dir: string;
  let up: GoogleSide;
  let slack: FakeSlack;
  let smtp: TestSmtpServer;
  let prometheus: PrometheusServer;
  let hub: JupyterHubHandle;
  let binder: FakeBinderHub;
  let kubeconfigDir: string;
  let kubeconfigKube: FakeKubernetes;
  const children: ChildProcess[] = [];

  const env = (u: GoogleSide): Record<string, string> => ({
    ...u.env,
    BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl,
    BINDERWATCH_SMTP_URL: smtp.url,
    BINDERWATCH_EMAIL_FROM: 'binderwatch@example.org',
    BINDERWATCH_EMAIL_TO: 'oncall@example.org',
    BW_HUB_TOKEN: hub.adminToken,
  });

  /** Config as Terraform passes it: state in GCS (a prefix per function, so no test sees another's alerts), first problem fires. */
  let instances = 0;
  const config = (checks: Record<string, unknown>, sources: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      ...extra,
      checks,
      sources,
      alerting: { state: { type: 'gcs', bucket: STATE_BUCKET, prefix: `run-${++instances}/` }, defaults: { failuresToFire: 1 } },
    });

  async function start(target: string, cfg: string, u: GoogleSide = up): Promise<StartedFunction> {
    const f = await startFunction(dir, target, cfg, { node: node22, env: env(u) });
    children.push(f.child);
    return f;
  }

  /** POSTs as Scheduler does and waits for the notification to reach Slack and the mailbox. */
  async function runAndDeliver(f: StartedFunction, target: string) {
    const [slackBefore, mailBefore] = [slack.webhooks.length, smtp.received.length];
    const answer = await schedulerPost(f.port, target);
    expect(answer.status, f.output()).toBe(200);
    return { answer, slack: slack.webhooks.slice(slackBefore), mail: smtp.received.slice(mailBefore) };
  }

  beforeAll(async () => {
    const pkg = await buildPackage({ root: ROOT });
    dir = unpackArchive(pkg.archive);
    up = await startGoogleSide();
    [slack, smtp, kubeconfigKube] = await Promise.all([
      startFakeSlack(),
      startSmtpServer('binderwatch', 's3cret-smtp'),
      startFakeKubernetes(),
    ]);

    // Demand and running pods ending now: launches collapsed 20 minutes ago.
    const now = Date.now();
    const minutes = 300;
    const traffic = simulateTraffic({ minutes, demand: () => 10, success: (m) => (m >= minutes - 20 ? 0.1 : 0.95), seed: 3 });
    const start0 = now - (minutes - 1) * MIN;
    const lines = [
      '# TYPE binder_launch_requests gauge',
      ...traffic.demand.map((s, i) => `binder_launch_requests ${s.v} ${(start0 + i * MIN) / 1000}`),
    ];
    lines.push(
      '# TYPE jupyterhub_running_servers gauge',
      ...traffic.pods.map((s, i) => `jupyterhub_running_servers ${s.v} ${(start0 + i * MIN) / 1000}`),
    );
    [prometheus, hub] = await Promise.all([
      startPrometheus({ openMetricsText: lines.join('\n') + '\n# EOF\n' }),
      startJupyterHub({ pollIntervalS: 1 }),
    ]);
    binder = await startBinderHub({ hub, podQuota: 100 });

    kubeconfigDir = mkdtempSync(join(tmpdir(), 'bw-kubeconfig-'));
    writeFileSync(join(kubeconfigDir, 'kubeconfig'), kubeconfigFor(kubeconfigKube));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(children.map(stopFunction));
    await Promise.all([up?.close(), slack?.close(), smtp?.close(), prometheus?.stop(), binder?.close(), kubeconfigKube?.close()]);
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
  });

  it('clusterHealth through a kubeconfig names the sick node, keeps state in GCS, and the alert reaches Slack and email', async () => {
    sickNode(kubeconfigKube, Date.now());
    const f = await start('clusterHealth', config({}, { kubernetes: { kubeconfig: join(kubeconfigDir, 'kubeconfig') } }));
    const { answer, slack: posted, mail } = await runAndDeliver(f, 'clusterHealth');
    expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'clusterHealth', outcome: 'problem', undelivered: [] });
    expect(answer.body.findings.map((x: { key: string }) => x.key)).toContain(`node:${SICK}`);
    expect(answer.body.notifications).toContainEqual({ key: `node:${SICK}`, state: 'firing', severity: 'critical' });
    expect(JSON.stringify(posted)).toContain(SICK);
    expect(mail.map((m) => m.parsed.subject).join('\n')).toContain(SICK);
    // State went to GCS (which takes only the metadata server's live tokens).
    expect(up.gcs.requests.some((r) => r.method === 'POST')).toBe(true);
  });

  it('clusterHealth through the GKE endpoint and the runtime token names the sick node', async () => {
    sickNode(up.kube, Date.now());
    const f = await start('clusterHealth', config({ clusterHealth: { cluster: CLUSTER_REF } }));
    const { answer, slack: posted } = await runAndDeliver(f, 'clusterHealth');
    expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'clusterHealth', outcome: 'problem' });
    expect(answer.body.findings.map((x: { key: string }) => x.key)).toContain(`node:${SICK}`);
    expect(JSON.stringify(posted)).toContain(SICK);
    expect(up.google.requests.map((r) => r.url)).toContain(`/v1/${CLUSTER}`);
  });

  it('nodeHeadroom reads the pool ceiling from GKE and the nodes from Kubernetes, and fires on 15 of 15', async () => {
    fullPool(up.kube, Date.now());
    const f = await start('nodeHeadroom', config({ nodeHeadroom: { pools: [POOL_REF] } }));
    const { answer, slack: posted, mail } = await runAndDeliver(f, 'nodeHeadroom');
    expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'nodeHeadroom', outcome: 'problem', undelivered: [] });
    const finding = answer.body.findings.find((x: { key: string }) => x.key === 'headroom:prod/user');
    expect(finding?.summary).toContain('15 of 15');
    expect(posted.length).toBeGreaterThan(0);
    expect(mail.length).toBeGreaterThan(0);
  });

  it('trafficVsPods reads demand and pods from Prometheus and finds pods levelling off', async () => {
    const f = await start(
      'trafficVsPods',
      config(
        {
          trafficVsPods: {
            demand: { source: 'promql', query: 'sum(binder_launch_requests)' },
            podsQuery: 'sum(jupyterhub_running_servers)',
          },
        },
        { prometheus: { url: prometheus.url } },
      ),
    );
    const { answer, slack: posted } = await runAndDeliver(f, 'trafficVsPods');
    expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'trafficVsPods', outcome: 'problem', undelivered: [] });
    expect(answer.body.findings[0].summary).toMatch(/expected ~\d+ running pods, observed \d+/);
    expect(posted.length).toBeGreaterThan(0);
  });

  it('trafficVsPods reads GA4 realtime demand through the Data API with the runtime credential', async () => {
    up.google.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 10) });
    // With no remembered model the check reads the last day of minutes through the core report.
    const dayAgo = Math.floor(Date.now() / MIN) * MIN - 26 * 60 * MIN;
    up.google.core.set('123456', {
      metric: 'activeUsers',
      timeZone: 'UTC',
      perMinute: new Map(Array.from({ length: 26 * 60 }, (_, k) => [dayAgo + k * MIN, 10])),
    });
    const before = up.google.requests.length;
    const f = await start(
      'trafficVsPods',
      config({ trafficVsPods: { demand: { source: 'ga4', propertyId: '123456' } } }, { prometheus: { url: prometheus.url } }),
    );
    const answer = await schedulerPost(f.port, 'trafficVsPods');
    expect(answer.status, f.output()).toBe(200);
    // The report was read (a refused credential or a failed read would make the source "unknown").
    expect(
      answer.body.findings.filter((x: { status: string }) => x.status === 'unknown'),
      JSON.stringify(answer.body),
    ).toEqual([]);
    const issued = up.metadata.issued.map((t) => `Bearer ${t.token}`);
    for (const method of ['runRealtimeReport', 'runReport']) {
      const report = up.google.requests.slice(before).find((r) => r.url === `/v1beta/properties/123456:${method}`);
      expect(issued, method).toContain(report?.headers.authorization);
    }
  });

  it('launchProbe launches through BinderHub onto the real JupyterHub and fires for the repo whose server cannot be reached', async () => {
    const f = await start(
      'launchProbe',
      config(
        {
          launchProbe: {
            targets: [
              { binderUrl: binder.url, repos: ['gh/binderwatch-fault/ok/HEAD'], hubUrl: hub.url, hubApiTokenEnv: 'BW_HUB_TOKEN' },
              // The unreachable server is handed over behind the fake's faulty front of the hub: that is its hubUrl.
              {
                binderUrl: binder.url,
                repos: ['gh/binderwatch-fault/unreachable/HEAD'],
                hubUrl: `${binder.url}/via/blackhole/`,
                hubApiTokenEnv: 'BW_HUB_TOKEN',
              },
            ],
            timeout: '60s',
            contactTimeout: '2s',
            alert: { failuresToFire: 1 },
          },
        },
        // The launch alert alone: this hub's SLO would burn on the same failures and page on its own.
        {},
        { slo: { enabled: false } },
      ),
    );
    // One or two failed runs are within a hub's background of failures, not yet an incident. The
    // evidence adds up per hub: the other repo's launches keep working, so each run adds less than
    // a whole failed run (a contact failure is not relaunched in the run), and it fires within six.
    for (let run = 1; run <= 2; run++) {
      const early = await schedulerPost(f.port, 'launchProbe');
      expect(early.body, JSON.stringify(early.body)).toMatchObject({ check: 'launchProbe', notifications: [] });
      await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
    }
    let fired: Awaited<ReturnType<typeof runAndDeliver>> | undefined;
    for (let run = 3; run <= 6 && !fired?.answer.body.notifications.length; run++) {
      fired = await runAndDeliver(f, 'launchProbe');
      await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
    }
    const { answer, slack: posted, mail } = fired!;
    expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'launchProbe', outcome: 'problem', undelivered: [] });
    expect(answer.body.findings.map((x: { key: string }) => x.key)).toEqual([
      `launch:${new URL(binder.url).host}:gh/binderwatch-fault/unreachable/HEAD`,
    ]);
    // A failing probe that the traffic check does not corroborate is a warning: Slack only, by the default routes.
    expect(answer.body.notifications).toMatchObject([{ state: 'firing', severity: 'warning' }]);
    expect(posted.length).toBeGreaterThan(0);
    expect(mail).toEqual([]);
    // Stopped servers stay listed until the hub's next poll: polled for, never slept on.
    await expect.poll(() => hub.activeServers(), { timeout: 30_000, interval: 250 }).toEqual([]);
  }, 480_000);

  it('a function started without a config answers 200 skipped, naming the variables to set, in the answer and its log', async () => {
    const f = await start('binderHealth', '');
    const answer = await schedulerPost(f.port, 'binderHealth');
    expect(answer, f.output()).toMatchObject({
      status: 200,
      body: {
        check: 'binderHealth',
        outcome: 'skipped',
        reason: expect.stringMatching(/^no config: set BINDERWATCH_CONFIG_FILE .* or BINDERWATCH_CONFIG /),
      },
    });
    expect(f.output()).toMatch(/"severity":"WARNING","message":"check skipped".*"reason":"no config: set BINDERWATCH_CONFIG_FILE/);
  });

  it('binderHealth reads /health and fires when BinderHub reports its hub down', async () => {
    binder.setHealth({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ ok: false, checks: [{ service: 'JupyterHub API', ok: false }] }),
    });
    try {
      const f = await start('binderHealth', config({ binderHealth: { binderUrls: [binder.url] } }));
      const { answer, slack: posted } = await runAndDeliver(f, 'binderHealth');
      expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ check: 'binderHealth', outcome: 'problem', undelivered: [] });
      expect(posted.length).toBeGreaterThan(0);
    } finally {
      binder.setHealth(undefined);
    }
  });

  it('statusPage writes status.html and status.json to its public bucket, never the state bucket, with a short Cache-Control', async () => {
    const f = await start(
      'statusPage',
      JSON.stringify({
        checks: { binderHealth: { binderUrls: [binder.url] } },
        statusPage: { title: 'Packaged status', bucket: STATUS_BUCKET },
        alerting: { state: { type: 'gcs', bucket: STATE_BUCKET, prefix: `run-${++instances}/` } },
      }),
    );
    expect((await fetch(`http://127.0.0.1:${f.port}/`)).status).toBe(405);
    const answer = await schedulerPost(f.port, 'statusPage');
    expect(answer, f.output()).toMatchObject({
      status: 200,
      body: { target: 'statusPage', outcome: 'written', bucket: STATUS_BUCKET, objects: ['status.html', 'status.json'] },
    });
    const html = up.gcs.object(STATUS_BUCKET, 'status.html');
    const json = up.gcs.object(STATUS_BUCKET, 'status.json');
    expect(html).toMatchObject({ contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=60' });
    expect(json).toMatchObject({ contentType: 'application/json; charset=utf-8', cacheControl: 'public, max-age=60' });
    expect(html!.data.toString()).toContain('Packaged status');
    // The hub it watches, with nothing measured yet: "no data", never "operational".
    expect(JSON.parse(json!.data.toString()).components).toMatchObject([{ name: new URL(binder.url).host, status: 'no_data' }]);
    expect(up.gcs.object(STATE_BUCKET, 'status.html')).toBeUndefined();
    expect(f.output()).toMatch(/"severity":"INFO","message":"status page written"/);
  });

  it('statusPage refuses the state bucket as its public bucket, naming the field', async () => {
    const f = await start(
      'statusPage',
      JSON.stringify({ statusPage: { bucket: STATE_BUCKET }, alerting: { state: { type: 'gcs', bucket: STATE_BUCKET } } }),
    );
    const answer = await schedulerPost(f.port, 'statusPage');
    expect(answer.status).toBe(500);
    expect(answer.body.error).toMatch(/statusPage\.bucket.*state bucket/);
  });

  it('keeps every Google credential fresh on a warm instance: three runs across 2 s token lifetimes, each authenticated', async () => {
    const short = await startGoogleSide({ tokenLifetimeS: 2 });
    try {
      fullPool(short.kube, Date.now());
      const f = await start('nodeHeadroom', config({ nodeHeadroom: { pools: [POOL_REF] } }), short);
      for (let run = 0; run < 3; run++) {
        if (run) await sleep(2_500); // past the previous token's expiry
        const answer = await schedulerPost(f.port, 'nodeHeadroom');
        expect(answer.status, f.output()).toBe(200);
        // A refused token would make the source blind ("unknown"); the pool is full, so the answer is a problem.
        expect(answer.body.outcome, `run ${run + 1}: ${JSON.stringify(answer.body)}`).toBe('problem');
      }
      // The fakes refuse an expired token; each run needed new ones, for GKE, Kubernetes and GCS alike.
      expect(short.metadata.issued.length).toBeGreaterThanOrEqual(3);
      const tokens = (list: (string | undefined)[]) => new Set(list.filter(Boolean));
      expect(tokens(short.kube.requests.map((r) => r.headers.authorization)).size).toBeGreaterThanOrEqual(3);
      expect(tokens(short.google.requests.map((r) => r.headers.authorization)).size).toBeGreaterThanOrEqual(3);
      expect(tokens(short.gcs.requests.map((r) => r.authorization)).size).toBeGreaterThanOrEqual(3);
      expect(short.kube.requests.every((r) => r.headers.authorization !== undefined)).toBe(true);
    } finally {
      await short.close();
    }
  }, 60_000);
});
