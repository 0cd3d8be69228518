// `npm run dev:*` listens on 127.0.0.1 unless HOST says otherwise: a dev function runs real
// probes, unauthenticated. 127.0.0.2 is loopback too, but a server bound to 127.0.0.1 alone
// refuses it, while one on every interface (the framework's own CLI) accepts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../infra/harnesses/jupyterhub.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.pid && c.exitCode === null) process.kill(-c.pid, 'SIGTERM');
});

/** Starts `npm run dev:binder-health` on a free port; resolves once it says it serves. */
async function devFunction(env: Record<string, string>, args: string[] = []): Promise<{ port: number; output: () => string }> {
  const port = await freePort();
  const child = spawn('npm', ['run', '--silent', 'dev:binder-health', ...args], {
    env: { ...process.env, PORT: String(port), BINDERWATCH_CONFIG: 'alerting:\n  state: { type: memory }\n', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  for (let i = 0; !out.includes('serving on'); i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`dev function did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, output: () => out };
}

const accepts = (host: string, port: number) =>
  new Promise<boolean>((res) => {
    const s = connect(port, host);
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });

describe('npm run dev:*', () => {
  it('listens on 127.0.0.1 only, and answers a POST there', async () => {
    const { port, output } = await devFunction({});
    expect(output()).toContain(`serving on http://127.0.0.1:${port}/`);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    expect(await accepts('127.0.0.2', port)).toBe(false);
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ check: 'binderHealth', outcome: 'skipped' });
  });

  it('listens where HOST says', async () => {
    const { port } = await devFunction({ HOST: '0.0.0.0' });
    expect(await accepts('127.0.0.2', port)).toBe(true);
  });

  it('takes the port and host as flags too, as the framework took --port', async () => {
    const port = await freePort();
    const { output } = await devFunction({}, ['--', '--port', String(port), '--host', '127.0.0.2']);
    expect(output()).toContain(`serving on http://127.0.0.2:${port}/`);
    expect(await accepts('127.0.0.2', port)).toBe(true);
    expect(await accepts('127.0.0.1', port)).toBe(false);
  });
});
