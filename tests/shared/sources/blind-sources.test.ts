// Missing upstream data is "unknown", never an all-clear: a GA outage, a Prometheus
// outage and a Kubernetes 403, each through the real adapter and runCheck, fire their
// own "cannot see" alert after the configured number of runs.
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogleApis, type FakeGoogleApis } from '../../../infra/fakes/google-apis.ts';
import { startFakeKubernetes, type FakeKubernetes } from '../../../infra/fakes/kubernetes.ts';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { jsonLogger } from '../../../shared/log.ts';
import type { AlertNotification, Notifier } from '../../../shared/alerting/notifier.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { clusterHealthSource } from '../../../shared/sources/cluster-health.ts';
import { Ga4RealtimeDemand } from '../../../shared/clients/ga4.ts';
import { KubernetesReader, kubeConfigForGke } from '../../../shared/clients/kubernetes.ts';
import { promqlClient } from '../../../shared/clients/promql.ts';
import { trafficSource } from '../../../shared/sources/traffic-vs-pods.ts';
import type { Sources } from '../../../shared/sources/source.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const MIN = 60_000;
const T0 = Date.UTC(2018, 0, 18, 12, 0);
const UNKNOWN_TO_FIRE = 3;

function deps(sources: Sources): CheckDeps & { sent: AlertNotification[] } {
  const sent: AlertNotification[] = [];
  const console: Notifier = {
    name: 'console',
    async send(n) {
      sent.push(n);
    },
  };
  return {
    config: parseConfig({ alerting: { defaults: { unknownToFire: UNKNOWN_TO_FIRE } } }),
    sources,
    store: new MemoryStore(),
    notifiers: [console],
    logger: jsonLogger(() => {}),
    sent,
  };
}

/** Runs the check once a minute from `from`; returns each run's outcome. */
async function runs(check: 'trafficVsPods' | 'clusterHealth', d: CheckDeps, from: number, count: number, clock: { now: number }) {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    clock.now = from + i * MIN;
    out.push((await runCheck(check, d, clock.now)).outcome);
  }
  return out;
}

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('traffic sources going blind', () => {
  let prometheus: PrometheusServer;
  let google: FakeGoogleApis;
  beforeAll(async () => {
    // Three hours of running pods, as Prometheus would hold them.
    const lines = ['# TYPE jupyterhub_running_servers gauge'];
    for (let m = 0; m <= 180; m++) lines.push(`jupyterhub_running_servers ${300 + (m % 7)} ${(T0 - 180 * MIN + m * MIN) / 1000}`);
    prometheus = await startPrometheus({ openMetricsText: lines.join('\n') + '\n# EOF\n' });
    google = await startFakeGoogleApis({ accessToken: 'ya29.blind' });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await google?.close();
  });

  function trafficDeps(prometheusUrl: string, clock: { now: number }) {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'ya29.blind', expiry_date: Date.now() + 3_600_000 });
    const store = new MemoryStore();
    const demand = new Ga4RealtimeDemand({
      propertyId: '42',
      auth,
      store,
      rootUrl: google.rootUrl,
      clock: () => clock.now,
      timeoutMs: 2_000,
    });
    const pods = { client: promqlClient({ url: prometheusUrl, timeoutMs: 2_000 }), query: 'sum(jupyterhub_running_servers)' };
    return { ...deps({ trafficVsPods: trafficSource({ pods, demand }) }), store };
  }

  it('a GA outage (429) is unknown and fires "cannot see ga4" after the configured runs', async () => {
    google.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 30 }, 100);
    const clock = { now: T0 };
    const d = trafficDeps(prometheus.url, clock);
    expect(await runs('trafficVsPods', d, T0, UNKNOWN_TO_FIRE + 1, clock)).toEqual(Array(UNKNOWN_TO_FIRE + 1).fill('unknown'));
    expect(d.sent.map((n) => `${n.state}:${n.status}:${n.key}`)).toEqual(['firing:unknown:trafficVsPods:source']);
    expect(d.sent[0].summary).toMatch(/cannot see ga4/);
    google.faults.clear();
  });

  it('a Prometheus outage is unknown and fires "cannot see prometheus"', async () => {
    google.realtime.set('properties/42', { metric: 'activeUsers', perMinute: Array(30).fill(5) });
    const clock = { now: T0 };
    const d = trafficDeps('http://127.0.0.1:9', clock);
    expect(await runs('trafficVsPods', d, T0, UNKNOWN_TO_FIRE, clock)).toEqual(Array(UNKNOWN_TO_FIRE).fill('unknown'));
    expect(d.sent).toHaveLength(1);
    expect(d.sent[0].summary).toMatch(/cannot see prometheus/);
  });
});

describe('the Kubernetes API answering 403', () => {
  let kube: FakeKubernetes;
  beforeAll(async () => {
    kube = await startFakeKubernetes();
  });
  afterAll(async () => kube?.close());

  it('is unknown for clusterHealth and fires "cannot see" — never an all-clear', async () => {
    kube.faults.add({ kind: 'status', status: 403 }, 100);
    const reader = new KubernetesReader(kubeConfigForGke({ endpoint: kube.server, caCert: kube.caCert, token: kube.token }), {
      timeoutMs: 2_000,
    });
    const d = deps({ clusterHealth: clusterHealthSource({ kube: reader, cullerMaxAgeMs: 8 * 3_600_000 }) });
    const clock = { now: T0 };
    expect(await runs('clusterHealth', d, T0, UNKNOWN_TO_FIRE, clock)).toEqual(Array(UNKNOWN_TO_FIRE).fill('unknown'));
    expect(d.sent.map((n) => `${n.state}:${n.status}:${n.key}`)).toEqual(['firing:unknown:clusterHealth:source']);
    expect(d.sent[0].summary).toMatch(/cannot see kubernetes/);
    expect(d.sent[0].summary).not.toContain(kube.token);
  });
});
