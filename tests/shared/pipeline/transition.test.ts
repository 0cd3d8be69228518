// The transition stage: findings through the alert lifecycle into owed, routed, claimed
// notifications; alerts no longer reported resolve, except after a blind run.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import type { AlertState } from '../../../shared/alerting/lifecycle.ts';
import type { AlertChart } from '../../../shared/alerting/chart.ts';
import type { AlertNotification } from '../../../shared/alerting/notifier.ts';
import type { Finding } from '../../../shared/model.ts';
import { channelFindingKey, routeChannels, transition } from '../../../shared/pipeline/transition.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import { collector, MIN, T0, testRun } from '../../helpers/pipeline.ts';

const config = parseConfig({ alerting: { defaults: { failuresToFire: 1, successesToResolve: 1 } } });
const notifiers = [collector('slack'), collector('email'), collector('console')];
const node = (status: Finding['status'], severity: Finding['severity'] = 'critical'): Finding => ({
  check: 'clusterHealth',
  key: 'node:gke-a',
  status,
  severity,
  title: 'Sick node gke-a',
  summary: 'fluentd crash-looping',
  runbook: [],
});
const blindness: Finding = { ...node('unknown', 'warning'), key: 'clusterHealth:source' };
const chart: AlertChart = { title: 'c', t0: T0, t: [0, 60], yLabel: 'pods', series: [] };
const run = (store: MemoryStore, minute: number) => testRun('clusterHealth', { config, store, notifiers }, T0 + minute * MIN);
const states = (ns: AlertNotification[]) => ns.map((n) => `${n.state}:${n.key}`);

describe('transition', () => {
  it("records each notification as owed to its severity's channels, claimed by this run, with its chart", async () => {
    const store = new MemoryStore();
    const { notifications, alertKeys } = await transition(run(store, 0), [node('problem')], new Map([['node:gke-a', chart]]));
    expect(states(notifications)).toEqual(['firing:node:gke-a']);
    expect(notifications[0].chart).toEqual(chart);
    expect(alertKeys).toEqual([stateKeys.alert('clusterHealth', 'node:gke-a')]);
    const stored = (await store.get<AlertState>(alertKeys[0]))!.value;
    expect(stored.owed.map((o) => [o.notification.state, o.channels, o.claimedBy])).toEqual([
      ['firing', ['slack', 'email', 'console'], `test-${T0}`],
    ]);
  });

  it('resolves an alert that is no longer reported, but not after a blind run, and draws no chart for the resolution', async () => {
    const store = new MemoryStore();
    await transition(run(store, 0), [node('problem')], new Map());
    await transition(run(store, 5), [blindness], new Map());
    expect((await store.get<AlertState>(stateKeys.alert('clusterHealth', 'node:gke-a')))!.value.phase).toBe('firing');
    const { notifications, alertKeys } = await transition(
      run(store, 10),
      [{ ...blindness, status: 'ok' }],
      new Map([['node:gke-a', chart]]),
    );
    expect(states(notifications)).toEqual(['resolved:node:gke-a']);
    expect(notifications[0].chart).toBeUndefined();
    expect(alertKeys.sort()).toEqual([
      stateKeys.alert('clusterHealth', 'clusterHealth:source'),
      stateKeys.alert('clusterHealth', 'node:gke-a'),
    ]);
  });
});

describe('routeChannels', () => {
  const configured = new Set(['slack', 'email']);
  const notice = (key: string, severity: Finding['severity']) => ({ key, severity }) as AlertNotification;

  it('sends by severity to the configured channels of its route', () => {
    expect(routeChannels(config, notice('node:gke-a', 'critical'), configured)).toEqual(['slack', 'email']);
    expect(routeChannels(config, notice('node:gke-a', 'warning'), configured)).toEqual(['slack']);
  });

  it("sends a channel's own health notice on every other channel, whatever its severity", () => {
    expect(routeChannels(config, notice(channelFindingKey('slack'), 'warning'), configured)).toEqual(['email']);
  });
});
