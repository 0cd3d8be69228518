// The telemetry stage: the run recorded for the next one, the heartbeat with the run's
// worst outcome, and one log line saying what was found and notified.
import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../shared/alerting/notifier.ts';
import type { Finding } from '../../../shared/model.ts';
import { outcomeOf, recordRun } from '../../../shared/pipeline/telemetry.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import type { RunOutcome, Telemetry } from '../../../shared/telemetry/telemetry.ts';
import { T0, testRun } from '../../helpers/pipeline.ts';

const finding = (key: string, status: Finding['status']): Finding => ({
  check: 'clusterHealth',
  key,
  status,
  severity: 'warning',
  title: key,
  summary: `${key} is ${status}`,
  runbook: [],
});

describe('outcomeOf', () => {
  it.each([
    [[], 'ok'],
    [['ok'], 'ok'],
    [['ok', 'unknown'], 'unknown'],
    [['unknown', 'problem', 'ok'], 'problem'],
  ] as const)('of findings %j is %s', (statuses, outcome) => {
    expect(outcomeOf(statuses.map((s, i) => finding(`k${i}`, s)))).toBe(outcome);
  });
});

describe('recordRun', () => {
  it('remembers when the check ran, beats the heartbeat and logs the findings that are not ok', async () => {
    const beats: [string, RunOutcome, number][] = [];
    const telemetry: Telemetry = {
      async recordRun(check, outcome, at) {
        beats.push([check, outcome, at]);
      },
      async recordProbe() {},
    };
    const run = testRun('clusterHealth', { telemetry });
    const notifications = [{ key: 'node:gke-a', state: 'firing' }] as AlertNotification[];
    expect(await recordRun(run, [finding('node:gke-a', 'problem'), finding('clusterHealth:source', 'ok')], notifications)).toBe('problem');
    expect((await run.deps.store.get(stateKeys.lastRun('clusterHealth')))?.value).toEqual({ lastRunAt: T0 });
    expect(beats).toEqual([['clusterHealth', 'problem', T0]]);
    expect(run.logs).toMatchObject([
      {
        severity: 'WARNING',
        message: 'check ran',
        check: 'clusterHealth',
        outcome: 'problem',
        findings: [{ key: 'node:gke-a', status: 'problem', summary: 'node:gke-a is problem' }],
        notifications: [{ key: 'node:gke-a', state: 'firing' }],
      },
    ]);
  });

  it('logs an ok run at INFO, and needs no telemetry', async () => {
    const run = testRun('clusterHealth');
    expect(await recordRun(run, [finding('clusterHealth:source', 'ok')], [])).toBe('ok');
    expect(run.logs).toMatchObject([{ severity: 'INFO', outcome: 'ok', findings: [], notifications: [] }]);
  });
});
