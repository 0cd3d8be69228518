// One run of one check over the whole deployment: the federation's own (or the single
// hub's) deps, and every member's, all at once. Members run concurrently, each bounded
// by its own budget (budget.ts), so one slow member never starves the others; a single
// hub has no members and this is exactly runCheck.
import type { CheckName } from '../model.ts';
import type { RunOutcome } from '../telemetry/telemetry.ts';
import { runCheck, type CheckDeps, type CheckRunResult } from '../pipeline/run-check.ts';

export interface MemberDeps {
  member: string;
  deps: CheckDeps;
}

export interface RunPlan {
  /** The federation's view (or the one hub). */
  root: CheckDeps;
  members: MemberDeps[];
}

/** Worst first: what the CLI's exit code and the function's answer report for the whole run. */
const OUTCOME_ORDER: Exclude<RunOutcome, 'error'>[] = ['problem', 'unknown', 'ok', 'skipped'];

export function mergeResults(check: CheckName, results: CheckRunResult[]): CheckRunResult {
  const outcome = OUTCOME_ORDER.find((o) => results.some((r) => r.outcome === o)) ?? 'skipped';
  return {
    check,
    outcome,
    findings: results.flatMap((r) => r.findings),
    notifications: results.flatMap((r) => r.notifications),
    delivery: { delivered: results.flatMap((r) => r.delivery.delivered), failed: results.flatMap((r) => r.delivery.failed) },
    band: results.find((r) => r.band)?.band,
  };
}

/** Whether any part of the deployment has a source for the check. */
export const wired = (check: CheckName, plan: RunPlan) => [plan.root, ...plan.members.map((m) => m.deps)].some((d) => d.sources[check]);

export async function runCheckAll(check: CheckName, plan: RunPlan, now: number): Promise<CheckRunResult> {
  const runs = [plan.root, ...plan.members.map((m) => m.deps)].map((deps) => runCheck(check, deps, now));
  return mergeResults(check, await Promise.all(runs));
}
