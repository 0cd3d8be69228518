import { describe, expect, it } from 'vitest';
import { Rng } from '../../../infra/rng.ts';
import { drawWorld } from '../../../infra/worlds/families.ts';
import { BURN_IN_MIN, drawPeople, play, type Trace } from '../../../infra/worlds/hub.ts';
import { simulateWorld } from '../../../infra/worlds/simulate.ts';
import { FAMILIES, HISTORY_MIN, HOUR, MIN, type Dimension, type World } from '../../../infra/worlds/world.ts';
import { formatScenario } from '../../../shared/scenario/openmetrics.ts';
import { smallWorld, START } from '../../helpers/worlds.ts';

/** The world's people played out (history + day, after the burn-in). */
function trace(w: World, seed = 1, unhindered = false): Trace {
  const minutes = BURN_IN_MIN + w.historyMin + w.minutes + 1;
  const t0 = w.start - (w.historyMin + BURN_IN_MIN) * MIN;
  const people = drawPeople(w, t0, minutes, new Rng(seed));
  return play(w, people, { unhindered, t0, minutes, historyStart: BURN_IN_MIN, nodeName: (i) => `n${i}` });
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const at = (tr: Trace, t: number) => tr.t.indexOf(t);

describe('many-worlds simulator', () => {
  it('draws the same day from the same seed and index, and another from another seed', () => {
    const a = simulateWorld(smallWorld(), 7);
    const b = simulateWorld(smallWorld(), 7);
    expect(formatScenario(a.data)).toBe(formatScenario(b.data));
    expect(a.truth).toEqual(b.truth);
    expect(formatScenario(simulateWorld(smallWorld(), 8).data)).not.toBe(formatScenario(a.data));
    expect(drawWorld(3, 11).families).toEqual(drawWorld(3, 11).families);
  });

  it('draws every family of every dimension within 120 days', () => {
    const seen = new Map<Dimension, Set<string>>();
    for (let i = 0; i < 120; i++) {
      const f = drawWorld(i, 20261208).families;
      for (const d of Object.keys(f) as Dimension[]) seen.set(d, (seen.get(d) ?? new Set()).add(f[d]));
    }
    for (const d of Object.keys(FAMILIES) as Dimension[]) expect([...seen.get(d)!].sort()).toEqual([...FAMILIES[d]].sort());
  });

  it('plays a full pool three ways: launches wait (pending pods), are refused at once, or are refused and retried', () => {
    const full = (mode: World['pool']['full']) =>
      trace(
        smallWorld((w) => {
          w.rate = () => 8;
          w.pool = { ...w.pool, maxNodes: 3, full: mode };
        }),
      );
    const wait = full('wait');
    const refuse = full('refuse');
    const retry = full('retry');
    expect(wait.full.some(Boolean) && refuse.full.some(Boolean) && retry.full.some(Boolean)).toBe(true);
    expect(Math.max(...wait.pending)).toBeGreaterThan(10);
    // Refused at the max: nothing waits once the pool cannot grow (only the autoscaler's lag on the way up).
    const atMax = (tr: Trace) => tr.pending.filter((_, i) => tr.nodes[i] === 3);
    expect(Math.max(...atMax(refuse))).toBe(0);
    // Retries are launches again: more attempts from the same people.
    expect(sum(retry.attempts)).toBeGreaterThan(sum(refuse.attempts) * 1.1);
  });

  it('culls by idle time, by age (cutting sessions in use), or not at all (servers linger)', () => {
    const idle = trace(smallWorld());
    const maxAge = trace(smallWorld((w) => (w.culler = { ...w.culler, maxAgeMin: 20 })));
    const none = trace(smallWorld((w) => (w.culler = { stopShare: 0.5, lingerMin: 180, everyMin: 0, idleMin: 0, maxAgeMin: Infinity })));
    const mean = (tr: Trace) => sum(tr.running) / tr.running.length;
    expect(mean(maxAge)).toBeLessThan(mean(idle) * 0.8);
    expect(mean(none)).toBeGreaterThan(mean(idle) * 1.5);
  });

  it('lets a class that arrived together leave together', () => {
    const at13 = START + 3 * HOUR;
    const tr = trace(
      smallWorld((w) => {
        w.rate = () => 0.5;
        w.cohorts = [{ at: at13, people: 60, spreadMin: 3, stayMin: 90 }];
      }),
    );
    const before = tr.running[at(tr, at13 + 85 * MIN)];
    const after = tr.running[at(tr, at13 + 110 * MIN)];
    expect(before).toBeGreaterThan(55);
    expect(before - after).toBeGreaterThan(50);
  });

  it('counts demand with GA’s share, doubling after a step to 1.2, while launches stay the same', () => {
    const step = START + 4 * HOUR;
    const day = simulateWorld(
      smallWorld((w) => {
        w.rate = () => 10;
        w.gaShare = (t) => (t < step ? 0.6 : 1.2);
      }),
      3,
    );
    const demand = day.data.series.find((s) => s.metric === 'binderwatch_demand')!.samples;
    const rate = (from: number, to: number) => {
      const xs = demand.filter((p) => p.t >= from && p.t < to).map((p) => p.v);
      return sum(xs) / xs.length;
    };
    expect(rate(step, step + 4 * HOUR) / rate(START, step)).toBeGreaterThan(1.8);
    const steady = simulateWorld(
      smallWorld((w) => (w.rate = () => 10)),
      3,
    );
    expect(day.actual.attempts).toEqual(steady.actual.attempts);
    expect(day.truth.incidents).toEqual([]);
  });

  it('keeps the history the day asks for, readable before the replayed day starts', () => {
    for (const h of ['none', '6h'] as const) {
      const day = simulateWorld(
        smallWorld((w) => (w.historyMin = HISTORY_MIN[h])),
        5,
      );
      const first = Math.min(...day.data.series.map((s) => s.samples[0]?.t ?? Infinity));
      expect((day.data.start - first) / MIN).toBe(HISTORY_MIN[h]);
    }
  });

  it('fails probe attempts together as often as the correlation says, and whole runs in the background', () => {
    const fails = (probe: Partial<World['probe']>) => {
      const day = simulateWorld(
        smallWorld((w) => {
          w.minutes = 24 * 60;
          w.probe = { ...w.probe, repos: ['a', 'b', 'c', 'd'], ...probe };
        }),
        9,
      );
      const runs = day.data.series.filter((s) => s.metric === 'binderwatch_launch_probe_ok').flatMap((s) => s.samples);
      return runs.filter((p) => p.v === 0).length / runs.length;
    };
    expect(fails({ flake: 0.1, correlation: 0 })).toBeLessThan(0.04); // two independent 10 % attempts: 1 %
    expect(fails({ flake: 0.1, correlation: 1 })).toBeGreaterThan(0.06); // the retry fails with the first: 10 %
    expect(fails({ background: 0.05 })).toBeGreaterThan(0.02);
    expect(fails({})).toBe(0);
  });
});

describe('many-worlds truth', () => {
  it('labels nothing on a healthy day, where the day played unhindered is the same day', () => {
    const day = simulateWorld(smallWorld(), 2);
    expect(day.actual.running).toEqual(day.unhindered.running);
    expect(day.truth.incidents).toEqual([]);
  });

  it('labels a launch failure and the pods it costs, both required, with optional halos', () => {
    const from = START + 3 * HOUR;
    const day = simulateWorld(
      smallWorld((w) => {
        w.rate = () => 6;
        w.platform = (t) => (t >= from && t < from + 2 * HOUR ? 0.2 : 1);
      }),
      4,
    );
    const required = day.truth.incidents.filter((i) => !i.optional);
    const launch = required.find((i) => i.kind === 'launch-failure')!;
    expect(Math.abs(Date.parse(launch.onset) - from)).toBeLessThanOrEqual(10 * MIN);
    expect(required.some((i) => i.kind === 'levelling-off')).toBe(true);
    expect(day.truth.incidents.some((i) => i.kind === 'launch-failure' && i.optional)).toBe(true);
    expect(required.some((i) => i.kind === 'headroom' || i.kind === 'sick-node')).toBe(false);
  });

  it('labels a full pool headroom (required) and its failed launches (optional), by the pool, not by 80 % of the max', () => {
    const day = simulateWorld(
      smallWorld((w) => {
        w.rate = (t) => (t >= START + 3 * HOUR ? 9 : 3);
        w.pool = { ...w.pool, maxNodes: 10, full: 'refuse' };
      }),
      6,
    );
    const headroom = day.truth.incidents.filter((i) => i.kind === 'headroom');
    const required = headroom.find((i) => !i.optional)!;
    const firstFull = day.actual.t[day.actual.full.findIndex((f, i) => f && day.actual.t[i] >= START)];
    expect(Date.parse(required.onset)).toBe(firstFull);
    // Nodes passed 75 % of the max before the pool filled: an optional window opens earlier.
    expect(Math.min(...headroom.filter((i) => i.optional).map((i) => Date.parse(i.onset)))).toBeLessThan(firstFull);
    expect(day.truth.incidents.some((i) => i.kind === 'launch-failure' && i.optional && Date.parse(i.onset) === firstFull)).toBe(true);
  });

  it('labels a sick node, and the launches it fails as a launch failure too', () => {
    const sick: [number, number] = [START + 3 * HOUR, START + 5 * HOUR];
    const day = simulateWorld(
      smallWorld((w) => {
        w.rate = () => 3;
        w.pool = { ...w.pool, podsPerNode: 200 };
        w.sick = sick;
      }),
      8,
    );
    expect(day.truth.incidents).toContainEqual({
      kind: 'sick-node',
      onset: new Date(sick[0]).toISOString(),
      end: new Date(sick[1]).toISOString(),
    });
    const launch = day.truth.incidents.filter((i) => i.kind === 'launch-failure');
    expect(launch.some((i) => Date.parse(i.onset) >= sick[0] - 10 * MIN && Date.parse(i.onset) < sick[1])).toBe(true);
    const loops = day.data.series.filter((s) => s.metric === 'binderwatch_pod_crashlooping' && s.labels.owner.startsWith('DaemonSet/'));
    expect(loops.length).toBe(2);
  });
});
