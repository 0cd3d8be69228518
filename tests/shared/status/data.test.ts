// The status summary through the real pipeline: internal alerts (a sick node, failing
// launches with the hub's messages, runbooks, internal links) are in the state store, and
// nothing of them but the whitelisted public facts reaches status.json or the page. And a
// 30-day simulated history shows the bars and the budget burn.
import { DAY_MS } from '../../../shared/time.ts';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/log.ts';
import type { ProbeResult } from '../../../shared/model.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { recordEvents } from '../../../shared/slo/rollup.ts';
import { statusFromStore } from '../../../shared/status/build.ts';
import { statusHtml } from '../../../shared/status/html.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { collector, MIN, noWait } from '../../helpers/pipeline.ts';

const T0 = Date.UTC(2026, 2, 2);
const HUB = 'https://hub.example.org';
const SICK_NODE = 'gke-prod-a-ssd-pool-972e4826-2fhq';
const POD = 'jupyter-binder-2dexamples-2drequirements-abc123';
const HUB_MESSAGE = 'Spawn failed: pod/jupyter-xyz did not start in 300 seconds! quota exceeded for secret-project';
const INTERNAL_URL = 'https://grafana.internal.example.org/d/launch';
/** Every piece of an internal alert the public must never see. */
const PRIVATE = [
  SICK_NODE,
  POD,
  'fluentd',
  'kubectl',
  HUB_MESSAGE,
  'secret-project',
  INTERNAL_URL,
  'grafana.internal',
  'binder-examples',
  'Hub API down',
];

function deps(): CheckDeps {
  const config = parseConfig({
    displayTimeZone: 'UTC',
    alerting: { links: { dashboard: INTERNAL_URL } },
    checks: {
      launchProbe: { targets: [{ binderUrl: HUB, repos: ['gh/binder-examples/requirements/HEAD'] }] },
      binderHealth: { alert: { failuresToFire: 1 } },
      clusterHealth: { alert: { failuresToFire: 1 } },
    },
    maintenance: [{ name: 'Weekly upgrade', cron: '0 7 * * TUE', duration: '1h', hubs: ['hub.example.org'] }],
  });
  const failed = (at: number): ProbeResult => ({
    binderUrl: HUB,
    repo: 'gh/binder-examples/requirements/HEAD',
    at,
    ok: false,
    failedPhase: 'launch',
    messages: [HUB_MESSAGE, `pod ${POD} on ${SICK_NODE}`],
    error: HUB_MESSAGE,
    attempts: [
      { at, ok: false, failedPhase: 'launch', error: HUB_MESSAGE },
      { at, ok: false, failedPhase: 'launch', error: HUB_MESSAGE },
    ],
  });
  return {
    config,
    sources: {
      launchProbe: { observe: async (r) => ({ results: [failed(r.now)] }) },
      binderHealth: {
        observe: async () => ({
          hubs: [{ binderUrl: HUB, checks: [{ service: 'Hub API', ok: false, message: `Hub API down: ${HUB_MESSAGE}` }] }],
        }),
      },
      clusterHealth: {
        observe: async () => ({
          problems: [
            {
              namespace: 'kube-system',
              pod: POD,
              node: SICK_NODE,
              owner: 'DaemonSet/fluentd',
              reason: 'CrashLoopBackOff' as const,
              since: T0,
            },
          ],
          notReadyNodes: [SICK_NODE],
        }),
      },
    },
    store: new MemoryStore(),
    notifiers: [collector()],
    logger: silentLogger,
    retryPolicy: noWait,
  };
}

