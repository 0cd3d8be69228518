// Runs the packaged functions the way Cloud Functions does: the archive unpacked
// into an empty directory, `npm ci --omit=dev` in it (the build step Cloud
// Functions runs for a package-lock.json), and the Functions Framework's main.js
// with --target, under the deploy runtime's Node. Used by the package tests and
// the cold-start benchmark.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readZip } from '../zip.ts';

// The framework listens on all interfaces and prints no port. This preload binds
// every HTTP server of the process to 127.0.0.1 (this machine's only network)
// and reports the port the OS chose for --port=0.
const LOOPBACK_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(`
import http from 'node:http';
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  const portLike = typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]));
  if (portLike && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  this.once('listening', () => process.stderr.write('LISTENING ' + this.address().port + '\\n'));
  return listen.apply(this, args);
};
`);

// Counts module files as they load, ES modules and require()d CommonJS alike
// (module.registerHooks, Node >= 22.15), and prints the total and the CPU time
// used (which, unlike wall time, a busy machine does not inflate) when the process exits.
const MODULE_COUNT_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(`
import { registerHooks } from 'node:module';
import { statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const seen = new Map();
registerHooks({
  load(url, context, next) {
    if (url.startsWith('file:') && !seen.has(url)) seen.set(url, statSync(fileURLToPath(url)).size);
    return next(url, context);
  },
});
process.on('exit', () => {
  let bytes = 0;
  for (const b of seen.values()) bytes += b;
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  writeSync(2, 'MODULES ' + seen.size + ' ' + bytes + ' CPU ' + Math.round((userCPUTime + systemCPUTime) / 1000) + '\\n');
});
`);

/**
 * Unpacks the archive into a new directory and installs what its package-lock.json
 * names, as Cloud Functions' build does. `--offline`: from the npm cache that the
 * repository's own `npm ci` filled, so a test never reaches the registry.
 */
export function unpackArchive(archive: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-function-source-'));
  for (const entry of readZip(readFileSync(archive))) {
    mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
    writeFileSync(join(dir, entry.name), entry.data);
  }
  try {
    execFileSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(
      `npm ci in the unpacked archive failed (run \`npm ci\` in the repository first to fill the npm cache):\n${err.stderr?.toString() ?? err.message}`,
    );
  }
  return dir;
}

export interface StartedFunction {
  child: ChildProcess;
  port: number;
  output: () => string;
}

export interface StartOptions {
  /** The Node binary: the deploy runtime's (infra/harnesses/node22.ts) for what ships; this process's by default. */
  node?: string;
  /** More environment: secrets, Google endpoints, the metadata server. */
  env?: Record<string, string>;
  /** Print `MODULES <count> <bytes> CPU <ms>` on exit: every module file the process loaded, their size, and the CPU time used. */
  countModules?: boolean;
}

/** Starts one function of an unpacked archive; resolves once it listens, rejects if it exits first. */
export function startFunction(dir: string, target: string, config: string, opts: StartOptions = {}): Promise<StartedFunction> {
  const framework = join(dir, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
  const preloads = ['--import', LOOPBACK_PRELOAD, ...(opts.countModules ? ['--import', MODULE_COUNT_PRELOAD] : [])];
  const node = opts.node ?? process.execPath;
  const child = spawn(node, [...preloads, framework, `--target=${target}`, `--source=${dir}`, '--port=0'], {
    cwd: dir,
    // PATH holds Node alone, as in the Cloud Run container: no gcloud for google-auth-library to shell out to.
    env: { PATH: dirname(node), BINDERWATCH_CONFIG: config, NODE_ENV: 'production', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolvePort, reject) => {
    const onData = () => {
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        child.stderr!.off('data', onData);
        resolvePort({ child, port: Number(m[1]), output: () => out });
      }
    };
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${target} exited with ${code} before listening:\n${out}`)));
  });
}

export async function stopFunction(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** The child's peak resident memory so far, in MiB (Linux: VmHWM of /proc/<pid>/status). */
export function peakRssMiB(child: ChildProcess): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM in /proc/${child.pid}/status`);
  return Number(m[1]) / 1024;
}

/** What Cloud Scheduler sends: a POST with the job's JSON body. */
export async function schedulerPost(port: number, target: string) {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Google-Cloud-Scheduler' },
    body: JSON.stringify({ check: target, trigger: 'cloud-scheduler' }),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.json() };
}
