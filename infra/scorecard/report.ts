// Aggregates day records into the scorecard table, one row per incident kind.
// The text layout is what other tools and people diff: keep it stable.
import { KIND_OF_CHECK, type IncidentKind } from '../../shared/replay/score.ts';
import { LAUNCH_TARGET_SUCCESS, type DayRecord } from './score-day.ts';

export const KINDS: IncidentKind[] = ['levelling-off', 'launch-failure', 'headroom', 'sick-node'];

export interface KindRow {
  kind: IncidentKind;
  incidents: number;
  detected: number;
  ttdMedianMin?: number;
  ttdP90Min?: number;
  falseAlerts: number;
  falsePer30Days: number;
  resolvedEarly: number;
  coldStarts: number;
  coldDetected: number;
  coldTtdMedianMin?: number;
}

export interface Scorecard {
  days: number;
  replayedDays: number;
  rows: KindRow[];
  blindPer30Days: number;
  /** Launch-failure incidents whose success fell to LAUNCH_TARGET_SUCCESS or below, timed from that crossing. */
  successDrops: { incidents: number; within60: number; ttdMedianMin?: number };
}

/** Nearest-rank quantile of sorted numbers. */
export function quantile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function aggregate(days: DayRecord[]): Scorecard {
  const replayedDays = days.reduce((n, d) => n + d.minutes, 0) / 1440;
  const per30 = (n: number) => (replayedDays > 0 ? (n * 30) / replayedDays : 0);
  const incidents = days.flatMap((d) => d.incidents);
  const falseAlerts = days.flatMap((d) => d.falseAlerts);
  const rows = KINDS.map((kind): KindRow => {
    const mine = incidents.filter((i) => i.kind === kind);
    const ttd = mine.flatMap((i) => (i.ttdMin === undefined ? [] : [i.ttdMin])).sort((a, b) => a - b);
    const cold = mine.flatMap((i) => (i.coldStart ? [i.coldStart] : []));
    const coldTtd = cold.flatMap((c) => (c.ttdMin === undefined ? [] : [c.ttdMin])).sort((a, b) => a - b);
    const falses = falseAlerts.filter((a) => KIND_OF_CHECK[a.check] === kind).length;
    return {
      kind,
      incidents: mine.length,
      detected: ttd.length,
      ttdMedianMin: quantile(ttd, 0.5),
      ttdP90Min: quantile(ttd, 0.9),
      falseAlerts: falses,
      falsePer30Days: per30(falses),
      resolvedEarly: mine.filter((i) => i.resolvedEarlyAt).length,
      coldStarts: cold.length,
      coldDetected: coldTtd.length,
      coldTtdMedianMin: quantile(coldTtd, 0.5),
    };
  });
  const drops = incidents.flatMap((i) => (i.successDrop ? [i.successDrop] : []));
  // A firing before the crossing (the slide was caught early) counts as 0.
  const dropTtd = drops.flatMap((d) => (d.ttdMin === undefined ? [] : [Math.max(0, d.ttdMin)])).sort((a, b) => a - b);
  return {
    days: days.length,
    replayedDays,
    rows,
    blindPer30Days: per30(days.reduce((n, d) => n + d.blindAlerts, 0)),
    successDrops: { incidents: drops.length, within60: dropTtd.filter((m) => m <= 60).length, ttdMedianMin: quantile(dropTtd, 0.5) },
  };
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${Math.round((100 * a) / b)} %`);
const mins = (m?: number) => (m === undefined ? '–' : `${Math.round(m)}m`);

/** The table as Markdown (docs/scorecard.md and the terminal print the same text). */
export function formatTable(card: Scorecard): string {
  const head = [
    'kind',
    'incidents',
    'detected',
    'ttd median',
    'ttd p90',
    'false / 30 d',
    'resolved early',
    'cold start detected',
    'cold ttd median',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of card.rows) {
    lines.push(
      `| ${[
        r.kind,
        String(r.incidents),
        `${r.detected} (${pct(r.detected, r.incidents)})`,
        mins(r.ttdMedianMin),
        mins(r.ttdP90Min),
        `${r.falsePer30Days.toFixed(1)} (${r.falseAlerts})`,
        `${r.resolvedEarly} of ${r.detected}`,
        `${r.coldDetected} of ${r.coldStarts} (${pct(r.coldDetected, r.coldStarts)})`,
        mins(r.coldTtdMedianMin),
      ].join(' | ')} |`,
    );
  }
  const drops = card.successDrops;
  lines.push(
    '',
    `${card.days} days, ${card.replayedDays.toFixed(1)} replayed; "cannot see" alerts: ${card.blindPer30Days.toFixed(1)} / 30 d (not counted as false).`,
    `Launch success down to ${Math.round(LAUNCH_TARGET_SUCCESS * 100)} % or less: ${drops.incidents} incidents; a launch alert within 60 min of the crossing: ${drops.within60} (${pct(drops.within60, drops.incidents)}), median ${mins(drops.ttdMedianMin)}.`,
  );
  return lines.join('\n');
}
