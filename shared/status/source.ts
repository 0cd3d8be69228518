// What the status page reads: each hub's SLI rollup and the alert episodes, from the state
// store (the CLI and the scheduled function) or from a replay's notifications. Alert
// states only say what fires now, so the page keeps its own log of episodes (bounded),
// updated with compare-and-swap on every write of the page.
import type { Config } from '../config/schema.ts';
import { asAlertState } from '../alerting/lifecycle.ts';
import { hubOf } from '../detectors/launch-probe.ts';
import type { Logger } from '../log.ts';
import { CHECK_NAMES, type CheckName, type Severity } from '../model.ts';
import { readRollup, type Rollup } from '../slo/rollup.ts';
import { stateKeys } from '../state/keys.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';
import type { AlertEpisode } from './data.ts';

/** Episodes the log keeps: 90 days of a bad month fit. */
const LOG_MAX = 500;
export const INCIDENT_LOG_KEY = 'status/episodes';

/** Every hub the config watches: the launch probe's targets and the health check's hubs. */
export function configuredHubs(config: Config): string[] {
  const urls = [...config.checks.launchProbe.targets.map((t) => t.binderUrl), ...config.checks.binderHealth.binderUrls];
  return [...new Set(urls.map(hubOf))];
}

export async function readRollups(
  store: StateStore,
  hubs: string[],
  now: number,
  logger: Logger,
): Promise<Map<string, Rollup | undefined>> {
  return new Map(await Promise.all(hubs.map(async (h) => [h, await readRollup(store, h, now, logger)] as const)));
}

/** Firing problem alerts now (a blind check is no incident of the service). */
async function firingNow(store: StateStore): Promise<AlertEpisode[]> {
  const out: AlertEpisode[] = [];
  for (const check of CHECK_NAMES) {
    for (const key of await store.list(stateKeys.alertsOf(check))) {
      const st = asAlertState((await store.get<unknown>(key))?.value);
      if (st?.phase === 'firing' && st.firing?.status === 'problem')
        out.push({ check: st.check, key: st.key, severity: st.firing.severity, start: st.firing.since });
    }
  }
  return out;
}

/** The log merged with what fires now (pure): an open episode no longer firing ends at `now`. */
export function mergeEpisodes(log: AlertEpisode[], firing: AlertEpisode[], now: number): AlertEpisode[] {
  const id = (e: AlertEpisode) => `${e.check}/${e.key}/${e.start}`;
  const firingIds = new Set(firing.map(id));
  const logged = new Set(log.map(id));
  const closed = log.map((e) => (e.end === undefined && !firingIds.has(id(e)) ? { ...e, end: now } : e));
  return [...closed, ...firing.filter((e) => !logged.has(id(e)))].sort((a, b) => a.start - b.start).slice(-LOG_MAX);
}

const isEpisode = (e: unknown): e is AlertEpisode =>
  !!e &&
  typeof e === 'object' &&
  CHECK_NAMES.includes((e as AlertEpisode).check) &&
  typeof (e as AlertEpisode).key === 'string' &&
  Number.isFinite((e as AlertEpisode).start);

/** Updates the stored episode log with what fires now and returns it (a log of the wrong shape starts afresh, logged). */
export async function recordEpisodes(store: StateStore, now: number, logger: Logger): Promise<AlertEpisode[]> {
  const firing = await firingNow(store);
  return (
    (await updateWithRetry<unknown, AlertEpisode[]>(store, INCIDENT_LOG_KEY, (current) => {
      const valid = Array.isArray(current) && current.every(isEpisode);
      if (current !== undefined && !valid)
        logger.log('ERROR', 'status episode log has the wrong shape: starting it afresh', { key: INCIDENT_LOG_KEY });
      const next = mergeEpisodes(valid ? current : [], firing, now);
      return { value: next, result: next };
    })) ?? []
  );
}

/** Episodes from a replay's notifications: each firing until its resolve (problems only). */
export function episodesFromNotifications(
  alerts: { at: string; check: CheckName; key: string; state: string; status: string; severity: Severity }[],
): AlertEpisode[] {
  const open = new Map<string, AlertEpisode>();
  const done: AlertEpisode[] = [];
  for (const a of alerts) {
    const k = `${a.check}/${a.key}`;
    if (a.state === 'firing' && a.status === 'problem' && !open.has(k))
      open.set(k, { check: a.check, key: a.key, severity: a.severity, start: Date.parse(a.at) });
    else if (a.state === 'resolved' && open.has(k)) {
      done.push({ ...open.get(k)!, end: Date.parse(a.at) });
      open.delete(k);
    }
  }
  return [...done, ...open.values()].sort((a, b) => a.start - b.start);
}

/** The configured hubs, and any hub the store holds a rollup of (a replay's hub comes from its scenario). */
export async function knownHubs(store: StateStore, config: Config): Promise<string[]> {
  const stored = (await store.list('slo/')).map((k) => k.slice('slo/'.length));
  return [...new Set([...configuredHubs(config), ...stored])];
}
