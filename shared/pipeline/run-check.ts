// The one path every caller takes: the Cloud Function, the CLI and the replay; only
// `deps` differ between them. A run is a composition of small stages, each in its own
// file: observe (I/O, through the check's source) → detect (pure) → charts → transition
// (the pure lifecycle, persisted with compare-and-swap) → deliver → channel health → telemetry.
// Nothing here knows a check by name: what is particular to one, its source and its
// detector's entry declare.
import { randomUUID } from 'node:crypto';
import type { BandPoint, CheckName, Finding, LaunchProbeObservation } from '../model.ts';
import { withSecretScope } from '../redact.ts';
import type { DeliveryReport } from '../alerting/deliver.ts';
import type { AlertNotification } from '../alerting/notifier.ts';
import type { RunOutcome } from '../telemetry/telemetry.ts';
import { channelHealth } from './channel-health.ts';
import { charts } from './charts.ts';
import { deliver } from './deliver.ts';
import { detect } from './detect.ts';
import { observe } from './observe.ts';
import type { CheckDeps } from './run.ts';
import { slo } from './slo.ts';
import { recordRun } from './telemetry.ts';
import { transition } from './transition.ts';

export type { CheckDeps } from './run.ts';
export { ruleFor } from './transition.ts';

export interface CheckRunResult {
  check: CheckName;
  outcome: Exclude<RunOutcome, 'error'>;
  findings: Finding[];
  /** Notifications this run created (whatever their delivery). */
  notifications: AlertNotification[];
  delivery: DeliveryReport;
  /** The detector's expected band, when it has one (see DetectorResult). */
  band?: BandPoint[];
}

/** One run of one check; secrets met during it (a launched server's token …) are masked until it ends, then released. */
export function runCheck(check: CheckName, deps: CheckDeps, now: number): Promise<CheckRunResult> {
  return withSecretScope(() => runStages(check, deps, now));
}

async function runStages<C extends CheckName>(check: C, deps: CheckDeps, now: number): Promise<CheckRunResult> {
  const source = deps.sources[check];
  if (!deps.config.checks[check].enabled || !source)
    return { check, outcome: 'skipped', findings: [], notifications: [], delivery: { delivered: [], failed: [] } };
  const run = { check, deps, now, runId: deps.runId ?? randomUUID() };
  const observed = await observe(run, source);
  const detected = await detect(run, observed);
  detected.findings.push(...(await slo(run, detected.observation as LaunchProbeObservation | undefined)));
  const pictures = await charts(run, detected);
  const { notifications, alertKeys } = await transition(run, detected.findings, pictures);
  const alertDelivery = await deliver(run, alertKeys);
  const delivery = await channelHealth(run, alertDelivery);
  const outcome = await recordRun(run, detected.findings, notifications);
  return { check, outcome, findings: detected.findings, notifications, delivery, band: detected.band };
}
