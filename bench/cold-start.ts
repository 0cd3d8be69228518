// Cold start of each packaged function: process start to the first answered
// Scheduler POST, from the archive alone (as Cloud Functions runs it), and the
// modules each loads at start. Goal: ≤ 400 ms per function.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildPackage } from '../infra/package.ts';
import { schedulerPost, startFunction, stopFunction, unpackArchive } from '../infra/function-runner.ts';
import type { BenchRow } from './replay.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = JSON.stringify({ alerting: { state: { type: 'memory' } } });
const REPEATS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchColdStart(): Promise<BenchRow[]> {
  const pkg = await buildPackage({ root: ROOT });
  const dir = unpackArchive(pkg.archive);
  const rows: BenchRow[] = [{ name: 'archive size', value: `${(pkg.archiveBytes / 1024).toFixed(0)} KiB` }];
  try {
    for (const b of pkg.bundles) {
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const t0 = performance.now();
        const f = await startFunction(dir, b.target, CONFIG);
        const answer = await schedulerPost(f.port, b.target);
        times.push(performance.now() - t0);
        await stopFunction(f.child);
        if (answer.status !== 200) throw new Error(`${b.target} answered ${answer.status}`);
      }
      rows.push({
        name: `${b.target}: start → first response (median of ${REPEATS})`,
        value: `${median(times).toFixed(0)} ms (goal ≤ 400 ms); ${b.modules} modules, ${(b.bytes / 1024).toFixed(0)} KiB at start`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
