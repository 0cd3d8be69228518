// Replays one simulated day through the real replay (the path `binderwatch replay`
// takes, default config) and scores it with shared/replay/score.ts, adding what the
// plain score does not say: resolves while the incident goes on, and detection after
// a cold start in the middle of the incident.
import type { Config } from '../../shared/config/schema.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { replay, type ReplayAlert } from '../../shared/replay/replay.ts';
import { KIND_OF_CHECK, score, TOLERANCE_MS, type IncidentKind, type Truth } from '../../shared/replay/score.ts';
import type { ScenarioData } from '../../shared/scenario/openmetrics.ts';
import { MIN } from './simulator.ts';

/** Cold starts happen this long after an incident's onset. */
export const COLD_START_AFTER_MIN = 60;
/** …in incidents that last at least this long after the cold start, so there is time to detect. */
const COLD_START_MIN_LEFT_MIN = 30;
/** A cold start counts as detected only within this time: later is the next operator's problem, and replaying less keeps the run short. */
export const COLD_START_DETECT_WITHIN_MIN = 60;

export interface IncidentRecord {
  kind: IncidentKind;
  onset: string;
  end: string;
  /** Minutes from onset to the first firing of its kind (±15 min window of score.ts). */
  ttdMin?: number;
  /** A `resolved` for a key of its kind that fired in the window, before the incident's end. */
  resolvedEarlyAt?: string;
  /** Replayed with a fresh state store from onset + 60 min (history before visible). */
  coldStart?: { at: string; ttdMin?: number };
  /** Launch-failure only: when platform success first fell to LAUNCH_TARGET_SUCCESS or below, and minutes from then to the first firing. */
  successDrop?: { at: string; ttdMin?: number };
}

export interface DayRecord {
  index: number;
  tags: string[];
  /** Replayed minutes (false alerts are counted per replayed time). */
  minutes: number;
  incidents: IncidentRecord[];
  falseAlerts: ReplayAlert[];
  blindAlerts: number;
}

/** The config `binderwatch replay` uses without --config. */
export function defaultReplayConfig(): Config {
  return parseConfig({ alerting: { state: { type: 'memory' } } });
}

const ms = (iso: string) => Date.parse(iso);

/** Firings of a problem of `kind` in [from, to]. */
function firingsOf(alerts: ReplayAlert[], kind: IncidentKind, from: number, to: number): ReplayAlert[] {
  return alerts.filter(
    (a) => a.state === 'firing' && a.status === 'problem' && KIND_OF_CHECK[a.check] === kind && ms(a.at) >= from && ms(a.at) <= to,
  );
}

/** Incidents scored from a replay's alerts: time to detect and early resolves (no cold starts yet). */
export function incidentRecords(
  alerts: ReplayAlert[],
  truth: Truth,
): { incidents: IncidentRecord[]; falseAlerts: ReplayAlert[]; blindAlerts: number } {
  const s = score(alerts, truth);
  const incidents = s.incidents.map((inc): IncidentRecord => {
    const rec: IncidentRecord = { kind: inc.kind, onset: inc.onset, end: inc.end };
    if (inc.timeToDetectMs === undefined) return rec;
    rec.ttdMin = inc.timeToDetectMs / MIN;
    const end = ms(inc.end);
    const keys = new Set(firingsOf(alerts, inc.kind, ms(inc.onset) - TOLERANCE_MS, end).map((a) => a.key));
    const early = alerts.find((a) => a.state === 'resolved' && keys.has(a.key) && ms(a.at) > ms(inc.detectedAt!) && ms(a.at) < end);
    if (early) rec.resolvedEarlyAt = early.at;
    return rec;
  });
  return { incidents, falseAlerts: s.falseAlerts, blindAlerts: s.blindAlerts.length };
}

/** Issue 11's launch target: a drop to this success or below fires within an hour. */
export const LAUNCH_TARGET_SUCCESS = 0.7;

/**
 * Marks the launch-failure incidents whose platform success fell to the target or
 * below, timed from that minute: the scorecard's onset is the crossing of 80 % (or a
 * full pool), so a slow slide counts its first hour before the target is even reached.
 */
export function markSuccessDrops(day: DayRecord, platform: (t: number) => number): DayRecord {
  for (const rec of day.incidents) {
    if (rec.kind !== 'launch-failure') continue;
    let at: number | undefined;
    for (let t = ms(rec.onset); t <= ms(rec.end) && at === undefined; t += MIN) if (platform(t) <= LAUNCH_TARGET_SUCCESS) at = t;
    if (at === undefined) continue;
    const fired = rec.ttdMin === undefined ? undefined : ms(rec.onset) + rec.ttdMin * MIN;
    rec.successDrop = { at: new Date(at).toISOString(), ttdMin: fired === undefined ? undefined : (fired - at) / MIN };
  }
  return day;
}

export async function scoreDay(index: number, tags: string[], data: ScenarioData, truth: Truth, config: Config): Promise<DayRecord> {
  const scored = incidentRecords(await replay(data, config), truth);
  // Levelling-off and launch-failure share their windows: one cold replay serves both.
  const replays = new Map<string, Promise<ReplayAlert[]>>();
  for (const rec of scored.incidents) {
    const at = ms(rec.onset) + COLD_START_AFTER_MIN * MIN;
    if (ms(rec.end) - at < COLD_START_MIN_LEFT_MIN * MIN) continue;
    const until = coldStartUntil(data, at, ms(rec.end));
    const key = `${at}-${until}`;
    if (!replays.has(key)) replays.set(key, replayFrom(data, config, at, until));
    rec.coldStart = coldStartDetection(await replays.get(key)!, rec.kind, at, until);
  }
  return { index, tags, minutes: (data.end - data.start) / MIN, ...scored };
}

/**
 * A fresh deploy (or a wiped state bucket) at `at`: the replay's clock starts there with
 * an empty store, while the sources still answer from everything before it, as a
 * Prometheus with weeks of retention would.
 */
export function replayFrom(data: ScenarioData, config: Config, at: number, until = data.end): Promise<ReplayAlert[]> {
  return replay({ ...data, start: at, end: until }, config);
}

/** End of a cold-start replay: the incident's end, at most an hour after the cold start. */
export function coldStartUntil(data: ScenarioData, at: number, end: number): number {
  return Math.min(data.end, end, at + COLD_START_DETECT_WITHIN_MIN * MIN);
}

export function coldStartDetection(alerts: ReplayAlert[], kind: IncidentKind, at: number, until: number): { at: string; ttdMin?: number } {
  const hit = firingsOf(alerts, kind, at, until)[0];
  return { at: new Date(at).toISOString(), ttdMin: hit ? (ms(hit.at) - at) / MIN : undefined };
}
