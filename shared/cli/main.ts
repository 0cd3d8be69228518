// `binderwatch <command>`: replay, schema, validate, probe, check.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configJsonSchema, loadConfig, parseConfig } from '../config/load.ts';
import { httpUrl, type Config } from '../config/schema.ts';
import { BinderwatchError, ConfigError, ScenarioError } from '../errors.ts';
import { redact } from '../redact.ts';
import { EXIT } from './exit-codes.ts';
import { parseScenario } from '../scenario/openmetrics.ts';
import { reportData, type ReportRun } from '../report/data.ts';
import { replay, type ReplayAlert } from '../replay/replay.ts';
import { parseTruth, score, type Score, type Truth } from '../replay/score.ts';
import { formatDuration } from '../duration.ts';
import { formatTimeWithUtc } from '../alerting/notifiers/format.ts';
import { jsonLogger } from '../log.ts';
import { redactingStream, withSecretScope } from '../redact.ts';
import type { Notifier } from '../alerting/notifier.ts';
import { readFactsOf } from '../scenario/facts.ts';
import type { CliIO } from './io.ts';
import { MemoryStore } from '../state/memory.ts';
import { writeReplayStatus } from '../status/replay.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SCENARIO = join(ROOT, 'infra/scenarios/mybinder-2018-01-18.om');

const USAGE = `binderwatch — monitoring and alerting for BinderHub / JupyterHub on GKE

Usage:
  binderwatch replay [file.om] [--config c.yaml] [--format text|jsonl] [--truth t.json] [--timeline] [--prometheus URL] [--html report.html]
                   [--status-html status.html] [--status-json status.json]
      Runs every check on its schedule over a scenario with a simulated clock.
      Without a file: the reconstruction of mybinder.org on 2018-01-18, scored against its truth.
      --html also writes the incident report page (one self-contained file); --status-html and
      --status-json the public status page and its JSON as they would have stood at the scenario's end.
  binderwatch report --config c.yaml --from <ISO> --to <ISO> --html out.html [--prometheus URL]
      The incident report page for a past range, read live from Prometheus (the series of a scenario file).
  binderwatch probe <binderUrl> <provider/spec> [--timeout 10m] [--idle-timeout 3m] [--hub-token-env VAR] [--hub-url URL] [--json]
      Launches a repo like a user would, phase by phase, and stops the server again.
  binderwatch check <launchProbe|binderHealth|trafficVsPods|nodeHeadroom|clusterHealth> --config c.yaml [--state memory|file] [--json]
      Runs one check once against live systems and prints the findings.
      --state keeps the alert state in memory (or the file default) instead of the config's store.
  binderwatch status --config c.yaml [--html status.html] [--json status.json]
      The public status page and status.json as they stand in the config's state store.
  binderwatch maintenance list --config c.yaml   Maintenance windows active now and next.
  binderwatch validate --config c.yaml     Validates a config file.
  binderwatch schema                       Prints the config's JSON Schema (for editors).
`;

function alertLine(a: ReplayAlert, tz: string): string {
  const state = a.state === 'repeat' ? 'STILL FIRING' : a.state.toUpperCase();
  const blind = a.status === 'unknown' ? ' (blind)' : '';
  // The title, then the why once when it fires; a reminder needs only the title, a resolve says it all in its summary.
  const text = a.state === 'resolved' || !a.title ? [a.summary] : a.state === 'firing' ? [a.title, a.summary] : [a.title];
  return `${formatTimeWithUtc(a.at, tz)}  ${state.padEnd(12)} ${a.severity.padEnd(8)} ${a.check}${blind}  ${a.key}${text.map((t) => `\n      ${t}`).join('')}`;
}

function scoreText(s: Score): string {
  const lines = ['', 'Score against the truth file:'];
  for (const i of s.incidents) {
    const ttd =
      i.timeToDetectMs === undefined
        ? 'MISSED'
        : `detected ${i.timeToDetectMs < 0 ? '-' : '+'}${formatDuration(Math.abs(i.timeToDetectMs))} after onset`;
    lines.push(`  ${i.kind.padEnd(15)} onset ${i.onset}  ${ttd}`);
  }
  lines.push(`  false alerts: ${s.falseAlerts.length}${s.falseAlerts.map((a) => `\n    ${a.at} ${a.check} ${a.key}`).join('')}`);
  if (s.blindAlerts.length) lines.push(`  blind ("cannot see") alerts: ${s.blindAlerts.length}`);
  return lines.join('\n') + '\n';
}

/** A scenario or truth file; an unreadable one is an invalid input (exit 2) naming the file. */
async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(`cannot read: ${(e as Error).message}`, undefined, file);
  }
}

