import { describe, expect, it } from 'vitest';
import { buildPayload, consoleNotifier } from '../../../../shared/alerting/notifiers/console.ts';
import { jsonLogger } from '../../../../shared/log.ts';
import { blind, firing, repeat, resolved } from '../../../helpers/alerts.ts';

describe('console buildPayload', () => {
  it.each([
    [
      firing,
      'ERROR',
      'FIRING critical: Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)',
      'Firing since 2026-11-24 10:02 UTC.',
    ],
    [
      repeat,
      'ERROR',
      'STILL FIRING critical: Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)',
      'STILL FIRING since 2026-11-24 10:02 UTC (1h5m).',
    ],
    [
      resolved,
      'NOTICE',
      'RESOLVED critical: gh/binder-examples/requirements/HEAD launches on mybinder.org',
      'Ends “Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)”, firing since 2026-11-24 10:02 UTC for 2h13m.',
    ],
    [blind, 'WARNING', 'FIRING warning: Cannot read mybinder.org /health', 'Cannot see health:mybinder.org since 2026-11-24 10:02 UTC.'],
  ])('%#: maps the alert to a log severity, a title and the whole notification', (n, severity, message, statusLine) => {
    expect(buildPayload(n)).toEqual({ severity, message, fields: { channel: 'console', statusLine, notification: n } });
  });
});

describe('console notifier', () => {
  it('writes exactly one JSON line per notification through the logger', async () => {
    const lines: string[] = [];
    const n = consoleNotifier({ logger: jsonLogger((l) => lines.push(l)) });
    await n.send(firing);
    await n.send(resolved);
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(first).toMatchObject({
      severity: 'ERROR',
      channel: 'console',
      notification: { id: firing.id, state: 'firing', evidence: firing.evidence },
    });
    expect(second).toMatchObject({
      severity: 'NOTICE',
      message: 'RESOLVED critical: gh/binder-examples/requirements/HEAD launches on mybinder.org',
    });
  });
});
