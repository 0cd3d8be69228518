// `npm run local:stack`: every server binderwatch reads, on 127.0.0.1, so that each CLI verb and
// each `npm run dev:*` function can be tried on this machine without a Google account (README
// "Run it locally"). It starts, from the servers the tests use:
//  - Prometheus (Debian) holding the 2018-01-18 scenario, backfilled by promtool twice: as it was
//    (for `replay --prometheus` and `report`) and shifted so that 06:30 PST that night is now
//    (for the live checks, which see the rest of the night arrive in real time);
//  - the loopback BinderHub in front of a real JupyterHub (launchProbe, binderHealth, `probe`);
//  - the loopback Google side: a metadata server giving the credential, the GKE API and the
//    cluster's Kubernetes API holding that night's picture (13 of the pool's 15 nodes, one
//    cordoned, and a node whose DaemonSet pods crash-loop).
// Prometheus and BinderHub listen on the ports the config names; the Google side's addresses go
// to <dir>/env.sh. Ctrl-C stops everything it started.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../shared/config/load.ts';
import { CHECK_NAMES } from '../../shared/model.ts';
import { formatScenario, parseScenario } from '../../shared/scenario/openmetrics.ts';
import { startBinderHub, type FakeBinderHub } from '../fakes/binderhub.ts';
import { POOL_REF, startGoogleSide, type GoogleSide } from '../fakes/google-side.ts';
import { fixtureNode, fixturePod } from '../fakes/kubernetes.ts';
import { startJupyterHub } from '../harnesses/jupyterhub.ts';
import { startPrometheus } from '../harnesses/prometheus.ts';
import { MINUTE_MS } from '../../shared/time.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const LOCAL_CONFIG = 'infra/local/binderwatch.local.yaml';
export const LOCAL_DIR = '.tmp/local';
const SCENARIO = join(ROOT, 'infra/scenarios/mybinder-2018-01-18.om');
/** The instant of that night that the shifted copy puts at the stack's start: pods levelling off, the pool nearly full. */
const NOW_IN_2018 = Date.parse('2018-01-18T14:30:00Z');

/** One thing to try; a dev function is started, then called from another terminal. */
export interface RecipeStep {
  command: string;
  then?: string;
}

