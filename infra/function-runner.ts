// Runs the packaged functions the way Cloud Functions does: the archive unpacked
// into an empty directory, only its declared dependencies beside it, and the
// Functions Framework's main.js with --target. Used by the package test and the
// cold-start benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readZip } from './zip.ts';

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

/** Unpacks the archive into a new directory with its declared dependencies linked from `root`'s node_modules. */
export function unpackArchive(archive: string, root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-function-source-'));
  for (const entry of readZip(readFileSync(archive))) {
    mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
    writeFileSync(join(dir, entry.name), entry.data);
  }
  // What Cloud Functions' npm install provides: the declared dependencies, nothing else.
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}

export interface StartedFunction {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** Starts one function of an unpacked archive; resolves once it listens, rejects if it exits first. */
export function startFunction(dir: string, target: string, config: string, env: Record<string, string> = {}): Promise<StartedFunction> {
  const framework = join(dir, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
  const child = spawn(process.execPath, ['--import', LOOPBACK_PRELOAD, framework, `--target=${target}`, `--source=${dir}`, '--port=0'], {
    cwd: dir,
    env: { PATH: process.env.PATH, BINDERWATCH_CONFIG: config, NODE_ENV: 'production', ...env },
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
    child.once('exit', (code) => reject(new Error(`${target} exited with ${code} before listening:\n${out}`)));
  });
}

export async function stopFunction(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
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
