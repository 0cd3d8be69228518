import { describe, expect, it } from 'vitest';
import type { ReplayAlert } from '../../../shared/replay/replay.ts';
import { aggregate, formatTable, KINDS, quantile } from '../../../infra/scorecard/report.ts';
import { CASES, randomDay } from '../../../infra/scorecard/shapes.ts';
import {
  coldStartDetection,
  defaultReplayConfig,
  incidentRecords,
  markSuccessDrops,
  replayFrom,
  scoreDay,
  type DayRecord,
} from '../../../infra/scorecard/score-day.ts';
import { MIN, simulateDay } from '../../../infra/scorecard/simulator.ts';
import { DEFAULT_SEED, runDays } from '../../../infra/scorecard/run.ts';

const alert = (
  at: string,
  state: ReplayAlert['state'],
  check: ReplayAlert['check'] = 'trafficVsPods',
  key = 'trafficVsPods:levelling-off',
): ReplayAlert => ({
  at,
  check,
  key,
  state,
  status: 'problem',
  severity: 'critical',
  summary: '',
});

describe('scoring a day', () => {
  const truth = { incidents: [{ kind: 'levelling-off' as const, onset: '2026-03-03T09:00:00.000Z', end: '2026-03-03T15:00:00.000Z' }] };

  it('counts a resolve of the firing key before the incident ends as resolved early', () => {
    const recs = incidentRecords([alert('2026-03-03T09:30:00.000Z', 'firing'), alert('2026-03-03T12:00:00.000Z', 'resolved')], truth);
    expect(recs.incidents).toEqual([{ ...truth.incidents[0], ttdMin: 30, resolvedEarlyAt: '2026-03-03T12:00:00.000Z' }]);
  });

  it('does not count a resolve after the end, nor one of another kind’s key', () => {
    const recs = incidentRecords(
      [
        alert('2026-03-03T09:30:00.000Z', 'firing'),
        alert('2026-03-03T10:00:00.000Z', 'resolved', 'nodeHeadroom', 'headroom:user-pool'),
        alert('2026-03-03T15:10:00.000Z', 'resolved'),
      ],
      truth,
    );
    expect(recs.incidents[0].resolvedEarlyAt).toBeUndefined();
    expect(recs.incidents[0].ttdMin).toBe(30);
  });

  it('detects after a cold start only from the cold start on, within its hour', () => {
    const at = Date.parse('2026-03-03T10:00:00.000Z');
    const until = at + 60 * MIN;
    expect(coldStartDetection([alert('2026-03-03T09:30:00.000Z', 'firing')], 'levelling-off', at, until).ttdMin).toBeUndefined();
    expect(coldStartDetection([alert('2026-03-03T10:07:00.000Z', 'firing')], 'levelling-off', at, until).ttdMin).toBe(7);
    expect(coldStartDetection([alert('2026-03-03T11:01:00.000Z', 'firing')], 'levelling-off', at, until).ttdMin).toBeUndefined();
  });

  it('starts a cold replay with a fresh store at the given time, the earlier data still visible', async () => {
    const c = CASES.find((x) => x.name === 'cold-start-mid-incident')!;
    const { data } = simulateDay(c.shape({ probeAttempts: 2 }).spec, c.seed);
    const alerts = await replayFrom(data, defaultReplayConfig(), c.coldStartAt!, c.coldStartAt! + 30 * MIN);
    expect(alerts.every((a) => Date.parse(a.at) >= c.coldStartAt! && Date.parse(a.at) <= c.coldStartAt! + 30 * MIN)).toBe(true);
    // Launches have been at 30 % for an hour and more: with that history visible, something fires within 30 min.
    expect(alerts.some((a) => a.state === 'firing' && a.status === 'problem')).toBe(true);
  });
});

describe('a randomized day through the real replay', () => {
  it('stays quiet through the drain after a steep, healthy drop in demand (day 160 of the default seed: watched for one hour, the drain paged a false levelling-off at 12:06)', async () => {
    const { spec, tags } = randomDay(160, DEFAULT_SEED, { probeAttempts: 2 });
    expect(tags).toContain('steep-drop');
    const { data, truth } = simulateDay(spec, DEFAULT_SEED + 160);
    const day = await scoreDay(160, tags, data, truth, defaultReplayConfig());
    expect(day.falseAlerts.map((a) => `${a.at} ${a.check}`)).toEqual([]);
  });
});

