// The SLO stage through runCheck: failed probe runs feed the hub's rollup, and a fast burn
// pages with the budget in the alert; runs inside a maintenance window are left out.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/log.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { readRollup } from '../../../shared/slo/rollup.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { collector, MIN, noWait } from '../../helpers/pipeline.ts';

const T0 = Date.parse('2026-03-03T09:00:00Z');
const HUB = 'https://hub.example.org';

function deps(maintenance: object[] = []) {
  const console = collector();
  const d: CheckDeps = {
    config: parseConfig({ checks: { launchProbe: { targets: [{ binderUrl: HUB, repos: ['gh/a/b/HEAD'] }] } }, maintenance }),
    sources: {
      launchProbe: {
        observe: async (r) => ({
          results: [
            { binderUrl: HUB, repo: 'gh/a/b/HEAD', at: r.now, ok: r.now < T0 + 60 * MIN, durations: { waiting: 5000, launching: 25000 } },
          ],
        }),
      },
    },
    store: new MemoryStore(),
    notifiers: [console],
    logger: silentLogger,
    retryPolicy: noWait,
  };
  return { d, console };
}

describe('the SLO stage', () => {
  it('pages on the third failed run after an hour of good ones, with the budget left in the alert', async () => {
    const { d, console } = deps();
    for (let t = T0; t <= T0 + 90 * MIN; t += 10 * MIN) await runCheck('launchProbe', d, t);
    const slo = console.sent.filter((n) => n.key === 'slo:hub.example.org:success');
    expect(slo.map((n) => [n.state, n.severity, n.at])).toEqual([['firing', 'critical', new Date(T0 + 80 * MIN).toISOString()]]);
    // At 10:20: the last hour's 6 runs, 3 failed, burn 50× a 1 % budget; the day's 9 runs, 3 failed, overspend it 32 times.
    expect(slo[0].summary).toBe(
      'launch success SLO (99 % over 30d) burns 50× the budget rate over 1h (100× over 5m): -3233 % of the 30d error budget left',
    );
    expect(slo[0].evidence).toMatchObject({ objectivePct: 99, budgetLeftPct: -3233.3, sliPct: 66.67, burn1h: 50 });
    const rollup = await readRollup(d.store, 'hub.example.org', T0 + 90 * MIN, silentLogger);
    expect(rollup?.days[0].slice(0, 4)).toEqual([Math.floor(T0 / 86_400_000), 10, 4, 0]);
    expect(rollup?.days[0][4]).toEqual([0, 0, 0, 0, 6]); // every good launch took 30 s (≤ 30 s bucket)
  });

  it('leaves probe runs inside a maintenance window out of the SLO', async () => {
    const { d, console } = deps([
      { name: 'Upgrade', start: '2026-03-03T10:00:00Z', end: '2026-03-03T11:00:00Z', hubs: ['hub.example.org'] },
    ]);
    for (let t = T0; t <= T0 + 90 * MIN; t += 10 * MIN) await runCheck('launchProbe', d, t);
    expect(console.sent.filter((n) => n.key.startsWith('slo:'))).toEqual([]);
    const rollup = await readRollup(d.store, 'hub.example.org', T0 + 90 * MIN, silentLogger);
    expect(rollup?.days[0].slice(0, 3)).toEqual([Math.floor(T0 / 86_400_000), 6, 0]);
  });

  it('rebuilds a lost history once through deps.rebuildSli, and starts afresh when the rebuild fails', async () => {
    const day = Math.floor(T0 / 86_400_000);
    const asked: string[] = [];
    const { d } = deps();
    d.rebuildSli = async (_config, hub) => {
      asked.push(hub);
      return { v: 1, since: (day - 3) * 86_400_000, days: [[day - 3, 100, 1, 0, [0, 0, 0, 99]]], recent: [], counted: {} };
    };
    await runCheck('launchProbe', d, T0);
    await runCheck('launchProbe', d, T0 + 10 * MIN);
    expect(asked).toEqual(['hub.example.org']); // the second run found a history
    const rollup = await readRollup(d.store, 'hub.example.org', T0 + 10 * MIN, silentLogger);
    expect(rollup?.since).toBe((day - 3) * 86_400_000);
    expect(rollup?.days.map((r) => r.slice(0, 3))).toEqual([
      [day - 3, 100, 1],
      [day, 2, 0],
    ]);

    const failing = deps().d;
    failing.rebuildSli = async () => {
      throw new Error('prometheus: 503');
    };
    await runCheck('launchProbe', failing, T0);
    expect((await readRollup(failing.store, 'hub.example.org', T0, silentLogger))?.since).toBe(T0);
  });
});
