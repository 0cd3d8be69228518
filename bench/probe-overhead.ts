// What the launch probe itself costs: 10 concurrent probes against the loopback
// BinderHub in front of a real JupyterHub, both in a child process so this process's
// CPU time is the probe client's alone. "Beyond the hub" is each probe's wall time minus
// the time the hub side spent: /build until `ready` was written, plus the hub's answers
// to contact and stop as the loopback server measured them in passing.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LaunchRecord } from '../infra/fakes/binderhub.ts';
import { runLaunchProbe, type ProbeSettings } from '../shared/sources/launch-probe.ts';

const PROBES = 10;
const SERVER = fileURLToPath(new URL('../infra/fakes/binderhub.ts', import.meta.url));

async function startStack() {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`loopback stack exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { binderUrl } = JSON.parse(line) as { binderUrl: string };
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { binderUrl, stop };
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function benchProbeOverhead(): Promise<{ name: string; value: string }[]> {
  const stack = await startStack();
  try {
    const settings: ProbeSettings = {
      timeoutMs: 120_000,
      idleTimeoutMs: 30_000,
      contactTimeoutMs: 10_000,
      stopRetries: 2,
      stopConfirmTimeoutMs: 10_000,
    };
    const probe = (ref: string) => runLaunchProbe({ binderUrl: stack.binderUrl, repo: `gh/binderwatch-fault/proxied/${ref}` }, settings);
    await probe('warm-up'); // module loading and the first connections are not the steady cost

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: PROBES }, (_, i) => probe(`bench-${i}`)));
    const wallAll = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);

    const stats = (await (await fetch(`${stack.binderUrl}/_binderwatch/stats`)).json()) as {
      launches: LaunchRecord[];
      upstreamMs: Record<string, number>;
    };
    const overheads = results.map((r) => {
      const launch = stats.launches.find((l) => `${l.provider}/${l.spec}` === r.repo);
      if (!r.ok || !launch?.user || launch.hubMs === undefined)
        throw new Error(`probe of ${r.repo} failed: ${r.error ?? 'no launch record'}`);
      const wall = Object.values(r.durations ?? {}).reduce((a, b) => a + b, 0);
      const hub = launch.hubMs + (stats.upstreamMs[launch.user] ?? 0);
      return { wall, hub, beyond: wall - hub };
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [
      { name: 'concurrent probes (all ok)', value: String(PROBES) },
      { name: 'client CPU per probe', value: `${round((cpu.user + cpu.system) / 1000 / PROBES)} ms` },
      { name: 'wall beyond hub time, mean', value: `${round(mean(overheads.map((o) => o.beyond)))} ms` },
      { name: 'wall beyond hub time, max', value: `${round(Math.max(...overheads.map((o) => o.beyond)))} ms` },
      { name: 'hub time per probe, mean', value: `${round(mean(overheads.map((o) => o.hub)))} ms` },
      { name: 'wall for all probes', value: `${round(wallAll)} ms` },
    ];
  } finally {
    await stack.stop();
  }
}
