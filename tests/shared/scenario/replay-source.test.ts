// The replay's launch probe: a run's result from binderwatch_launch_probe_ok, and the
// extra launches adaptive probing asks for from binderwatch_launch_probe_extra_ok.
import { describe, expect, it } from 'vitest';
import { scenarioSources } from '../../../shared/scenario/replay-source.ts';
import type { ScenarioData } from '../../../shared/scenario/openmetrics.ts';

const T = Date.UTC(2026, 0, 5, 12, 0);
const REPO = 'gh/binder-examples/requirements/HEAD';
const data = (extras: boolean): ScenarioData => ({
  start: T - 600_000,
  end: T,
  stepMs: 600_000,
  series: [
    {
      metric: 'binderwatch_launch_probe_ok',
      labels: { repo: REPO },
      samples: [
        { t: T - 600_000, v: 1 },
        { t: T, v: 1 },
      ],
    },
    ...(extras
      ? [
          {
            metric: 'binderwatch_launch_probe_extra_ok',
            labels: { repo: REPO, attempt: '2' },
            samples: [
              { t: T - 600_000, v: 1 },
              { t: T, v: 1 },
            ],
          },
          {
            metric: 'binderwatch_launch_probe_extra_ok',
            labels: { repo: REPO, attempt: '1' },
            samples: [
              { t: T - 600_000, v: 1 },
              { t: T, v: 0 },
            ],
          },
        ]
      : []),
  ],
});
const observe = (d: ScenarioData, extraLaunches?: Record<string, number>) =>
  scenarioSources(d).launchProbe!.observe({ now: T, lookbackMs: 0, stepMs: 60_000, ...(extraLaunches ? { extraLaunches } : {}) });

describe('replay launch probe', () => {
  it('adds the extra launches the detector asks for, in order and as many as asked, from the run at that time', async () => {
    expect((await observe(data(true))).results[0].attempts).toBeUndefined();
    expect((await observe(data(true), { 'other.example': 2 })).results[0].attempts).toBeUndefined();
    expect((await observe(data(true), { 'mybinder.org': 1 })).results[0].attempts?.map((a) => [a.ok, a.extra])).toEqual([[false, true]]);
    const two = (await observe(data(true), { 'mybinder.org': 2 })).results[0];
    expect(two).toMatchObject({ ok: true, at: T });
    expect(two.attempts?.map((a) => [a.at, a.ok, a.extra])).toEqual([
      [T, false, true],
      [T, true, true],
    ]);
  });

  it('leaves a scenario without extra launches as it was, whatever is asked', async () => {
    expect(await observe(data(false), { 'mybinder.org': 2 })).toEqual(await observe(data(false)));
    expect((await observe(data(false), { 'mybinder.org': 2 })).results[0].attempts).toBeUndefined();
  });
});
