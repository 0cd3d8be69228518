// `binderwatch replay [file.om]`: every check on its schedule over a scenario with a
// simulated clock, printed as a timeline (or JSON lines), scored against a truth file.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig } from '../config/load.ts';
import { httpUrl, type Config } from '../config/schema.ts';
import { ScenarioError } from '../errors.ts';
import { parseScenario } from '../scenario/openmetrics.ts';
import { reportData, type ReportRun } from '../report/data.ts';
import { replay, type ReplayAlert } from '../replay/replay.ts';
import { parseTruth, score, type Score, type Truth } from '../replay/score.ts';
import { formatDuration } from '../duration.ts';
import { formatTimeWithUtc } from '../alerting/notifiers/format.ts';
import type { Logger } from '../log.ts';
import type { Notifier } from '../alerting/notifier.ts';
import { readFactsOf } from '../scenario/facts.ts';
import { MemoryStore } from '../state/memory.ts';
import { writeReplayStatus } from '../status/replay.ts';
import type { CliIO } from './io.ts';
import { badArgument, defineVerb } from './verb.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SCENARIO = join(ROOT, 'infra/scenarios/mybinder-2018-01-18.om');

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

/** Slack, email and the pagers when their variables are set, so a replay can exercise real channels; the timeline itself is the console. */
async function channelsFromEnv(io: CliIO, logger: Logger, timeZone: string): Promise<Notifier[]> {
  const { notifiersFromEnv, memoryThreadStore } = await import('../alerting/notifiers/index.ts');
  return notifiersFromEnv(io.env, { logger, threadStore: memoryThreadStore(), timeZone }).filter((n) => n.name !== 'console');
}

export const verb = defineVerb({
  name: 'replay',
  synopsis: '[file.om]',
  summary: 'Runs every check on its schedule over a scenario with a simulated clock.',
  details:
    'Without a file: the reconstruction of mybinder.org on 2018-01-18, scored against its truth.\n' +
    '--json (or --format jsonl) prints one JSON object per notification: at, check, key, state, status, severity, title, summary.',
  options: {
    config: { type: 'string', arg: 'c.yaml', help: 'The config (default: every default, state in memory).' },
    format: { type: 'string', arg: 'text|jsonl', help: 'jsonl is the same as --json.' },
    truth: { type: 'string', arg: 't.json', help: 'Score the alerts against this truth file.' },
    timeline: { type: 'boolean', help: 'Interleave what the humans noticed (the scenario’s facts file).' },
    prometheus: { type: 'string', arg: 'URL', help: 'Read every series back from this Prometheus through PromQL.' },
    html: { type: 'string', arg: 'report.html', help: 'Also write the incident report page (one self-contained file).' },
    'status-html': {
      type: 'string',
      arg: 'status.html',
      help: "Also write the public status page as it would have stood at the scenario's end.",
    },
    'status-json': { type: 'string', arg: 'status.json', help: 'Also write its status.json.' },
  },
  async run({ values, positionals, io, json, logger }) {
    if (values.format !== undefined && values.format !== 'text' && values.format !== 'jsonl')
      throw badArgument('--format', 'expected text or jsonl');
    const jsonl = json || values.format === 'jsonl';
    const prometheusUrl = values.prometheus === undefined ? undefined : httpUrl.safeParse(values.prometheus);
    if (prometheusUrl?.success === false) throw badArgument('--prometheus', prometheusUrl.error.issues[0].message);
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
    const notifiers = await channelsFromEnv(io, logger, tz);
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
    // The replay's own store, kept to build the status page from at the end.
    const store = new MemoryStore();
    const statusOut = { html: values['status-html'], json: values['status-json'] };
    if (jsonl) {
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
  },
});
