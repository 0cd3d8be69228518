// The report's data comes from the detectors themselves: the traffic model's band as
// trafficVsPods computed it, and alert spans that follow the notifications.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { replay } from '../../../shared/replay/replay.ts';
import { reportData, type ReportRun } from '../../../shared/report/data.ts';
import { parseScenario } from '../../../shared/scenario/openmetrics.ts';

const FILE = 'infra/scenarios/mybinder-2018-01-18.om';

describe('report data of the 2018 night', async () => {
  const data = parseScenario(readFileSync(FILE, 'utf8'), FILE);
  const config = parseConfig({ alerting: { state: { type: 'memory' } } });
  const runs: ReportRun[] = [];
  const alerts = await replay(data, config, { onRun: (result, now) => runs.push({ now, result }) });
  const page = reportData(data, runs, { title: 't', timeZone: 'America/Los_Angeles' });

  it('carries the band each trafficVsPods run returned, a window long (a shortfall: its judged horizon), ordered low ≤ expected ≤ high', () => {
    const withBand = runs.filter((r) => r.result.check === 'trafficVsPods' && r.result.band);
    expect(withBand.length).toBeGreaterThan(1000);
    const window = 30; // the default evaluation window, minutes
    for (const { now, result } of withBand) {
      const horizon = result.findings[0].status === 'problem' ? Number(result.findings[0].evidence?.horizonMin ?? window) : window;
      expect(result.band!.length).toBeLessThanOrEqual(Math.max(window, horizon));
      expect(result.band![result.band!.length - 1].t).toBeLessThanOrEqual(now);
      for (const b of result.band!) expect(b.low <= b.expected && b.expected <= b.high).toBe(true);
    }
  });

  it('puts the observed pods below the band while the levelling-off fires, and inside it in the quiet evening', () => {
    const span = page.alerts.find((s) => s.check === 'trafficVsPods' && s.firing.length)!;
    // The alert may still be firing when the night ends: it resolves only on evidence of recovery.
    const during = page.t.flatMap((s, k) => (s * 1000 >= span.firing[0].at && s * 1000 <= (span.endAt ?? Infinity) ? [k] : []));
    const below = during.filter((k) => page.pods[k]! < page.low[k]!);
    expect(below.length).toBeGreaterThan(0.8 * during.length);
    const evening = page.t.indexOf(Date.parse('2018-01-18T04:00:00Z') / 1000);
    expect(page.pods[evening]!).toBeGreaterThanOrEqual(page.low[evening]!);
    expect(page.pods[evening]!).toBeLessThanOrEqual(page.high[evening]!);
  });

  it('has one firing phase per firing notification and ends each span at its resolve', () => {
    for (const a of alerts.filter((x) => x.state !== 'repeat')) {
      const span = page.alerts.find((s) => s.check === a.check && s.key === a.key)!;
      if (a.state === 'firing') expect(span.firing.map((f) => f.at)).toContain(Date.parse(a.at));
      else expect(span.endAt).toBe(Date.parse(a.at));
      expect(span.pendingAt).toBeLessThanOrEqual(span.firing[0].at);
    }
    expect(page.alerts.flatMap((s) => s.firing)).toHaveLength(alerts.filter((a) => a.state === 'firing').length);
  });
});
