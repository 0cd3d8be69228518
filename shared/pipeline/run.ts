// What every stage of a check run is given: the parts the caller injects (the Cloud
// Function, the CLI and the replay differ only in these) and the run's own identity.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { CheckName } from '../model.ts';
import type { Sources } from '../sources/source.ts';
import type { RetryPolicy } from '../alerting/deliver.ts';
import type { Notifier } from '../alerting/notifier.ts';
import type { StateStore } from '../state/store.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { Rollup } from '../slo/rollup.ts';

export interface CheckDeps {
  config: Config;
  sources: Sources;
  store: StateStore;
  notifiers: Notifier[];
  logger: Logger;
  telemetry?: Telemetry;
  retryPolicy?: RetryPolicy;
  /** Identifies this run in delivery claims; random by default. */
  runId?: string;
  /** The federation member these deps watch (its findings name it first; see federation/tag.ts). */
  member?: string;
  /** Rebuilds a lost SLI history of `hub` (slo/rebuild.ts), where the config's Prometheus is that hub's. */
  rebuildSli?: (config: Config, hub: string, now: number) => Promise<Rollup | undefined>;
}

/** One run of one check, as each stage sees it. */
export interface Run<C extends CheckName = CheckName> {
  check: C;
  deps: CheckDeps;
  now: number;
  /** Claims this run's deliveries (see alerting/deliver.ts). */
  runId: string;
}

/** Stored at stateKeys.lastRun: the next run's source reads only what is newer. */
export interface RunMemo {
  lastRunAt: number;
}
