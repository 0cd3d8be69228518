// One day of the many-worlds scorecard: draw its world (infra/worlds/), replay it
// through the real detectors (the path `binderwatch replay` takes, default config) and
// score it by the kind of the check that fired (shared/replay/score-kind.ts).
import type { Config } from '../../shared/config/schema.ts';
import { replay, type ReplayAlert } from '../../shared/replay/replay.ts';
import { scoreByKind, type KindIncidentScore } from '../../shared/replay/score-kind.ts';
import { drawWorld } from '../worlds/families.ts';
import { simulateWorld, type WorldDay } from '../worlds/simulate.ts';
import { MIN, type Families } from '../worlds/world.ts';

/** An alert as the report lists it. */
export type AlertNote = Pick<ReplayAlert, 'at' | 'check' | 'key' | 'severity' | 'summary'>;

export interface WorldDayRecord {
  index: number;
  seed: number;
  families: Families;
  minutes: number;
  /** Required incidents only (optional windows excuse alerts, they are owed none). */
  incidents: KindIncidentScore[];
  falsePages: AlertNote[];
  falseWarnings: AlertNote[];
  blindAlerts: number;
  maxNotificationsPerConditionDay: number;
}

/** The seed day `index` of `seed` is simulated with (its world is drawn from `seed` and `index` apart). */
export const daySeed = (seed: number, index: number) => (seed + index * 7907) >>> 0;

export function worldDay(index: number, seed: number): WorldDay & { families: Families } {
  const world = drawWorld(index, seed);
  return { ...simulateWorld(world, daySeed(seed, index)), families: world.families };
}

const note = (a: ReplayAlert): AlertNote => ({ at: a.at, check: a.check, key: a.key, severity: a.severity, summary: a.summary });

export async function scoreWorldDay(index: number, seed: number, config: Config): Promise<WorldDayRecord> {
  const day = worldDay(index, seed);
  const s = scoreByKind(await replay(day.data, config), day.truth);
  return {
    index,
    seed,
    families: day.families,
    minutes: (day.data.end - day.data.start) / MIN,
    incidents: s.incidents.filter((i) => !i.optional),
    falsePages: s.falsePages.map(note),
    falseWarnings: s.falseWarnings.map(note),
    blindAlerts: s.blindAlerts.length,
    maxNotificationsPerConditionDay: s.maxNotificationsPerConditionDay,
  };
}
