// The README's "Run it locally" recipe, run as a newcomer runs it: `infra/local/start.ts` in
// a process of its own with the committed local config (only its ports moved to free ones,
// its state into a temporary directory), every command it prints run through the real CLI
// and every dev function through `npm run dev:*`, then Ctrl-C, after which nothing it
// started is left running.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load.ts';
import { LOCAL_CONFIG, LOCAL_DIR, recipe, type RecipeStep } from '../../../infra/local/start.ts';
import { freePort } from '../../../infra/harnesses/jupyterhub.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PIDs below `pid`, from /proc (the hub's proxy and user servers included). */
function descendants(pid: number): number[] {
  const children = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  return children(pid).flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

function refuses(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), res(false)));
    s.once('error', () => res(true));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** The finding of `binderwatch check` whose key line (indented under its title) matches `key`. */
function finding(stdout: string, key: RegExp): string | undefined {
  const blocks = stdout.split(/\n(?=\S)/);
  return blocks.find((b) => b.split('\n').some((l) => key.test(l.trim())));
}

describe('the README recipe', () => {
  it('lists every command the stack prints for the committed config, and its files exist', async () => {
    const config = await loadConfig(join(ROOT, LOCAL_CONFIG));
    const steps = recipe({
      configFile: LOCAL_CONFIG,
      dir: LOCAL_DIR,
      prometheusUrl: config.sources.prometheus!.url,
      binderUrl: config.checks.launchProbe.targets[0].binderUrl,
    });
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Run it locally'));
    expect(section.length).toBeLessThan(readme.length);
    for (const s of steps) expect(section).toContain(s.command);
    expect(section).toContain('curl -s -X POST localhost:8080');
    expect(section).toContain('npm run local:stack');
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['local:stack']).toBe(
      'node --import tsx infra/local/start.ts',
    );
  });

  it('names only config files and links that exist, everywhere in the README (c.yaml stands for yours)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const configs = [...readme.matchAll(/--config ([\w./-]+)/g)].map((m) => m[1]).filter((f) => f !== 'c.yaml');
    const links = [...readme.matchAll(/\]\(([^)#:]+)\)/g)].map((m) => m[1]);
    expect(configs.length).toBeGreaterThan(3);
    expect(links.length).toBeGreaterThan(3);
    for (const f of [...configs, ...links]) expect(existsSync(join(ROOT, f)), f).toBe(true);
    for (const anchor of readme.matchAll(/\]\(#([^)]+)\)/g))
      expect(readme, anchor[1]).toMatch(new RegExp(`^#+ ${anchor[1].replace(/-/g, '[ -]')}$`, 'im'));
  });
});

describe.skipIf(!stackAvailable('prometheus', 'promtool', 'jupyterhub', 'jupyterhub-singleuser'))(
  'npm run local:stack',
  { timeout: 300_000 },
  () => {
    let dir: string;
    let stack: ChildProcess;
    let output = '';
    let steps: RecipeStep[];
    let ports: { prometheus: number; binder: number };

    /** One recipe command, as typed in a shell that sourced env.sh. */
    function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
      return new Promise((res) => {
        execFile(
          'bash',
          ['-c', `. ${dir}/env.sh && ${command}`],
          { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => res({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
        );
      });
    }
    const step = (prefix: string) => steps.find((s) => s.command.startsWith(prefix))!.command;

    /** Starts the stack on free ports; true once it is ready. */
    async function startStack(): Promise<boolean> {
      ports = { prometheus: await freePort(), binder: await freePort() };
      const committed = readFileSync(join(ROOT, LOCAL_CONFIG), 'utf8');
      const moved = committed
        .replace('http://127.0.0.1:19090', `http://127.0.0.1:${ports.prometheus}`)
        .replace('http://127.0.0.1:18585', `http://127.0.0.1:${ports.binder}`)
        .replace('dir: .tmp/local/state', `dir: ${dir}/state`);
      // Only the ports and the state directory differ from the committed file.
      expect(moved.split('\n').filter((l, i) => l !== committed.split('\n')[i])).toHaveLength(3);
      const config = join(dir, 'binderwatch.local.yaml');
      writeFileSync(config, moved);

      output = '';
      stack = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', '--config', config, '--dir', dir], {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      stack.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      stack.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      for (let i = 0; i < 1200 && !output.includes('Ctrl-C here stops the stack.') && stack.exitCode === null; i++) await sleep(100);
      steps = recipe({
        configFile: config,
        dir,
        prometheusUrl: `http://127.0.0.1:${ports.prometheus}`,
        binderUrl: `http://127.0.0.1:${ports.binder}`,
      });
      return output.includes('Ctrl-C here stops the stack.');
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bw-local-stack-'));
      // A free port can be taken by a parallel test between asking and binding: the stack
      // then refuses naming the port (checked here), and a second pair of ports is tried.
      for (let attempt = 1; !(await startStack()); attempt++) {
        if (attempt >= 3 || !output.includes('is taken')) expect(output).toContain('Ctrl-C here stops the stack.');
        await exited(stack);
      }
    }, 300_000);

    afterAll(async () => {
      if (stack?.pid && stack.exitCode === null) {
        process.kill(-stack.pid, 'SIGTERM');
        await exited(stack);
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('prints every command of the recipe', () => {
      for (const s of steps) expect(output).toContain(s.command);
    });

    it('validate, schema, replay from Prometheus, report and probe work against it', async () => {
      const validate = await sh(step('npx binderwatch validate'));
      expect(validate).toMatchObject({ code: 0, stdout: expect.stringContaining(': valid') });

      expect((await sh(step('npx binderwatch schema'))).code).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'binderwatch.schema.json'), 'utf8'))).toMatchObject({ title: 'binderwatch config' });

      // Read back from Prometheus, the 2018 night scores as the file does.
      const replay = await sh(step('npx binderwatch replay'));
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toMatch(/sick-node\s+onset 2018-01-18T13:45:00Z\s+detected \+\d+m after onset/);
      expect(replay.stdout).toContain('false alerts: 0');
      expect(existsSync(join(dir, 'replay.html'))).toBe(true);

      const report = await sh(step('npx binderwatch report'));
      expect(report.code, report.stderr).toBe(0);
      // The night's sick node, read back from Prometheus into the page's timeline (a boolean: the page is large).
      expect(readFileSync(join(dir, 'report.html'), 'utf8').includes('FIRING critical: Sick node gke-prod-a-ssd-pool-972e4826-2fhq')).toBe(
        true,
      );

      const probe = await sh(step('npx binderwatch probe'));
      expect(probe.code, probe.stdout + probe.stderr).toBe(0);
      expect(probe.stdout).toMatch(
        /^ok: gh\/binder-examples\/requirements\/HEAD on http:\/\/127\.0\.0\.1:\d+ launched, answered and stopped/m,
      );
    });

    it('each check sees its local servers; the pool and the sick node are found', async () => {
      const check = (name: string) => sh(step(`npx binderwatch check ${name} `));
      const launch = await check('launchProbe');
      expect(finding(launch.stdout, /^launch:127\.0\.0\.1:\d+:gh\/binder-examples\/requirements\/HEAD$/)).toMatch(/^OK /);
      expect(finding(launch.stdout, /^launch:127\.0\.0\.1:\d+:gh\/binderwatch-fault\/build-failed\/HEAD$/)).toBeDefined();

      const health = await check('binderHealth');
      expect(health.code, health.stdout).toBe(0);
      expect(finding(health.stdout, /^health:127\.0\.0\.1:\d+$/)).toMatch(/^OK /);

      const traffic = await check('trafficVsPods');
      // Cold: the fit on the evening before sees the surge day's longer sessions as pods above demand (README).
      expect(finding(traffic.stdout, /^trafficVsPods:levelling-off$/)).toMatch(/running pods \(\d+\) well above what demand implies/);

      const headroom = await check('nodeHeadroom');
      expect(headroom.code, headroom.stdout + headroom.stderr).toBe(1);
      expect(headroom.stdout).toContain('13 of 15 nodes in use in pool prod/user');

      const cluster = await check('clusterHealth');
      expect(cluster.code, cluster.stdout + cluster.stderr).toBe(1);
      expect(cluster.stdout).toContain('Sick node gke-prod-user-07');

      for (const r of [launch, health, traffic, headroom, cluster]) expect(r.stdout).not.toMatch(/^UNKNOWN/m);
    });

    it('each dev function answers a POST with what it found', async () => {
      for (const s of steps.filter((x) => x.then)) {
        const port = await freePort();
        const fn = spawn('bash', ['-c', `. ${dir}/env.sh && exec ${s.command} -- --port ${port}`], {
          cwd: ROOT,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let log = '';
        fn.stdout!.on('data', (c: Buffer) => (log += c.toString()));
        fn.stderr!.on('data', (c: Buffer) => (log += c.toString()));
        try {
          let answer: Response | undefined;
          for (let i = 0; i < 600 && !answer && fn.exitCode === null; i++) {
            answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' }).catch(() => undefined);
            if (!answer) await sleep(100);
          }
          expect(answer?.status, `${s.command}\n${log}`).toBe(200);
          const body = (await answer!.json()) as { check: string; outcome: string };
          expect(['ok', 'problem'], `${s.command}: ${JSON.stringify(body)}`).toContain(body.outcome);
          if (s.command.endsWith('node-headroom') || s.command.endsWith('cluster-health')) expect(body.outcome).toBe('problem');
        } finally {
          process.kill(-fn.pid!, 'SIGTERM');
          await exited(fn);
        }
      }
    });

    it('stops on Ctrl-C, leaving nothing running', async () => {
      const started = descendants(stack.pid!);
      expect(started.length).toBeGreaterThan(2); // Prometheus, JupyterHub and its proxy at least
      process.kill(-stack.pid!, 'SIGINT'); // what a terminal sends to its foreground process group
      expect(await exited(stack)).toBe(0);
      for (let i = 0; i < 50 && started.some(alive); i++) await sleep(100);
      expect(started.filter(alive)).toEqual([]);
      expect(await refuses(ports.prometheus)).toBe(true);
      expect(await refuses(ports.binder)).toBe(true);
    });
  },
);
