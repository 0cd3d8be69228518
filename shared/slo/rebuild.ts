// A lost SLI history rebuilt from BinderHub's own Prometheus metrics (binderhub/builder.py):
// `binderhub_launch_count_total{status,provider,repo}` (status success / failure / retry) and
// the `binderhub_launch_time_seconds` histogram (labels status, retries; the LAUNCH_BUCKETS
// the rollup uses too). Each whole UTC day is one evaluation of `increase(…[1d])` at the day's
// end. These count the hub's own launches, not the probe's: a rebuilt day reads as "launches".
import { DAY_MS } from '../time.ts';
import type { PromqlClient, PromqlSeries } from '../clients/promql.ts';
import { KEEP_DAYS, LAUNCH_BUCKETS_S, type DayRow, type Rollup } from './rollup.ts';

export const REBUILD_QUERIES = {
  /** Launches per day by outcome; a retry is not an outcome (the retried launch ends in success or failure). */
  launches: 'sum by (status) (increase(binderhub_launch_count_total{status=~"success|failure"}[1d]))',
  /** Successful launches per day by histogram bucket (cumulative, as Prometheus keeps them). */
  times: 'sum by (le) (increase(binderhub_launch_time_seconds_bucket{status="success"}[1d]))',
} as const;

const dayOf = (t: number) => Math.round(t / DAY_MS) - 1;

const leOf = (s: PromqlSeries) => (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le));

/** Per day, the value of the (first) series (rounded: increase() extrapolates). */
function perDay([s]: PromqlSeries[]): Map<number, number> {
  return new Map((s?.samples ?? []).filter((p) => Number.isFinite(p.v)).map((p) => [dayOf(p.t), Math.max(0, Math.round(p.v))]));
}

/**
 * Day rows from the two queries' answers (pure). `slowAfterS` counts a launch as slow when it
 * fell above the largest bucket bound not above it (a bound between buckets counts more as slow, never fewer).
 */
export function rowsFromSeries(launches: PromqlSeries[], times: PromqlSeries[], slowAfterS: number): DayRow[] {
  const ok = perDay(launches.filter((x) => x.labels.status === 'success'));
  const failed = perDay(launches.filter((x) => x.labels.status === 'failure'));
  // `le` compared as a number: Prometheus 2 keeps the client's "2.0", Prometheus 3 normalises it to "2".
  const cumulative = [...LAUNCH_BUCKETS_S, Infinity].map((b) => perDay(times.filter((x) => leOf(x) === b)));
  const slowBound = LAUNCH_BUCKETS_S.filter((b) => b <= slowAfterS).length - 1;
  const days = [...new Set([...ok.keys(), ...failed.keys()])].sort((a, b) => a - b);
  return days.flatMap((day): DayRow[] => {
    const runs = (ok.get(day) ?? 0) + (failed.get(day) ?? 0);
    if (runs === 0) return [];
    const cum = cumulative.map((m) => m.get(day) ?? 0);
    const hist = cum.map((c, i) => Math.max(0, c - (i ? cum[i - 1] : 0)));
    while (hist.length && hist[hist.length - 1] === 0) hist.pop();
    const timed = cum[cum.length - 1];
    const slow = Math.max(0, timed - (slowBound < 0 ? 0 : cum[slowBound]));
    return [[day, runs, failed.get(day) ?? 0, slow, hist]];
  });
}

/** The whole UTC days before `now` (up to the retention) rebuilt from Prometheus; undefined when it holds no launches. */
export async function rebuildRollup(
  prom: PromqlClient,
  now: number,
  slowAfterS: number,
  signal?: AbortSignal,
): Promise<Rollup | undefined> {
  const today = Math.floor(now / DAY_MS);
  // Evaluated at each day's end: day d is increase over (d, d+1].
  const [start, end] = [(today - KEEP_DAYS + 2) * DAY_MS, today * DAY_MS];
  const [launches, times] = await Promise.all([
    prom.range(REBUILD_QUERIES.launches, start, end, DAY_MS, signal),
    prom.range(REBUILD_QUERIES.times, start, end, DAY_MS, signal),
  ]);
  const days = rowsFromSeries(launches, times, slowAfterS);
  if (!days.length) return undefined;
  return { v: 1, since: days[0][0] * DAY_MS, days, recent: [], counted: {} };
}
