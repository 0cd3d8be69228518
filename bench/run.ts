// `npm run bench`: every benchmark, one table.
import { benchReplay, type BenchRow } from './replay.ts';

const suites: [string, () => Promise<BenchRow[]>][] = [
  ['replay', benchReplay],
  ['launch probe overhead', async () => (await import('./probe-overhead.ts')).benchProbeOverhead()],
  ['function cold start', async () => (await import('./cold-start.ts')).benchColdStart()],
  ['monthly cost', async () => (await import('./cost.ts')).benchCost()],
  ['scorecard', async () => (await import('./scorecard.ts')).benchScorecard()],
  ['text cut', async () => (await import('./text.ts')).benchText()],
];

const only = process.argv.slice(2);
const rows: (BenchRow & { suite: string })[] = [];
for (const [suite, run] of suites) {
  if (only.length && !only.some((o) => suite.includes(o))) continue;
  process.stderr.write(`running ${suite}…\n`);
  try {
    for (const r of await run()) rows.push({ suite, ...r });
  } catch (e) {
    rows.push({ suite, name: 'failed', value: e instanceof Error ? e.message : String(e) });
    process.exitCode = 1;
  }
}
const w = Math.max(...rows.map((r) => r.name.length), 10);
const s = Math.max(...rows.map((r) => r.suite.length), 5);
console.log(`${'suite'.padEnd(s)}  ${'measure'.padEnd(w)}  value`);
console.log(`${'-'.repeat(s)}  ${'-'.repeat(w)}  -----`);
for (const r of rows) console.log(`${r.suite.padEnd(s)}  ${r.name.padEnd(w)}  ${r.value}`);
