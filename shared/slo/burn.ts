// Error budgets and multi-window, multi-burn-rate alerts (Google SRE Workbook, "Alerting
// on SLOs", table 5-8): page when the last hour burnt 14.4× the budget rate and the last
// 5 minutes still do, or 6× over 6 hours and 30 minutes; a ticket at 1× over 3 days and
// 6 hours. Pure: the rollup and the time are parameters.
import { DAY_MS } from '../time.ts';
import { BUCKET_MS, type Rollup } from './rollup.ts';
import { HOUR_MS, MINUTE_MS } from '../time.ts';

export interface BurnRule {
  severity: 'critical' | 'warning';
  longMs: number;
  shortMs: number;
  factor: number;
}

export const BURN_RULES: BurnRule[] = [
  { severity: 'critical', longMs: HOUR_MS, shortMs: 5 * MINUTE_MS, factor: 14.4 },
  { severity: 'critical', longMs: 6 * HOUR_MS, shortMs: 30 * MINUTE_MS, factor: 6 },
  { severity: 'warning', longMs: 3 * DAY_MS, shortMs: 6 * HOUR_MS, factor: 1 },
];

export type SliKind = 'success' | 'latency';

export interface SloSpec {
  kind: SliKind;
  /** e.g. 0.99 */
  objective: number;
  windowMs: number;
  /**
   * Failed events an alert needs in its long window. A probe runs a few times an hour, so one
   * failed run is already 14.4× the budget rate of a 99 % SLO; the Workbook's advice for
   * low-traffic services is to ask for a minimum count of failures.
   */
  minFailures: number;
}

export interface Ratio {
  good: number;
  total: number;
}

/** Good and total events of one SLI in a row: success counts runs; latency counts timed successful launches, slow ones bad. */
function ratioOf(kind: SliKind, runs: number, failed: number, slow: number, timed: number): Ratio {
  return kind === 'success' ? { good: runs - failed, total: runs } : { good: timed - slow, total: timed };
}

const sum = (rs: Ratio[]): Ratio => rs.reduce((a, r) => ({ good: a.good + r.good, total: a.total + r.total }), { good: 0, total: 0 });

/** The SLI over (now - ms, now] from the five-minute buckets; the short window always holds at least the latest bucket. */
export function recentRatio(rollup: Rollup, kind: SliKind, now: number, ms: number, atLeastLatest = false): Ratio {
  let first = Math.floor((now - ms) / BUCKET_MS) + 1;
  const last = Math.floor(now / BUCKET_MS);
  if (atLeastLatest) {
    // A probe run is stamped when it started: a run that took ten minutes still speaks for "now".
    const latest = rollup.recent.filter((r) => r[0] <= last).at(-1);
    if (latest && latest[0] < first) first = latest[0];
  }
  return sum(rollup.recent.filter((r) => r[0] >= first && r[0] <= last).map((r) => ratioOf(kind, r[1], r[2], r[3], r[4])));
}

/** The SLI over the SLO window from the daily rows (whole UTC days, today included). */
export function windowRatio(rollup: Rollup, kind: SliKind, now: number, windowMs: number): Ratio {
  const today = Math.floor(now / DAY_MS);
  const first = today - Math.ceil(windowMs / DAY_MS) + 1;
  return sum(
    rollup.days
      .filter((d) => d[0] >= first && d[0] <= today)
      .map((d) =>
        ratioOf(
          kind,
          d[1],
          d[2],
          d[3],
          d[4].reduce((a, b) => a + b, 0),
        ),
      ),
  );
}

/** How many times the budget rate the errors of `r` burn; undefined without events. */
export function burnRate(r: Ratio, objective: number): number | undefined {
  return r.total ? (1 - r.good / r.total) / (1 - objective) : undefined;
}

export interface SloStatus {
  spec: SloSpec;
  /** The SLI over the window; undefined without events. */
  sli?: number;
  events: number;
  /** Error budget left, as a fraction of the budget (negative when overspent); undefined without events. */
  budgetLeft?: number;
  /** The burn rates of every rule's long and short windows. */
  burn: { rule: BurnRule; long?: number; short?: number; failures: number }[];
  /** The most severe rule that holds now. */
  alert?: BurnRule;
}

export function evaluateSlo(rollup: Rollup, spec: SloSpec, now: number): SloStatus {
  const window = windowRatio(rollup, spec.kind, now, spec.windowMs);
  const sli = window.total ? window.good / window.total : undefined;
  const budgetLeft = sli === undefined ? undefined : 1 - (1 - sli) / (1 - spec.objective);
  const burn = BURN_RULES.map((rule) => {
    const longR = recentRatio(rollup, spec.kind, now, rule.longMs);
    return {
      rule,
      long: burnRate(longR, spec.objective),
      short: burnRate(recentRatio(rollup, spec.kind, now, rule.shortMs, true), spec.objective),
      failures: longR.total - longR.good,
    };
  });
  const holds = (b: (typeof burn)[number]) =>
    (b.long ?? 0) >= b.rule.factor && (b.short ?? 0) >= b.rule.factor && b.failures >= spec.minFailures;
  const alert = burn.find(holds)?.rule;
  return { spec, sli, events: window.total, budgetLeft, burn, alert };
}
