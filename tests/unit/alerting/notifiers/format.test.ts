import { describe, expect, it } from 'vitest';
import { fitEscaped, formatTime, formatValue, notificationTitle, statusLine, truncate, TRUNCATION_NOTE } from '../../../../shared/alerting/notifiers/format.ts';
import { blind, firing, repeat, resolved } from './fixtures.ts';

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
    [firing, 'FIRING critical: Launches of binder-examples/requirements fail on mybinder.org', 'Firing since 2026-11-24 10:02 UTC.'],
    [repeat, 'STILL FIRING critical: Launches of binder-examples/requirements fail on mybinder.org', 'STILL FIRING since 2026-11-24 10:02 UTC (1h5m).'],
    [resolved, 'RESOLVED critical: Launches of binder-examples/requirements fail on mybinder.org', 'Resolved after 2h13m (firing since 2026-11-24 10:02 UTC).'],
    [blind, 'FIRING warning: mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)', 'Cannot see health:mybinder.org since 2026-11-24 10:02 UTC.'],
  ])('%#: says where the alert stands', (n, title, status) => {
    expect(notificationTitle(n)).toBe(title);
    expect(statusLine(n)).toBe(status);
  });

  it('says a blind check is still blind in its reminder, and how long', () => {
    expect(statusLine({ ...blind, state: 'repeat', at: '2026-11-24T10:47:00.000Z' })).toBe('Still cannot see health:mybinder.org since 2026-11-24 10:02 UTC (45m).');
  });

  it('derives the duration from the times when a resolution carries none', () => {
    expect(statusLine({ ...resolved, durationMs: undefined })).toBe('Resolved after 2h13m (firing since 2026-11-24 10:02 UTC).');
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
