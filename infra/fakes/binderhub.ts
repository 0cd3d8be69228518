// A loopback server that speaks BinderHub's launch protocol in front of a real
// JupyterHub (infra/harnesses/jupyterhub.ts). On GET /build/<provider>/<spec> it streams the
// phases BinderHub streams (waiting, fetching, building, built, launching) as
// server-sent events, then does what BinderHub's launcher does: creates a user and
// starts its server through the hub's REST API, makes a token, and sends `ready` with
// the hub-proxied /user/<name>/ URL. GET /health answers BinderHub's health JSON.
//
// Tests pick a fault per spec (`script()`), or by spec name: gh/binderwatch-fault/<preset>/<ref>.
// Servers can be handed over behind /via/<mode>/ on this server, which passes
// everything through to the hub except that, under /user/: `proxy` fails the first N
// POST …/api/shutdown, `blackhole` never answers, `missing` answers the hub's 404 page.
//
// Run on its own (with a fresh JupyterHub): node --import tsx infra/fakes/binderhub.ts
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { startJupyterHub } from '../harnesses/jupyterhub.ts';
import { writeEndlessly } from './loopback-faults.ts';

export type ServerVia = 'hub' | 'proxy' | 'blackhole' | 'missing';

/** How the fake answers one launch. The default launches for real and sends `ready`. */
export interface LaunchScript {
  /** Answer this HTTP status / body instead of an event stream (429, 500, an HTML page …). */
  status?: number;
  contentType?: string;
  body?: string;
  /** BinderHub phases streamed first; default: waiting, fetching, building ×3, built, launching. */
  phases?: string[];
  /** After the phases: launch and send `ready` (default), send `failed`, go silent, or cut the connection. */
  end?: 'ready' | 'failed' | 'silent' | 'cut';
  failMessage?: string;
  /** Send `:heartbeat` comments this often for as long as the stream is open. */
  heartbeatMs?: number;
  /** Where `ready` points the server URL (see the header); default: the hub's own proxy. */
  serverVia?: ServerVia;
  /** With serverVia 'proxy': POST …/api/shutdown answers 500 this many times first (Infinity: always). */
  shutdownFailures?: number;
  /** Send this `ready` without launching anything (client tests without a hub). */
  ready?: { url: string; token: string };
  /** The `ready` event's message; default "server running at <url>". */
  readyMessage?: string;
  /** Pause between events, ms. */
  eventGapMs?: number;
  /**
   * Hostile streams, after the phases: `line` one line that never ends, `event` data lines
   * that never end an event, `events` small valid events without end, `huge-failed` a
   * `failed` event whose message is `hugeBytes` long.
   */
  flood?: 'line' | 'event' | 'events' | 'huge-failed';
  hugeBytes?: number;
  /** With `status`: after `body`, keep sending it for as long as the client reads. */
  endlessBody?: boolean;
  /** Answer /build with a 302 to this URL. */
  redirectTo?: string;
}

const BUILD_PHASES = ['waiting', 'fetching', 'building', 'building', 'building', 'built', 'launching'];

/** Named faults, selectable from outside the process by spec: gh/binderwatch-fault/<name>/HEAD. */
export const PRESETS: Record<string, LaunchScript> = {
  ok: {},
  proxied: { serverVia: 'proxy' },
  'build-failed': { phases: ['waiting', 'fetching', 'building'], end: 'failed', failMessage: 'Build failed: step 3/7 exited with 1' },
  'launch-failed': { phases: ['built', 'launching'], end: 'failed', failMessage: 'Image failed to launch: spawn timeout' },
  'resolve-failed': { phases: [], end: 'failed', failMessage: 'Could not resolve ref for gh:binderwatch-fault/resolve-failed/nope' },
  'never-ready': { phases: ['waiting', 'fetching', 'building'], end: 'silent' },
  'keepalive-only': { phases: [], end: 'silent', heartbeatMs: 100 },
  cut: { phases: ['waiting', 'fetching', 'building'], end: 'cut' },
  'rate-limited': { status: 429, contentType: 'application/json', body: '{"message": "Too many requests"}' },
  'server-error': {
    status: 500,
    contentType: 'text/html',
    body: '<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>',
  },
  'html-page': {
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>',
  },
  unreachable: { serverVia: 'blackhole' },
  'route-missing': { serverVia: 'missing' },
  'stop-flaky': { serverVia: 'proxy', shutdownFailures: 2 },
  'stop-broken': { serverVia: 'proxy', shutdownFailures: Infinity },
};

