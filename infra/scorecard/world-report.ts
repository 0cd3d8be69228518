// The many-worlds scorecard's tables: every family of every dimension on its own, by
// incident kind, two seeds side by side; and the targets judged in the worst family.
import type { IncidentKind } from '../../shared/replay/score.ts';
import { KIND_OF_CHECK } from '../../shared/replay/score.ts';
import { FAMILIES, type Dimension } from '../worlds/world.ts';
import { KINDS, quantile } from './report.ts';
import type { WorldDayRecord } from './world-day.ts';

export const TARGETS = { falsePagesPer30: 0.5, falseWarningsPer30: 2, detected: 0.9, ttdMedianMin: 20 } as const;
/** A condition notifying more often than this in a day is a storm. */
export const NOTIFICATIONS_PER_DAY = 6;

export interface Cell {
  days: number;
  incidents: number;
  detected: number;
  ttdMedianMin?: number;
  falsePages: number;
  falseWarnings: number;
  falsePagesPer30: number;
  falseWarningsPer30: number;
  resolvedEarly: number;
  /** Detected only by an alert already open before the incident. */
  alreadyOpen: number;
}

export interface FamilyRow {
  dimension: Dimension | 'all';
  family: string;
  /** Per kind, per seed (in the order of `seeds`), and both seeds pooled. */
  cells: Record<IncidentKind, { perSeed: Cell[]; pooled: Cell }>;
  /** Days on which one condition sent more than NOTIFICATIONS_PER_DAY notifications; the most in a day. */
  stormDays: number;
  maxNotifications: number;
}

export interface WorldCard {
  seeds: number[];
  days: number;
  rows: FamilyRow[];
  verdict: Verdict[];
}

export interface Verdict {
  kind: IncidentKind;
  worstFalsePages: { row: string; per30: number };
  worstFalseWarnings: { row: string; per30: number };
  worstDetected: { row: string; share: number };
  worstTtd: { row: string; min?: number };
  pass: boolean;
}

export function cell(days: WorldDayRecord[], kind: IncidentKind): Cell {
  const replayed = days.reduce((n, d) => n + d.minutes, 0) / 1440;
  const per30 = (n: number) => (replayed > 0 ? (n * 30) / replayed : 0);
  const mine = days.flatMap((d) => d.incidents.filter((i) => i.kind === kind));
  const ttd = mine.flatMap((i) => (i.timeToDetectMs === undefined ? [] : [i.timeToDetectMs / 60_000])).sort((a, b) => a - b);
  const ofKind = (a: { check: string }) => KIND_OF_CHECK[a.check as keyof typeof KIND_OF_CHECK] === kind;
  const pages = days.reduce((n, d) => n + d.falsePages.filter(ofKind).length, 0);
  const warnings = days.reduce((n, d) => n + d.falseWarnings.filter(ofKind).length, 0);
  return {
    days: days.length,
    incidents: mine.length,
    detected: ttd.length,
    ttdMedianMin: quantile(ttd, 0.5),
    falsePages: pages,
    falseWarnings: warnings,
    falsePagesPer30: per30(pages),
    falseWarningsPer30: per30(warnings),
    resolvedEarly: mine.filter((i) => i.resolvedEarlyAt).length,
    alreadyOpen: mine.filter((i) => i.alreadyOpen).length,
  };
}

function row(dimension: FamilyRow['dimension'], family: string, days: WorldDayRecord[], seeds: number[]): FamilyRow {
  const cells = {} as FamilyRow['cells'];
  for (const kind of KINDS)
    cells[kind] = {
      perSeed: seeds.map((s) =>
        cell(
          days.filter((d) => d.seed === s),
          kind,
        ),
      ),
      pooled: cell(days, kind),
    };
  return {
    dimension,
    family,
    cells,
    stormDays: days.filter((d) => d.maxNotificationsPerConditionDay > NOTIFICATIONS_PER_DAY).length,
    maxNotifications: Math.max(0, ...days.map((d) => d.maxNotificationsPerConditionDay)),
  };
}

const rowName = (r: FamilyRow) => (r.dimension === 'all' ? 'all days' : `${r.dimension}=${r.family}`);

function verdictOf(kind: IncidentKind, rows: FamilyRow[]): Verdict {
  const worst = <T>(value: (c: Cell) => T | undefined, worse: (a: T, b: T) => boolean) => {
    let best: { row: string; v: T } | undefined;
    for (const r of rows) {
      const v = value(r.cells[kind].pooled);
      if (v !== undefined && (!best || worse(v, best.v))) best = { row: rowName(r), v };
    }
    return best;
  };
  const fp = worst(
    (c) => c.falsePagesPer30,
    (a, b) => a > b,
  )!;
  const fw = worst(
    (c) => c.falseWarningsPer30,
    (a, b) => a > b,
  )!;
  const det = worst(
    (c) => (c.incidents ? c.detected / c.incidents : undefined),
    (a, b) => a < b,
  );
  const ttd = worst(
    (c) => c.ttdMedianMin,
    (a, b) => a > b,
  );
  const v: Verdict = {
    kind,
    worstFalsePages: { row: fp.row, per30: fp.v },
    worstFalseWarnings: { row: fw.row, per30: fw.v },
    worstDetected: { row: det?.row ?? '–', share: det?.v ?? 1 },
    worstTtd: { row: ttd?.row ?? '–', min: ttd?.v },
    pass: false,
  };
  v.pass =
    v.worstFalsePages.per30 <= TARGETS.falsePagesPer30 &&
    v.worstFalseWarnings.per30 <= TARGETS.falseWarningsPer30 &&
    v.worstDetected.share >= TARGETS.detected &&
    (v.worstTtd.min === undefined || v.worstTtd.min <= TARGETS.ttdMedianMin);
  return v;
}

