// Stage 6, telemetry: the run is recorded as done (the next run's source reads from here
// on), its heartbeat sent, and one log line says what it found and notified.
import type { AlertNotification } from '../alerting/notifier.ts';
import type { Finding, FindingStatus } from '../model.ts';
import type { RunOutcome } from '../telemetry/telemetry.ts';
import { updateWithRetry } from '../state/store.ts';
import { stateKeys } from '../state/keys.ts';
import type { Run, RunMemo } from './run.ts';

/** How a run that checked something ended (see RunOutcome). */
export type Outcome = Exclude<RunOutcome, 'skipped' | 'error'>;

/** A run's outcome is its worst finding. */
export function outcomeOf(findings: Finding[]): Outcome {
  const statuses = new Set<FindingStatus>(findings.map((f) => f.status));
  return statuses.has('problem') ? 'problem' : statuses.has('unknown') ? 'unknown' : 'ok';
}

export async function recordRun({ check, deps, now }: Run, findings: Finding[], notifications: AlertNotification[]): Promise<Outcome> {
  await updateWithRetry<RunMemo, true>(deps.store, stateKeys.lastRun(check), () => ({ value: { lastRunAt: now }, result: true }));
  const outcome = outcomeOf(findings);
  await deps.telemetry?.recordRun(check, outcome, now);
  deps.logger.log(outcome === 'ok' ? 'INFO' : 'WARNING', 'check ran', {
    check,
    outcome,
    findings: findings.filter((f) => f.status !== 'ok').map((f) => ({ key: f.key, status: f.status, summary: f.summary })),
    notifications: notifications.map((n) => ({ key: n.key, state: n.state })),
  });
  return outcome;
}
