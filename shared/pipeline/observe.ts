// Stage 1, observe: the check's source reads its upstream (all I/O is behind it) and
// reports what it saw to telemetry if it has something to report; the detector's memory
// of its last run is read, and so is any other check's memory the detector declares it reads.
import { detectors } from '../detectors/index.ts';
import { asAlertState, firedAt } from '../alerting/lifecycle.ts';
import type { CheckName, FiringAlert, ObservationByCheck } from '../model.ts';
import type { StateStore } from '../state/store.ts';
import type { ObservationSource } from '../sources/source.ts';
import { stateKeys } from '../state/keys.ts';
import type { Versioned } from '../state/store.ts';
import type { Run, RunMemo } from './run.ts';
import { MINUTE_MS } from '../time.ts';

/** Resolution of the series every source returns. */

/** The observation, or the error that stood in its way; with what the detector remembered. */
export type Observed<C extends CheckName> = { memory: Versioned<unknown> | undefined } & (
  { observation: ObservationByCheck[C]; peerMemory: unknown; peerAlerts?: FiringAlert[] } | { error: unknown }
);

export async function observe<C extends CheckName>(run: Run<C>, source: ObservationSource<C>): Promise<Observed<C>> {
  const { check, deps, now } = run;
  const detector = detectors[check];
  const cfg = deps.config.checks[check];
  // Store failures here are the run's, not the source's: they are not caught.
  const memo = await deps.store.get<RunMemo>(stateKeys.lastRun(check));
  const memory = await deps.store.get<unknown>(stateKeys.memory(check));
  const extraLaunches = detector.extraLaunches?.(memory?.value);
  try {
    const observation = await source.observe({
      now,
      lookbackMs: detector.lookbackMs(cfg),
      stepMs: MINUTE_MS,
      previousRunAt: memo?.value.lastRunAt,
      historyRanges: detector.historyRanges?.(cfg, now, memory?.value),
      ...(extraLaunches ? { extraLaunches } : {}),
    });
    if (deps.telemetry) await source.recordTelemetry?.(observation, deps.telemetry);
    // Read after observing (a probe takes minutes), so it is the other check's latest.
    const peerMemory = detector.reads ? (await deps.store.get<unknown>(stateKeys.memory(detector.reads)))?.value : undefined;
    const peerAlerts = detector.corroboratedBy ? await firingAlerts(deps.store, detector.corroboratedBy) : undefined;
    return { memory, observation, peerMemory, ...(peerAlerts ? { peerAlerts } : {}) };
  } catch (error) {
    return { memory, error };
  }
}

/** The alerts of `checks` firing on a problem now: what a detector may take as corroboration (pending and blind ones are not). */
async function firingAlerts(store: StateStore, checks: CheckName[]): Promise<FiringAlert[]> {
  const out: FiringAlert[] = [];
  for (const check of checks) {
    for (const key of await store.list(stateKeys.alertsOf(check))) {
      const st = asAlertState((await store.get<unknown>(key))?.value);
      if (st?.phase !== 'firing' || st.firing?.status !== 'problem') continue;
      out.push({
        check,
        key: st.key,
        severity: st.firing.severity,
        since: firedAt(st.firing),
        ...(st.last?.evidence ? { evidence: st.last.evidence } : {}),
      });
    }
  }
  return out;
}
