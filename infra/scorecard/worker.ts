// A scorecard worker: simulates, replays and scores the days it is given, one message per day.
import { parentPort, workerData } from 'node:worker_threads';
import { randomDay } from './shapes.ts';
import { simulateDay } from './simulator.ts';
import { defaultReplayConfig, markSuccessDrops, scoreDay } from './score-day.ts';

export interface WorkerInput {
  indices: number[];
  seed: number;
  probeAttempts: number;
}

const input = workerData as WorkerInput;
const config = defaultReplayConfig();
for (const index of input.indices) {
  const { spec, tags } = randomDay(index, input.seed, { probeAttempts: input.probeAttempts });
  const { data, truth } = simulateDay(spec, input.seed + index);
  parentPort!.postMessage(markSuccessDrops(await scoreDay(index, tags, data, truth, config), spec.platform));
}
