// What binderwatch reports about itself: a heartbeat per check run (so an absence
// alert hears when binderwatch dies) and the launch probe's numbers for dashboards.
import type { CheckName, ProbeResult } from '../model.ts';

/**
 * How a check run ended: its worst finding, `skipped` when there was nothing to check,
 * `error` when the run itself failed. Every outcome is a heartbeat: binderwatch is alive.
 */
export type RunOutcome = 'ok' | 'problem' | 'unknown' | 'skipped' | 'error';

/** Implementations never throw: telemetry must not fail the run it describes. */
export interface Telemetry {
  recordRun(check: CheckName, outcome: RunOutcome, at: number): Promise<void>;
  recordProbe(result: ProbeResult): Promise<void>;
}

/** For the CLI, the replay and tests: records nothing. */
export const noopTelemetry: Telemetry = {
  async recordRun() {},
  async recordProbe() {},
};
