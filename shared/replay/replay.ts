// Replays a scenario with a simulated clock: every check runs on its configured
// schedule through the same runCheck path as the Cloud Functions, over a memory
// state store. What comes out is every alert notification, in time order.
import type { Config } from '../config/schema.ts';
import { silentLogger, type Logger } from '../log.ts';
import { CHECK_NAMES } from '../model.ts';
import type { AlertNotification, Notifier } from '../alerting/notifier.ts';
import { MemoryStore } from '../state/memory.ts';
import { type StateStore } from '../state/store.ts';
import type { RetryPolicy } from '../alerting/deliver.ts';
import { runCheck, type CheckRunResult } from '../pipeline/run-check.ts';
import type { Sources } from '../sources/source.ts';
import type { ScenarioData } from '../scenario/openmetrics.ts';
import { scenarioSources } from '../scenario/replay-source.ts';

/** One line of `--format jsonl` (DESIGN §8). */
export type ReplayAlert = Pick<AlertNotification, 'at' | 'check' | 'key' | 'state' | 'status' | 'severity' | 'title' | 'summary'>;

export interface ReplayOptions {
  /** Default: sources answering from the scenario itself. */
  sources?: Sources;
  /** Channels to really send to (default: none, the alerts are only returned). */
  notifiers?: Notifier[];
  store?: StateStore;
  logger?: Logger;
  onAlert?: (a: ReplayAlert) => void;
  /** Every check run, with its findings and the detector's band (the report page reads these). */
  onRun?: (r: CheckRunResult, now: number) => void;
}

const MINUTE = 60_000;
/** Notifications in the replay are not slowed down by real back-off waits. */
const replayRetry: RetryPolicy = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };

export async function replay(data: ScenarioData, config: Config, opts: ReplayOptions = {}): Promise<ReplayAlert[]> {
  const { clusterHealth, nodeHeadroom } = config.checks;
  const sources =
    opts.sources ??
    scenarioSources(data, {
      binderUrl: config.checks.launchProbe.targets[0]?.binderUrl,
      cluster: clusterHealth.cluster ?? nodeHeadroom.pools[0],
    });
  const store = opts.store ?? new MemoryStore(opts.logger ?? silentLogger);
  const schedules = CHECK_NAMES.filter((c) => config.checks[c].enabled && sources[c]).map((c) => ({
    check: c,
    cron: config.checks[c].schedule,
  }));
  const alerts: ReplayAlert[] = [];
  const deps = { config, sources, store, notifiers: opts.notifiers ?? [], logger: opts.logger ?? silentLogger, retryPolicy: replayRetry };
  for (let now = Math.ceil(data.start / MINUTE) * MINUTE; now <= data.end; now += MINUTE) {
    for (const { check, cron } of schedules) {
      if (!cron.matches(now)) continue;
      const result = await runCheck(check, { ...deps, runId: `replay-${now}` }, now);
      opts.onRun?.(result, now);
      for (const n of result.notifications) {
        const a: ReplayAlert = {
          at: n.at,
          check: n.check,
          key: n.key,
          state: n.state,
          status: n.status,
          severity: n.severity,
          title: n.title,
          summary: n.summary,
        };
        alerts.push(a);
        opts.onAlert?.(a);
      }
    }
  }
  return alerts;
}
