// Launch SLIs per hub, kept small in the state store: one row per UTC day for 400 days
// (runs, failed, slow, a launch-time histogram) and five-minute buckets for the last
// three days (what the burn-rate windows read). Written with compare-and-swap like the
// alert state; a stored object of the wrong shape is logged and started afresh.
import { z } from 'zod';
import type { Logger } from '../log.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';
import { DAY_MS } from '../time.ts';

export const BUCKET_MS = 5 * 60_000;
/** Daily rows kept: a year and a month, so "90 days" and any 30-day window always fit. */
export const KEEP_DAYS = 400;
/** Five-minute buckets kept: the longest burn-rate window (3 days). */
export const KEEP_RECENT_MS = 3 * DAY_MS;
/**
 * Launch-time histogram bounds in seconds: BinderHub's own LAUNCH_BUCKETS (binderhub/builder.py,
 * `binderhub_launch_time_seconds`), so a day rebuilt from its Prometheus reads the same way. The last bucket is +Inf.
 */
export const LAUNCH_BUCKETS_S = [2, 5, 10, 20, 30, 60, 120, 300, 600];

/** One probe run's outcome as the SLO counts it. */
export interface SliEvent {
  /** What ran (the repo): each is counted once per probe time, however often a run sees it. */
  repo: string;
  at: number;
  ok: boolean;
  /** Seconds to `ready` (successful launches only). */
  launchS?: number;
}

/** [day (UTC days since epoch), runs, failed, slow, histogram counts (trailing zeros cut)]. */
export type DayRow = [number, number, number, number, number[]];
/** [bucket (5-minute slots since epoch), runs, failed, slow, timed (successful launches with a launch time)]. */
export type RecentRow = [number, number, number, number, number];

export interface Rollup {
  v: 1;
  /** When this history starts (epoch ms): the first event, or when a lost history was started afresh. */
  since: number;
  days: DayRow[];
  recent: RecentRow[];
  /** The latest probe time counted per repo. */
  counted: Record<string, number>;
}

const count = z.int().min(0);
const rollupSchema = z.object({
  v: z.literal(1),
  since: z.number().finite(),
  days: z.array(z.tuple([z.int(), count, count, count, z.array(count).max(LAUNCH_BUCKETS_S.length + 1)])).max(KEEP_DAYS + 1),
  recent: z.array(z.tuple([z.int(), count, count, count, count])).max(Math.ceil(KEEP_RECENT_MS / BUCKET_MS) + 1),
  counted: z.record(z.string(), z.number().finite()),
});

export const emptyRollup = (since: number): Rollup => ({ v: 1, since, days: [], recent: [], counted: {} });

/** The histogram bucket a launch time falls in (the last is +Inf). */
export function bucketOf(seconds: number): number {
  const i = LAUNCH_BUCKETS_S.findIndex((b) => seconds <= b);
  return i < 0 ? LAUNCH_BUCKETS_S.length : i;
}

function addTo<R extends DayRow | RecentRow>(rows: R[], slot: number, make: () => R, e: SliEvent, slowAfterS: number): R {
  let row = rows.find((r) => r[0] === slot);
  if (!row) rows.push((row = make()));
  row[1]++;
  if (!e.ok) row[2]++;
  else if (e.launchS !== undefined && e.launchS > slowAfterS) row[3]++;
  return row;
}

/**
 * Adds events to a rollup (pure; the input is not changed), dropping rows older than the
 * retention. A launch slower than `slowAfterS` counts against the launch-time SLI.
 */
export function addEvents(rollup: Rollup, events: SliEvent[], slowAfterS: number, now: number): Rollup {
  const days = rollup.days.map((d): DayRow => [d[0], d[1], d[2], d[3], [...d[4]]]);
  const recent = rollup.recent.map((r): RecentRow => [...r]);
  const counted = { ...rollup.counted };
  const fresh = events.filter((e) => e.at > (counted[e.repo] ?? -Infinity));
  for (const e of fresh) {
    counted[e.repo] = Math.max(counted[e.repo] ?? -Infinity, e.at);
    const day = addTo(days, Math.floor(e.at / DAY_MS), (): DayRow => [Math.floor(e.at / DAY_MS), 0, 0, 0, []], e, slowAfterS);
    if (e.ok && e.launchS !== undefined) {
      const b = bucketOf(e.launchS);
      while (day[4].length <= b) day[4].push(0);
      day[4][b]++;
    }
    const slot = addTo(recent, Math.floor(e.at / BUCKET_MS), (): RecentRow => [Math.floor(e.at / BUCKET_MS), 0, 0, 0, 0], e, slowAfterS);
    if (e.ok && e.launchS !== undefined) slot[4]++;
  }
  const firstDay = Math.floor(now / DAY_MS) - KEEP_DAYS + 1;
  const firstBucket = Math.floor((now - KEEP_RECENT_MS) / BUCKET_MS);
  const since = Math.min(rollup.since, ...fresh.map((e) => e.at));
  return {
    v: 1,
    since,
    counted: Object.fromEntries(Object.entries(counted).filter(([, t]) => t >= now - KEEP_RECENT_MS)),
    days: days.filter((d) => d[0] >= firstDay).sort((a, b) => a[0] - b[0]),
    recent: recent.filter((r) => r[0] >= firstBucket).sort((a, b) => a[0] - b[0]),
  };
}

/** A stored value as a rollup, or undefined (with the reason) when its shape is wrong. */
export function asRollup(value: unknown): { rollup: Rollup } | { error: string } {
  const parsed = rollupSchema.safeParse(value);
  if (parsed.success) return { rollup: parsed.data as Rollup };
  const issue = parsed.error.issues[0];
  return { error: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

export const rollupKey = (hub: string) => `slo/${hub}`;

/** The stored rollup of `hub`; a wrong shape is logged at ERROR and read as a history starting `now`. */
export async function readRollup(store: StateStore, hub: string, now: number, logger: Logger): Promise<Rollup | undefined> {
  const stored = await store.get<unknown>(rollupKey(hub));
  return stored === undefined ? undefined : validOrFresh(stored.value, hub, now, logger);
}

function validOrFresh(value: unknown, hub: string, now: number, logger: Logger, fresh?: Rollup): Rollup {
  const checked = asRollup(value);
  if ('rollup' in checked) return checked.rollup;
  const how = fresh ? 'rebuilt from Prometheus' : 'starting its history afresh';
  logger.log('ERROR', `SLI rollup has the wrong shape: ${how}`, { key: rollupKey(hub), error: checked.error });
  return fresh ?? emptyRollup(now);
}

/** Whether the hub's stored rollup is missing or unreadable (its history would start afresh). */
export async function rollupLost(store: StateStore, hub: string): Promise<boolean> {
  const stored = await store.get<unknown>(rollupKey(hub));
  return stored === undefined || 'error' in asRollup(stored.value);
}

/** Adds a run's events to the hub's rollup with compare-and-swap; a lost or corrupt rollup starts at `fresh` (default: empty, since `now`). */
export async function recordEvents(
  store: StateStore,
  hub: string,
  events: SliEvent[],
  opts: { slowAfterS: number; now: number; logger: Logger; fresh?: Rollup },
): Promise<Rollup> {
  const result = await updateWithRetry<unknown, Rollup>(store, rollupKey(hub), (current) => {
    const base =
      current === undefined ? (opts.fresh ?? emptyRollup(opts.now)) : validOrFresh(current, hub, opts.now, opts.logger, opts.fresh);
    const next = addEvents(base, events, opts.slowAfterS, opts.now);
    return { value: next, result: next };
  });
  return result ?? emptyRollup(opts.now);
}
