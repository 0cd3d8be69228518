// One run of one check for the pipeline's stage tests: in-memory parts, a collecting
// channel, a JSON logger whose lines are kept, and retries that do not wait.
import { parseConfig } from '../../shared/config/load.ts';
import { jsonLogger } from '../../shared/log.ts';
import type { CheckName } from '../../shared/model.ts';
import type { RetryPolicy } from '../../shared/alerting/deliver.ts';
import type { AlertNotification, Notifier } from '../../shared/alerting/notifier.ts';
import type { CheckDeps, Run } from '../../shared/pipeline/run.ts';
import { MemoryStore } from '../../shared/state/memory.ts';

export const T0 = Date.UTC(2018, 0, 18, 14, 0);
export const MIN = 60_000;
export const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 1000, sleep: async () => {}, random: () => 1 };

export type Collector = Notifier & { sent: AlertNotification[] };

export function collector(name = 'console', more: Partial<Notifier> = {}): Collector {
  const sent: AlertNotification[] = [];
  return {
    name,
    sent,
    async send(n) {
      sent.push(n);
    },
    ...more,
  };
}

export interface TestRun<C extends CheckName> extends Run<C> {
  /** Parsed log lines, in order. */
  logs: { severity: string; message: string; [field: string]: unknown }[];
}

/** A run of `check` at `now`; `deps` replaces the defaults (config: the parsed empty config). */
export function testRun<C extends CheckName>(check: C, deps: Partial<CheckDeps> = {}, now = T0): TestRun<C> {
  const logs: TestRun<C>['logs'] = [];
  return {
    check,
    now,
    runId: `test-${now}`,
    logs,
    deps: {
      config: parseConfig({}),
      sources: {},
      store: new MemoryStore(),
      notifiers: [collector()],
      logger: jsonLogger((l) => logs.push(JSON.parse(l) as TestRun<C>['logs'][number])),
      retryPolicy: noWait,
      ...deps,
    },
  };
}
