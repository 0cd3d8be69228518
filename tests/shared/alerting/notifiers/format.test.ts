import { describe, expect, it } from 'vitest';
import { labelledEvidence } from '../../../../shared/alerting/notifiers/evidence.ts';
import {
  fitEscaped,
  formatTime,
  formatValue,
  notificationTitle,
  statusLine,
  truncate,
  TRUNCATION_NOTE,
} from '../../../../shared/alerting/notifiers/format.ts';
import { blind, firing, repeat, resolved } from '../../../helpers/alerts.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncate', () => {
  it('leaves text within the limit alone', () => {
    expect(truncate('short', 5)).toBe('short');
  });

  it('cuts long text to the limit, note included', () => {
    const out = truncate('x'.repeat(500), 150);
    expect(out).toHaveLength(150);
    expect(out.endsWith(TRUNCATION_NOTE)).toBe(true);
    expect(out.slice(0, -TRUNCATION_NOTE.length)).toBe('x'.repeat(150 - TRUNCATION_NOTE.length));
  });

  it('never splits a surrogate pair or an emoji with a skin-tone modifier', () => {
    const thumbs = '👍🏽'; // four UTF-16 units, one grapheme
    for (let max = 14; max < 40; max++) {
      const out = truncate('a' + thumbs.repeat(30), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(LONE_SURROGATE);
      const kept = out.slice(0, -TRUNCATION_NOTE.length);
      expect(kept.slice(1).length % thumbs.length).toBe(0);
    }
  });
});

describe('fitEscaped', () => {
  const escape = (s: string) => s.replace(/&/g, '&amp;');

  it('fits the limit after escaping without cutting an entity in half', () => {
    const out = fitEscaped('&'.repeat(100), 50, escape);
    expect(out.length).toBeLessThanOrEqual(50);
    // As much as fits: no room left for one more `&amp;`.
    expect(out.length).toBeGreaterThan(50 - '&amp;'.length);
    expect(out.slice(0, -TRUNCATION_NOTE.length)).toMatch(/^(&amp;)+$/);
  });
});

describe('formatTime', () => {
  it('shows UTC by default', () => {
    expect(formatTime('2026-11-24T10:02:00.000Z')).toBe('2026-11-24 10:02 UTC');
  });

  it('shows the display time zone when given one', () => {
    expect(formatTime('2026-11-24T10:02:00.000Z', 'America/Los_Angeles')).toBe('2026-11-24 02:02 PST');
  });
});

describe('notificationTitle and statusLine', () => {
  it.each([
    [
      firing,
      'FIRING critical: Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)',
      'Firing since 2026-11-24 10:02 UTC.',
    ],
    [
      repeat,
      'STILL FIRING critical: Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)',
      'STILL FIRING since 2026-11-24 10:02 UTC (1h5m).',
    ],
    [
      resolved,
      'RESOLVED critical: gh/binder-examples/requirements/HEAD launches on mybinder.org',
      'Ends “Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)”, firing since 2026-11-24 10:02 UTC for 2h13m.',
    ],
    [blind, 'FIRING warning: Cannot read mybinder.org /health', 'Cannot see health:mybinder.org since 2026-11-24 10:02 UTC.'],
  ])('%#: says where the alert stands', (n, title, status) => {
    expect(notificationTitle(n)).toBe(title);
    expect(statusLine(n)).toBe(status);
  });

  it('heads a notification stored before titles existed with its summary', () => {
    expect(notificationTitle({ ...firing, title: undefined })).toBe(`FIRING critical: ${firing.summary}`);
  });

  it('says a blind check is still blind in its reminder, and how long', () => {
    expect(statusLine({ ...blind, state: 'repeat', at: '2026-11-24T10:47:00.000Z' })).toBe(
      'Still cannot see health:mybinder.org since 2026-11-24 10:02 UTC (45m).',
    );
  });

  it('derives the duration from the times when a resolution carries none', () => {
    expect(statusLine({ ...resolved, durationMs: undefined, incident: undefined })).toBe(
      'Resolved after 2h13m (firing since 2026-11-24 10:02 UTC).',
    );
  });
});

describe('formatValue', () => {
  it.each([
    [3, '3'],
    [612.456, '612.46'],
    [0.5, '0.5'],
    ['prod/user-pool', 'prod/user-pool'],
  ])('shows %s as %s', (v, text) => {
    expect(formatValue(v)).toBe(text);
  });
});

describe('labelledEvidence', () => {
  it('labels the known names of each check, with units', () => {
    expect(labelledEvidence('nodeHeadroom', { usedPct: 93, timeToMaxMin: 0, max: 15 })).toEqual([
      ['In use', '93 %'],
      ['Max reached in', 'now'],
      ['Autoscaler max', '15'],
    ]);
    expect(labelledEvidence('nodeHeadroom', { timeToMaxMin: 'never' })).toEqual([['Max reached in', 'never']]);
  });

  it('reads a name it does not know from its words and its unit suffix', () => {
    expect(
      labelledEvidence('launchProbe', {
        buildingSec: 12.345,
        queueWaitMin: 3,
        errorRatePct: 4,
        arrivalsPerMin: 2.5,
        ageHours: 9,
        restarts: 17,
      }),
    ).toEqual([
      ['Building', '12.35 s'],
      ['Queue wait', '3 min'],
      ['Error rate', '4 %'],
      ['Arrivals', '2.5/min'],
      ['Age', '9 h'],
      ['Restarts', '17'],
    ]);
  });

  it('keeps a name that is already a label (spaces, or a capital first letter)', () => {
    expect(labelledEvidence('binderHealth', { 'Pod quota used': '190 of 200', JupyterHub: 'ok' })).toEqual([
      ['Pod quota used', '190 of 200'],
      ['JupyterHub', 'ok'],
    ]);
  });
});
