// The filter before delivery: an alert covered by an active maintenance window is held
// (its notifications stay owed in its state, recorded but not sent). Once the window is
// over, what it held is sent only if the condition outlasted the window: an alert that
// fired and resolved inside windows owes nothing anyone needs to read.
import { asAlertState, type AlertState, type OwedNotification } from '../alerting/lifecycle.ts';
import { activeOccurrence, covers, type MaintenanceWindow } from '../maintenance.ts';
import { updateWithRetry } from '../state/store.ts';
import type { Run } from './run.ts';

/** Whether a covering window was active at `t`. */
function inWindow(windows: MaintenanceWindow[], t: number, tz: string): boolean {
  return windows.some((w) => activeOccurrence(w, t, tz) !== undefined);
}

/**
 * Owed notifications minus those of episodes that began and ended inside covering windows
 * (pure). An episode ends with its `resolved` notification; one that resolved inside a window
 * drops, with it, the firing and reminders held before it in windows.
 */
export function withoutHeldEpisodes(owed: OwedNotification[], held: (at: number) => boolean): OwedNotification[] {
  const keep: OwedNotification[] = [];
  let episode: OwedNotification[] = [];
  for (const o of owed) {
    episode.push(o);
    if (o.notification.state !== 'resolved') continue;
    const whollyHeld = episode.every((e) => held(Date.parse(e.notification.at)));
    if (!whollyHeld) keep.push(...episode);
    episode = [];
  }
  return [...keep, ...episode];
}

/** The alert keys to deliver now: those no active window covers; held episodes that ended inside windows are cleared first. */
export async function outsideMaintenance(run: Run, alertKeys: string[]): Promise<string[]> {
  const { config, store, logger } = run.deps;
  if (!config.maintenance.length) return alertKeys;
  const tz = config.displayTimeZone;
  const deliverable: string[] = [];
  for (const storeKey of alertKeys) {
    const state = asAlertState((await store.get<unknown>(storeKey))?.value);
    if (!state?.owed.length) continue;
    const windows = config.maintenance.filter((w) => covers(w, state.check, state.key));
    if (!windows.length) {
      deliverable.push(storeKey);
      continue;
    }
    if (inWindow(windows, run.now, tz)) {
      logger.log('INFO', 'alert held: a maintenance window covers it', { alert: state.key, owed: state.owed.length });
      continue;
    }
    await updateWithRetry<unknown, true>(store, storeKey, (stored) => {
      const current = asAlertState(stored);
      if (!current) return undefined;
      const owed = withoutHeldEpisodes(current.owed, (t) => inWindow(windows, t, tz));
      if (owed.length === current.owed.length) return undefined;
      logger.log('INFO', 'held alert dropped: it began and ended inside maintenance', { alert: current.key });
      return { value: { ...current, owed } satisfies AlertState, result: true };
    });
    deliverable.push(storeKey);
  }
  return deliverable;
}
