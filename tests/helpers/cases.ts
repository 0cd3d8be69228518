// The traffic days of issue 11, as seeded M/M/∞ series (tests/helpers/traffic.ts):
// shapes the committed scenarios do not cover. Minute 0 is T0; each has six hours
// of normal traffic before anything happens.
import type { ScenarioData } from '../../shared/scenario/openmetrics.ts';
import type { Series } from '../../shared/model.ts';
import { MIN, T0, simulateTraffic } from './traffic.ts';

export const ONSET_MIN = 360;

/** Case 1/5: launch success 97 % → 30 % over an hour from ONSET_MIN, then held; demand ~16/min, sessions 25 min. */
export function gradualDegradation(seed: number, minutes = ONSET_MIN + 360) {
  return simulateTraffic({
    minutes,
    W: 25,
    seed,
    demand: (m) => 16 + 1.5 * Math.sin((2 * Math.PI * m) / 1440),
    success: (m) => (m < ONSET_MIN ? 0.97 : Math.max(0.3, 0.97 - (0.67 * (m - ONSET_MIN)) / 60)),
  });
}

/** Case 2: demand ~18/min falls to ~3/min within the hour from ONSET_MIN; launches healthy. */
export function steepDrop(seed: number, minutes = ONSET_MIN + 300) {
  return simulateTraffic({
    minutes,
    W: 25,
    seed,
    demand: (m) => (m < ONSET_MIN ? 18 : m < ONSET_MIN + 60 ? 18 - (15 * (m - ONSET_MIN)) / 60 : 3),
  });
}

/** The traffic series as a scenario, for the replay (every check's schedule and the real lifecycle). */
export function trafficScenario(s: { demand: Series; pods: Series }): ScenarioData {
  return {
    series: [
      { metric: 'binderwatch_demand', labels: {}, samples: s.demand },
      { metric: 'binderwatch_running_user_pods', labels: {}, samples: s.pods },
    ],
    start: s.demand[0].t,
    end: s.demand[s.demand.length - 1].t,
    stepMs: MIN,
  };
}

export const minuteOf = (iso: string) => (Date.parse(iso) - T0) / MIN;
