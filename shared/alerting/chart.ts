// The picture in an alert: the last 3 hours of the series behind a finding. Each run
// of trafficVsPods, nodeHeadroom and launchProbe adds one point per finding to a small
// rolling history in the state store (the detectors' own windows are shorter than 3 h,
// and a probe only sees its latest run); a problem finding's notifications carry the
// chart as data (a few kB), drawn into a PNG only when a channel that shows images sends it.
// Pure except `recordChartHistory`, which reads and writes the store.
import type { BandPoint, CheckName, ObservationByCheck, Series } from '../model.ts';
import { lastSample } from '../series.ts';
import { launchKey } from '../detectors/launch-probe.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';
import { stateKeys } from '../state/keys.ts';

export const CHART_SPAN_MS = 3 * 3_600_000;
const FRESH_MS = 5 * 60_000;

/** A small chart: shared times and one value (or null) per time for each series. */
export interface AlertChart {
  title: string;
  /** Epoch ms of the first point; `t` are seconds after it. */
  t0: number;
  t: number[];
  yLabel: string;
  rightLabel?: string;
  series: {
    label: string;
    values: (number | null)[];
    style: 'line' | 'dashed' | 'step' | 'points';
    color: 'observed' | 'expected' | 'demand' | 'limit' | 'muted' | 'ok' | 'failed';
    axis?: 'right';
  }[];
  /** The detector's expected band (the alert fires below `low`). */
  band?: { low: (number | null)[]; high: (number | null)[] };
}

/** One run's values per finding key, e.g. `headroom:ssd-pool` → { nodes: 14, max: 15 }. */
export type ChartPoints = Record<string, Record<string, number>>;

/** Stored per check: each key's points, oldest first, as [t, values]. */
export type ChartHistory = Record<string, [number, Record<string, number>][]>;

/** A check whose alerts carry a picture: the points each run adds per finding key, and how a finding's history is drawn. */
export interface ChartSpec<C extends CheckName> {
  points(observation: ObservationByCheck[C], band: BandPoint[] | undefined, now: number): ChartPoints;
  draw(key: string, frame: ChartFrame): AlertChart;
}

/** One finding's history (at least two points) as the columns a chart is drawn from. */
interface ChartFrame {
  points: [number, Record<string, number>][];
  col: (name: string) => (number | null)[];
  chart: (title: string, yLabel: string, series: AlertChart['series'], more?: Partial<AlertChart>) => AlertChart;
}

const round = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);

/** A sample from long ago is not this run's value: the chart shows a gap, as the source had one. */
function freshValue(s: Series, now: number): number | undefined {
  const last = lastSample(s, now);
  return last && now - last.t <= FRESH_MS ? last.v : undefined;
}

