// The channel-health stage: a channel that failed this run is an alert of its own, sent
// on the other channels, and resolved once it takes deliveries again.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { NotifyError } from '../../../shared/errors.ts';
import type { DeliveryReport } from '../../../shared/alerting/deliver.ts';
import { channelHealth } from '../../../shared/pipeline/channel-health.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import { collector, MIN, T0, testRun } from '../../helpers/pipeline.ts';

const config = parseConfig({ alerting: { defaults: { failuresToFire: 1, successesToResolve: 1 } } });
const refused: DeliveryReport = {
  delivered: [{ channel: 'slack', id: 'a#1' }],
  failed: [{ channel: 'email', id: 'a#1', error: new NotifyError('email', '535 authentication failed', false) }],
};
const accepted: DeliveryReport = {
  delivered: [
    { channel: 'slack', id: 'a#2' },
    { channel: 'email', id: 'a#2' },
  ],
  failed: [],
};

describe('channelHealth', () => {
  it('raises a failing channel on the other channels, adds those deliveries to the report, and resolves it when the channel works again', async () => {
    const slack = collector('slack');
    const email = collector('email');
    const store = new MemoryStore();
    const run = (minute: number) => testRun('clusterHealth', { config, store, notifiers: [slack, email] }, T0 + minute * MIN);

    const report = await channelHealth(run(0), refused);
    expect(slack.sent.map((n) => `${n.state}:${n.key}:${n.title}`)).toEqual(['firing:channel:email:email delivery failing']);
    expect(slack.sent[0].summary).toBe('email delivery failing: email: 535 authentication failed');
    expect(email.sent).toEqual([]);
    expect(report.delivered).toEqual([...refused.delivered, { channel: 'slack', id: slack.sent[0].id }]);
    expect(report.failed).toEqual(refused.failed);
    expect(await store.list(stateKeys.channels)).toEqual([stateKeys.channel('email'), stateKeys.channel('slack')]);

    await channelHealth(run(5), accepted);
    expect(slack.sent.map((n) => `${n.state}:${n.key}`)).toEqual(['firing:channel:email', 'resolved:channel:email']);
    expect(email.sent).toEqual([]);
  });

  it('raises nothing when no delivery was attempted', async () => {
    const run = testRun('clusterHealth', { config });
    expect(await channelHealth(run, { delivered: [], failed: [] })).toEqual({ delivered: [], failed: [] });
    expect(await run.deps.store.list('')).toEqual([]);
  });
});
