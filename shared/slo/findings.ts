// An SLO's burn as a finding of the launch probe: a page (critical) or a ticket
// (warning) while a burn-rate rule holds, ok otherwise. The alert shows the budget.
import { DAY_MS } from '../time.ts';
import { formatDuration } from '../duration.ts';
import { shortTitle, type Finding } from '../model.ts';
import type { SliKind, SloStatus } from './burn.ts';

const NAMES: Record<SliKind, string> = { success: 'launch success', latency: 'launch time' };

/** A window as people say it: "30d", not "720h". */
export const windowText = (ms: number) => (ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : formatDuration(ms));

export const sloKey = (hub: string, kind: SliKind) => `slo:${hub}:${kind}`;

const pct = (v: number | undefined, digits = 1) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(digits)} %`);
const round2 = (v: number | undefined) => (v === undefined ? 'n/a' : Math.round(v * 100) / 100);

export function sloFinding(hub: string, status: SloStatus, objectiveText: string): Finding {
  const { spec, alert } = status;
  const name = NAMES[spec.kind];
  const budget = `${pct(status.budgetLeft, 0)} of the ${windowText(spec.windowMs)} error budget left`;
  const ruling = alert && status.burn.find((b) => b.rule === alert);
  const evidence: Record<string, number | string> = {
    objectivePct: Math.round(spec.objective * 1000) / 10,
    budgetLeftPct: status.budgetLeft === undefined ? 'n/a' : Math.round(status.budgetLeft * 1000) / 10,
    sliPct: status.sli === undefined ? 'n/a' : Math.round(status.sli * 10_000) / 100,
    burn1h: round2(status.burn[0].long),
    burn6h: round2(status.burn[1].long),
    burn3d: round2(status.burn[2].long),
  };
  const base = { check: 'launchProbe' as const, key: sloKey(hub, spec.kind), evidence, runbook: [] };
  if (!alert || !ruling) {
    const summary = `${name} SLO (${objectiveText}): ${budget}`;
    // Ok says only that no burn-rate rule fires: the budget itself may be spent (the summary says how much is left).
    return {
      ...base,
      status: 'ok',
      severity: 'warning',
      title: shortTitle(`${hub}: ${name} burns no faster than its SLO allows`),
      summary,
    };
  }
  const speed = `${round2(ruling.long)}× the budget rate over ${formatDuration(alert.longMs)} (${round2(ruling.short)}× over ${formatDuration(alert.shortMs)})`;
  return {
    ...base,
    status: 'problem',
    severity: alert.severity,
    title: shortTitle(`${hub}: ${name} burns its error budget`, ` ${round2(ruling.long)}×`),
    summary: `${name} SLO (${objectiveText}) burns ${speed}: ${budget}`,
    runbook: [`binderwatch status --config <your config> --html status.html  # the SLO, its budget and the daily bars`],
  };
}
