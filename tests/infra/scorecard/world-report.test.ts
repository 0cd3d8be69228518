import { describe, expect, it } from 'vitest';
import { runWorlds } from '../../../infra/scorecard/run.ts';
import { defaultReplayConfig } from '../../../infra/scorecard/score-day.ts';
import { scoreWorldDay, type AlertNote, type WorldDayRecord } from '../../../infra/scorecard/world-day.ts';
import { aggregateWorlds, formatWorldCard } from '../../../infra/scorecard/world-report.ts';
import type { Families } from '../../../infra/worlds/world.ts';
import { smallWorld } from '../../helpers/worlds.ts';

const FAMILIES = smallWorld().families;

const page = (check: AlertNote['check']): AlertNote => ({
  at: '2026-04-06T10:00:00.000Z',
  check,
  key: 'k',
  severity: 'critical',
  summary: '',
});

function day(index: number, seed: number, change: Partial<WorldDayRecord> & { culler?: Families['culler'] } = {}): WorldDayRecord {
  return {
    index,
    seed,
    families: { ...FAMILIES, culler: change.culler ?? 'idle' },
    minutes: 1440,
    incidents: [],
    falsePages: [],
    falseWarnings: [],
    blindAlerts: 0,
    maxNotificationsPerConditionDay: 0,
    ...change,
  };
}

describe('many-worlds report', () => {
  it('judges each kind in its worst family, not on average', () => {
    // 30 days per seed: 10 with no culler, one false levelling-off page among them.
    const records = [1, 2].flatMap((seed) =>
      Array.from({ length: 30 }, (_, i) =>
        day(i, seed, { culler: i < 10 ? 'none' : 'idle', falsePages: seed === 1 && i === 0 ? [page('trafficVsPods')] : [] }),
      ),
    );
    const card = aggregateWorlds(records, [1, 2]);
    const all = card.rows[0].cells['levelling-off'];
    expect(all.pooled.falsePagesPer30).toBeCloseTo(0.5);
    const none = card.rows.find((r) => r.dimension === 'culler' && r.family === 'none')!.cells['levelling-off'];
    expect(none.perSeed.map((c) => c.falsePagesPer30)).toEqual([3, 0]);
    const lev = card.verdict.find((v) => v.kind === 'levelling-off')!;
    expect(lev).toMatchObject({ worstFalsePages: { row: 'culler=none', per30: 1.5 }, pass: false });
    // Another kind's page never counts against this one.
    expect(card.verdict.find((v) => v.kind === 'sick-node')!.pass).toBe(true);
    expect(formatWorldCard(card)).toContain('| culler=none | 10 / 10 |');
  });

  // Seed 11's day 0: a small hub whose pool fills, without history (a cheap day to replay twice).
  it('scores world days on workers the same as in process', { timeout: 240_000 }, async () => {
    const [onWorker] = await runWorlds({ days: 1, seeds: [11], workers: 1 });
    expect(onWorker.families).toMatchObject({ history: 'none', incident: 'headroom' });
    expect(onWorker.incidents.length).toBeGreaterThan(0);
    expect(onWorker).toEqual(JSON.parse(JSON.stringify(await scoreWorldDay(0, 11, defaultReplayConfig()))));
  });
});
