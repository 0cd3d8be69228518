// `npm run scorecard`: simulate the randomized days, replay each through the real
// detectors and alert lifecycle, print the table per incident kind, write it into
// docs/scorecard.md. `--case NAME` runs one named case and prints its alerts.
import { writeFile, readFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { replay, type ReplayAlert } from '../../shared/replay/replay.ts';
import { scoreByKind } from '../../shared/replay/score-kind.ts';
import type { Truth } from '../../shared/replay/score.ts';
import { formatScenario, type ScenarioData } from '../../shared/scenario/openmetrics.ts';
import { aggregate, formatTable } from './report.ts';
import { CASES, randomDay } from './shapes.ts';
import { coldStartDetection, coldStartUntil, defaultReplayConfig, incidentRecords, replayFrom, type DayRecord } from './score-day.ts';
import { MIN, simulateDay } from './simulator.ts';
import { worldDay, type WorldDayRecord } from './world-day.ts';
import { aggregateWorlds, formatWorldCard, worldDetails } from './world-report.ts';
import type { WorkerInput } from './worker.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SEED = 20261201;
export const DEFAULT_DAYS = 300;
/** The many-worlds run (the default): days per seed, two seeds for the spread. */
export const DEFAULT_WORLD_DAYS = 100;
export const DEFAULT_WORLD_SEEDS = [20261208, 20261209];
const BEGIN = '<!-- scorecard:begin (written by npm run scorecard) -->';
const END = '<!-- scorecard:end -->';
const WORLDS_BEGIN = '<!-- worlds:begin (written by npm run scorecard) -->';
const WORLDS_END = '<!-- worlds:end -->';

/** Workers do not inherit the parent's TypeScript loader: each registers tsx, then loads worker.ts. */
const WORKER_BOOT = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); })`;

export interface RunOptions {
  days: number;
  seed: number;
  workers: number;
  probeAttempts: number;
  onDay?: (d: DayRecord) => void;
}

/** Starts one worker per input; each posts one message per day it scores. */
async function runWorkers<T>(inputs: WorkerInput[], onMessage: (m: T) => void): Promise<void> {
  const jobs = inputs.map(
    (input) =>
      new Promise<void>((done, fail) => {
        const worker = new Worker(WORKER_BOOT, { eval: true, workerData: input });
        worker.on('message', onMessage);
        worker.on('error', fail);
        worker.on('exit', (code) => (code === 0 ? done() : fail(new Error(`scorecard worker exited with ${code}`))));
      }),
  );
  await Promise.all(jobs);
}

/** Days 0..n-1 of the first simulator (`--world legacy`), dealt round-robin to `workers` worker threads. */
export async function runDays(opts: RunOptions): Promise<DayRecord[]> {
  const records: DayRecord[] = [];
  const inputs = Array.from({ length: Math.min(opts.workers, opts.days) }, (_, w): WorkerInput => {
    const indices: number[] = [];
    for (let i = w; i < opts.days; i += opts.workers) indices.push(i);
    return { mode: 'legacy', indices, seed: opts.seed, probeAttempts: opts.probeAttempts };
  });
  await runWorkers<DayRecord>(inputs, (d) => {
    records.push(d);
    opts.onDay?.(d);
  });
  return records.sort((a, b) => a.index - b.index);
}

/** Days 0..n-1 of every seed drawn from the families of infra/worlds, on `workers` worker threads. */
export async function runWorlds(opts: {
  days: number;
  seeds: number[];
  workers: number;
  onDay?: (d: WorldDayRecord) => void;
}): Promise<WorldDayRecord[]> {
  const all = opts.seeds.flatMap((seed) => Array.from({ length: opts.days }, (_, index) => ({ index, seed })));
  const inputs = Array.from({ length: Math.min(opts.workers, all.length) }, (_, w): WorkerInput => ({
    mode: 'worlds',
    days: all.filter((_, i) => i % opts.workers === w),
  }));
  const records: WorldDayRecord[] = [];
  await runWorkers<WorldDayRecord>(inputs, (d) => {
    records.push(d);
    opts.onDay?.(d);
  });
  return records.sort((a, b) => a.seed - b.seed || a.index - b.index);
}

/** Writes a day as a scenario and truth file, for `binderwatch replay` or promtool. */
async function writeDay(data: ScenarioData, truth: Truth, outDir: string, fileName: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `${fileName}.om`), formatScenario(data));
  await writeFile(join(outDir, `${fileName}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
  process.stdout.write(`wrote ${join(outDir, fileName)}.om and .truth.json\n`);
}

