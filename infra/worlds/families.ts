// Draws day `index` of a seed: one family in every dimension (infra/worlds/world.ts),
// then that family's numbers. Everything comes from the day's own Rng, so a day is the
// same whatever else runs.
import { Rng } from '../rng.ts';
import { FAMILIES, HISTORY_MIN, HOUR, MIN, type Cohort, type Dimension, type Families, type FamilyOf, type World } from './world.ts';

/** Day 0: a Monday, a different calendar from the other simulators'. */
export const FIRST_DAY = Date.UTC(2026, 3, 6);
const REPOS = ['gh/jupyterhub/binder-example/HEAD', 'gh/org/course-notebooks/main'];

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)];
const minute = (t: number) => Math.round(t / MIN) * MIN;

/** Incidents: healthy days weigh as much as two incident kinds. */
const INCIDENT_WEIGHTS: Record<FamilyOf<'incident'>, number> = {
  healthy: 2,
  'levelling-off': 1,
  'launch-failure': 1,
  headroom: 1,
  'sick-node': 1,
};

function drawFamilies(rng: Rng): Families {
  const f = {} as Record<Dimension, string>;
  for (const d of Object.keys(FAMILIES) as Dimension[]) {
    if (d !== 'incident') f[d] = pick(rng, FAMILIES[d]);
  }
  const total = Object.values(INCIDENT_WEIGHTS).reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  f.incident = FAMILIES.incident.find((k) => (u -= INCIDENT_WEIGHTS[k]) < 0) ?? 'healthy';
  return f as Families;
}

/** Arrivals per minute: a daily curve with its own peak hour, lower at weekends. */
function dailyCurve(rng: Rng, peak: number): (t: number) => number {
  const trough = between(rng, 0.1, 0.5);
  const peakHour = between(rng, 9, 19);
  const width = between(rng, 0.8, 1.6);
  return (t) => {
    const day = new Date(t).getUTCDay();
    const weekend = day === 0 || day === 6 ? 0.55 : 1;
    const h = ((((t / HOUR - peakHour) % 24) + 36) % 24) - 12;
    return peak * weekend * (trough + (1 - trough) * Math.exp(-(h * h) / (2 * (4 * width) ** 2)));
  };
}

/** Average minutes a server is held: session plus the culler's delay (for sizing the pool). */
function heldMin(w: Pick<World, 'session' | 'culler'>): number {
  const s = w.session;
  const mean = s.law === 'pareto' ? Math.min(s.capMin, (s.alpha * s.minMin) / (s.alpha - 1)) : s.meanMin;
  const idle = w.culler.everyMin === 0 ? (1 - w.culler.stopShare) * w.culler.lingerMin : w.culler.idleMin + w.culler.everyMin / 2;
  return Math.min(mean + idle, w.culler.maxAgeMin);
}

export function drawWorld(index: number, seed: number): World {
  const rng = new Rng((seed * 2654435761 + index * 40503) >>> 0);
  const families = drawFamilies(rng);
  const start = FIRST_DAY + index * 24 * HOUR;
  const peak = between(rng, 3, 22);
  const base = dailyCurve(rng, peak);
  const session: World['session'] =
    families.sessions === 'exponential'
      ? { law: 'exponential', meanMin: between(rng, 15, 60) }
      : families.sessions === 'long-tail'
        ? { law: 'pareto', minMin: between(rng, 4, 10), alpha: between(rng, 1.15, 1.6), capMin: 12 * 60 }
        : { law: 'lognormal', meanMin: between(rng, 20, 60), sigma: between(rng, 0.4, 1.3) };
  const culler: World['culler'] =
    families.culler === 'none'
      ? { stopShare: between(rng, 0.5, 0.9), lingerMin: between(rng, 60, 240), everyMin: 0, idleMin: 0, maxAgeMin: Infinity }
      : {
          stopShare: 0,
          lingerMin: 0,
          everyMin: 1 + Math.floor(rng.uniform() * 10),
          idleMin: Math.round(between(rng, 5, 60)),
          maxAgeMin: families.culler === 'max-age' ? Math.round(between(rng, 60, 360)) : Infinity,
        };
  const podsPerNode = rng.bernoulli(0.3) ? 8 + Math.floor(rng.uniform() * 13) : 40 + Math.floor(rng.uniform() * 71);
  const userOk = between(rng, 0.9, 0.99);
  const peakPods = peak * userOk * heldMin({ session, culler });
  const world: World = {
    families,
    start,
    minutes: 24 * 60,
    historyMin: HISTORY_MIN[families.history],
    rate: base,
    dispersion:
      families.arrivals === 'overdispersed'
        ? { cv: between(rng, 0.2, 0.6), everyMin: 5 + Math.floor(rng.uniform() * 26) }
        : { cv: 0, everyMin: 1 },
    cohorts: [],
    session,
    userOk,
    culler,
    pool: {
      name: 'user',
      podsPerNode,
      minNodes: Math.floor(rng.uniform() * 3),
      maxNodes: Math.max(3, Math.ceil(peakPods / podsPerNode / between(rng, 0.4, 0.72))),
      lagMin: families.autoscaler === 'fast' ? 1 + Math.floor(rng.uniform() * 5) : 6 + Math.floor(rng.uniform() * 10),
      scaleDownMin: 10 + Math.floor(rng.uniform() * 21),
      full: families.fullPool,
      patienceMin: 3 + Math.floor(rng.uniform() * 13),
      retries: 1 + Math.floor(rng.uniform() * 4),
    },
    platform: () => 1,
    gaShare: () => 0,
    probe: {
      repos: REPOS,
      everyMin: 10,
      attempts: 2,
      flake: families.probes === 'clean' ? 0 : between(rng, 0, 0.03),
      correlation: families.probes === 'correlated-flaky' ? between(rng, 0.7, 1) : between(rng, 0, 0.3),
      background: families.probes === 'clean' ? 0 : between(rng, 0.01, 0.05),
    },
    userCrashLoops: [],
  };
  world.gaShare = gaShare(rng, families, start);
  addCrowds(rng, world, peak);
  addIncident(rng, world, peakPods);
  for (let k = rng.poisson(1); k > 0; k--) {
    const a = minute(start + between(rng, 0, 22) * HOUR);
    world.userCrashLoops.push([a, a + Math.round(between(rng, 20, 120)) * MIN]);
  }
  return world;
}

