// A lost SLI history rebuilt from BinderHub's own metrics in a real Prometheus (backfilled by
// promtool): launch counts by status and the launch-time histogram, as binderhub/builder.py
// exports them, read back as the rollup's day rows.
import { DAY_MS } from '../../../shared/time.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { promqlClient } from '../../../shared/clients/promql.ts';
import { parseConfigYaml } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/log.ts';
import { rebuildRollup } from '../../../shared/slo/rebuild.ts';
import { bucketOf, LAUNCH_BUCKETS_S, recordEvents, rollupKey, type DayRow } from '../../../shared/slo/rollup.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { statusFromStore } from '../../../shared/status/build.ts';
import { buildLiveDeps } from '../../../shared/wiring.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const NOW = Date.parse('2026-03-10T08:00:00Z');
const FIRST_DAY = Math.floor(NOW / DAY_MS) - 6;
const SLOT = 5 * 60_000;
/** Launch times of the successes in each five-minute slot, cycled. */
const TIMES_S = [8, 25, 45, 150];
/** Per day (oldest first): successes and failures per slot and per repo (two repos). */
const PLAN = [
  { ok: 4, failed: 0 },
  { ok: 8, failed: 1 },
  { ok: 4, failed: 3 },
  { ok: 0, failed: 0 },
  { ok: 12, failed: 0 },
  { ok: 4, failed: 2 },
];
const REPOS = ['jupyterlab/jupyterlab-demo', 'binder-examples/requirements'];
const LE = [...LAUNCH_BUCKETS_S.map((b) => b.toFixed(1)), '+Inf'];

/** The OpenMetrics text (cumulative counters from 0 at the first day's start, a sample every 5 minutes up to NOW). */
function metrics(): string {
  const launches: string[] = [];
  const buckets: string[] = [];
  const totals = new Map<string, number>();
  const inc = (k: string, by: number) => totals.set(k, (totals.get(k) ?? 0) + by);
  for (let t = FIRST_DAY * DAY_MS; t <= NOW; t += SLOT) {
    const plan = t === FIRST_DAY * DAY_MS ? undefined : PLAN[Math.floor((t - 1) / DAY_MS) - FIRST_DAY];
    for (const repo of REPOS) {
      inc(`success/${repo}`, plan?.ok ?? 0);
      inc(`failure/${repo}`, plan?.failed ?? 0);
      inc(`retry/${repo}`, 5); // retries are no outcome: never counted
      for (const status of ['success', 'failure', 'retry'])
        launches.push(
          `binderhub_launch_count_total{status="${status}",provider="GitHub",repo="${repo}"} ${totals.get(`${status}/${repo}`)} ${t / 1000}`,
        );
      for (let k = 0; k < (plan?.ok ?? 0); k++) inc(`b${bucketOf(TIMES_S[k % TIMES_S.length])}`, 1);
    }
    let cum = 0;
    for (const [i, le] of LE.entries()) {
      cum += totals.get(`b${i}`) ?? 0;
      buckets.push(`binderhub_launch_time_seconds_bucket{status="success",retries="0",le="${le}"} ${cum} ${t / 1000}`);
    }
  }
  return [
    '# TYPE binderhub_launch_count counter',
    ...launches,
    '# TYPE binderhub_launch_time_seconds histogram',
    ...buckets,
    '# EOF',
    '',
  ].join('\n');
}

/** What the day rows must say, from the plan itself. */
function expectedRows(slowAfterS: number): DayRow[] {
  const slots = DAY_MS / SLOT;
  return PLAN.flatMap((p, i): DayRow[] => {
    const ok = p.ok * slots * REPOS.length;
    if (ok + p.failed === 0) return [];
    const hist: number[] = [];
    for (let k = 0; k < p.ok; k++) {
      const b = bucketOf(TIMES_S[k % TIMES_S.length]);
      while (hist.length <= b) hist.push(0);
      hist[b] += slots * REPOS.length;
    }
    const slow = [...Array(p.ok).keys()].filter((k) => TIMES_S[k % TIMES_S.length] > slowAfterS).length * slots * REPOS.length;
    return [[FIRST_DAY + i, ok + p.failed * slots * REPOS.length, p.failed * slots * REPOS.length, slow, hist]];
  });
}

const stack = stackAvailable('prometheus', 'promtool');

describe.skipIf(!stack)('SLI history rebuilt from BinderHub metrics in Prometheus', { timeout: 120_000 }, () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus({ openMetricsText: metrics() });
  }, 120_000);
  afterAll(() => prometheus?.stop());

  it('reads each whole UTC day: launches, failures, slow launches and the launch-time histogram', async () => {
    const rollup = await rebuildRollup(promqlClient({ url: prometheus.url }), NOW, 120);
    expect(rollup?.days).toEqual(expectedRows(120));
    expect(rollup?.since).toBe(FIRST_DAY * DAY_MS);
    expect(rollup?.days.map((d) => d[0])).not.toContain(Math.floor(NOW / DAY_MS)); // today is the probe's to count
    // A bound between buckets (100 s) counts what lies above the bucket below it (60 s) as slow.
    expect((await rebuildRollup(promqlClient({ url: prometheus.url }), NOW, 100))?.days).toEqual(expectedRows(60));
  });

  it('a Prometheus with no launches rebuilds nothing', async () => {
    expect(await rebuildRollup(promqlClient({ url: prometheus.url }), Date.parse('2026-01-01T00:00:00Z'), 120)).toBeUndefined();
  });

  it("replaces a corrupt rollup with the rebuilt one when the config's Prometheus is the hub's alone, and the page says since when", async () => {
    const hub = 'hub.example.org';
    const yaml = (targets: string[], prom = true) =>
      [
        `checks: { launchProbe: { targets: [${targets.map((u) => `{ binderUrl: "${u}", repos: [gh/a/b/HEAD] }`).join(', ')}] } }`,
        prom ? `sources: { prometheus: { url: "${prometheus.url}" } }` : '',
      ].join('\n');
    const config = parseConfigYaml(yaml([`https://${hub}`]), 'test');
    const deps = await buildLiveDeps(config, {}, silentLogger, []);
    const store = new MemoryStore(silentLogger);
    await store.put(rollupKey(hub), { v: 1, days: 'not rows' }, null);

    const fresh = await deps.rebuildSli!(config, hub, NOW);
    const event = { repo: 'gh/a/b/HEAD', at: NOW - 60_000, ok: true, launchS: 30 };
    const rollup = await recordEvents(store, hub, [event], { slowAfterS: 120, now: NOW, logger: silentLogger, fresh });
    expect(rollup.days.slice(0, -1)).toEqual(expectedRows(120));
    expect(rollup.days.at(-1)).toEqual([Math.floor(NOW / DAY_MS), 1, 0, 0, [0, 0, 0, 0, 1]]);
    const summary = await statusFromStore(store, config, NOW, silentLogger);
    expect(summary.components[0].history_since).toBe(new Date(FIRST_DAY * DAY_MS).toISOString());

    // Elsewhere the history starts afresh: no Prometheus, or one Prometheus for two hubs.
    const two = parseConfigYaml(yaml([`https://${hub}`, 'https://other.example.org']), 'test');
    expect(await deps.rebuildSli!(two, hub, NOW)).toBeUndefined();
    expect(await deps.rebuildSli!(parseConfigYaml(yaml([`https://${hub}`], false), 'test'), hub, NOW)).toBeUndefined();
  });
});
