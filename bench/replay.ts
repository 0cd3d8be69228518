// Replay speed: a 24-hour scenario at 1-minute steps, every check on its default
// schedule, through the real detectors, lifecycle and memory store.
import { readFile } from 'node:fs/promises';
import { parseConfig } from '../shared/config/load.ts';
import { parseScenario } from '../shared/scenario/openmetrics.ts';
import { replay } from '../shared/replay/replay.ts';

export interface BenchRow {
  name: string;
  value: string;
}

async function timeReplay(file: string, repeats = 3): Promise<{ parseMs: number; replayMs: number; alerts: number; runs: number }> {
  const text = await readFile(file, 'utf8');
  const config = parseConfig({ alerting: { state: { type: 'memory' } } });
  let best = { parseMs: Infinity, replayMs: Infinity, alerts: 0, runs: 0 };
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const data = parseScenario(text, file);
    const t1 = performance.now();
    const alerts = await replay(data, config);
    const t2 = performance.now();
    if (t2 - t1 < best.replayMs)
      best = { parseMs: t1 - t0, replayMs: t2 - t1, alerts: alerts.length, runs: Math.round((data.end - data.start) / 60_000) };
  }
  return best;
}

export async function benchReplay(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, file] of [
    ['normal day (24 h)', 'infra/scenarios/normal-day.om'],
    ['2018-01-18 incident (26 h)', 'infra/scenarios/mybinder-2018-01-18.om'],
  ]) {
    const r = await timeReplay(file);
    rows.push({ name: `replay ${label}: parse`, value: `${r.parseMs.toFixed(0)} ms` });
    rows.push({
      name: `replay ${label}: all checks, ${r.runs} simulated minutes`,
      value: `${r.replayMs.toFixed(0)} ms (goal ≤ 1000 ms), ${r.alerts} alerts`,
    });
  }
  return rows;
}
