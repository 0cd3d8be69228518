// Scorecard speed: a slice of the randomized days on the scorecard's 2 workers, with
// the CPU time it took, extrapolated to the full 300 days (the goal is ≤ 5 min on 2 cores).
import { DEFAULT_DAYS, DEFAULT_SEED, runDays } from '../infra/scorecard/run.ts';
import type { BenchRow } from './replay.ts';

const SLICE_DAYS = 10;

export async function benchScorecard(): Promise<BenchRow[]> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runDays({ days: SLICE_DAYS, seed: DEFAULT_SEED, workers: 2, probeAttempts: 2 });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Process-wide CPU time includes the worker threads.
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const scale = DEFAULT_DAYS / SLICE_DAYS;
  return [
    { name: `${SLICE_DAYS} days, 2 workers: wall`, value: `${wallS.toFixed(1)} s` },
    {
      name: `${SLICE_DAYS} days: CPU (all threads)`,
      value: `${cpuS.toFixed(1)} s (${(cpuS / SLICE_DAYS).toFixed(2)} s per day, cold starts included)`,
    },
    { name: `${DEFAULT_DAYS} days on 2 free cores (CPU / 2)`, value: `≈ ${((cpuS * scale) / 2 / 60).toFixed(1)} min (goal ≤ 5 min)` },
  ];
}
