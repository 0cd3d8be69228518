// What the incident report page shows, gathered from a replay: the scenario's series
// on one minute grid, the detector's own expected band, alert spans (pending → firing
// → resolved) and, for the 2018 night, what the humans noticed. Pure: no I/O.
import type { BandPoint, Series } from '../model.ts';
import type { CheckRunResult } from '../pipeline/run-check.ts';
import type { ScenarioData } from '../scenario/openmetrics.ts';
import { onGrid } from '../series.ts';

/** One value per grid point; null where there was no sample. */
export type Column = (number | null)[];

export interface AlertSpan {
  check: string;
  key: string;
  severity: 'warning' | 'critical';
  /** A problem, or the check being blind. */
  status: 'problem' | 'unknown';
  /** The finding's short title, as in the email subject and the Slack header. */
  title: string;
  summary: string;
  /** The federation member the alert belongs to. */
  member?: string;
  /** First run that reported the problem (epoch ms). */
  pendingAt: number;
  /** Each firing notification (the first, then escalations); empty for a problem that cleared while pending. */
  firing: { at: number; severity: 'warning' | 'critical'; summary: string }[];
  /** When it resolved (or stopped pending); absent while it lasts to the end of the data. */
  endAt?: number;
  resolvedSummary?: string;
}

/** One probe run; the scenario series (and Prometheus) record only whether it worked. */
export interface ProbePoint {
  t: number;
  ok: boolean;
}

export interface ReportData {
  title: string;
  timeZone: string;
  /** Grid times in epoch seconds (uPlot's unit). */
  t: number[];
  demand: Column;
  pods: Column;
  /** The trafficVsPods detector's expected pods and band, as it computed them. */
  expected: Column;
  low: Column;
  high: Column;
  pools: { pool: string; nodes: Column; cordoned: Column; max: Column; pending: Column }[];
  /** Crash-looping pods per node, one strip each. */
  crashloops: { node: string; count: Column; pods: string[] }[];
  probes: { repo: string; results: ProbePoint[] }[];
  /** A federation's members (series with a `member` label), each on the shared time axis. */
  members: { member: string; pods: Column; demand: Column; quota: Column }[];
  alerts: AlertSpan[];
  facts: { at: number; what: string; timeIs?: string }[];
}

export interface ReportRun {
  now: number;
  result: Pick<CheckRunResult, 'check' | 'findings' | 'notifications' | 'band'>;
}

const round = (v: number) => Math.round(v * 10) / 10;
const column = (values: ArrayLike<number>): Column => Array.from(values, (v) => (Number.isFinite(v) ? round(v) : null));

function byLabel(data: ScenarioData, metric: string, label: string): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const s of data.series) if (s.metric === metric) out.set(s.labels[label] ?? '', s.samples);
  return out;
}

/**
 * The band at each minute comes from the first run whose evaluation covers it: that run
 * predicted it furthest ahead (a whole window), which is what the alert is judged on.
 */
function mergeBands(runs: ReportRun[]): Map<number, BandPoint> {
  const out = new Map<number, BandPoint>();
  for (const { result } of runs) for (const b of result.band ?? []) if (!out.has(b.t)) out.set(b.t, b);
  return out;
}

export function alertSpans(runs: ReportRun[]): AlertSpan[] {
  const open = new Map<string, AlertSpan>();
  const done: AlertSpan[] = [];
  const close = (id: string, at: number) => {
    const span = open.get(id)!;
    span.endAt = at;
    done.push(span);
    open.delete(id);
  };
  for (const { now, result } of runs) {
    const reporting = new Set<string>();
    for (const f of result.findings) {
      if (f.status === 'ok' || f.key.startsWith('channel:')) continue;
      const id = `${f.check}/${f.key}`;
      reporting.add(id);
      if (!open.has(id))
        open.set(id, {
          check: f.check,
          key: f.key,
          severity: f.severity,
          status: f.status,
          title: f.title,
          summary: f.summary,
          ...(f.member ? { member: f.member } : {}),
          pendingAt: now,
          firing: [],
        });
    }
    for (const n of result.notifications) {
      const id = `${n.check}/${n.key}`;
      const at = Date.parse(n.at);
      if (n.key.startsWith('channel:')) continue;
      if (n.state === 'firing') {
        const title = n.title ?? n.summary;
        const span = open.get(id) ?? {
          check: n.check,
          key: n.key,
          severity: n.severity,
          status: n.status,
          title,
          summary: n.summary,
          ...(n.member ? { member: n.member } : {}),
          pendingAt: at,
          firing: [],
        };
        Object.assign(span, { title, summary: n.summary, severity: n.severity, status: n.status });
        span.firing.push({ at, severity: n.severity, summary: n.summary });
        open.set(id, span);
      } else if (n.state === 'resolved' && open.has(id)) {
        open.get(id)!.resolvedSummary = n.summary;
        close(id, at);
      }
    }
    // A problem that clears before it fires was only ever pending.
    for (const [id, span] of open) if (span.check === result.check && !span.firing.length && !reporting.has(id)) close(id, now);
  }
  return [...done, ...open.values()].sort((a, b) => a.pendingAt - b.pendingAt);
}

