// The public status summary, in the spirit of Atlassian Statuspage's /api/v2/summary.json.
// Public means a whitelist: every field here is built from the hub's name, the daily SLI
// rollups, the SLO, fixed public texts per kind of incident, and the maintenance windows'
// names and times. Nothing of an internal alert (node or pod names, runbooks, URLs, hub
// messages, titles, summaries) is ever copied in. Pure: the time is a parameter.
import { DAY_MS } from '../time.ts';
import type { Config } from '../config/schema.ts';
import type { CheckName } from '../model.ts';
import { coversHub, maintenanceAt, type Occurrence } from '../maintenance.ts';
import { evaluateSlo, type SloStatus } from '../slo/burn.ts';
import { LAUNCH_BUCKETS_S, type Rollup } from '../slo/rollup.ts';
import { sloSpecs } from '../pipeline/slo.ts';

export type ComponentStatus = 'operational' | 'degraded_performance' | 'major_outage' | 'under_maintenance' | 'no_data';

/** An alert as the status page may know it: which check, which key, and when (no text of it). */
export interface AlertEpisode {
  check: CheckName;
  key: string;
  severity: 'warning' | 'critical';
  start: number;
  /** Undefined while it fires. */
  end?: number;
}

export interface PublicIncident {
  id: string;
  component: string;
  name: string;
  impact: 'minor' | 'major';
  status: 'investigating' | 'resolved';
  created_at: string;
  resolved_at: string | null;
}

export interface DayBar {
  date: string;
  runs: number;
  /** Launch success that day, 0–1; null without runs. */
  success: number | null;
  /** Launch time percentiles that day (seconds, the histogram bucket's upper bound); null without launches. */
  p50: number | null;
  p90: number | null;
}

export interface PublicSlo {
  objective: number;
  window_days: number;
  sli: number | null;
  budget_remaining: number | null;
}

export interface Component {
  id: string;
  name: string;
  status: ComponentStatus;
  /** When this hub's recorded history starts (a lost history restarts it). */
  history_since: string | null;
  slo: { launch_success: PublicSlo; launch_time: PublicSlo & { within_seconds: number } };
  days: DayBar[];
}

export interface StatusSummary {
  page: { name: string; updated_at: string; time_zone: string };
  status: { indicator: 'none' | 'minor' | 'major' | 'maintenance'; description: string };
  components: Component[];
  incidents: PublicIncident[];
  scheduled_maintenances: {
    id: string;
    name: string;
    status: 'in_progress' | 'scheduled';
    scheduled_for: string;
    scheduled_until: string;
    components: string[];
  }[];
}

/** The public words for each kind of incident; the only incident text that reaches the page. */
const PUBLIC_NAMES: { match: (check: CheckName, key: string) => boolean; name: string; impact: 'minor' | 'major' }[] = [
  {
    match: (c, k) => c === 'launchProbe' && k.startsWith('slo:') && k.endsWith(':latency'),
    name: 'Launches are slower than usual',
    impact: 'minor',
  },
  { match: (c, k) => c === 'launchProbe' && k.startsWith('slo:'), name: 'Launch success is below its objective', impact: 'major' },
  { match: (c, k) => c === 'launchProbe' && k.startsWith('launch:'), name: 'Launches are failing', impact: 'major' },
  { match: (c) => c === 'binderHealth', name: 'The service reports a problem with one of its parts', impact: 'major' },
  { match: (c) => c === 'trafficVsPods', name: 'Fewer sessions are starting than expected', impact: 'major' },
];

export const DAYS_SHOWN = 90;

/** The public incident for an alert, or undefined for alerts the public does not see (a node, a pool, a blind check). */
export function publicIncident(a: AlertEpisode, hubs: string[]): PublicIncident | undefined {
  const kind = PUBLIC_NAMES.find((p) => p.match(a.check, a.key));
  if (!kind) return undefined;
  // Keys name their hub as a segment (launch:<hub>:<repo>); the traffic check watches the one hub there is.
  const component = a.key.split(':').find((s) => hubs.includes(s)) ?? (hubs.length === 1 ? hubs[0] : undefined);
  if (!component) return undefined;
  return {
    id: `${component}-${kind.name.toLowerCase().replace(/[^a-z]+/g, '-')}-${a.start}`,
    component,
    name: kind.name,
    impact: a.severity === 'critical' ? kind.impact : 'minor',
    status: a.end === undefined ? 'investigating' : 'resolved',
    created_at: new Date(a.start).toISOString(),
    resolved_at: a.end === undefined ? null : new Date(a.end).toISOString(),
  };
}

