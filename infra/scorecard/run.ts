// `npm run scorecard`: simulate the randomized days, replay each through the real
// detectors and alert lifecycle, print the table per incident kind, write it into
// docs/scorecard.md. `--case NAME` runs one named case and prints its alerts.
import { writeFile, readFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { replay } from '../../shared/replay/replay.ts';
import { score } from '../../shared/replay/score.ts';
import { formatScenario } from '../../shared/scenario/openmetrics.ts';
import { aggregate, formatTable } from './report.ts';
import { CASES } from './shapes.ts';
import { coldStart, defaultReplayConfig, type DayRecord } from './score-day.ts';
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

async function runCase(name: string, probeAttempts: number, outDir?: string): Promise<number> {
  const c = CASES.find((x) => x.name === name);
  if (!c) {
    process.stderr.write(`unknown case "${name}"; cases: ${CASES.map((x) => x.name).join(', ')}\n`);
    return 2;
  }
  const { spec } = c.shape({ probeAttempts });
  const { data, truth } = simulateDay(spec, c.seed);
  const config = defaultReplayConfig();
  process.stdout.write(`case ${c.name} (seed ${c.seed}): ${c.what}\n`);
  if (outDir) {
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, `${c.name}.om`), formatScenario(data));
    await writeFile(join(outDir, `${c.name}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
    process.stdout.write(`wrote ${join(outDir, c.name)}.om and .truth.json\n`);
  }
  const from = c.coldStartAt ?? data.start;
  if (c.coldStartAt) process.stdout.write(`cold start at ${new Date(from).toISOString()} with a fresh state store; earlier data visible as history\n`);
  const alerts = await replay({ ...data, start: from }, config);
  process.stdout.write('\n');
  for (const a of alerts) process.stdout.write(`${a.at}  ${a.state.toUpperCase().padEnd(9)} ${a.severity.padEnd(8)} ${a.check.padEnd(13)} ${a.key}\n      ${a.summary}\n`);
  if (alerts.length === 0) process.stdout.write('(no alerts)\n');
  process.stdout.write('\ntruth:\n');
  const s = score(alerts, truth);
  for (const i of s.incidents) {
    const cold = c.coldStartAt && Date.parse(i.end) > from ? await coldStart(data, config, i.kind, from, Date.parse(i.end)) : undefined;
    const detected = cold ? (cold.ttdMin === undefined ? 'missed after the cold start' : `detected +${cold.ttdMin}m after the cold start`) : i.timeToDetectMs === undefined ? 'missed' : `detected +${i.timeToDetectMs / 60_000}m after onset`;
    process.stdout.write(`  ${i.kind.padEnd(15)} ${i.onset} → ${i.end}  ${detected}\n`);
  }
  if (s.incidents.length === 0) process.stdout.write('  no incidents\n');
  process.stdout.write(`  false alerts: ${s.falseAlerts.length}\n`);
  return 0;
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
  const t0 = Date.now();
  let done = 0;
  const records = await runDays({ ...opts, onDay: () => process.stderr.write(`\r${++done}/${opts.days} days`) });
  const seconds = (Date.now() - t0) / 1000;
  process.stderr.write(`\r${opts.days} days in ${seconds.toFixed(1)} s\n`);
  const card = aggregate(records);
  if (values.json) process.stdout.write(JSON.stringify({ ...opts, seconds, card }, null, 2) + '\n');
  else process.stdout.write(formatTable(card) + '\n');
  // Only the full, default run is the documented scorecard.
  if (!values['no-write'] && opts.days === DEFAULT_DAYS && opts.seed === DEFAULT_SEED) await writeDoc(formatTable(card), opts, seconds);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`scorecard: ${e.message}\n`);
      process.exit(2);
    },
  );
}