async function runReplay(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      format: { type: 'string', default: 'text' },
      truth: { type: 'string' },
      timeline: { type: 'boolean', default: false },
      prometheus: { type: 'string' },
      html: { type: 'string' },
      'status-html': { type: 'string' },
      'status-json': { type: 'string' },
    },
  });
  if (values.format !== 'text' && values.format !== 'jsonl')
    throw new ConfigError([{ path: '--format', message: 'expected text or jsonl' }], 'arguments');
  const prometheusUrl = values.prometheus === undefined ? undefined : httpUrl.safeParse(values.prometheus);
  if (prometheusUrl?.success === false)
    throw new ConfigError([{ path: '--prometheus', message: prometheusUrl.error.issues[0].message }], 'arguments');
  const file = positionals[0] ? resolve(positionals[0]) : DEFAULT_SCENARIO;
  const truthFile = values.truth ?? (positionals[0] ? undefined : file.replace(/\.om$/, '.truth.json'));
  const config: Config = values.config ? await loadConfig(values.config) : parseConfig({ alerting: { state: { type: 'memory' } } });
  let data = parseScenario(await readInput(file), file);
  const truth: Truth | undefined = truthFile ? parseTruth(await readInput(truthFile), truthFile) : undefined;

  if (values.prometheus) {
    // The file only sets the time range and step; every series is read back through PromQL.
    const { promqlClient } = await import('../clients/promql.ts');
    const { scenarioFromPrometheus, scenarioRangeOf } = await import('../scenario/prometheus.ts');
    data = await scenarioFromPrometheus(promqlClient({ url: values.prometheus }), scenarioRangeOf(data));
  }
  const tz = config.displayTimeZone;
  const notifiers = await channelsFromEnv(io, tz);
  const runs: ReportRun[] = [];
  const onRun = values.html ? (result: ReportRun['result'], now: number) => runs.push({ now, result }) : undefined;
  const writePage = async (out: NodeJS.WritableStream) => {
    if (!values.html) return;
    const { writeReport } = await import('../report/html.ts');
    const page = reportData(data, runs, {
      title: `Incident report: ${basename(file)}`,
      timeZone: tz,
      facts: (await readFactsOf(file))?.timeline,
    });
    out.write(`Incident report page: ${await writeReport(resolve(values.html), page)}\n`);
  };
  const store = new MemoryStore();
  const statusOut = { html: values['status-html'], json: values['status-json'] };
  if (values.format === 'jsonl') {
    const alerts = await replay(data, config, { notifiers, onRun, store, onAlert: (a) => io.stdout.write(JSON.stringify(a) + '\n') });
    await writePage(io.stderr); // stdout holds the JSON lines only
    await writeReplayStatus(store, config, alerts, data.end, statusOut, io.stderr);
    return 0;
  }
  const alerts = await replay(data, config, { notifiers, onRun, store });
  const facts = (values.timeline && (await readFactsOf(file))?.timeline) || [];
  io.stdout.write(
    `Replaying ${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file} (${new Date(data.start).toISOString()} → ${new Date(data.end).toISOString()})\n`,
  );
  if (facts.length) io.stdout.write('Alerts from binderwatch, interleaved with what the humans noticed (» lines):\n');
  io.stdout.write('\n');
  const events = [
    ...alerts.map((a) => ({ t: Date.parse(a.at), text: alertLine(a, tz) })),
    ...facts.map((f) => ({ t: Date.parse(f.at), text: `${formatTimeWithUtc(f.at, tz)}  » humans: ${f.what}` })),
  ].sort((x, y) => x.t - y.t);
  for (const e of events) io.stdout.write(e.text + '\n');
  if (!alerts.length) io.stdout.write('(no alerts)\n');
  if (truth) io.stdout.write(scoreText(score(alerts, truth)));
  await writePage(io.stdout);
  await writeReplayStatus(store, config, alerts, data.end, statusOut, io.stdout);
  return 0;
}

/** Slack and email when their variables are set, so a replay can exercise real channels; the timeline itself is the console. */
async function channelsFromEnv(io: CliIO, timeZone: string): Promise<Notifier[]> {
  const { notifiersFromEnv, memoryThreadStore } = await import('../alerting/notifiers/index.ts');
  const logger = jsonLogger((line) => io.stderr.write(line + '\n'));
  return notifiersFromEnv(io.env, { logger, threadStore: memoryThreadStore(), timeZone }).filter((n) => n.name !== 'console');
}

async function runValidate(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
  if (!values.config) throw new ConfigError([{ path: '--config', message: 'required' }], 'arguments');
  await loadConfig(values.config);
  io.stdout.write(`${values.config}: valid\n`);
  return 0;
}

/** Every line the CLI prints passes the one redactor; secrets met during the command are released with it. */
export function main(argv: string[], io: CliIO): Promise<number> {
  return withSecretScope(() => runCommand(argv, { ...io, stdout: redactingStream(io.stdout), stderr: redactingStream(io.stderr) }));
}

async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'replay':
        return await runReplay(rest, io);
      case 'schema':
        io.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
        return 0;
      case 'validate':
        return await runValidate(rest, io);
      case 'probe': {
        const { probeCommand } = await import('./probe.ts');
        return await probeCommand(rest, io);
      }
      case 'report': {
        const { reportCommand } = await import('./report.ts');
        return await reportCommand(rest, io);
      }
      case 'check': {
        const { checkCommand } = await import('./check.ts');
        return await checkCommand(rest, io);
      }
      case 'status': {
        const { statusCommand } = await import('./status.ts');
        return await statusCommand(rest, io);
      }
      case 'maintenance': {
        const { maintenanceCommand } = await import('./maintenance.ts');
        return await maintenanceCommand(rest, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? EXIT.invalid : EXIT.ok;
      default:
        io.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
        return EXIT.invalid;
    }
  } catch (e) {
    return reportError(e, io);
  }
}

/** Any failure as one line and an exit code, never a stack trace. */
function reportError(e: unknown, io: CliIO): number {
  const message = e instanceof Error ? e.message : String(e);
  if (
    e instanceof ConfigError ||
    e instanceof ScenarioError ||
    (e as { code?: unknown } | null)?.code?.toString().startsWith('ERR_PARSE_ARGS')
  ) {
    io.stderr.write(`binderwatch: ${message}\n`);
    return EXIT.invalid;
  }
  // Nothing was found wrong with what is watched: binderwatch could not look (an upstream, the state store) or broke.
  const what = e instanceof BinderwatchError ? '' : 'internal error (please report it): ';
  io.stderr.write(`binderwatch: ${what}${redact(message).split('\n')[0]}\n`);
  if (e instanceof BinderwatchError && e.hint) io.stderr.write(`binderwatch: ${e.hint}\n`);
  return EXIT.unknown;
}