export interface HealthAnswer {
  status: number;
  contentType: string;
  body: string;
  /** Keep sending `body` for as long as the client reads. */
  endless?: boolean;
}

export interface LaunchRecord {
  /** The request path exactly as the client sent it. */
  rawPath: string;
  provider: string;
  spec: string;
  user?: string;
  /** ms from the request to `ready` (or the end of the stream): the hub's own time. */
  hubMs?: number;
}

export interface FakeBinderHub {
  url: string;
  /** Chooses the answer for a `provider/spec` (as configured, escaped or not). */
  script(repo: string, script: LaunchScript): void;
  /** Overrides /health; undefined restores the computed answer. */
  setHealth(answer: HealthAnswer | undefined): void;
  launches: LaunchRecord[];
  close(): Promise<void>;
}

export interface FakeBinderHubOptions {
  /** The real hub: its public URL (trailing slash) and a token with admin:users, admin:servers, tokens. */
  hub?: { url: string; adminToken: string };
  /** Pod quota reported by /health. */
  podQuota?: number;
  /** Listen on this loopback port (the local stack's fixed one); default: a free one. */
  port?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function userFor(spec: string): string {
  const slug = spec
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
  return `${slug || 'repo'}-${randomBytes(4).toString('hex')}`;
}

/** BinderHub's own spec checks (repoproviders.py), so malformed specs fail as they would there. */
function specProblem(provider: string, rawSpec: string): string | undefined {
  const parts = rawSpec.split('/');
  if (provider === 'gh' && parts.length < 3) return `Spec is not of the form "user/repo/ref", provided: "${decodeURIComponent(rawSpec)}".`;
  if ((provider === 'gl' || provider === 'git') && (parts.length < 2 || !parts[1])) return 'An unresolved ref is required';
  if (provider === 'git' && !/^(https?|git|ssh):\/\//.test(decodeURIComponent(parts[0]))) {
    return `Unsupported git url ${decodeURIComponent(parts[0])}`;
  }
  return undefined;
}

export async function startBinderHub(options: FakeBinderHubOptions = {}): Promise<FakeBinderHub> {
  const scripts = new Map<string, LaunchScript>();
  const launches: LaunchRecord[] = [];
  // Time the hub took answering requests passed through /via/, by user (for the overhead bench).
  const upstreamMs = new Map<string, number>();
  const shutdownFailuresLeft = new Map<string, number>();
  const openResponses = new Set<ServerResponse>();
  let health: HealthAnswer | undefined;
  let baseUrl = '';
  const hub = options.hub;

  const hubApi = async (path: string, init: RequestInit = {}) => {
    if (!hub) throw new Error('no JupyterHub behind this fake');
    return fetch(hub.url + 'hub/api/' + path, {
      ...init,
      headers: { Authorization: `token ${hub.adminToken}`, 'Content-Type': 'application/json' },
    });
  };

  /** What BinderHub's launcher does: user, server, wait until ready, token. */
  const launchOnHub = async (user: string, say: (message: string) => void): Promise<{ url: string; token: string }> => {
    const created = await hubApi(`users/${user}`, { method: 'POST' });
    if (created.status !== 201 && created.status !== 409) throw new Error(`creating user ${user}: HTTP ${created.status}`);
    const spawn = await hubApi(`users/${user}/server`, { method: 'POST', body: '{}' });
    if (spawn.status === 202) {
      for (let i = 0; ; i++) {
        say(`Server requested, waiting (${i})`);
        const model = (await (await hubApi(`users/${user}`)).json()) as {
          servers?: Record<string, { ready?: boolean; pending?: string | null }>;
        };
        const s = model.servers?.[''];
        if (s?.ready) break;
        if (!s?.pending || i > 120) throw new Error(`server for ${user} failed to start`);
        await sleep(250);
      }
    } else if (spawn.status !== 201) {
      throw new Error(`starting server for ${user}: HTTP ${spawn.status}`);
    }
    const tokenRes = await hubApi(`users/${user}/tokens`, {
      method: 'POST',
      body: JSON.stringify({ note: 'binderhub launch', expires_in: 3600 }),
    });
    if (tokenRes.status !== 201 && tokenRes.status !== 200) throw new Error(`token for ${user}: HTTP ${tokenRes.status}`);
    const { token } = (await tokenRes.json()) as { token: string };
    return { url: `${hub!.url}user/${user}/`, token };
  };

  const serveBuild = async (req: IncomingMessage, res: ServerResponse, rawPath: string) => {
    const [, , provider = '', ...rest] = rawPath.split('/');
    const rawSpec = rest.join('/');
    const record: LaunchRecord = { rawPath, provider, spec: rawSpec };
    launches.push(record);
    const started = performance.now();
    const repo = `${provider}/${rawSpec}`;
    const presetName = /^gh\/binderwatch-fault\/([^/]+)\//.exec(repo)?.[1];
    const script: LaunchScript =
      scripts.get(repo) ?? scripts.get(decodeURIComponent(repo)) ?? (presetName ? PRESETS[presetName] : undefined) ?? {};

    if (!['gh', 'gl', 'git', 'gist', 'zenodo', 'figshare', 'hydroshare', 'dataverse', 'ckan'].includes(provider)) {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end(`<html><body>404: No provider found for prefix ${provider}</body></html>`);
    }
    if (script.redirectTo) {
      res.writeHead(302, { location: script.redirectTo });
      return res.end();
    }
    if (script.status !== undefined) {
      res.writeHead(script.status, { 'content-type': script.contentType ?? 'text/html' });
      if (script.endlessBody) return writeEndlessly(res, script.body || 'x');
      return res.end(script.body ?? '');
    }

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=UTF-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => (closed = true));
    const send = (event: Record<string, unknown>) => {
      if (!closed) res.write(`data: ${JSON.stringify(event)}\n\n`);
    };
    const heartbeat = script.heartbeatMs ? setInterval(() => !closed && res.write(':heartbeat\n\n'), script.heartbeatMs) : undefined;
    res.on('close', () => clearInterval(heartbeat));
    const gap = script.eventGapMs ?? 5;

    try {
      const problem = specProblem(provider, rawSpec);
      if (problem) return send({ phase: 'failed', message: problem });
      for (const phase of script.phases ?? BUILD_PHASES) {
        await sleep(gap);
        send({
          phase,
          message: phase === 'building' ? `Step ${randomBytes(1)[0] % 9}/9 : RUN pip install -r requirements.txt\n` : `${phase}…\n`,
        });
      }
      await sleep(gap);
      if (script.flood) {
        openResponses.add(res);
        if (script.flood === 'line') return void (res.write('data: '), writeEndlessly(res, 'x'.repeat(16 * 1024)));
        if (script.flood === 'event') return writeEndlessly(res, `data: ${'x'.repeat(1024)}\n`);
        if (script.flood === 'events')
          return writeEndlessly(res, `data: ${JSON.stringify({ phase: 'building', message: 'Step 1/9 : RUN true\n' })}\n\n`);
        openResponses.delete(res);
        return send({ phase: 'failed', message: `Build failed: ${'\x1b[31m'}${'y'.repeat(script.hugeBytes ?? 1024)}` });
      }
      const end = script.end ?? 'ready';
      if (end === 'failed') return send({ phase: 'failed', message: script.failMessage ?? 'failed' });
      if (end === 'cut') return void res.socket?.destroy();
      if (end === 'silent') {
        openResponses.add(res);
        return; // the client's idle deadline has to end this one
      }
      if (closed) return;
      let server = script.ready;
      if (!server) {
        const user = userFor(rawSpec);
        record.user = user;
        // BinderHub relays the spawn's progress while the hub starts the server.
        const progress = setInterval(() => send({ phase: 'launching', message: 'Launching server...\n' }), 250);
        try {
          server = await launchOnHub(user, (message) => send({ phase: 'launching', message }));
        } catch (e) {
          return send({ phase: 'failed', message: `Failed to launch image: ${(e as Error).message}` });
        } finally {
          clearInterval(progress);
        }
        if (closed) {
          // The client left before `ready`: nobody was handed this server, so it is not the probe's to stop.
          await hubApi(`users/${user}/server`, { method: 'DELETE' });
          return;
        }
        const via = script.serverVia ?? 'hub';
        if (via !== 'hub') server = { ...server, url: `${baseUrl}/via/${via}/user/${user}/` };
        if (script.shutdownFailures) shutdownFailuresLeft.set(user, script.shutdownFailures);
      }
      record.hubMs = Math.round(performance.now() - started);
      send({ phase: 'ready', message: script.readyMessage ?? `server running at ${server.url}\n`, url: server.url, token: server.token });
    } finally {
      record.hubMs ??= Math.round(performance.now() - started);
      if (!openResponses.has(res)) {
        clearInterval(heartbeat);
        res.end();
      }
    }
  };