function printAlerts(alerts: ReplayAlert[]): void {
  process.stdout.write('\n');
  for (const a of alerts)
    process.stdout.write(
      `${a.at}  ${a.state.toUpperCase().padEnd(9)} ${a.severity.padEnd(8)} ${a.check.padEnd(13)} ${a.key}\n      ${a.summary}\n`,
    );
  if (alerts.length === 0) process.stdout.write('(no alerts)\n');
}

/** One simulated day printed like `binderwatch replay`: every alert, then each incident's score. */
async function printDay(
  title: string,
  data: ScenarioData,
  truth: Truth,
  opts: { coldStartAt?: number; outDir?: string; fileName: string },
): Promise<void> {
  const config = defaultReplayConfig();
  process.stdout.write(`${title}\n`);
  if (opts.outDir) await writeDay(data, truth, opts.outDir, opts.fileName);
  const from = opts.coldStartAt ?? data.start;
  if (opts.coldStartAt)
    process.stdout.write(`cold start at ${new Date(from).toISOString()} with a fresh state store; earlier data visible as history\n`);
  const alerts = await replayFrom(data, config, from);
  printAlerts(alerts);
  process.stdout.write('\nscore against the truth:\n');
  const scored = incidentRecords(alerts, truth);
  for (const i of scored.incidents) {
    let what: string;
    if (opts.coldStartAt) {
      const cold =
        Date.parse(i.end) > from ? coldStartDetection(alerts, i.kind, from, coldStartUntil(data, from, Date.parse(i.end))) : undefined;
      what = cold?.ttdMin === undefined ? 'missed within 60 min of the cold start' : `detected +${cold.ttdMin}m after the cold start`;
    } else what = i.ttdMin === undefined ? 'missed' : `detected +${i.ttdMin}m after onset`;
    const early = i.resolvedEarlyAt ? `; resolved at ${i.resolvedEarlyAt} while it went on` : '';
    process.stdout.write(`  ${i.kind.padEnd(15)} ${i.onset} → ${i.end}  ${what}${early}\n`);
  }
  if (scored.incidents.length === 0) process.stdout.write('  no incidents\n');
  process.stdout.write(
    `  false alerts: ${scored.falseAlerts.length}${scored.falseAlerts.map((a) => `\n    ${a.at} ${a.check} ${a.key}`).join('')}\n`,
  );
}

async function runCase(name: string, probeAttempts: number, outDir?: string): Promise<number> {
  const c = CASES.find((x) => x.name === name);
  if (!c) {
    process.stderr.write(`unknown case "${name}"; cases: ${CASES.map((x) => x.name).join(', ')}\n`);
    return 2;
  }
  const { data, truth } = simulateDay(c.shape({ probeAttempts }).spec, c.seed);
  await printDay(`case ${c.name} (seed ${c.seed}): ${c.what}`, data, truth, { coldStartAt: c.coldStartAt, outDir, fileName: c.name });
  return 0;
}

async function runOneDay(index: number, seed: number, probeAttempts: number, outDir?: string): Promise<number> {
  const { spec, tags } = randomDay(index, seed, { probeAttempts });
  const { data, truth } = simulateDay(spec, seed + index);
  await printDay(`day ${index} of seed ${seed} (${new Date(spec.start).toISOString().slice(0, 10)}): ${tags.join(', ')}`, data, truth, {
    outDir,
    fileName: `day-${index}`,
  });
  return 0;
}