/** The commands the stack prints, from the repository root; the README lists the same for the committed config. */
export function recipe(o: { configFile: string; dir: string; prometheusUrl: string; binderUrl: string }): RecipeStep[] {
  const config = `--config ${o.configFile}`;
  return [
    { command: `. ${o.dir}/env.sh` },
    { command: `npx binderwatch validate ${config}` },
    { command: `npx binderwatch schema > ${o.dir}/binderwatch.schema.json` },
    { command: `npx binderwatch replay --prometheus ${o.prometheusUrl} --html ${o.dir}/replay.html` },
    { command: `npx binderwatch report ${config} --from 2018-01-18T02:00:00Z --to 2018-01-18T20:00:00Z --html ${o.dir}/report.html` },
    { command: `npx binderwatch probe ${o.binderUrl} gh/binder-examples/requirements/HEAD` },
    ...CHECK_NAMES.map((check) => ({ command: `npx binderwatch check ${check} ${config}` })),
    // The dev scripts are named after functions/<check in kebab-case>.ts.
    ...CHECK_NAMES.map((check) => ({
      command: `npm run dev:${check.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      then: 'curl -s -X POST localhost:8080',
    })),
  ];
}

/** The scenario as it was, then the same samples shifted so that NOW_IN_2018 falls on `now`. */
export function scenarioNowAndThen(text: string, now: number): string {
  const offset = Math.floor(now / MINUTE_MS) * MINUTE_MS - NOW_IN_2018;
  const { series } = parseScenario(text, SCENARIO);
  return formatScenario({
    series: series.map((s) => ({ ...s, samples: [...s.samples, ...s.samples.map((p) => ({ t: p.t + offset, v: p.v }))] })),
  });
}

/** That night's cluster: 13 of the pool's 15 nodes, one cordoned; DaemonSet pods crash-looping on one node. */
function nightOfTheIncident(google: GoogleSide, now: number): void {
  const name = (i: number) => `gke-${POOL_REF.cluster}-${POOL_REF.pool}-${String(i).padStart(2, '0')}`;
  const sick = name(7);
  google.kube.nodes = Array.from({ length: 13 }, (_, i) => fixtureNode(name(i), { pool: POOL_REF.pool, cordoned: i === 3 }));
  const crashLooping = (pod: string, owner: string) =>
    fixturePod({
      namespace: 'kube-system',
      name: pod,
      node: sick,
      created: now - 60 * MINUTE_MS,
      owner,
      waiting: { reason: 'CrashLoopBackOff', lastFinished: now - MINUTE_MS, restarts: 9 },
    });
  google.kube.pods = [
    crashLooping('fluentd-gcp-v2.0.9-68p79', 'DaemonSet/fluentd-gcp-v2.0.9'),
    crashLooping('kube-proxy-x1c2v', 'DaemonSet/kube-proxy'),
  ];
}

/** The port of a loopback URL the config names; the stack listens there and nowhere else. */
function loopbackPort(url: string | undefined, field: string, file: string): number {
  const u = url === undefined ? undefined : new URL(url);
  if (!u || u.hostname !== '127.0.0.1' || !u.port)
    throw new Error(`${file}: ${field} must be http://127.0.0.1:<port> for the local stack (is ${url ?? 'not set'})`);
  return Number(u.port);
}

export interface LocalStackOptions {
  /** The config naming the ports (default infra/local/binderwatch.local.yaml). */
  configFile?: string;
  /** Where env.sh and the outputs go (default .tmp/local), relative to the repository root. */
  dir?: string;
}

export interface LocalStack {
  prometheusUrl: string;
  binderUrl: string;
  hubUrl: string;
  /** Where env.sh and the outputs are, as given. */
  dir: string;
  /** Exports for the CLI and the dev functions: the config, the loopback Google side, no real credentials. */
  env: Record<string, string>;
  steps: RecipeStep[];
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const configFile = options.configFile ?? LOCAL_CONFIG;
  const dir = options.dir ?? LOCAL_DIR;
  const config = await loadConfig(resolve(ROOT, configFile));
  const prometheusPort = loopbackPort(config.sources.prometheus?.url, 'sources.prometheus.url', configFile);
  const binderPort = loopbackPort(config.checks.launchProbe.targets[0]?.binderUrl, 'checks.launchProbe.targets[0].binderUrl', configFile);

  // What an earlier run left: alert state and answers that belong to another "now".
  const absDir = resolve(ROOT, dir);
  await Promise.all(['state', 'gcloud', 'env.sh'].map((f) => rm(join(absDir, f), { recursive: true, force: true })));
  await mkdir(join(absDir, 'gcloud'), { recursive: true });

  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    // In reverse order of starting: the BinderHub before the JupyterHub behind it.
    for (const s of started.splice(0).reverse()) await s.stop();
  };
  try {
    const now = Date.now();
    const google = await startGoogleSide();
    started.push({ stop: () => google.close() });
    nightOfTheIncident(google, now);
    const starting = [
      startPrometheus({ openMetricsText: scenarioNowAndThen(await readFile(SCENARIO, 'utf8'), now), port: prometheusPort }),
      startJupyterHub({ pollIntervalS: 5 }),
    ] as const;
    // Both settled before going on, so a failure of one never leaves the other running unstopped.
    const settled = await Promise.allSettled(starting);
    for (const r of settled) if (r.status === 'fulfilled') started.push(r.value);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const [prometheus, hub] = await Promise.all(starting);
    const binder: FakeBinderHub = await startBinderHub({ hub, port: binderPort });
    started.push({ stop: () => binder.close() });

    const env = {
      BINDERWATCH_CONFIG_FILE: resolve(ROOT, configFile),
      ...google.env,
      // Credentials of this machine's gcloud, if any, are never sent to the loopback servers.
      CLOUDSDK_CONFIG: join(absDir, 'gcloud'),
      GOOGLE_APPLICATION_CREDENTIALS: '',
    };
    const envFile = [
      '# Written by `npm run local:stack`: the loopback Google side; no real credentials.',
      ...Object.entries(env).map(([k, v]) => `export ${k}='${v}'`),
      '',
    ];
    await writeFile(join(absDir, 'env.sh'), envFile.join('\n'));
    return {
      prometheusUrl: prometheus.url,
      binderUrl: binder.url,
      hubUrl: hub.url,
      dir,
      env,
      steps: recipe({ configFile, dir, prometheusUrl: prometheus.url, binderUrl: binder.url }),
      stop,
    };
  } catch (e) {
    await stop();
    const text = String(e);
    const why = /ENOENT/.test(text)
      ? '\n(a server is not installed: bash infra/install-stack.sh)'
      : /EADDRINUSE|address already in use/.test(text)
        ? `\n(a port ${configFile} names is taken: is a local stack already running?)`
        : '';
    throw new Error(`${(e as Error).message}${why}`, { cause: e });
  }
}

function instructions(stack: LocalStack): string {
  const tried = stack.steps.filter((s) => !s.then).map((s) => `  ${s.command}`);
  const functions = stack.steps.filter((s) => s.then);
  const width = Math.max(...functions.map((s) => s.command.length));
  return [
    'binderwatch local stack, on 127.0.0.1:',
    `  Prometheus  ${stack.prometheusUrl}  the 2018-01-18 scenario, and that night shifted so that 06:30 PST is now`,
    `  BinderHub   ${stack.binderUrl}  loopback, launching on a real JupyterHub at ${stack.hubUrl}`,
    `  Google      GKE, Kubernetes and metadata servers on loopback (their addresses in ${stack.dir}/env.sh)`,
    '',
    'In another terminal, from the repository root:',
    ...tried,
    '',
    'Each function in turn (Ctrl-C stops it), called from a third terminal:',
    ...functions.map((s) => `  ${s.command.padEnd(width)}   then: ${s.then}`),
    '',
    'Ctrl-C here stops the stack.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, dir: { type: 'string' } } });
  // Ctrl-C while starting waits for the start to finish, then stops: JupyterHub runs in a
  // process group of its own and would outlive this process otherwise.
  let stopRequested: string | undefined;
  let stack: LocalStack | undefined;
  const stop = (signal: string) => {
    if (stopRequested) return void process.stdout.write('still stopping …\n');
    stopRequested = signal;
    process.stdout.write(`\n${signal}: stopping the local stack …\n`);
    if (stack) stopAndExit(stack);
  };
  const stopAndExit = (s: LocalStack) =>
    s.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`local stack: stopping failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.stdout.write('starting Prometheus, JupyterHub, the loopback BinderHub and Google side …\n');
  stack = await startLocalStack({ configFile: values.config, dir: values.dir });
  if (stopRequested) return void stopAndExit(stack);
  process.stdout.write(instructions(stack));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`local stack: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
