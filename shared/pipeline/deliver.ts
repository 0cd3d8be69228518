// Stage 4, deliver: every alert hands what it owes to its channels (alerting/deliver.ts
// claims, sends with retries, and clears only what a channel accepted).
import { defaultRetryPolicy, deliverOwed, type DeliveryReport } from '../alerting/deliver.ts';
import { outsideMaintenance } from './maintenance.ts';
import type { Run } from './run.ts';

export async function deliver(run: Run, alertKeys: string[]): Promise<DeliveryReport> {
  const { deps, now, runId } = run;
  const notifiers = new Map(deps.notifiers.map((n) => [n.name, n]));
  const policy = deps.retryPolicy ?? defaultRetryPolicy;
  const report: DeliveryReport = { delivered: [], failed: [] };
  for (const storeKey of await outsideMaintenance(run, alertKeys)) {
    const r = await deliverOwed({ store: deps.store, storeKey, notifiers, runId, now, policy, logger: deps.logger });
    report.delivered.push(...r.delivered);
    report.failed.push(...r.failed);
  }
  return report;
}
