// A small, plain world of infra/worlds for tests: each test changes what it studies.
import { type World } from '../../infra/worlds/world.ts';

export const START = Date.UTC(2026, 5, 2);

/** A small healthy hub over 8 hours, no history: each test changes what it studies. */
export function smallWorld(change: (w: World) => void = () => {}): World {
  const w: World = {
    families: {
      sessions: 'lognormal',
      culler: 'idle',
      fullPool: 'wait',
      ga: 'steady',
      arrivals: 'poisson',
      autoscaler: 'fast',
      probes: 'clean',
      history: 'none',
      incident: 'healthy',
    },
    start: START,
    minutes: 8 * 60,
    historyMin: 0,
    rate: () => 4,
    dispersion: { cv: 0, everyMin: 1 },
    cohorts: [],
    session: { law: 'lognormal', meanMin: 30, sigma: 0.8 },
    userOk: 1,
    culler: { stopShare: 0, lingerMin: 0, everyMin: 5, idleMin: 10, maxAgeMin: Infinity },
    pool: {
      name: 'user',
      podsPerNode: 20,
      minNodes: 1,
      maxNodes: 50,
      lagMin: 3,
      scaleDownMin: 15,
      full: 'wait',
      patienceMin: 10,
      retries: 2,
    },
    platform: () => 1,
    gaShare: () => 0.7,
    probe: { repos: ['gh/a/b/HEAD'], everyMin: 10, attempts: 2, flake: 0, correlation: 0, background: 0 },
    userCrashLoops: [],
  };
  change(w);
  return w;
}