export function reportData(
  data: ScenarioData,
  runs: ReportRun[],
  opts: { title: string; timeZone: string; facts?: { at: string; what: string; timeIs?: string }[]; range?: { from: number; to: number } },
): ReportData {
  const step = 60_000;
  const from = Math.ceil((opts.range?.from ?? data.start) / step) * step;
  const to = Math.floor((opts.range?.to ?? data.end) / step) * step;
  const n = Math.max(0, (to - from) / step + 1);
  const t = Array.from({ length: n }, (_, k) => (from + k * step) / 1000);
  const grid = (s: Series | undefined) => column(s ? onGrid(s, from, to, step) : new Float64Array(n).fill(NaN));
  // The whole deployment's series; a federation's members have theirs under `member`.
  const find = (metric: string) => data.series.find((s) => s.metric === metric && s.labels.member === undefined)?.samples;

  const bands = mergeBands(runs);
  const bandColumn = (field: 'expected' | 'low' | 'high') => t.map((s) => bands.get(s * 1000)?.[field] ?? NaN);

  const cordoned = byLabel(data, 'binderwatch_nodepool_cordoned_nodes', 'pool');
  const max = byLabel(data, 'binderwatch_nodepool_max_nodes', 'pool');
  const pending = byLabel(data, 'binderwatch_nodepool_pending_pods', 'pool');
  const pools = [...byLabel(data, 'binderwatch_nodepool_nodes', 'pool')].map(([pool, nodes]) => ({
    pool,
    nodes: grid(nodes),
    cordoned: grid(cordoned.get(pool)),
    max: grid(max.get(pool)),
    pending: grid(pending.get(pool)),
  }));

  const perNode = new Map<string, { count: Float64Array; pods: Set<string> }>();
  for (const s of data.series) {
    if (s.metric !== 'binderwatch_pod_crashlooping') continue;
    const node = s.labels.node ?? '(unscheduled)';
    const entry = perNode.get(node) ?? { count: new Float64Array(n), pods: new Set<string>() };
    perNode.set(node, entry);
    entry.pods.add(`${s.labels.namespace ?? ''}/${s.labels.pod ?? ''} (${s.labels.owner ?? 'bare pod'})`);
    const g = onGrid(s.samples, from, to, step);
    for (let k = 0; k < n; k++) if (g[k] >= 1) entry.count[k]++;
  }
  const crashloops = [...perNode]
    .map(([node, e]) => ({
      node,
      count: Array.from(e.count, (c) => (c > 0 ? c : null)),
      pods: [...e.pods].sort(),
      peak: Math.max(...e.count),
    }))
    .sort((a, b) => b.peak - a.peak || (a.node < b.node ? -1 : 1))
    .map(({ peak: _peak, ...rest }) => rest);

  // A member's probes are named for it: each member launches the same repos.
  const probeSeries = data.series.filter((s) => s.metric === 'binderwatch_launch_probe_ok');
  const probes = probeSeries.map(({ labels, samples: s }) => ({
    repo: [labels.member, labels.repo ?? ''].filter((x) => x !== undefined).join(': '),
    results: s.filter((p) => p.t >= from && p.t <= to).map((p) => ({ t: p.t, ok: p.v >= 1 })),
  }));

  const demand = byLabel(data, 'binderwatch_demand', 'member');
  const quota = byLabel(data, 'binderwatch_member_pod_quota', 'member');
  const members = [...byLabel(data, 'binderwatch_running_user_pods', 'member')]
    .filter(([member]) => member !== '')
    .map(([member, pods]) => ({
      member,
      pods: grid(pods),
      demand: grid(demand.get(member)),
      quota: grid(quota.get(member)),
    }));

  return {
    title: opts.title,
    timeZone: opts.timeZone,
    t,
    demand: grid(find('binderwatch_demand')),
    pods: grid(find('binderwatch_running_user_pods')),
    expected: column(bandColumn('expected')),
    low: column(bandColumn('low')),
    high: column(bandColumn('high')),
    pools,
    crashloops,
    probes,
    members,
    alerts: alertSpans(runs),
    facts: (opts.facts ?? [])
      .map((f) => ({ at: Date.parse(f.at), what: f.what, timeIs: f.timeIs }))
      .filter((f) => f.at >= from && f.at <= to),
  };
}
