// Values checked at the door of the traffic source, against a real Prometheus: a count
// that no hub can give (negative, 1e308, beyond the documented ceiling) is a gap, and a
// series of nothing but such values is "cannot see prometheus: values out of range",
// never "still learning" forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { promqlClient } from '../../../shared/clients/promql.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { silentLogger } from '../../../shared/log.ts';
import { runCheck } from '../../../shared/pipeline/run-check.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { promqlDemand, trafficSource } from '../../../shared/sources/traffic-vs-pods.ts';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import { stackAvailable } from '../../helpers/stack.ts';

const MIN = 60_000;
const T0 = Date.UTC(2018, 0, 18, 12, 0);
const HOURS = 6;

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('traffic values at the door', () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    const series: Record<string, (m: number) => number> = {
      launches: (m) => 4 + (m % 3),
      good_pods: (m) => 150 + (m % 5),
      huge_pods: () => 1e308,
      negative_pods: () => -40,
      // Every third minute a value no hub gives, between plausible ones.
      mixed_pods: (m) => (m % 3 === 0 ? [-1, 2e6, 1e308][(m / 3) % 3] : 150 + (m % 5)),
    };
    const lines: string[] = [];
    for (const [name, v] of Object.entries(series)) {
      lines.push(`# TYPE ${name} gauge`);
      for (let m = 0; m <= HOURS * 60; m++) lines.push(`${name} ${v(m)} ${(T0 - HOURS * 60 * MIN + m * MIN) / 1000}`);
    }
    prometheus = await startPrometheus({ openMetricsText: lines.join('\n') + '\n# EOF\n' });
  }, 120_000);
  afterAll(async () => prometheus?.stop());

  const source = (podsQuery: string, demandQuery = 'launches') => {
    const client = promqlClient({ url: prometheus.url, timeoutMs: 5_000 });
    return trafficSource({ pods: { client, query: podsQuery }, demand: promqlDemand(client, demandQuery) });
  };
  const observe = (podsQuery: string, demandQuery?: string) =>
    source(podsQuery, demandQuery).observe({ now: T0, lookbackMs: 60 * MIN, stepMs: MIN });

  it('keeps plausible samples and turns the others into gaps', async () => {
    const obs = await observe('mixed_pods');
    expect(obs.pods.length).toBeGreaterThan(30);
    expect(obs.pods.length).toBeLessThan(50);
    for (const s of obs.pods) expect(s.v >= 0 && s.v <= LIMITS.maxPods).toBe(true);
  });

  it.each(['huge_pods', 'negative_pods'])('refuses a pods series of nothing but %s as values out of range', async (q) => {
    await expect(observe(q)).rejects.toMatchObject({ upstream: 'prometheus', message: expect.stringMatching(/values out of range/) });
  });

  it('refuses demand of nothing but implausible values the same way', async () => {
    await expect(observe('good_pods', 'huge_pods')).rejects.toMatchObject({
      upstream: 'demand',
      message: expect.stringMatching(/values out of range/),
    });
  });

  it('makes trafficVsPods say "cannot see prometheus … values out of range" on every run, never OK "still learning"', async () => {
    const deps = {
      config: parseConfig({}),
      sources: { trafficVsPods: source('huge_pods') },
      store: new MemoryStore(silentLogger),
      notifiers: [],
      logger: silentLogger,
    };
    for (const now of [T0 - 10 * MIN, T0 - 5 * MIN, T0]) {
      const { findings } = await runCheck('trafficVsPods', deps, now);
      expect(findings.map((f) => `${f.status} ${f.summary}`)).toEqual([
        expect.stringMatching(
          /^unknown trafficVsPods cannot see prometheus: (prometheus: )?values out of range: none of \d+ running pods samples/,
        ),
      ]);
    }
  });
});
