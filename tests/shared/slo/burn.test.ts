// The burn-rate alerts over simulated days: probe runs every 10 minutes on two repos, each
// launch failing at random 3 % of the time (a failed launch is retried once in the run, as the
// probe does), with and without real outages.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../infra/rng.ts';
import { evaluateSlo, type SloSpec } from '../../../shared/slo/burn.ts';
import { addEvents, emptyRollup, type Rollup, type SliEvent } from '../../../shared/slo/rollup.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const T0 = Date.UTC(2026, 0, 1);
const spec: SloSpec = { kind: 'success', objective: 0.99, windowMs: 30 * DAY, minFailures: 3 };
const REPOS = ['gh/a/HEAD', 'gh/b/HEAD'];

/** Chance a launch fails at `t`: the background rate, or the outage's rate inside an outage. */
type FailureRate = (t: number) => number;

interface Simulated {
  /** When each page started (the first run of a paging streak). */
  pages: number[];
  tickets: number[];
  rollup: Rollup;
}

function simulate(days: number, failureRate: FailureRate, seed: number): Simulated {
  const random = mulberry32(seed);
  let rollup = emptyRollup(T0);
  const pages: number[] = [];
  const tickets: number[] = [];
  let paging = false;
  let ticketing = false;
  for (let t = T0; t < T0 + days * DAY; t += 10 * MINUTE) {
    const events: SliEvent[] = REPOS.map((repo) => {
      const p = failureRate(t);
      const ok = random() >= p || random() >= p; // the run's retry confirms a failure
      return { repo, at: t, ok, launchS: 40 };
    });
    const now = t + 2 * MINUTE;
    rollup = addEvents(rollup, events, 120, now);
    const s = evaluateSlo(rollup, spec, now);
    const page = s.alert?.severity === 'critical';
    if (page && !paging) pages.push(t);
    if (s.alert?.severity === 'warning' && !ticketing) tickets.push(t);
    paging = page;
    ticketing = s.alert?.severity === 'warning';
  }
  return { pages, tickets, rollup };
}

const background: FailureRate = () => 0.03;
const outage =
  (from: number, hours: number, rate: number): FailureRate =>
  (t) =>
    t >= from && t < from + hours * 60 * MINUTE ? rate : 0.03;

describe('burn-rate alerts on simulated days', () => {
  it('stay quiet under a 3 % background failure rate (10 seeds × 30 days)', () => {
    const pages = Array.from({ length: 10 }, (_, seed) => simulate(30, background, seed + 1).pages.length);
    expect(pages.reduce((a, b) => a + b)).toBe(0);
  });

  it('page within 30 minutes of a total outage, and the budget shows the burn', () => {
    const onset = T0 + 20 * DAY + 9 * 60 * MINUTE;
    const run = simulate(30, outage(onset, 2, 1), 7);
    expect(run.pages.length).toBe(1);
    expect(run.pages[0] - onset).toBeLessThanOrEqual(30 * MINUTE);
    const end = evaluateSlo(run.rollup, spec, T0 + 30 * DAY);
    // The window is days 1–29 and today (empty): 288 runs a day, 8352 runs; the outage failed 24
    // (29 % of the 1 % budget), the background ~0.09 % of runs (another ~9 %).
    expect(end.events).toBe(8352);
    expect(end.budgetLeft!).toBeGreaterThan(0.55);
    expect(end.budgetLeft!).toBeLessThan(0.71);
  });

  it('page on launches failing at 70 % for three hours', () => {
    const onset = T0 + 12 * DAY;
    const run = simulate(20, outage(onset, 3, 0.7), 3);
    expect(run.pages.length).toBeGreaterThanOrEqual(1);
    expect(run.pages[0] - onset).toBeLessThanOrEqual(90 * MINUTE);
  });

  it('do not page on a single failed run, though it is 14.4× the budget rate of its hour', () => {
    let rollup = emptyRollup(T0);
    for (let t = T0; t < T0 + DAY; t += 10 * MINUTE)
      rollup = addEvents(rollup, [{ repo: 'r', at: t, ok: t !== T0 + 12 * 60 * MINUTE }], 120, t);
    const s = evaluateSlo(rollup, spec, T0 + 12 * 60 * MINUTE + MINUTE);
    expect(s.burn[0].long).toBeGreaterThan(14.4);
    expect(s.burn[0].short).toBeGreaterThan(14.4);
    expect(s.alert).toBeUndefined();
  });

  it('open a ticket within two days of a slow burn: 2 % of runs failing (twice the budget rate)', () => {
    const onset = T0 + 10 * DAY;
    const slow: FailureRate = (t) => (t >= onset ? Math.sqrt(0.02) : 0.03);
    const run = simulate(14, slow, 5);
    // A dozen runs an hour cannot tell 2 % from 6 % in six hours: the 6×/6 h page fires now and then too.
    expect(run.tickets.length).toBeGreaterThanOrEqual(1);
    expect(run.tickets[0]).toBeGreaterThan(onset);
    expect(run.tickets[0] - onset).toBeLessThan(2 * DAY);
  });
});
