// The deliver stage: what each alert owes goes to its channels; the report says which
// channel took what, and what a channel refused stays owed to it alone.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { NotifyError } from '../../../shared/errors.ts';
import type { AlertState } from '../../../shared/alerting/lifecycle.ts';
import type { Finding } from '../../../shared/model.ts';
import { deliver } from '../../../shared/pipeline/deliver.ts';
import { transition } from '../../../shared/pipeline/transition.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { collector, testRun } from '../../helpers/pipeline.ts';

const config = parseConfig({ alerting: { defaults: { failuresToFire: 1 } } });
const sick = (node: string): Finding => ({
  check: 'clusterHealth',
  key: `node:${node}`,
  status: 'problem',
  severity: 'critical',
  title: `Sick node ${node}`,
  summary: '',
  runbook: [],
});

describe('deliver', () => {
  it("hands every alert's owed notifications to their channels and reports each channel's answer", async () => {
    const slack = collector('slack');
    const email = collector('email', {
      send: async () => {
        throw new NotifyError('email', '550 mailbox unavailable', false);
      },
    });
    const run = testRun('clusterHealth', { config, store: new MemoryStore(), notifiers: [slack, email] });
    const { notifications, alertKeys } = await transition(run, [sick('gke-a'), sick('gke-b')], new Map());

    const report = await deliver(run, alertKeys);
    expect(slack.sent.map((n) => n.key)).toEqual(['node:gke-a', 'node:gke-b']);
    expect(report.delivered).toEqual(notifications.map((n) => ({ channel: 'slack', id: n.id })));
    expect(report.failed.map((f) => [f.channel, f.id, f.error.message])).toEqual(
      notifications.map((n) => ['email', n.id, 'email: 550 mailbox unavailable']),
    );
    for (const key of alertKeys)
      expect((await run.deps.store.get<AlertState>(key))!.value.owed.map((o) => o.channels)).toEqual([['email']]);
  });

  it('reports nothing for alerts that owe nothing', async () => {
    const run = testRun('clusterHealth', { config });
    const { alertKeys } = await transition(run, [{ ...sick('gke-a'), status: 'ok' }], new Map());
    expect(await deliver(run, alertKeys)).toEqual({ delivered: [], failed: [] });
    expect(await deliver(run, [])).toEqual({ delivered: [], failed: [] });
  });
});
