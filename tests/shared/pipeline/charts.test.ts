// The charts stage: a picture per finding for the checks that have one, recorded only
// when a channel shows pictures, and never at the cost of the alert.
import { describe, expect, it } from 'vitest';
import type { Finding, NodeHeadroomObservation } from '../../../shared/model.ts';
import { charts } from '../../../shared/pipeline/charts.ts';
import type { Detected } from '../../../shared/pipeline/detect.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import { collector, MIN, T0, testRun } from '../../helpers/pipeline.ts';

const finding: Finding = {
  check: 'nodeHeadroom',
  key: 'headroom:user-pool',
  status: 'problem',
  severity: 'warning',
  title: 'Pool user-pool at 14 of 15 nodes',
  summary: '',
  runbook: [],
};
const pool = (nodes: number, at: number): NodeHeadroomObservation => ({
  pools: [{ pool: 'user-pool', nodes: [{ t: at, v: nodes }], cordoned: 0, max: 15, pending: 2 }],
});
const headroom = (nodes: number, at: number): Detected<'nodeHeadroom'> => ({ findings: [finding], observation: pool(nodes, at) });
const drawing = collector('email', { drawsCharts: true });

describe('charts', () => {
  it("draws each finding's chart from the history its check's runs recorded", async () => {
    const store = new MemoryStore();
    expect(await charts(testRun('nodeHeadroom', { store, notifiers: [drawing] }), headroom(13, T0))).toEqual(new Map());
    const drawn = await charts(testRun('nodeHeadroom', { store, notifiers: [drawing] }, T0 + 5 * MIN), headroom(14, T0 + 5 * MIN));
    const chart = drawn.get('headroom:user-pool')!;
    expect(chart.title).toBe('Nodes in pool user-pool');
    expect(chart.t).toEqual([0, 300]);
    expect(chart.series.find((s) => s.label === 'nodes')!.values).toEqual([13, 14]);
    expect(await store.list('')).toEqual([stateKeys.chart('nodeHeadroom')]);
  });

  it('records nothing when no channel shows pictures, when the run was blind, or for a check without charts', async () => {
    const store = new MemoryStore();
    await charts(testRun('nodeHeadroom', { store }), headroom(14, T0));
    await charts(testRun('nodeHeadroom', { store, notifiers: [drawing] }), { findings: [finding] });
    await charts(testRun('clusterHealth', { store, notifiers: [drawing] }), {
      findings: [],
      observation: { problems: [], notReadyNodes: [] },
    });
    expect(await store.list('')).toEqual([]);
  });

  it('costs the picture only when the store fails, logged at WARNING', async () => {
    class FullStore extends MemoryStore {
      override async put(): Promise<string> {
        throw new Error('quota exceeded');
      }
    }
    const run = testRun('nodeHeadroom', { store: new FullStore(), notifiers: [drawing] });
    expect(await charts(run, headroom(14, T0))).toEqual(new Map());
    expect(run.logs).toMatchObject([
      { severity: 'WARNING', message: 'chart history not recorded', check: 'nodeHeadroom', error: 'quota exceeded' },
    ]);
  });
});