describe('the public status summary', () => {
  it('carries no node or pod name, runbook, internal URL or hub message of an internal alert', async () => {
    const d = deps();
    for (let i = 0; i < 6; i++) {
      const now = T0 + i * 10 * MIN;
      for (const check of ['launchProbe', 'binderHealth', 'clusterHealth'] as const) await runCheck(check, d, now);
    }
    // The internal alerts really hold all of it (else this test would prove nothing).
    const internal = JSON.stringify(await Promise.all((await d.store.list('alert/')).map((k) => d.store.get(k))));
    for (const p of PRIVATE) expect(internal).toContain(p);

    const summary = await statusFromStore(d.store, d.config, T0 + 60 * MIN, silentLogger);
    const json = JSON.stringify(summary);
    const html = statusHtml(summary);
    for (const p of PRIVATE) {
      expect(json).not.toContain(p);
      expect(html).not.toContain(p);
    }
    expect(summary.components.map((c) => [c.id, c.status])).toEqual([['hub.example.org', 'major_outage']]);
    // The launch alert itself is held back by the hub's health alert (dependsOn); the SLO page is not.
    expect(summary.incidents.map((i) => i.name).sort()).toEqual([
      'Launch success is below its objective',
      'The service reports a problem with one of its parts',
    ]);
    expect(summary.scheduled_maintenances[0]).toMatchObject({
      name: 'Weekly upgrade',
      status: 'scheduled',
      scheduled_for: '2026-03-03T07:00:00.000Z',
    });
    expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\//i);
  });
});

describe('a 30-day simulated history', () => {
  it('shows 30 daily bars, the outage day under the SLO line, and the budget it burnt', async () => {
    const d = deps();
    const end = T0 + 30 * DAY_MS;
    const outageDay = 20;
    for (let day = 0; day < 30; day++) {
      // 144 runs a day; on the outage day 36 of them (six hours) fail, on the others one in 144.
      const events = Array.from({ length: 144 }, (_, i) => ({
        repo: 'gh/r/HEAD',
        at: T0 + day * DAY_MS + i * 10 * MIN,
        ok: day === outageDay ? i < 36 || i >= 72 : i !== 100,
        launchS: 30 + (i % 10) * 12,
      }));
      await recordEvents(d.store, 'hub.example.org', events, { slowAfterS: 120, now: events[143].at, logger: silentLogger });
    }
    const summary = await statusFromStore(d.store, d.config, end, silentLogger);
    const [hub] = summary.components;
    const shown = hub.days.filter((b) => b.success !== null);
    expect(hub.days).toHaveLength(90);
    expect(shown).toHaveLength(30);
    const below = shown.filter((b) => b.success! < 0.99);
    expect(below.map((b) => b.date)).toEqual([new Date(T0 + outageDay * DAY_MS).toISOString().slice(0, 10)]);
    expect(below[0].success).toBeCloseTo(108 / 144, 5);
    // The window holds days 1–29 (today has no runs): 29 × 144 runs, 36 + 28 failed; budget 1 % → 1 - (64/4176)/0.01.
    expect(hub.slo.launch_success.sli).toBeCloseTo(1 - 64 / 4176, 6);
    expect(hub.slo.launch_success.budget_remaining).toBeCloseTo(1 - 64 / 4176 / 0.01, 6);
    expect(hub.slo.launch_success.budget_remaining).toBeLessThan(-0.5);
    // Launch times 30, 42 … 138 s in BinderHub's buckets: 10 % ≤ 30 s, 30 % ≤ 60 s, 90 % ≤ 120 s, all ≤ 300 s.
    // (Run 100, a 30 s one, failed: just under 90 % are ≤ 120 s, so p90 is the next bucket.)
    expect(shown[0]).toMatchObject({ p50: 120, p90: 300 });
    expect(hub.slo.launch_time.sli).toBeCloseTo(0.8, 1); // two in ten past 120 s, and none on the outage's failed runs
    const html = statusHtml(summary);
    expect(html.match(/class="bar( below)?"/g)).toHaveLength(30);
    expect(html.match(/class="bar below"/g)).toHaveLength(1);
    expect(html.match(/class="bar nodata"/g)).toHaveLength(60);
  });
});
