// Test harness: a real Prometheus (Debian `prometheus` package) serving a backfilled
// scenario on 127.0.0.1. No scrape targets: the data is exactly what the file holds.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface StartPrometheusOptions {
  /** An OpenMetrics scenario file (docs/scenario-format.md) … */
  scenarioFile?: string;
  /** … or its text. */
  openMetricsText?: string;
  prometheusBin?: string;
  promtoolBin?: string;
  /** How long to wait for readiness and for the backfilled blocks to be queryable. */
  readyTimeoutMs?: number;
  /** Listen on this loopback port (the local stack's fixed one) instead of a free one. */
  port?: number;
}

export interface PrometheusServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited(child);
  clearTimeout(killed);
}

/**
 * Backfills the scenario with `promtool tsdb create-blocks-from openmetrics`, starts
 * Prometheus on a free loopback port and resolves once `/-/ready` answers and the
 * backfilled series are queryable. Retention is 100 years: scenarios are from 2018.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'binderwatch-prometheus-'));
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    await Promise.all(children.map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let file = options.scenarioFile;
    if (!file) {
      if (options.openMetricsText === undefined) throw new Error('startPrometheus needs scenarioFile or openMetricsText');
      file = join(dir, 'scenario.om');
      await writeFile(file, options.openMetricsText);
    }
    const data = join(dir, 'data');
    await run(options.promtoolBin ?? 'promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, data]);
    const config = join(dir, 'prometheus.yml');
    await writeFile(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');

    // The port is free when picked; if another process takes it first, Prometheus exits and we try again.
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const child = spawn(
        options.prometheusBin ?? 'prometheus',
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${data}`,
          '--storage.tsdb.retention.time=100y',
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      const url = `http://127.0.0.1:${port}`;
      const ok = await waitUntilServing(url, child, deadline);
      if (ok) {
        return { url, pid: child.pid!, stop: cleanup };
      }
      await stopChild(child);
      if (options.port || attempt >= 3 || Date.now() > deadline) throw new Error(`prometheus did not become ready:\n${stderr}`);
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** True once ready and the backfilled blocks answer a query; false if the process died. */
async function waitUntilServing(url: string, child: ChildProcess, deadline: number): Promise<boolean> {
  const died = exited(child).then(() => 'died' as const);
  const series = `${url}/api/v1/series?${new URLSearchParams({ 'match[]': '{__name__=~".+"}', start: '0', end: String(Date.now() / 1000) })}`;
  while (Date.now() < deadline) {
    const probe = (async () => {
      try {
        const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        if (!ready.ok) return false;
        const body = (await (await fetch(series, { signal: AbortSignal.timeout(2_000) })).json()) as { data?: unknown[] };
        return (body.data?.length ?? 0) > 0;
      } catch {
        return false;
      }
    })();
    const outcome = await Promise.race([probe, died]);
    if (outcome === 'died') return false;
    if (outcome) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus at ${url} not ready with data before the deadline`);
}