describe('timing launch alerts from the drop to 70 % success', () => {
  const onset = Date.parse('2026-03-03T09:00:00.000Z');
  // 75 % from the onset, exactly 70 % from 09:10.
  const platform = (t: number) => (t - onset < 10 * MIN ? 0.75 : 0.7);
  const day = (incidents: DayRecord['incidents']): DayRecord => ({
    index: 0,
    tags: [],
    minutes: 720,
    incidents,
    falseAlerts: [],
    blindAlerts: 0,
  });
  const launch = (ttdMin?: number, end = '2026-03-03T12:00:00.000Z') => ({
    kind: 'launch-failure' as const,
    onset: '2026-03-03T09:00:00.000Z',
    end,
    ttdMin,
  });

  it('times a launch alert from the first minute at or below 70 %, and leaves other kinds alone', () => {
    const marked = markSuccessDrops(day([launch(40), { ...launch(40), kind: 'levelling-off' }]), platform);
    expect(marked.incidents[0].successDrop).toEqual({ at: '2026-03-03T09:10:00.000Z', ttdMin: 30 });
    expect(marked.incidents[1].successDrop).toBeUndefined();
  });

  it('records a missed drop without a time, and none for an incident that never reached 70 %', () => {
    const marked = markSuccessDrops(day([launch(undefined), launch(3, '2026-03-03T09:05:00.000Z')]), platform);
    expect(marked.incidents[0].successDrop).toEqual({ at: '2026-03-03T09:10:00.000Z', ttdMin: undefined });
    expect(marked.incidents[1].successDrop).toBeUndefined();
  });

  it('counts within the hour from the crossing, an alert before it as 0', () => {
    const card = aggregate([markSuccessDrops(day([launch(5), launch(75), launch(undefined), launch(40)]), platform)]);
    // ttd from the crossing: −5 → 0, 65, missed, 30.
    expect(card.successDrops).toEqual({ incidents: 4, within60: 2, ttdMedianMin: 30 });
    expect(formatTable(card)).toContain(
      'Launch success down to 70 % or less: 4 incidents; a launch alert within 60 min of the crossing: 2 (50 %), median 30m.',
    );
  });
});

describe('the scorecard table', () => {
  it('takes nearest-rank quantiles', () => {
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBeUndefined();
  });

  it('scales false alerts to 30 days of replayed time, per kind of the alerting check', async () => {
    const c = CASES.find((x) => x.name === 'steep-healthy-drop')!;
    const { data, truth } = simulateDay(c.shape({ probeAttempts: 2 }).spec, c.seed);
    const day = await scoreDay(0, ['steep-drop'], data, truth, defaultReplayConfig());
    // Known false alerts of two kinds on top of whatever the day had, so the counts compared are never 0 against 0.
    const alert = (check: ReplayAlert['check'], at: string): ReplayAlert => ({
      at,
      check,
      key: `${check}:x`,
      state: 'firing',
      status: 'problem',
      severity: 'critical',
      summary: 'x',
    });
    const marked = {
      ...day,
      falseAlerts: [
        ...day.falseAlerts,
        alert('trafficVsPods', '2026-03-03T10:00:00.000Z'),
        alert('launchProbe', '2026-03-03T11:00:00.000Z'),
      ],
    };
    const card = aggregate([marked, { ...marked, index: 1 }]);
    const row = card.rows.find((r) => r.kind === 'levelling-off')!;
    const launch = card.rows.find((r) => r.kind === 'launch-failure')!;
    expect(card.replayedDays).toBeCloseTo((2 * 12 * 60) / 1440, 5);
    const own = (check: string) => day.falseAlerts.filter((a) => a.check === check).length;
    expect(row.falseAlerts).toBe(2 * (own('trafficVsPods') + 1));
    expect(launch.falseAlerts).toBe(2 * (own('launchProbe') + 1));
    expect(row.falsePer30Days).toBeCloseTo((row.falseAlerts * 30) / card.replayedDays, 5);
    expect(row.falsePer30Days).toBeGreaterThan(0);
  });

  it('runs a small slice of randomized days on two workers, each the same as scored in process', async () => {
    const days = await runDays({ days: 2, seed: 7, workers: 2, probeAttempts: 2 });
    expect(days.map((d) => d.index)).toEqual([0, 1]);
    const { spec, tags } = randomDay(1, 7, { probeAttempts: 2 });
    const { data, truth } = simulateDay(spec, 7 + 1);
    expect(days[1]).toEqual(markSuccessDrops(await scoreDay(1, tags, data, truth, defaultReplayConfig()), spec.platform));
    const table = formatTable(aggregate(days));
    for (const kind of KINDS) expect(table).toContain(`| ${kind} |`);
    expect(table).toContain('2 days, 2.0 replayed');
  });
});
