// Day shapes for the scorecard: randomized days drawn from one seed per day, and the
// named cases of issue 11, each a fixed seed. A shape is data plus the functions the
// simulator samples; everything random comes from the day's own Rng, so day i is the
// same whatever else runs.
import { Rng } from '../rng.ts';
import { MIN, type DaySpec, type ProbeSpec } from './simulator.ts';
import { HOUR_MS } from '../../shared/time.ts';

/** Day 0 of the randomized days: a Monday, so weekdays and weekends alternate as in a calendar. */
export const FIRST_DAY = Date.UTC(2026, 0, 5);
/** History before each replayed day: enough for the 2 h baseline the traffic model fits. */
const HISTORY_MIN = 180;
const REPOS = ['gh/binder-examples/requirements/HEAD', 'gh/binder-examples/conda/HEAD'];
/** mybinder.org's culler: idle servers go after 10 min, checked every 10 min (z2jh defaults are 1 h; Binder runs tighter). */
const CULLER = { everyMin: 10, idleMin: 10 };

export interface Shape {
  spec: DaySpec;
  /** What the day holds, for the report ("weekend", "gradual-degradation", …). */
  tags: string[];
}

export interface ShapeOptions {
  /** Probe launches per run (2: one in-run confirmation). */
  probeAttempts: number;
}

/** A piecewise-linear factor: 1 before the first point, each point (t, f), held after the last. */
function ramp(points: [number, number][]): (t: number) => number {
  return (t) => {
    if (t <= points[0][0]) return t < points[0][0] ? 1 : points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [a, fa] = points[i - 1];
      const [b, fb] = points[i];
      if (t <= b) return fa + ((fb - fa) * (t - a)) / (b - a);
    }
    return points[points.length - 1][1];
  };
}

/** Diurnal arrivals: `peak` per minute at `peakHour` UTC, `trough` of it twelve hours away. */
function diurnal(peak: number, trough: number, peakHour: number): (t: number) => number {
  return (t) => peak * (trough + (1 - trough) * (0.5 + 0.5 * Math.cos((2 * Math.PI * (t / HOUR_MS - peakHour)) / 24)));
}

const product =
  (...fs: ((t: number) => number)[]) =>
  (t: number) =>
    fs.reduce((acc, f) => acc * f(t), 1);

/** Pods the arrivals `a` per minute keep running in steady state (Little's law, culling delay included). */
export function steadyPods(
  a: number,
  userOk: number,
  sessionMeanMin: number,
  culler: { everyMin: number; idleMin: number } = CULLER,
): number {
  return a * userOk * (sessionMeanMin + culler.idleMin + culler.everyMin / 2);
}