/** GA's share 0.3–1.2; the step family changes it once between 10:00 and 16:00 (a second tag, consent banners). */
function gaShare(rng: Rng, families: Families, start: number): (t: number) => number {
  const before = between(rng, 0.3, 1.2);
  if (families.ga === 'steady') return () => before;
  const at = minute(start + between(rng, 10, 16) * HOUR);
  const after = rng.bernoulli(0.5) ? Math.min(1.2, before * between(rng, 1.5, 2)) : Math.max(0.3, before / between(rng, 1.5, 2));
  return (t) => (t < at ? before : after);
}

/** Classes (the class session family) and workshops or a viral spike (the crowd arrivals family). */
function addCrowds(rng: Rng, world: World, peak: number): void {
  const cohort = (lo: number, hi: number): Cohort => ({
    at: minute(world.start + between(rng, 8, 18) * HOUR),
    people: Math.round(between(rng, lo, hi)),
    spreadMin: 2 + Math.floor(rng.uniform() * 9),
    stayMin: Math.round(between(rng, 45, 120)),
  });
  if (world.families.sessions === 'class') for (let k = 1 + rng.poisson(1.5); k > 0; k--) world.cohorts.push(cohort(15, 40));
  if (world.families.arrivals !== 'crowd') return;
  for (let k = 1 + Math.floor(rng.uniform() * 2); k > 0; k--) world.cohorts.push(cohort(40, 80));
  // A link shared widely: arrivals jump and decay over an hour or two.
  const at = world.start + between(rng, 9, 20) * HOUR;
  const k = between(rng, 1, 3);
  const tau = between(rng, 30, 120) * MIN;
  const base = world.rate;
  world.rate = (t) => base(t) + (t >= at ? peak * k * Math.exp(-(t - at) / tau) : 0);
}

function addIncident(rng: Rng, world: World, peakPods: number): void {
  const { start } = world;
  const at = minute(start + between(rng, 8, 19) * HOUR);
  switch (world.families.incident) {
    case 'healthy':
      return;
    case 'levelling-off': {
      // Launch success slides over 30–120 min, holds, then recovers at once.
      const to = between(rng, 0.15, 0.6);
      const down = at + between(rng, 30, 120) * MIN;
      const until = down + between(rng, 60, 300) * MIN;
      world.platform = (t) => (t < at || t >= until ? 1 : t >= down ? to : 1 - ((1 - to) * (t - at)) / (down - at));
      return;
    }
    case 'launch-failure': {
      const to = between(rng, 0, 0.6);
      const until = at + between(rng, 30, 240) * MIN;
      world.platform = (t) => (t >= at && t < until ? to : 1);
      return;
    }
    case 'headroom': {
      // The max sits below what the afternoon needs, and a surge may push harder.
      world.pool.maxNodes = Math.max(2, Math.floor((peakPods / world.pool.podsPerNode) * between(rng, 0.7, 1)));
      if (rng.bernoulli(0.5)) {
        const base = world.rate;
        const k = between(rng, 1.3, 2.2);
        const until = at + between(rng, 2, 5) * HOUR;
        world.rate = (t) => base(t) * (t >= at && t < until ? k : 1);
      }
      return;
    }
    case 'sick-node':
      world.sick = [at, minute(at + between(rng, 60, 180) * MIN)];
      return;
  }
}
