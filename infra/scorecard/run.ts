// `npm run scorecard`: simulate the randomized days, replay each through the real
// detectors and alert lifecycle, print the table per incident kind, write it into
// docs/scorecard.md. `--case NAME` runs one named case and prints its alerts.
import { writeFile, readFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Truth } from '../../shared/replay/score.ts';
import { formatScenario, type ScenarioData } from '../../shared/scenario/openmetrics.ts';
import { aggregate, formatTable } from './report.ts';
import { CASES, randomDay } from './shapes.ts';
import { coldStartDetection, coldStartUntil, defaultReplayConfig, incidentRecords, replayFrom, type DayRecord } from './score-day.ts';
import { simulateDay } from './simulator.ts';
import type { WorkerInput } from './worker.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SEED = 20261201;
export const DEFAULT_DAYS = 300;
const BEGIN = '<!-- scorecard:begin (written by npm run scorecard) -->';
const END = '<!-- scorecard:end -->';

/** Workers do not inherit the parent's TypeScript loader: each registers tsx, then loads worker.ts. */
const WORKER_BOOT = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); })`;

export interface RunOptions {
  days: number;
  seed: number;
  workers: number;
  probeAttempts: number;
  onDay?: (d: DayRecord) => void;
}

/** Days 0..n-1, dealt round-robin to `workers` worker threads. */
export async function runDays(opts: RunOptions): Promise<DayRecord[]> {
  const records: DayRecord[] = [];
  const jobs = Array.from({ length: Math.min(opts.workers, opts.days) }, (_, w) => {
    const input: WorkerInput = { indices: [], seed: opts.seed, probeAttempts: opts.probeAttempts };
    for (let i = w; i < opts.days; i += opts.workers) input.indices.push(i);
    return new Promise<void>((done, fail) => {
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: input });
      worker.on('message', (d: DayRecord) => {
        records.push(d);
        opts.onDay?.(d);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => (code === 0 ? done() : fail(new Error(`scorecard worker exited with ${code}`))));
    });
  });
  await Promise.all(jobs);
  return records.sort((a, b) => a.index - b.index);
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
  if (opts.outDir) {
    await mkdir(opts.outDir, { recursive: true });
    await writeFile(join(opts.outDir, `${opts.fileName}.om`), formatScenario(data));
    await writeFile(join(opts.outDir, `${opts.fileName}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
    process.stdout.write(`wrote ${join(opts.outDir, opts.fileName)}.om and .truth.json\n`);
  }
  const from = opts.coldStartAt ?? data.start;
  if (opts.coldStartAt)
    process.stdout.write(`cold start at ${new Date(from).toISOString()} with a fresh state store; earlier data visible as history\n`);
  const alerts = await replayFrom(data, config, from);
  process.stdout.write('\n');
  for (const a of alerts)
    process.stdout.write(
      `${a.at}  ${a.state.toUpperCase().padEnd(9)} ${a.severity.padEnd(8)} ${a.check.padEnd(13)} ${a.key}\n      ${a.summary}\n`,
    );
  if (alerts.length === 0) process.stdout.write('(no alerts)\n');
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

async function writeDoc(table: string, opts: RunOptions, seconds: number): Promise<void> {
  const file = join(ROOT, 'docs/scorecard.md');
  const block = [
    BEGIN,
    `Current run: ${opts.days} days, seed ${opts.seed}, probe attempts per run ${opts.probeAttempts}, ${opts.workers} workers, ${seconds.toFixed(0)} s.`,
    '',
    table,
    END,
  ].join('\n');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = `# Scorecard\n\n${BEGIN}\n${END}\n`;
  }
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${BEGIN} … ${END} not found`);
  await writeFile(file, text.slice(0, a) + block + text.slice(b + END.length));
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      days: { type: 'string', default: String(DEFAULT_DAYS) },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
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
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const opts: RunOptions = {
    days: int('days', values.days!, 1),
    seed: int('seed', values.seed!, 0),
    workers: int('workers', values.workers!, 1),
    probeAttempts: int('probe-attempts', values['probe-attempts']!, 1),
  };
  if (values.case) return runCase(values.case, opts.probeAttempts, values['out-dir']);
  if (values.day) return runOneDay(int('day', values.day, 0), opts.seed, opts.probeAttempts, values['out-dir']);
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
  if (!values['no-write'] && opts.days === DEFAULT_DAYS && opts.seed === DEFAULT_SEED) await writeDoc(formatTable(card), opts, seconds);
  return 0;
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
