import { describe, expect, it } from 'vitest';
import { configSchema, nodeHeadroomSchema } from '../../../shared/config/schema.ts';
import { replay } from '../../../shared/replay/replay.ts';
import type { ScenarioData } from '../../../shared/scenario/openmetrics.ts';
import { detectNodeHeadroom } from '../../../shared/detectors/node-headroom.ts';
import type { NodePoolObservation } from '../../../shared/model.ts';

const MIN = 60_000;
const NOW = Date.UTC(2018, 0, 18, 12, 19);
const cfg = nodeHeadroomSchema.parse({});

/** Node counts one per minute, the last at NOW. */
function pool(counts: number[], rest: Partial<NodePoolObservation> = {}): NodePoolObservation {
  return {
    pool: 'prod-a/ssd-pool',
    nodes: counts.map((v, i) => ({ t: NOW - (counts.length - 1 - i) * MIN, v })),
    cordoned: 0,
    max: 15,
    pending: 0,
    ...rest,
  };
}

describe('nodeHeadroom', () => {
  it.each([
    ['11 of 15 (73 %)', [11], {}, 'ok', 'warning'],
    ['12 of 15 (80 %): warning', [12], {}, 'problem', 'warning'],
    ['14 of 15 (93 %): critical', [14], {}, 'problem', 'critical'],
    ['15 of 20 after the max was raised: ok', [15], { max: 20 }, 'ok', 'warning'],
    ['at max with pending pods: critical', [10], { max: 10, pending: 4 }, 'problem', 'critical'],
    ['at a small max without pending pods: critical by ratio', [3], { max: 3 }, 'problem', 'critical'],
    ['autoscaling off: ok, nothing to compare', [30], { max: null }, 'ok', 'warning'],
  ] as const)('%s', (_name, counts, rest, status, severity) => {
    const [f] = detectNodeHeadroom({ pools: [pool([...counts], rest)] }, cfg, NOW).findings;
    expect([f.status, f.severity]).toEqual([status, severity]);
  });

  it('counts cordoned nodes and says what dashboards that skip them show', () => {
    const [f] = detectNodeHeadroom({ pools: [pool([14], { cordoned: 1, cordonedNodes: ['gke-prod-a-ssd-pool-aaa'] })] }, cfg, NOW).findings;
    expect(f.summary).toContain('14 of 15 nodes');
    expect(f.summary).toContain('1 cordoned (gke-prod-a-ssd-pool-aaa): dashboards that skip cordoned nodes show 13');
    expect(f.key).toBe('headroom:prod-a/ssd-pool');
    expect(f.runbook.join('\n')).toContain('kubectl get nodes -l cloud.google.com/gke-nodepool=ssd-pool');
  });

  it('titles the pool and fills the runbook from the configured pool and the per-zone max', () => {
    const withPool = nodeHeadroomSchema.parse({
      pools: [{ project: 'binderhub-288415', location: 'us-central1', cluster: 'prod-a', pool: 'ssd-pool' }],
    });
    const [f] = detectNodeHeadroom(
      { pools: [pool([14], { maxSetting: { kind: 'perZone', perZone: 5, zones: 3 } })] },
      withPool,
      NOW,
    ).findings;
    expect(f.title).toBe('Pool prod-a/ssd-pool at 14 of 15 nodes');
    expect(f.runbook).toEqual([
      'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415',
      'kubectl get nodes -l cloud.google.com/gke-nodepool=ssd-pool -o wide   # SchedulingDisabled = cordoned, still counted',
      'kubectl get pods --all-namespaces --field-selector=status.phase=Pending',
      'gcloud container clusters update prod-a --location us-central1 --project binderhub-288415 --node-pool ssd-pool --enable-autoscaling --max-nodes 7   # per zone: now 5 × 3 zones = 15',
    ]);
  });

  it('raises a total max with --total-max-nodes, and leaves placeholders only for what no config names', () => {
    const [total] = detectNodeHeadroom({ pools: [pool([14], { maxSetting: { kind: 'total' } })] }, cfg, NOW).findings;
    expect(total.runbook.at(-1)).toBe(
      'gcloud container clusters update prod-a --node-pool ssd-pool --enable-autoscaling --total-max-nodes 20   # now 15 in all',
    );
    const [scenario] = detectNodeHeadroom({ pools: [pool([14], { pool: 'ssd-pool' })] }, cfg, NOW).findings;
    expect(scenario.runbook.at(-1)).toBe(
      'gcloud container clusters update <cluster> --node-pool ssd-pool --enable-autoscaling --max-nodes <per-zone max>   # now 15 over all zones',
    );
  });

  it('forecasts the time to max from the recent slope', () => {
    // One node every 5 minutes: from 12 to 15 takes 15 minutes.
    const counts = Array.from({ length: 31 }, (_, i) => 6 + Math.floor(i / 5));
    const [f] = detectNodeHeadroom({ pools: [pool(counts)] }, cfg, NOW).findings;
    expect(f.evidence?.timeToMaxMin).toBeGreaterThanOrEqual(12);
    expect(f.evidence?.timeToMaxMin).toBeLessThanOrEqual(18);
    expect(f.summary).toMatch(/max reached in ~1\dm/);
  });

  it('uses the max in force now when it changed mid-window', () => {
    const [f] = detectNodeHeadroom({ pools: [pool([12, 13, 14, 14], { max: 20 })] }, cfg, NOW).findings;
    expect(f.status).toBe('ok');
    expect(f.summary).toContain('14 of 20');
  });

  it('is unknown, not ok, when the node count is stale or missing', () => {
    const stale = pool([10]);
    stale.nodes = [{ t: NOW - 30 * MIN, v: 10 }];
    const findings = detectNodeHeadroom({ pools: [stale, pool([], { pool: 'other' })] }, cfg, NOW).findings;
    expect(findings.map((f) => f.status)).toEqual(['unknown', 'unknown']);
  });

  it('is unknown when the max is NaN (no data from GKE)', () => {
    const [f] = detectNodeHeadroom({ pools: [pool([12], { max: NaN })] }, cfg, NOW).findings;
    expect(f.status).toBe('unknown');
  });

  it('reports each pool on its own', () => {
    const findings = detectNodeHeadroom({ pools: [pool([14]), pool([2], { pool: 'prod-a/core-pool', max: 5 })] }, cfg, NOW).findings;
    expect(findings.map((f) => `${f.key}:${f.status}`)).toEqual(['headroom:prod-a/ssd-pool:problem', 'headroom:prod-a/core-pool:ok']);
  });
});

