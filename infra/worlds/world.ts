// What one simulated day of a hub is made of (infra/worlds/): the families it was drawn
// from and the numbers that go with them. Written apart from infra/scenarios and
// infra/scorecard's simulator: a third view of a hub, sharing only the seeded PRNG.

// The simulators' short names for the one home of time units.
import { MINUTE_MS as MIN, HOUR_MS as HOUR } from '../../shared/time.ts';
export { MIN, HOUR };

/** A [from, to) interval in epoch ms. */
export type Span = [number, number];

/** Every dimension a day's world is drawn in, and its structurally different families. */
export const FAMILIES = {
  sessions: ['exponential', 'lognormal', 'class', 'long-tail'],
  culler: ['none', 'idle', 'max-age'],
  fullPool: ['wait', 'refuse', 'retry'],
  ga: ['steady', 'step'],
  arrivals: ['poisson', 'overdispersed', 'crowd'],
  autoscaler: ['fast', 'slow'],
  probes: ['clean', 'flaky', 'correlated-flaky'],
  history: ['none', '6h', '1d', '1w'],
  incident: ['healthy', 'levelling-off', 'launch-failure', 'headroom', 'sick-node'],
} as const;

export type Dimension = keyof typeof FAMILIES;
export type FamilyOf<D extends Dimension> = (typeof FAMILIES)[D][number];
export type Families = { [D in Dimension]: FamilyOf<D> };

export const HISTORY_MIN: Record<FamilyOf<'history'>, number> = { none: 0, '6h': 360, '1d': 1440, '1w': 7 * 1440 };

/** How long one person's server is wanted; drawn per person. */
export type SessionLaw =
  | { law: 'exponential'; meanMin: number }
  | { law: 'lognormal'; meanMin: number; sigma: number }
  | { law: 'pareto'; minMin: number; alpha: number; capMin: number };

/** People who arrive within `spreadMin` of `at` and all leave `stayMin` later (a class, a workshop). */
export interface Cohort {
  at: number;
  people: number;
  spreadMin: number;
  stayMin: number;
}

export interface World {
  families: Families;
  /** First replayed minute (epoch ms, whole minute); the day lasts `minutes`. */
  start: number;
  minutes: number;
  /** Minutes before `start` the sources can read. */
  historyMin: number;
  /** People starting a launch per minute at t, before overdispersion and cohorts. */
  rate: (t: number) => number;
  /** Coefficient of variation of a slowly wandering factor on the rate (0: plain Poisson), and how often it moves. */
  dispersion: { cv: number; everyMin: number };
  cohorts: Cohort[];
  session: SessionLaw;
  /** Share of people whose own launch works (broken repos, their own errors). */
  userOk: number;
  culler: {
    /** none: a server stops when its user stops it (`stopShare` do at leaving), the rest linger ~`lingerMin`. */
    stopShare: number;
    lingerMin: number;
    everyMin: number;
    idleMin: number;
    /** Servers older than this are culled even while in use (max-age culler); Infinity otherwise. */
    maxAgeMin: number;
  };
  pool: {
    name: string;
    podsPerNode: number;
    minNodes: number;
    maxNodes: number;
    lagMin: number;
    scaleDownMin: number;
    /** A launch finding no room at the max: waits up to `patienceMin`, is refused, or is refused and retried `retries` times. */
    full: FamilyOf<'fullPool'>;
    patienceMin: number;
    retries: number;
  };
  /** Platform launch success at t (1 healthy). */
  platform: (t: number) => number;
  /** Demand counted per launch at t (GA's share; above 1 when a visit is counted twice). */
  gaShare: (t: number) => number;
  probe: {
    repos: string[];
    everyMin: number;
    attempts: number;
    /** A probe launch failing on its own. */
    flake: number;
    /** Probability an attempt after a failed one fails for the same reason. */
    correlation: number;
    /** Whole probe runs failing in the background (a registry hiccup outlasting the retry). */
    background: number;
  };
  sick?: Span;
  /** Bare user pods crash-looping (never an incident). */
  userCrashLoops: Span[];
}
