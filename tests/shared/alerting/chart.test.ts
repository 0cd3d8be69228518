// The chart history behind an alert's picture: 3 hours kept, gaps stay gaps.
import { describe, expect, it } from 'vitest';
import { alertChart, appendChartPoints, chartPoints, CHART_SPAN_MS, type ChartHistory } from '../../../shared/alerting/chart.ts';

const MIN = 60_000;
const T = Date.parse('2018-01-18T12:00:00Z');

describe('chart history', () => {
  it('keeps 3 hours of points per key, a rerun at the same time replacing its point', () => {
    let h: ChartHistory = {};
    for (let k = 0; k <= 240; k += 5) h = appendChartPoints(h, { 'headroom:a': { nodes: k } }, T + k * MIN);
    h = appendChartPoints(h, { 'headroom:a': { nodes: 999 } }, T + 240 * MIN);
    const points = h['headroom:a'];
    expect(points[0][0]).toBe(T + 240 * MIN - CHART_SPAN_MS + 5 * MIN);
    expect(points.at(-1)).toEqual([T + 240 * MIN, { nodes: 999 }]);
    expect(points.filter(([t]) => t === T + 240 * MIN)).toHaveLength(1);
  });

  it('forgets a key once all its points are older than 3 hours', () => {
    const h = appendChartPoints({ 'headroom:a': [[T, { nodes: 3 }]] }, { 'headroom:b': { nodes: 1 } }, T + CHART_SPAN_MS);
    expect(Object.keys(h)).toEqual(['headroom:b']);
  });

  it('takes no value from a stale sample: a source that stopped shows as a gap', () => {
    const obs = { demand: [{ t: T - 30 * MIN, v: 5 }], pods: [{ t: T, v: 100 }], stepMs: MIN };
    expect(chartPoints('trafficVsPods', obs, undefined, T)).toEqual({ 'trafficVsPods:levelling-off': { pods: 100 } });
    let h: ChartHistory = {};
    h = appendChartPoints(h, { 'trafficVsPods:levelling-off': { pods: 90, demand: 4 } }, T - MIN);
    h = appendChartPoints(h, chartPoints('trafficVsPods', obs, undefined, T), T);
    const chart = alertChart('trafficVsPods', 'trafficVsPods:levelling-off', h)!;
    expect(chart.t).toEqual([0, 60]);
    expect(chart.series.find((s) => s.label === 'demand /min')!.values).toEqual([4, null]);
    expect(chart.series.find((s) => s.label === 'running pods')!.values).toEqual([90, 100]);
  });

  it('draws nothing from a single point', () => {
    expect(alertChart('nodeHeadroom', 'headroom:a', { 'headroom:a': [[T, { nodes: 3 }]] })).toBeUndefined();
  });
});