/** What went wrong, per day: enough to rerun a day with --day N. */
function details(records: DayRecord[]): string[] {
  const out: string[] = [];
  for (const d of records) {
    const notes = [
      ...d.incidents.filter((i) => i.ttdMin === undefined).map((i) => `missed ${i.kind} ${i.onset.slice(11, 16)}`),
      ...d.incidents.filter((i) => i.resolvedEarlyAt).map((i) => `${i.kind} resolved early at ${i.resolvedEarlyAt!.slice(11, 16)}`),
      ...d.incidents
        .filter((i) => i.coldStart && i.coldStart.ttdMin === undefined)
        .map((i) => `${i.kind} missed after a cold start at ${i.coldStart!.at.slice(11, 16)}`),
      ...d.falseAlerts.map((a) => `false ${a.check} ${a.at.slice(11, 16)} ${a.key}`),
    ];
    if (notes.length) out.push(`day ${d.index} (${d.tags.join(', ')}): ${notes.join('; ')}`);
  }
  return out;
}

/** One day of the many worlds: every alert, then its score by kind. */
async function runOneWorldDay(index: number, seed: number, outDir?: string): Promise<number> {
  const day = worldDay(index, seed);
  process.stdout.write(
    `world day ${index} of seed ${seed} (${new Date(day.data.start).toISOString().slice(0, 10)}): ${JSON.stringify(day.families)}\n`,
  );
  if (outDir) await writeDay(day.data, day.truth, outDir, `world-${seed}-${index}`);
  const alerts = await replay(day.data, defaultReplayConfig());
  printAlerts(alerts);
  const s = scoreByKind(alerts, day.truth);
  process.stdout.write('\nscore by kind against the truth:\n');
  for (const i of s.incidents) {
    const what =
      i.timeToDetectMs === undefined
        ? i.optional
          ? 'not alerted'
          : 'MISSED'
        : `detected +${Math.round(i.timeToDetectMs / MIN)}m${i.alreadyOpen ? ' (already open)' : ''}`;
    const early = i.resolvedEarlyAt ? `; resolved at ${i.resolvedEarlyAt} while it went on` : '';
    process.stdout.write(`  ${i.kind.padEnd(15)}${i.optional ? ' (optional)' : '           '} ${i.onset} → ${i.end}  ${what}${early}\n`);
  }
  if (s.incidents.length === 0) process.stdout.write('  no incidents\n');
  const list = (xs: ReplayAlert[]) => xs.map((a) => `\n    ${a.at} ${a.check} ${a.key}`).join('');
  process.stdout.write(
    `  false pages: ${s.falsePages.length}${list(s.falsePages)}\n  false warnings: ${s.falseWarnings.length}${list(s.falseWarnings)}\n`,
  );
  process.stdout.write(`  most notifications for one condition in a day: ${s.maxNotificationsPerConditionDay}\n`);
  return 0;
}

/** Replaces the text between two markers of docs/scorecard.md. */
async function writeDoc(begin: string, end: string, body: string): Promise<void> {
  const file = join(ROOT, 'docs/scorecard.md');
  const text = await readFile(file, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${begin} … ${end} not found`);
  await writeFile(file, text.slice(0, a) + [begin, body, end].join('\n') + text.slice(b + end.length));
}

const int = (name: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got "${v}"`);
  return n;
};