export function aggregateWorlds(records: WorldDayRecord[], seeds: number[]): WorldCard {
  const rows = [row('all', 'all', records, seeds)];
  for (const d of Object.keys(FAMILIES) as Dimension[])
    for (const f of FAMILIES[d]) {
      const days = records.filter((r) => r.families[d] === f);
      if (days.length) rows.push(row(d, f, days, seeds));
    }
  return { seeds, days: records.length, rows, verdict: KINDS.map((k) => verdictOf(k, rows)) };
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${Math.round((100 * a) / b)} %`);
const mins = (m?: number) => (m === undefined ? '–' : `${Math.round(m)}m`);
const both = (cells: Cell[], f: (c: Cell) => string) => cells.map(f).join(' / ');

/** One table per kind: a row per family, each cell "seed A / seed B". */
export function formatWorldCard(card: WorldCard): string {
  const out: string[] = [];
  out.push(
    `Targets per kind, judged in the worst family (both seeds pooled): false pages ≤ ${TARGETS.falsePagesPer30} / 30 d, false warnings ≤ ${TARGETS.falseWarningsPer30} / 30 d, detected ≥ ${TARGETS.detected * 100} %, ttd median ≤ ${TARGETS.ttdMedianMin} min.`,
    '',
    '| kind | worst false pages / 30 d | worst false warnings / 30 d | worst detected | worst ttd median | targets |',
    '|---|---|---|---|---|---|',
  );
  for (const v of card.verdict)
    out.push(
      `| ${v.kind} | ${v.worstFalsePages.per30.toFixed(1)} (${v.worstFalsePages.row}) | ${v.worstFalseWarnings.per30.toFixed(1)} (${v.worstFalseWarnings.row}) | ${Math.round(v.worstDetected.share * 100)} % (${v.worstDetected.row}) | ${mins(v.worstTtd.min)} (${v.worstTtd.row}) | ${v.pass ? 'met' : 'not met'} |`,
    );
  const all = card.rows[0];
  out.push(
    '',
    `${card.days} days, seeds ${card.seeds.join(' and ')}; cells read "seed ${card.seeds.join(' / seed ')}". Notification storms (one condition > ${NOTIFICATIONS_PER_DAY} notifications in a day): ${all.stormDays} days, at most ${all.maxNotifications} in a day.`,
  );
  for (const kind of KINDS) {
    out.push(
      '',
      `### ${kind}`,
      '',
      '| family | days | incidents | detected | ttd median | false pages / 30 d | false warnings / 30 d | resolved early | already open |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of card.rows) {
      const { perSeed, pooled } = r.cells[kind];
      out.push(
        `| ${rowName(r)} | ${both(perSeed, (c) => String(c.days))} | ${both(perSeed, (c) => String(c.incidents))} | ${both(perSeed, (c) => pct(c.detected, c.incidents))} | ${both(perSeed, (c) => mins(c.ttdMedianMin))} | ${both(perSeed, (c) => c.falsePagesPer30.toFixed(1))} | ${both(perSeed, (c) => c.falseWarningsPer30.toFixed(1))} | ${pooled.resolvedEarly} of ${pooled.detected} | ${pooled.alreadyOpen} |`,
      );
    }
  }
  return out.join('\n');
}

/** Per day, what went wrong: enough to replay it with --world-day N --seed S. */
export function worldDetails(records: WorldDayRecord[]): string[] {
  const out: string[] = [];
  for (const d of records) {
    const notes = [
      ...d.incidents.filter((i) => i.timeToDetectMs === undefined).map((i) => `missed ${i.kind} ${i.onset.slice(11, 16)}`),
      ...d.incidents.filter((i) => i.resolvedEarlyAt).map((i) => `${i.kind} resolved early at ${i.resolvedEarlyAt!.slice(11, 16)}`),
      ...d.falsePages.map((a) => `false PAGE ${a.check} ${a.at.slice(11, 16)} ${a.key}`),
      ...d.falseWarnings.map((a) => `false warning ${a.check} ${a.at.slice(11, 16)} ${a.key}`),
    ];
    if (d.maxNotificationsPerConditionDay > NOTIFICATIONS_PER_DAY)
      notes.push(`${d.maxNotificationsPerConditionDay} notifications for one condition`);
    if (notes.length) out.push(`seed ${d.seed} day ${d.index} (${Object.values(d.families).join(', ')}): ${notes.join('; ')}`);
  }
  return out;
}