  const serveHealth = async (res: ServerResponse) => {
    let answer = health;
    if (!answer) {
      const hubOk = hub
        ? await fetch(hub.url + 'hub/health').then(
            (r) => r.ok,
            () => false,
          )
        : false;
      const users = hubOk
        ? ((await (await hubApi('users')).json()) as { servers?: Record<string, { ready?: boolean; pending?: string | null }> }[])
        : [];
      // A pod that is starting or stopping still counts against the quota.
      const running = users.filter((u) => Object.values(u.servers ?? {}).some((s) => s.ready || s.pending)).length;
      const quota = options.podQuota ?? 100;
      const checks = [
        { service: 'JupyterHub API', ok: hubOk },
        {
          service: 'Pod quota',
          total_pods: running,
          build_pods: 0,
          user_pods: running,
          quota,
          ok: running <= quota,
          _ignore_failure: true,
        },
      ];
      answer = { status: hubOk ? 200 : 503, contentType: 'application/json', body: JSON.stringify({ ok: hubOk, checks }) };
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    if (answer.endless) return writeEndlessly(res, answer.body);
    res.end(answer.body);
  };

  /** /via/<mode>/<rest>: passes <rest> to the hub, except the faults under /user/. */
  const serveVia = (req: IncomingMessage, res: ServerResponse, mode: string, rest: string) => {
    const user = /^\/user\/([^/]+)\//.exec(rest)?.[1];
    if (user && mode === 'blackhole') {
      openResponses.add(res); // accepts the request, never answers: the pod is up but unreachable
      return;
    }
    if (user && mode === 'missing') {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end('<html><body><h1>404 : Not Found</h1><p>Jupyter has lots of moons, but this is not one...</p></body></html>');
    }
    if (user && req.method === 'POST' && rest.endsWith('/api/shutdown')) {
      const left = shutdownFailuresLeft.get(user) ?? 0;
      if (left > 0) {
        shutdownFailuresLeft.set(user, left - 1);
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html><body>500 : Internal Server Error</body></html>');
      }
    }
    if (!hub) {
      res.writeHead(502);
      return res.end();
    }
    const target = new URL(rest.slice(1), hub.url);
    const t0 = performance.now();
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => user && upstreamMs.set(user, (upstreamMs.get(user) ?? 0) + performance.now() - t0));
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0];
    const via = /^\/via\/(proxy|blackhole|missing)(\/.*)$/.exec(rawPath);
    const done = (e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    };
    if (via) return serveVia(req, res, via[1], (req.url ?? '/').slice(`/via/${via[1]}`.length));
    if (req.method === 'GET' && rawPath.startsWith('/build/')) return void serveBuild(req, res, rawPath).catch(done);
    if (req.method === 'GET' && rawPath === '/health') return void serveHealth(res).catch(done);
    if (req.method === 'GET' && rawPath === '/_binderwatch/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ launches, upstreamMs: Object.fromEntries(upstreamMs) }));
    }
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>404: Not Found</body></html>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    launches,
    script: (repo, s) => void scripts.set(repo, s),
    setHealth: (answer) => void (health = answer),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of openResponses) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts a JupyterHub and this fake in front of it; prints their URLs as one JSON line; stops both on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const hub = await startJupyterHub({ pollIntervalS: Number(process.env.JUPYTERHUB_POLL_INTERVAL ?? 1) });
  const binder = await startBinderHub({ hub });
  process.stdout.write(JSON.stringify({ binderUrl: binder.url, hubUrl: hub.url, hubApiToken: hub.adminToken, pid: process.pid }) + '\n');
  const stop = async () => {
    await binder.close();
    await hub.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