/** One incident per hub and kind while overlapping alerts (two repos failing) tell the same story. */
function mergeIncidents(incidents: PublicIncident[]): PublicIncident[] {
  const out: PublicIncident[] = [];
  for (const i of [...incidents].sort((a, b) => a.created_at.localeCompare(b.created_at))) {
    const same = out.find(
      (o) => o.component === i.component && o.name === i.name && (o.resolved_at === null || o.resolved_at >= i.created_at),
    );
    if (!same) out.push({ ...i });
    else if (same.resolved_at !== null && (i.resolved_at === null || i.resolved_at > same.resolved_at)) {
      same.resolved_at = i.resolved_at;
      same.status = i.status;
    }
  }
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

function percentile(hist: number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (!total) return null;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) if ((seen += hist[i]) >= q * total) return LAUNCH_BUCKETS_S[i] ?? Infinity;
  return null;
}

export function dayBars(rollup: Rollup | undefined, now: number): DayBar[] {
  const today = Math.floor(now / DAY_MS);
  return Array.from({ length: DAYS_SHOWN }, (_, i) => {
    const day = today - DAYS_SHOWN + 1 + i;
    const row = rollup?.days.find((d) => d[0] === day);
    const runs = row?.[1] ?? 0;
    const p = (q: number) => (row ? percentile(row[4], q) : null);
    return {
      date: new Date(day * DAY_MS).toISOString().slice(0, 10),
      runs,
      success: runs ? (runs - row![2]) / runs : null,
      p50: p(0.5),
      p90: p(0.9),
    };
  });
}

const publicSlo = (s: SloStatus): PublicSlo => ({
  objective: s.spec.objective,
  window_days: Math.round(s.spec.windowMs / DAY_MS),
  sli: s.sli ?? null,
  budget_remaining: s.budgetLeft ?? null,
});

/** No probe result for this long means the page cannot say the hub is fine. */
const NO_DATA_AFTER_MS = 2 * 3_600_000;

function componentStatus(
  hub: string,
  rollup: Rollup | undefined,
  open: PublicIncident[],
  inMaintenance: boolean,
  now: number,
): ComponentStatus {
  if (inMaintenance) return 'under_maintenance';
  const mine = open.filter((i) => i.component === hub);
  if (mine.some((i) => i.impact === 'major')) return 'major_outage';
  if (mine.length) return 'degraded_performance';
  const latest = rollup?.recent.at(-1);
  return latest && now - latest[0] * 5 * 60_000 <= NO_DATA_AFTER_MS ? 'operational' : 'no_data';
}

const INDICATOR: Record<ComponentStatus, [StatusSummary['status']['indicator'], string, number]> = {
  major_outage: ['major', 'Major outage', 4],
  degraded_performance: ['minor', 'Degraded performance', 3],
  under_maintenance: ['maintenance', 'Under maintenance', 2],
  no_data: ['minor', 'No recent data', 1],
  operational: ['none', 'All systems operational', 0],
};

export interface StatusInput {
  config: Config;
  hubs: string[];
  rollups: Map<string, Rollup | undefined>;
  alerts: AlertEpisode[];
  now: number;
  name?: string;
}

export function statusSummary({ config, hubs, rollups, alerts, now, name }: StatusInput): StatusSummary {
  const incidents = mergeIncidents(alerts.flatMap((a) => publicIncident(a, hubs) ?? []));
  const open = incidents.filter((i) => i.status === 'investigating');
  const { active, next } = maintenanceAt(config.maintenance, now, config.displayTimeZone);
  const [success, latency] = sloSpecs(config.slo);
  const components = hubs.map((hub): Component => {
    const rollup = rollups.get(hub);
    const empty = { v: 1 as const, since: now, days: [], recent: [], counted: {} };
    const status = componentStatus(
      hub,
      rollup,
      open,
      active.some((o) => coversHub(o.window, hub)),
      now,
    );
    return {
      id: hub,
      name: hub,
      status,
      history_since: rollup ? new Date(rollup.since).toISOString() : null,
      slo: {
        launch_success: publicSlo(evaluateSlo(rollup ?? empty, success, now)),
        launch_time: { ...publicSlo(evaluateSlo(rollup ?? empty, latency, now)), within_seconds: config.slo.launchTime.within / 1000 },
      },
      days: dayBars(rollup, now),
    };
  });
  const worst = components.map((c) => INDICATOR[c.status]).sort((a, b) => b[2] - a[2])[0] ?? INDICATOR.no_data;
  const maintenance = (o: Occurrence, status: 'in_progress' | 'scheduled') => ({
    id: `${o.name}-${o.start}`,
    name: o.name,
    status,
    scheduled_for: new Date(o.start).toISOString(),
    scheduled_until: new Date(o.end).toISOString(),
    components: hubs.filter((h) => coversHub(o.window, h)),
  });
  return {
    page: { name: name ?? 'Service status', updated_at: new Date(now).toISOString(), time_zone: config.displayTimeZone },
    status: { indicator: worst[0], description: worst[1] },
    components,
    incidents: incidents.filter((i) => Date.parse(i.created_at) >= now - DAYS_SHOWN * DAY_MS),
    scheduled_maintenances: [...active.map((o) => maintenance(o, 'in_progress')), ...next.map((o) => maintenance(o, 'scheduled'))],
  };
}
