// Maintenance windows as the config writes them: one-off, or cron (day and month names)
// in a time zone plus a duration, across daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { activeOccurrence, covers, maintenanceAt, nextOccurrence } from '../../shared/maintenance.ts';

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const windowOf = (w: object, tz = 'Europe/Berlin') => parseConfig({ displayTimeZone: tz, maintenance: [w] }).maintenance[0];

describe('recurring maintenance windows', () => {
  const tuesday = windowOf({ name: 'Node upgrades', cron: '0 7 * * TUE', duration: '1h' });

  it('run "every Tuesday 07:00–08:00 Europe/Berlin" at 06:00 UTC in winter and 05:00 UTC in summer', () => {
    expect(iso(nextOccurrence(tuesday, Date.parse('2026-01-01T00:00:00Z'), 'Europe/Berlin')?.start)).toBe('2026-01-06T06:00:00.000Z');
    expect(iso(nextOccurrence(tuesday, Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')?.start)).toBe('2026-07-07T05:00:00.000Z');
    const during = activeOccurrence(tuesday, Date.parse('2026-07-07T05:59:00Z'), 'Europe/Berlin');
    expect([iso(during?.start), iso(during?.end)]).toEqual(['2026-07-07T05:00:00.000Z', '2026-07-07T06:00:00.000Z']);
    expect(activeOccurrence(tuesday, Date.parse('2026-07-07T06:00:00Z'), 'Europe/Berlin')).toBeUndefined();
    expect(activeOccurrence(tuesday, Date.parse('2026-07-08T05:30:00Z'), 'Europe/Berlin')).toBeUndefined();
  });

  it('last their duration in elapsed time when the clocks change inside them', () => {
    // Spring forward in Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST. 01:00 local is 00:00 UTC; three hours later is 03:00 UTC (05:00 CEST).
    const spring = windowOf({ name: 'Sunday night', cron: '0 1 * * SUN', duration: '3h' });
    const o = activeOccurrence(spring, Date.parse('2026-03-29T02:30:00Z'), 'Europe/Berlin');
    expect([iso(o?.start), iso(o?.end)]).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z']);
    // Fall back: 2026-10-25 03:00 CEST becomes 02:00 CET. 01:00 CEST is 23:00 UTC the day before.
    const fall = activeOccurrence(spring, Date.parse('2026-10-25T01:59:00Z'), 'Europe/Berlin');
    expect([iso(fall?.start), iso(fall?.end)]).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-25T02:00:00.000Z']);
  });

  it('read month and day names, and their own time zone over the display one', () => {
    const yearly = windowOf({ name: 'Yearly', cron: '30 22 1 JAN,JUL *', duration: '2h', timeZone: 'America/Los_Angeles' });
    expect(iso(nextOccurrence(yearly, Date.parse('2026-02-01T00:00:00Z'), 'Europe/Berlin')?.start)).toBe('2026-07-02T05:30:00.000Z');
    const weekdays = windowOf({ name: 'Weekdays', cron: '0 9 * * MON-FRI', duration: '30m' }, 'UTC');
    expect(iso(nextOccurrence(weekdays, Date.parse('2026-12-05T12:00:00Z'), 'UTC')?.start)).toBe('2026-12-07T09:00:00.000Z'); // Sat → Mon
  });

  it('refuse a bad schedule, a bad time zone and an end before the start, naming the field', () => {
    const bad = (w: object) => () => parseConfig({ maintenance: [w] });
    expect(bad({ name: 'x', cron: '0 7 * * TUESDAY', duration: '1h' })).toThrow(/maintenance\[0\]\.cron/);
    expect(bad({ name: 'x', cron: '0 7 * *', duration: '1h' })).toThrow(/5-field/);
    expect(bad({ name: 'x', cron: '0 7 * * TUE', duration: '1h', timeZone: 'Mars/Olympus' })).toThrow(/maintenance\[0\]\.timeZone/);
    expect(bad({ name: 'x', start: '2026-03-03T09:00:00Z', end: '2026-03-03T08:00:00Z' })).toThrow(/maintenance\[0\]\.end/);
  });
});

describe('one-off windows and what they cover', () => {
  const config = parseConfig({
    maintenance: [
      {
        name: 'Cluster upgrade',
        start: '2026-03-03T07:00:00+01:00',
        end: '2026-03-03T09:00:00+01:00',
        hubs: ['mybinder.org'],
        checks: ['launchProbe'],
      },
      { name: 'Everything', cron: '0 3 * * SUN', duration: '1h' },
    ],
  });

  it('are active from start to end, and listed as next before', () => {
    const { active, next } = maintenanceAt(config.maintenance, Date.parse('2026-03-03T06:30:00Z'), 'UTC');
    expect(active.map((o) => o.name)).toEqual(['Cluster upgrade']);
    expect(next.map((o) => [o.name, iso(o.start)])).toEqual([['Everything', '2026-03-08T03:00:00.000Z']]);
    expect(maintenanceAt(config.maintenance, Date.parse('2026-03-03T08:00:00Z'), 'UTC').active).toEqual([]);
  });

  it("cover the named hubs' alerts of the named checks only", () => {
    const [upgrade, everything] = config.maintenance;
    expect(covers(upgrade, 'launchProbe', 'launch:mybinder.org:gh/a/HEAD')).toBe(true);
    expect(covers(upgrade, 'launchProbe', 'slo:mybinder.org:success')).toBe(true);
    expect(covers(upgrade, 'launchProbe', 'launch:gke.mybinder.org:gh/a/HEAD')).toBe(false);
    expect(covers(upgrade, 'binderHealth', 'health:mybinder.org')).toBe(false);
    expect(covers(everything, 'clusterHealth', 'node:gke-prod-1')).toBe(true);
  });
});