/** The checks whose alerts carry a picture; the others have none. */
export const chartSpecs: { [C in CheckName]?: ChartSpec<C> } = {
  trafficVsPods: {
    points(o, band, now) {
      const values: Record<string, number> = {};
      const pods = freshValue(o.pods, now);
      const demand = freshValue(o.demand, now);
      if (pods !== undefined) values.pods = pods;
      if (demand !== undefined) values.demand = demand;
      const b = band?.[band.length - 1];
      if (b) Object.assign(values, { expected: b.expected, low: b.low, high: b.high });
      return { 'trafficVsPods:levelling-off': values };
    },
    draw: (_key, { col, chart }) =>
      chart(
        'Running pods against the traffic model',
        'pods',
        [
          { label: 'demand /min', values: col('demand'), style: 'line', color: 'demand', axis: 'right' },
          { label: 'expected pods', values: col('expected'), style: 'dashed', color: 'expected' },
          { label: 'running pods', values: col('pods'), style: 'line', color: 'observed' },
        ],
        { rightLabel: 'demand /min', band: { low: col('low'), high: col('high') } },
      ),
  },
  nodeHeadroom: {
    points(o, _band, now) {
      const out: ChartPoints = {};
      for (const p of o.pools) {
        const nodes = freshValue(p.nodes, now);
        out[`headroom:${p.pool}`] = {
          ...(nodes !== undefined ? { nodes } : {}),
          cordoned: p.cordoned,
          pending: p.pending,
          ...(Number.isFinite(p.max) && p.max !== null ? { max: p.max } : {}),
        };
      }
      return out;
    },
    draw: (key, { col, chart }) =>
      chart(
        `Nodes in pool ${key.replace(/^headroom:/, '')}`,
        'nodes',
        [
          { label: 'pending pods', values: col('pending'), style: 'step', color: 'muted', axis: 'right' },
          { label: 'autoscaler max', values: col('max'), style: 'dashed', color: 'limit' },
          { label: 'cordoned', values: col('cordoned'), style: 'step', color: 'expected' },
          { label: 'nodes', values: col('nodes'), style: 'step', color: 'observed' },
        ],
        { rightLabel: 'pending pods' },
      ),
  },
  launchProbe: {
    points(o) {
      const out: ChartPoints = {};
      for (const r of o.results) {
        if (r.unknownReason) continue;
        const seconds = Object.values(r.durations ?? {}).reduce((a, b) => a + b, 0) / 1000;
        out[launchKey(r)] = { ok: r.ok ? 1 : 0, ...(seconds > 0 ? { seconds } : {}) };
      }
      return out;
    },
    draw(key, { points, chart }) {
      // With durations (live probes) the y axis is launch time; without, ok/failed rows.
      const timed = points.some(([, v]) => v.seconds !== undefined);
      const y = (ok: number) => points.map(([, v]) => (v.ok === ok ? (timed ? round(v.seconds ?? 0) : ok) : null));
      return chart(`Launch probe ${key.replace(/^launch:/, '')}`, timed ? 'launch time (s)' : 'probe result', [
        { label: 'ok', values: y(1), style: 'points', color: 'ok' },
        { label: 'failed', values: y(0), style: 'points', color: 'failed' },
      ]);
    },
  },
};

/** What this run saw, per finding key, from the observation the detector read (and its band). */
export function chartPoints<C extends CheckName>(
  check: C,
  observation: ObservationByCheck[C],
  band: BandPoint[] | undefined,
  now: number,
): ChartPoints {
  return chartSpecs[check]?.points(observation, band, now) ?? {};
}

/** Adds this run's points (a later point at the same time replaces the earlier) and forgets what is older than 3 h. */
export function appendChartPoints(history: ChartHistory, points: ChartPoints, now: number): ChartHistory {
  const out: ChartHistory = {};
  const keys = new Set([...Object.keys(history), ...Object.keys(points)]);
  for (const key of keys) {
    const kept = (Array.isArray(history[key]) ? history[key] : []).filter(([t]) => t > now - CHART_SPAN_MS && t !== now);
    // A tenth is finer than any chart shows, and keeps the stored history small.
    const values = Object.fromEntries(Object.entries(points[key] ?? {}).map(([name, v]) => [name, Math.round(v * 10) / 10]));
    if (Object.keys(values).length) kept.push([now, values]);
    if (kept.length) out[key] = kept.sort((a, b) => a[0] - b[0]);
  }
  return out;
}

/** The chart for one finding from its history; undefined when there is nothing to draw. */
export function alertChart(check: CheckName, key: string, history: ChartHistory): AlertChart | undefined {
  const spec = chartSpecs[check];
  const points = history[key];
  if (!spec || !points || points.length < 2) return undefined;
  const t0 = points[0][0];
  const t = points.map(([at]) => Math.round((at - t0) / 1000));
  const col = (name: string) => points.map(([, v]) => round(v[name]));
  return spec.draw(key, { points, col, chart: (title, yLabel, series, more = {}) => ({ title, t0, t, yLabel, series, ...more }) });
}

/** Appends this run's points to `chart/<check>` and returns the history (I/O: the state store). */
export async function recordChartHistory(store: StateStore, check: CheckName, points: ChartPoints, now: number): Promise<ChartHistory> {
  return (
    (await updateWithRetry<ChartHistory, ChartHistory>(store, stateKeys.chart(check), (current) => {
      const next = appendChartPoints(current && typeof current === 'object' ? current : {}, points, now);
      return { value: next, result: next };
    })) ?? {}
  );
}
