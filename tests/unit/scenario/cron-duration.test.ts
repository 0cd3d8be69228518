import { describe, expect, it } from 'vitest';
import { parseCron } from '../../../shared/cron.ts';
import { formatDuration, parseDuration } from '../../../shared/duration.ts';

const at = (iso: string) => Date.parse(iso);

describe('cron (UTC, as Cloud Scheduler runs it)', () => {
  it.each([
    ['*/5 * * * *', '2018-01-18T12:05:00Z', true],
    ['*/5 * * * *', '2018-01-18T12:06:00Z', false],
    ['0,30 6-22 * * 1-5', '2018-01-18T06:30:00Z', true], // a Thursday
    ['0,30 6-22 * * 1-5', '2018-01-20T06:30:00Z', false], // a Saturday
    ['0 0 1 * *', '2018-02-01T00:00:00Z', true],
    ['* * * * 7', '2018-01-21T10:00:00Z', true], // 7 is Sunday too
  ])('%s at %s: %s', (expr, iso, expected) => {
    expect(parseCron(expr).matches(at(iso))).toBe(expected);
  });

  it('finds the next run', () => {
    expect(new Date(parseCron('*/10 * * * *').next(at('2018-01-18T12:01:30Z'))).toISOString()).toBe('2018-01-18T12:10:00.000Z');
  });

  it.each(['* * * *', '61 * * * *', '*/0 * * * *', 'a * * * *'])('rejects %j', (expr) => {
    expect(() => parseCron(expr)).toThrow();
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['20m', 1_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('rejects what is not a duration', () => {
    expect(() => parseDuration('20')).toThrow(/expected a duration like "20m"/);
  });

  it('formats for humans', () => {
    expect([formatDuration(45_000), formatDuration(20 * 60_000), formatDuration(133 * 60_000), formatDuration(Infinity)]).toEqual(['45s', '20m', '2h13m', 'never']);
  });
});
