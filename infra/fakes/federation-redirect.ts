// A loopback federation-redirect (mybinder.org-deploy, images/federation-redirect/app.py):
// it health-checks every host (a failing /health check, pods within pod_headroom of the
// quota, or /versions unlike the prime's take it out), and answers /build/… and /v2/…
// with a 307 to one healthy host, chosen by rendezvous hashing on the repo weighted by
// each host's weight; with no healthy host the prime still takes the traffic.
// The hash is SHA-256 here (app.py uses blake2b): which member a repo lands on differs,
// the rules do not. Tests drive `check()` (app.py runs it every 15 s) or `pin()` a host to
// play a redirector that keeps sending launches to a member it should have dropped.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RedirectHost {
  url: string;
  weight: number;
  health: string;
  versions: string;
  prime?: boolean;
}

export interface FakeRedirector {
  url: string;
  /** Runs the health checks now; returns the healthy host names. */
  check(): Promise<string[]>;
  healthy: Set<string>;
  /** Sends every launch to this host whatever its health (undefined: the real rules). */
  pin(host: string | undefined): void;
  close(): Promise<void>;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.json();
}

async function hostHealthy(host: RedirectHost, primeVersions: unknown, podHeadroom: number): Promise<boolean> {
  try {
    const health = (await getJson(host.health)) as { checks: { service: string; ok: boolean; total_pods?: number; quota?: number }[] };
    for (const c of health.checks) {
      if (c.service === 'Pod quota') {
        if (c.quota !== undefined && (c.total_pods ?? 0) + podHeadroom >= c.quota) return false;
      } else if (!c.ok) return false;
    }
    if (!host.prime && JSON.stringify(await getJson(host.versions)) !== JSON.stringify(primeVersions)) return false;
    return true;
  } catch {
    return false;
  }
}

/** Rendezvous (highest random weight) ranking of hosts for a key, weighted. */
export function rendezvousRank(hosts: [string, number][], key: string): string[] {
  const score = ([name, weight]: [string, number]) => {
    const h = createHash('sha256').update(`${name}-${key}`).digest().readBigUInt64BE(0);
    const u = (Number(h) + 1) / (2 ** 64 + 2);
    return weight / -Math.log(u);
  };
  return hosts
    .map((h) => [h[0], score(h)] as const)
    .sort((a, b) => b[1] - a[1])
    .map((h) => h[0]);
}

export async function startRedirector(hosts: Record<string, RedirectHost>, podHeadroom = 10): Promise<FakeRedirector> {
  const healthy = new Set<string>();
  let pinned: string | undefined;
  const prime = Object.entries(hosts).find(([, h]) => h.prime)![0];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const m = /^\/(build|v2)\/([^/]+\/[^/]+\/[^/]+)/.exec(path);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const candidates = Object.entries(hosts).filter(([name, h]) => healthy.has(name) && h.weight > 0);
    const target =
      pinned ??
      rendezvousRank(
        candidates.map(([n, h]) => [n, h.weight]),
        m[2],
      )[0] ??
      prime;
    res.writeHead(307, { location: hosts[target].url.replace(/\/$/, '') + path }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    healthy,
    pin: (host) => void (pinned = host),
    async check() {
      const primeVersions = await getJson(hosts[prime].versions).catch(() => undefined);
      const results = await Promise.all(
        Object.entries(hosts).map(async ([n, h]) => [n, await hostHealthy(h, primeVersions, podHeadroom)] as const),
      );
      healthy.clear();
      for (const [n, ok] of results) if (ok) healthy.add(n);
      return [...healthy];
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