function between(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

const minute = (t: number) => Math.round(t / MIN) * MIN;

/** A healthy day with mid-range settings; shapes and tests change what they need. */
export function baseSpec(start: number, minutes: number, probe: ProbeSpec): DaySpec {
  return {
    start,
    historyMin: HISTORY_MIN,
    minutes,
    arrivals: () => 10,
    userOk: 0.97,
    platform: () => 1,
    sessionMeanMin: 30,
    sessionSigma: 0.9,
    gaShare: 0.7,
    gaGapRate: 1 / 600,
    gaOutages: [],
    podScrapeGapRate: 1 / 1000,
    pool: { name: 'user-pool', podsPerNode: 50, minNodes: 2, maxNodes: 20, scaleUpLagMin: 5, scaleDownEmptyMin: 10 },
    culler: { ...CULLER, stuck: [] },
    cordons: [],
    sickNodes: [],
    userCrashLoops: [],
    infraBlips: [],
    probe,
  };
}

const INCIDENT_KINDS = ['capacity-exhaustion', 'sudden-degradation', 'gradual-degradation', 'sick-node'] as const;
const BENIGN_KINDS = ['surge', 'steep-drop', 'plateau', 'ga-outage', 'stuck-culler', 'cordon'] as const;

/** Randomized day `index` of the scorecard (seeded by `seed + index`). */
export function randomDay(index: number, seed: number, opts: ShapeOptions): Shape {
  const rng = new Rng(seed + index * 7919);
  const start = FIRST_DAY + index * 24 * HOUR_MS;
  const weekday = new Date(start).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const tags = [weekend ? 'weekend' : 'weekday'];
  const spec = baseSpec(start, 24 * 60, {
    repos: REPOS,
    everyMin: 10,
    attempts: opts.probeAttempts,
    flake: [0, 0.01, 0.03][Math.floor(rng.uniform() * 3)],
  });
  spec.sessionMeanMin = between(rng, 20, 45);
  spec.sessionSigma = between(rng, 0.3, 1.1);
  spec.userOk = between(rng, 0.94, 0.99);
  spec.gaShare = between(rng, 0.5, 0.9);
  // Culler runs from every 2 to every 10 min: the longer, the deeper the sawtooth in running pods.
  spec.culler.everyMin = [2, 5, 10][Math.floor(rng.uniform() * 3)];
  spec.culler.idleMin = [5, 10][Math.floor(rng.uniform() * 2)];
  const peak = between(rng, 6, 20) * (weekend ? 0.6 : 1);
  const peakHour = between(rng, 12, 17);
  const base = diurnal(peak, between(rng, 0.2, 0.45), peakHour);
  const podsPerNode = 40 + Math.floor(rng.uniform() * 21);
  const peakNodes = steadyPods(peak, spec.userOk, spec.sessionMeanMin, spec.culler) / podsPerNode;
  spec.pool = {
    ...spec.pool,
    podsPerNode,
    maxNodes: Math.max(6, Math.ceil(peakNodes / between(rng, 0.45, 0.72))),
    scaleUpLagMin: 3 + Math.floor(rng.uniform() * 5),
  };
  const peakTime = start + peakHour * HOUR_MS;
  /** An event time in the busy part of the day, at least 3 h into it. */
  const busyTime = () => minute(Math.max(start + 3 * HOUR_MS, peakTime + between(rng, -6, 3) * HOUR_MS));
  const factors: ((t: number) => number)[] = [base];

  const incident = rng.uniform() < 0.6 ? INCIDENT_KINDS[Math.floor(rng.uniform() * INCIDENT_KINDS.length)] : undefined;
  const benign = BENIGN_KINDS.filter(() => rng.uniform() < 0.3);
  for (const kind of [...(incident ? [incident] : []), ...benign]) {
    tags.push(kind);
    const at = busyTime();
    switch (kind) {
      case 'capacity-exhaustion': {
        // A viral repo: demand well beyond what the max can hold.
        const k = between(rng, 1.8, 3);
        factors.push(
          ramp([
            [at, 1],
            [at + between(rng, 1, 3) * HOUR_MS, k],
            [at + 7 * HOUR_MS, k],
            [at + 9 * HOUR_MS, 1],
          ]),
        );
        spec.pool.maxNodes = Math.max(6, Math.ceil(peakNodes * between(rng, 1.05, 1.4)));
        break;
      }
      case 'sudden-degradation': {
        const to = between(rng, 0.05, 0.6);
        const until = at + between(rng, 1, 5) * HOUR_MS;
        spec.platform = (t) => (t >= at && t < until ? to : 1);
        break;
      }
      case 'gradual-degradation': {
        const to = between(rng, 0.25, 0.6);
        const down = at + between(rng, 0.5, 2) * HOUR_MS;
        const until = down + between(rng, 2, 6) * HOUR_MS;
        const slope = ramp([
          [at, 1],
          [down, to],
        ]);
        spec.platform = (t) => (t < until ? slope(t) : 1);
        break;
      }
      case 'sick-node':
        spec.sickNodes.push([at, minute(at + between(rng, 1, 3) * HOUR_MS)]);
        break;
      case 'surge': {
        const k = between(rng, 1.4, 2.2);
        const up = at + between(rng, 0.5, 2) * HOUR_MS;
        const hold = up + between(rng, 1, 4) * HOUR_MS;
        factors.push(
          ramp([
            [at, 1],
            [up, k],
            [hold, k],
            [hold + HOUR_MS, 1],
          ]),
        );
        break;
      }
      case 'steep-drop': {
        // 80 % fewer people within the hour (a class ends, a link goes stale): healthy.
        const down = at + between(rng, 40, 60) * MIN;
        const low = down + between(rng, 2, 5) * HOUR_MS;
        factors.push(
          ramp([
            [at, 1],
            [down, 0.2],
            [low, 0.2],
            [low + 2 * HOUR_MS, 1],
          ]),
        );
        break;
      }
      case 'plateau': {
        // Demand stays where it was for hours (no diurnal change): pods plateau too, healthily.
        const until = at + between(rng, 4, 10) * HOUR_MS;
        const level = base(at);
        factors[0] = (t) => (t >= at && t < until ? level : base(t));
        break;
      }
      case 'ga-outage':
        spec.gaOutages.push([at, minute(at + between(rng, 30, 120) * MIN)]);
        break;
      case 'stuck-culler':
        spec.culler.stuck.push([at, minute(at + between(rng, 2, 5) * HOUR_MS)]);
        break;
      case 'cordon':
        spec.cordons.push({ at, until: minute(at + between(rng, 2, 4) * HOUR_MS) });
        break;
    }
  }
  spec.arrivals = product(...factors);
  for (let k = rng.poisson(1.5); k > 0; k--) {
    const a = minute(start + between(rng, 0, 22) * HOUR_MS);
    spec.userCrashLoops.push([a, a + Math.round(between(rng, 20, 90)) * MIN]);
  }
  for (let k = rng.poisson(0.5); k > 0; k--) {
    const a = minute(start + between(rng, 0, 23) * HOUR_MS);
    spec.infraBlips.push([a, a + Math.round(between(rng, 3, 12)) * MIN]);
  }
  return { spec, tags };
}

export interface NamedCase {
  name: string;
  seed: number;
  what: string;
  /** Replay from this time with a fresh state store (history before it stays visible). */
  coldStartAt?: number;
  shape: (opts: ShapeOptions) => Shape;
}

const CASE_DAY = Date.UTC(2026, 2, 3); // a Tuesday
const at = (h: number) => CASE_DAY + h * HOUR_MS;
const caseProbe = (o: ShapeOptions, flake = 0): ProbeSpec => ({ repos: REPOS, everyMin: 10, attempts: o.probeAttempts, flake });

/** Launch success 97 % → 30 % between 09:00 and 10:00, held five hours; demand steady ~16/min, sessions 25 min. */
function gradualDegradation(o: ShapeOptions): Shape {
  const spec = baseSpec(at(6), 10 * 60, caseProbe(o));
  spec.arrivals = () => 16;
  spec.sessionMeanMin = 25;
  const slope = ramp([
    [at(9), 1],
    [at(10), 0.3 / 0.97],
  ]);
  spec.platform = (t) => (t < at(15) ? slope(t) : 1);
  spec.pool.maxNodes = 25;
  return { spec, tags: ['gradual-degradation'] };
}

export const CASES: NamedCase[] = [
  {
    name: 'resolve-while-fault-continues',
    seed: 1101,
    what: 'launch success 97 % → 30 % over an hour (09:00–10:00), then held until 15:00; demand ~16/min, sessions 25 min: an alert must not resolve before 15:00',
    shape: gradualDegradation,
  },
  {
    name: 'steep-healthy-drop',
    seed: 1102,
    what: 'demand ~18/min falls to ~3/min between 12:00 and 13:00, launches healthy; sessions ~25 min with little spread (a class), culler every 2 min after 5 idle: nothing should fire',
    shape: (o) => {
      const spec = baseSpec(at(6), 12 * 60, caseProbe(o));
      // Sessions that end together drain faster than the exponential sessions of the ODE model assume.
      spec.sessionMeanMin = 25;
      spec.sessionSigma = 0.3;
      spec.culler = { everyMin: 2, idleMin: 5, stuck: [] };
      const drop = ramp([
        [at(12), 1],
        [at(13), 3 / 18],
      ]);
      spec.arrivals = (t) => 18 * drop(t);
      spec.pool.maxNodes = 30;
      return { spec, tags: ['steep-drop'] };
    },
  },
  {
    name: 'probe-flake-3pct',
    seed: 1103,
    what: 'a normal weekday; each probe launch fails on its own 3 % of the time (2 repos every 10 min): no launch alert should fire',
    shape: (o) => {
      const spec = baseSpec(CASE_DAY, 24 * 60, caseProbe(o, 0.03));
      spec.arrivals = diurnal(12, 0.3, 15);
      spec.pool.maxNodes = 30;
      return { spec, tags: ['weekday'] };
    },
  },
  {
    name: 'headroom-crossing-80',
    seed: 1104,
    what: 'demand climbs 6 → 15/min between 09:00 and 13:00; nodes cross 80 % of the max (16) and stay: warn within 5 min of the crossing',
    shape: (o) => {
      const spec = baseSpec(at(6), 10 * 60, caseProbe(o));
      spec.arrivals = (t) =>
        6 *
        ramp([
          [at(9), 1],
          [at(13), 2.5],
        ])(t);
      spec.pool.maxNodes = 16;
      return { spec, tags: ['surge'] };
    },
  },
  {
    name: 'gradual-degradation',
    seed: 1101,
    what: 'the same day as resolve-while-fault-continues: levelling-off should fire within 35 min of the onset (09:00 + the time success takes to cross 80 %)',
    shape: gradualDegradation,
  },
  {
    name: 'cold-start-mid-incident',
    seed: 1101,
    what: 'the same degradation, replayed from 90 min after its onset with a fresh state store (earlier data visible as history): should fire on the first or second run',
    coldStartAt: at(9) + 90 * MIN,
    shape: gradualDegradation,
  },
];
