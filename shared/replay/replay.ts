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
import type { CheckRunResult } from '../pipeline/run-check.ts';
import { runCheckAll, wired, type RunPlan } from '../federation/run-all.ts';
import { scenarioPlan } from '../federation/scenario-plan.ts';
import type { Sources } from '../sources/source.ts';
import type { ScenarioData } from '../scenario/openmetrics.ts';
import { MINUTE_MS } from '../time.ts';

/** One line of `--format jsonl` (docs/scenario-format.md). */
export type ReplayAlert = Pick<
  AlertNotification,
  'at' | 'check' | 'key' | 'member' | 'state' | 'status' | 'severity' | 'title' | 'summary'
>;

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

/** Notifications in the replay are not slowed down by real back-off waits. */
const replayRetry: RetryPolicy = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };

export async function replay(data: ScenarioData, config: Config, opts: ReplayOptions = {}): Promise<ReplayAlert[]> {
  const store = opts.store ?? new MemoryStore(opts.logger ?? silentLogger);
  const deps = {
    config,
    sources: opts.sources ?? {},
    store,
    notifiers: opts.notifiers ?? [],
    logger: opts.logger ?? silentLogger,
    retryPolicy: replayRetry,
  };
  // The one hub, or a federation: its view and every member (series labelled `member`).
  const plan: RunPlan = opts.sources ? { root: deps, members: [] } : scenarioPlan(data, config, deps);
  const schedules = CHECK_NAMES.filter((c) => config.checks[c].enabled && wired(c, plan)).map((c) => ({
    check: c,
    cron: config.checks[c].schedule,
  }));
  const alerts: ReplayAlert[] = [];
  for (let now = Math.ceil(data.start / MINUTE_MS) * MINUTE_MS; now <= data.end; now += MINUTE_MS) {
    for (const { check, cron } of schedules) {
      if (!cron.matches(now)) continue;
      const runId = `replay-${now}`;
      const parts = { root: { ...plan.root, runId }, members: plan.members.map((m) => ({ ...m, deps: { ...m.deps, runId } })) };
      const result = await runCheckAll(check, parts, now);
      opts.onRun?.(result, now);
      for (const n of result.notifications) {
        const a: ReplayAlert = {
          at: n.at,
          check: n.check,
          key: n.key,
          ...(n.member ? { member: n.member } : {}),
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
