// A real JupyterHub (Debian's jupyterhub 3.0 + jupyter-notebook) on 127.0.0.1 for
// tests: local-process spawner, dummy authenticator, the npm configurable-http-proxy,
// and a service whose admin token can create users, start/stop servers and make
// tokens — what BinderHub's own hub token can do. Launched user servers are real
// notebook servers answering `/user/<name>/api` with real tokens.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHP_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'configurable-http-proxy');

export interface JupyterHubOptions {
  /** Spawner.poll_interval in seconds: how soon the hub notices a server that exited on its own. */
  pollIntervalS?: number;
  /** How long to wait for the hub to answer. */
  startTimeoutMs?: number;
}

export interface JupyterHubHandle {
  /** Public (proxy) URL with a trailing slash, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** Token of the `binder` service: admin:users, admin:servers, tokens. */
  adminToken: string;
  pollIntervalS: number;
  /** Calls the hub REST API (path relative to /hub/api/) with the admin token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Users the hub itself lists with an active (ready or pending) default or named server. */
  activeServers(): Promise<string[]>;
  /** PIDs of jupyterhub-singleuser processes the hub spawned that are still alive. */
  singleuserPids(): Promise<number[]>;
  /** The hub's log so far (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Binds port 0 on 127.0.0.1, reads the port the kernel picked and releases it. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

const py = (s: string) => JSON.stringify(s);

function hubConfig(o: {
  dir: string;
  port: number;
  hubPort: number;
  apiPort: number;
  proxyToken: string;
  adminToken: string;
  pollIntervalS: number;
}): string {
  const asRoot = process.getuid?.() === 0;
  return [
    `c.JupyterHub.ip = '127.0.0.1'`,
    `c.JupyterHub.port = ${o.port}`,
    `c.JupyterHub.hub_ip = '127.0.0.1'`,
    `c.JupyterHub.hub_port = ${o.hubPort}`,
    `c.JupyterHub.db_url = ${py('sqlite:///' + join(o.dir, 'jupyterhub.sqlite'))}`,
    `c.JupyterHub.cookie_secret_file = ${py(join(o.dir, 'cookie_secret'))}`,
    `c.JupyterHub.pid_file = ${py(join(o.dir, 'jupyterhub.pid'))}`,
    `c.ConfigurableHTTPProxy.command = [${py(CHP_BIN)}]`,
    `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${o.apiPort}'`,
    `c.ConfigurableHTTPProxy.auth_token = ${py(o.proxyToken)}`,
    `c.JupyterHub.spawner_class = 'simple'`,
    `c.JupyterHub.authenticator_class = 'dummy'`,
    `c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(o.dir, 'home', '{username}'))}`,
    `c.Spawner.cmd = ['jupyterhub-singleuser']`,
    // Debian's notebook refuses to run as root without it.
    `c.Spawner.args = ${asRoot ? `['--allow-root']` : '[]'}`,
    `c.Spawner.poll_interval = ${o.pollIntervalS}`,
    `c.Spawner.start_timeout = 60`,
    `c.Spawner.http_timeout = 60`,
    `c.JupyterHub.cleanup_servers = True`,
    `c.JupyterHub.services = [{'name': 'binder', 'api_token': ${py(o.adminToken)}}]`,
    `c.JupyterHub.load_roles = [{'name': 'binder', 'scopes': ['admin:users', 'admin:servers', 'tokens'], 'services': ['binder']}]`,
    '',
  ].join('\n');
}

/** Polls `check` until true; stops early when `gaveUp` names a reason (the process died). */
async function waitFor(
  check: () => Promise<boolean>,
  gaveUp: () => string | undefined,
  timeoutMs: number,
  what: string,
  describe: () => Promise<string>,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !gaveUp()) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: ${gaveUp() ?? `not within ${timeoutMs} ms`}\n${await describe()}`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Starts JupyterHub on free loopback ports in a fresh temp dir; resolves once its API answers. */
export async function startJupyterHub(options: JupyterHubOptions = {}): Promise<JupyterHubHandle> {
  const pollIntervalS = options.pollIntervalS ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'binderwatch-jhub-'));
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('hex');
  const configFile = join(dir, 'jupyterhub_config.py');
  await writeFile(
    configFile,
    hubConfig({ dir, port, hubPort, apiPort, proxyToken: randomBytes(24).toString('hex'), adminToken, pollIntervalS }),
  );
  const logFile = join(dir, 'jupyterhub.log');
  const fd = openSync(logFile, 'a');
  // Own process group, so stop() can also reach the proxy and user servers by the hub's id.
  const child = spawn('jupyterhub', ['-f', configFile], { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let spawnError: string | undefined;
  child.on('error', (e) => {
    spawnError = `${e.message} (is Debian's jupyterhub installed? apt-get install jupyterhub jupyter-notebook)`;
  });
  const url = `http://127.0.0.1:${port}/`;
  const log = () => readFile(logFile, 'utf8').catch(() => '');

  const api = (path: string, init: RequestInit = {}) =>
    fetch(url + 'hub/api/' + path, {
      ...init,
      headers: { Authorization: `token ${adminToken}`, ...(init.headers as Record<string, string>) },
    });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // the hub stops its user servers and the proxy (cleanup_servers)
      let timer: NodeJS.Timeout | undefined;
      const graceful = await Promise.race([
        exited(child).then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000))),
      ]);
      clearTimeout(timer);
      if (!graceful) {
        process.kill(-child.pid, 'SIGKILL');
        // The proxy runs in a session of its own; the hub wrote its pid next to the config.
        const proxyPid = Number(await readFile(join(dir, 'jupyterhub-proxy.pid'), 'utf8').catch(() => ''));
        if (proxyPid) process.kill(proxyPid, 'SIGKILL');
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => (await api('')).ok,
      () => spawnError ?? (child.exitCode !== null ? `jupyterhub exited with ${child.exitCode}` : undefined),
      options.startTimeoutMs ?? 60_000,
      'JupyterHub answering on ' + url,
      async () => (await log()).slice(-4000),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    adminToken,
    pollIntervalS,
    api,
    log,
    stop,
    async activeServers() {
      const res = await api('users');
      if (!res.ok) throw new Error(`GET /hub/api/users answered ${res.status}`);
      const users = (await res.json()) as { name: string; servers?: Record<string, { ready?: boolean; pending?: string | null }> }[];
      return users.filter((u) => Object.values(u.servers ?? {}).some((s) => s.ready || s.pending)).map((u) => u.name);
    },
    async singleuserPids() {
      const pids: number[] = [];
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const [stat, cmdline] = await Promise.all([
          readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''),
          readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
        ]);
        // Field 4 of stat is the parent pid; the command name (field 2) may contain spaces, so split after ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
        if (ppid === child.pid && state !== 'Z' && cmdline.includes('jupyterhub-singleuser')) pids.push(Number(entry));
      }
      return pids;
    },
  };
}