async function legacyMain(opts: RunOptions, values: { json?: boolean; details?: boolean; write: boolean }): Promise<number> {
  const t0 = Date.now();
  let done = 0;
  const records = await runDays({ ...opts, onDay: () => process.stderr.write(`\r${++done}/${opts.days} days`) });
  const seconds = (Date.now() - t0) / 1000;
  process.stderr.write(`\r${opts.days} days in ${seconds.toFixed(1)} s\n`);
  const card = aggregate(records);
  if (values.json) process.stdout.write(JSON.stringify({ ...opts, seconds, card, records }, null, 2) + '\n');
  else process.stdout.write(formatTable(card) + '\n');
  if (values.details) process.stdout.write('\n' + details(records).join('\n') + '\n');
  // Only the full, default run is the documented scorecard.
  if (values.write && opts.days === DEFAULT_DAYS && opts.seed === DEFAULT_SEED) {
    const head = `Current run: ${opts.days} days, seed ${opts.seed}, probe attempts per run ${opts.probeAttempts}, ${opts.workers} workers, ${seconds.toFixed(0)} s.`;
    await writeDoc(BEGIN, END, `${head}\n\n${formatTable(card)}`);
  }
  return 0;
}

async function worldsMain(
  opts: { days: number; seeds: number[]; workers: number },
  values: { json?: boolean; details?: boolean; write: boolean },
): Promise<number> {
  const t0 = Date.now();
  let done = 0;
  const total = opts.days * opts.seeds.length;
  const records = await runWorlds({ ...opts, onDay: () => process.stderr.write(`\r${++done}/${total} days`) });
  const seconds = (Date.now() - t0) / 1000;
  process.stderr.write(`\r${total} days in ${seconds.toFixed(1)} s\n`);
  const card = aggregateWorlds(records, opts.seeds);
  if (values.json) process.stdout.write(JSON.stringify({ ...opts, seconds, card, records }, null, 2) + '\n');
  else process.stdout.write(formatWorldCard(card) + '\n');
  if (values.details) process.stdout.write('\n' + worldDetails(records).join('\n') + '\n');
  const isDefault = opts.days === DEFAULT_WORLD_DAYS && opts.seeds.join() === DEFAULT_WORLD_SEEDS.join();
  if (values.write && isDefault) {
    const head = `Current run: ${opts.days} days for each of seeds ${opts.seeds.join(' and ')}, ${opts.workers} workers, ${seconds.toFixed(0)} s.`;
    await writeDoc(WORLDS_BEGIN, WORLDS_END, `${head}\n\n${formatWorldCard(card)}`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      world: { type: 'string', default: 'families' },
      days: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      workers: { type: 'string', default: '2' },
      'probe-attempts': { type: 'string', default: '2' },
      case: { type: 'string' },
      day: { type: 'string' },
      details: { type: 'boolean', default: false },
      'out-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
  if (values.world !== 'families' && values.world !== 'legacy')
    throw new Error(`--world: expected families or legacy, got "${values.world}"`);
  const workers = int('workers', values.workers!, 1);
  const probeAttempts = int('probe-attempts', values['probe-attempts']!, 1);
  const flags = { json: values.json, details: values.details, write: !values['no-write'] };
  if (values.case) return runCase(values.case, probeAttempts, values['out-dir']);
  if (values.world === 'legacy') {
    const opts: RunOptions = {
      days: int('days', values.days ?? String(DEFAULT_DAYS), 1),
      seed: int('seed', values.seed ?? String(DEFAULT_SEED), 0),
      workers,
      probeAttempts,
    };
    if (values.day) return runOneDay(int('day', values.day, 0), opts.seed, opts.probeAttempts, values['out-dir']);
    return legacyMain(opts, flags);
  }
  const seeds = values.seeds
    ? values.seeds.split(',').map((x) => int('seeds', x.trim(), 0))
    : values.seed
      ? [int('seed', values.seed, 0)]
      : DEFAULT_WORLD_SEEDS;
  if (values.day) return runOneWorldDay(int('day', values.day, 0), seeds[0], values['out-dir']);
  return worldsMain({ days: int('days', values.days ?? String(DEFAULT_WORLD_DAYS), 1), seeds, workers }, flags);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // exitCode, not exit(): a piped stdout still holds the table when main returns.
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      process.stderr.write(`scorecard: ${e.message}\n`);
      process.exitCode = 2;
    },
  );
}