describe('nodeHeadroom through the alert lifecycle (default config, */5 schedule)', () => {
  const start = Date.UTC(2018, 0, 18, 10, 0);
  /** A pool of max 15 growing one node every 7 minutes from 9; `pendingFrom` adds pending pods from that minute. */
  function scenario(pendingFrom = Infinity): ScenarioData {
    const minutes = Array.from({ length: 121 }, (_, m) => m);
    const t = (m: number) => start + m * MIN;
    const nodes = (m: number) => Math.min(15, 9 + Math.floor(m / 7));
    const series = (metric: string, v: (m: number) => number) => ({
      metric,
      labels: { pool: 'user-pool' },
      samples: minutes.map((m) => ({ t: t(m), v: v(m) })),
    });
    return {
      series: [
        series('binderwatch_nodepool_nodes', nodes),
        series('binderwatch_nodepool_cordoned_nodes', () => 0),
        series('binderwatch_nodepool_max_nodes', () => 15),
        series('binderwatch_nodepool_pending_pods', (m) => (m >= pendingFrom ? 6 : 0)),
      ],
      start,
      end: t(120),
      stepMs: MIN,
    };
  }
  const config = configSchema.parse({});
  const firing = async (data: ScenarioData) =>
    (await replay(data, config)).filter((a) => a.check === 'nodeHeadroom' && a.state === 'firing');

  it('warns within 5 minutes of crossing 80 % of the max', async () => {
    const crossed = start + 21 * MIN; // 12 of 15 from minute 21
    const first = (await firing(scenario()))[0];
    expect(first.severity).toBe('warning');
    expect(Date.parse(first.at) - crossed).toBeGreaterThanOrEqual(0);
    expect(Date.parse(first.at) - crossed).toBeLessThanOrEqual(5 * MIN);
  });

  it('goes critical on the first run that sees the pool at its max with pods pending', async () => {
    const atMax = start + 42 * MIN; // 15 of 15 from minute 42
    const critical = (await firing(scenario(42))).find((a) => a.severity === 'critical')!;
    // 14 of 15 (93 %) is critical already at minute 35; at the max with pending it stays so.
    expect(Date.parse(critical.at)).toBeLessThanOrEqual(atMax);
    const pendingOnly = (
      await firing({
        ...scenario(42),
        series: scenario(42).series.map((s) =>
          s.metric === 'binderwatch_nodepool_max_nodes' ? { ...s, samples: s.samples.map((x) => ({ ...x, v: 20 })) } : s,
        ),
      })
    ).find((a) => a.severity === 'critical');
    // Max 20: never at the max, never 93 %: pending pods alone are not critical.
    expect(pendingOnly).toBeUndefined();
  });
});
