// A scorecard worker: simulates, replays and scores the days it is given, one message per day.
// `legacy` days come from infra/scorecard's simulator, `worlds` days from infra/worlds.
import { parentPort, workerData } from 'node:worker_threads';
import { randomDay } from './shapes.ts';
import { simulateDay } from './simulator.ts';
import { defaultReplayConfig, markSuccessDrops, scoreDay } from './score-day.ts';
import { scoreWorldDay } from './world-day.ts';

export type WorkerInput =
  { mode: 'legacy'; indices: number[]; seed: number; probeAttempts: number } | { mode: 'worlds'; days: { index: number; seed: number }[] };

const input = workerData as WorkerInput;
const config = defaultReplayConfig();
if (input.mode === 'worlds') {
  for (const d of input.days) parentPort!.postMessage(await scoreWorldDay(d.index, d.seed, config));
} else {
  for (const index of input.indices) {
    const { spec, tags } = randomDay(index, input.seed, { probeAttempts: input.probeAttempts });
    const { data, truth } = simulateDay(spec, input.seed + index);
    parentPort!.postMessage(markSuccessDrops(await scoreDay(index, tags, data, truth, config), spec.platform));
  }
}
