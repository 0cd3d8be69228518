import { describe, expect, it } from 'vitest';
import { parseCron } from '../../shared/cron.ts';
import { formatDuration, parseDuration } from '../../shared/duration.ts';

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

  it.each([
    ['0 9 * * MON-FRI', '2018-01-19T09:00:00Z', true], // a Friday
    ['0 9 * * MON-FRI', '2018-01-20T09:00:00Z', false], // a Saturday
    ['0 9 * * sun', '2018-01-21T09:00:00Z', true],
    ['0 9 * * Sat,SUN', '2018-01-20T09:00:00Z', true],
    ['0 0 1 JAN *', '2018-01-01T00:00:00Z', true],
    ['0 0 1 jan-mar/2 *', '2018-03-01T00:00:00Z', true],
    ['0 0 1 jan-mar/2 *', '2018-02-01T00:00:00Z', false],
    ['0 0 * DEC SUN', '2018-12-02T00:00:00Z', true],
  ])('accepts the day and month names Cloud Scheduler accepts: %s at %s: %s', (expr, iso, expected) => {
    expect(parseCron(expr).matches(at(iso))).toBe(expected);
  });

  it.each([
    ['* * 31 2 *', '"* * 31 2 *" never fires: no month in "2" has a day "31" every year'],
    ['0 0 30,31 FEB *', '"0 0 30,31 FEB *" never fires: no month in "FEB" has a day "30,31" every year'],
    ['0 0 29 2 *', '"0 0 29 2 *" never fires: no month in "2" has a day "29" every year'],
    ['0 0 * * MONDAY', 'day of week "MONDAY": unknown name "MONDAY" (expected SUN-SAT or a number)'],
    ['0 0 1 JANUARY *', 'month "JANUARY": unknown name "JANUARY" (expected JAN-DEC or a number)'],
    ['0 0 * * JAN', 'day of week "JAN": unknown name "JAN" (expected SUN-SAT or a number)'],
  ])('refuses %j, saying why', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
  });

  it('still runs a schedule restricted on both day fields, which always reaches a weekday', () => {
    expect(new Date(parseCron('0 0 31 2 MON').next(at('2018-01-18T12:00:00Z'))).toISOString()).toBe('2018-02-05T00:00:00.000Z'); // the first Monday of February
  });

  it('finds the next run of a yearly schedule', () => {
    expect(new Date(parseCron('0 0 1 JAN *').next(at('2018-01-01T00:00:00Z'))).toISOString()).toBe('2019-01-01T00:00:00.000Z');
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
    expect([formatDuration(45_000), formatDuration(20 * 60_000), formatDuration(133 * 60_000), formatDuration(Infinity)]).toEqual([
      '45s',
      '20m',
      '2h13m',
      'never',
    ]);
  });
});
