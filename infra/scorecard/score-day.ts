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
  return alerts.filter((a) => a.state === 'firing' && a.status === 'problem' && KIND_OF_CHECK[a.check] === kind && ms(a.at) >= from && ms(a.at) <= to);
}

export async function scoreDay(index: number, tags: string[], data: ScenarioData, truth: Truth, config: Config): Promise<DayRecord> {
  const alerts = await replay(data, config);
  const s = score(alerts, truth);
  const incidents: IncidentRecord[] = [];
  for (const inc of s.incidents) {
    const onset = ms(inc.onset);
    const end = ms(inc.end);
    const rec: IncidentRecord = { kind: inc.kind, onset: inc.onset, end: inc.end };
    if (inc.timeToDetectMs !== undefined) {
      rec.ttdMin = inc.timeToDetectMs / MIN;
      const keys = new Set(firingsOf(alerts, inc.kind, onset - TOLERANCE_MS, end).map((a) => a.key));
      const early = alerts.find((a) => a.state === 'resolved' && keys.has(a.key) && ms(a.at) > ms(inc.detectedAt!) && ms(a.at) < end);
      if (early) rec.resolvedEarlyAt = early.at;
    }
    const coldAt = onset + COLD_START_AFTER_MIN * MIN;
    if (end - coldAt >= COLD_START_MIN_LEFT_MIN * MIN) rec.coldStart = await coldStart(data, config, inc.kind, coldAt, end);
    incidents.push(rec);
  }
  return { index, tags, minutes: (data.end - data.start) / MIN, incidents, falseAlerts: s.falseAlerts, blindAlerts: s.blindAlerts.length };
}

/**
 * A fresh deploy (or a wiped state bucket) at `at`: the replay's clock starts there with
 * an empty store, while the sources still answer from everything before it, as a
 * Prometheus with weeks of retention would.
 */
export async function coldStart(data: ScenarioData, config: Config, kind: IncidentKind, at: number, end: number): Promise<{ at: string; ttdMin?: number }> {
  const alerts = await replay({ ...data, start: at, end: Math.min(data.end, end + TOLERANCE_MS) }, config);
  const hit = firingsOf(alerts, kind, at, end + TOLERANCE_MS)[0];
  return { at: new Date(at).toISOString(), ttdMin: hit ? (ms(hit.at) - at) / MIN : undefined };
}
