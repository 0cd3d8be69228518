// Runs one production client call against a (hostile) loopback server in a process of
// its own, and prints one JSON line: what the call returned or threw, how long it took,
// and how much the process's peak resident memory grew over its state just before the
// call. A child of its own so the figure is the client's alone (the servers live in the
// test process) and the peak is the kernel's (getrusage maxRSS), not a sample that may
// miss it.
//   node --import tsx tests/helpers/hostile-client.ts '<json: HostileCall>'
import { OAuth2Client } from 'google-auth-library';
import { MemoryStore } from '../../shared/state/memory.ts';
import { fetchHealth, streamLaunch } from '../../shared/clients/binderhub.ts';
import { Ga4Client } from '../../shared/clients/ga4.ts';
import { ga4Demand } from '../../shared/sources/traffic-vs-pods.ts';
import { GkeClient } from '../../shared/clients/gke.ts';
import { KubernetesReader, kubeConfigForGke } from '../../shared/clients/kubernetes.ts';
import { runLaunchProbe, type ProbeSettings } from '../../shared/sources/launch-probe.ts';
import { promqlClient } from '../../shared/clients/promql.ts';

export type HostileCall =
  | { kind: 'launch'; binderUrl: string; repo: string; timeoutMs: number; idleTimeoutMs: number }
  | { kind: 'probe'; binderUrl: string; repo: string; hubUrl?: string; hubApiToken?: string; settings: ProbeSettings }
  | { kind: 'health'; binderUrl: string; timeoutMs: number }
  | { kind: 'promql'; url: string; timeoutMs: number }
  | { kind: 'pods'; server: string; caCert: string; token: string; timeoutMs: number; pageSize?: number }
  | { kind: 'ga4'; rootUrl: string; token: string; timeoutMs: number }
  | { kind: 'gke'; rootUrl: string; token: string; timeoutMs: number };

export interface HostileReport {
  /** What the call returned, or `{ thrown: name, message }`. */
  outcome: Record<string, unknown>;
  ms: number;
  /** Peak RSS during the call minus RSS just before it, bytes. */
  rssGrowth: number;
}

const googleAuth = (token: string) => {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
};

async function call(c: HostileCall): Promise<Record<string, unknown>> {
  switch (c.kind) {
    case 'launch': {
      const r = await streamLaunch(c.binderUrl, c.repo, { timeoutMs: c.timeoutMs, idleTimeoutMs: c.idleTimeoutMs });
      return r.ok ? { ok: true } : { ok: false, failedPhase: r.failedPhase, error: r.error, messages: r.messages };
    }
    case 'probe': {
      const r = await runLaunchProbe({ binderUrl: c.binderUrl, repo: c.repo, hubUrl: c.hubUrl, hubApiToken: c.hubApiToken }, c.settings, {
        stopBackoffMs: 200,
      });
      return { ok: r.ok, failedPhase: r.failedPhase, error: r.error, unknownReason: r.unknownReason, messages: r.messages };
    }
    case 'health':
      return { ...(await fetchHealth(c.binderUrl, { timeoutMs: c.timeoutMs })) };
    case 'promql':
      return { series: (await promqlClient({ url: c.url, timeoutMs: c.timeoutMs }).instant('up', Date.now())).length };
    case 'pods': {
      const reader = new KubernetesReader(kubeConfigForGke({ endpoint: c.server, caCert: c.caCert, token: c.token }), {
        timeoutMs: c.timeoutMs,
        pageSize: c.pageSize,
      });
      return { pods: (await reader.pods()).length };
    }
    case 'ga4': {
      const ga4 = ga4Demand(
        new Ga4Client({ propertyId: '123456', auth: googleAuth(c.token), rootUrl: c.rootUrl, timeoutMs: c.timeoutMs }),
        {
          store: new MemoryStore(),
        },
      );
      return { samples: (await ga4.read(Date.now() - 3_600_000, Date.now(), 60_000)).length };
    }
    case 'gke': {
      const gke = new GkeClient({ auth: googleAuth(c.token), rootUrl: c.rootUrl, timeoutMs: c.timeoutMs });
      return { ...(await gke.nodePoolLimit({ project: 'p', location: 'l', cluster: 'c', pool: 'user' })) };
    }
  }
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2]) as HostileCall;
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  let outcome: Record<string, unknown>;
  try {
    outcome = await call(c);
  } catch (e) {
    const err = e as Error;
    outcome = { thrown: err?.name ?? typeof e, message: err?.message ?? String(e) };
  }
  const ms = Math.round(performance.now() - t0);
  const peak = process.resourceUsage().maxRSS * 1024;
  const report: HostileReport = { outcome, ms, rssGrowth: Math.max(0, peak - before) };
  // Sockets a hostile server holds open must not keep this process alive: exit once the report is written.
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
}

await main();
