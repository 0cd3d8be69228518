// The detectors by check name, with how much history each needs.
import type { CheckConfigs } from '../config/schema.ts';
import type { BandPoint, CheckName, Finding, ObservationByCheck } from '../model.ts';
import { detectBinderHealth } from './binderHealth.ts';
import { detectClusterHealth } from './clusterHealth.ts';
import { detectLaunchProbe } from './launchProbe.ts';
import { detectNodeHeadroom, nodeHeadroomLookbackMs } from './nodeHeadroom.ts';
import { detectTrafficVsPods, trafficLookbackMs, type TrafficMemory } from './trafficVsPods.ts';

export interface Detector<C extends CheckName> {
  lookbackMs(cfg: CheckConfigs[C]): number;
  /** Pure. `memory` is what the previous run returned (a fitted model, say). */
  detect(obs: ObservationByCheck[C], cfg: CheckConfigs[C], now: number, memory?: unknown): DetectorResult;
}

export interface DetectorResult {
  findings: Finding[];
  memory?: unknown;
  /** The model's expected running pods and noise band per minute over this run's evaluation window (trafficVsPods). */
  band?: BandPoint[];
}

const HOUR = 3_600_000;

export const detectors: { [C in CheckName]: Detector<C> } = {
  launchProbe: { lookbackMs: () => HOUR, detect: detectLaunchProbe },
  binderHealth: { lookbackMs: () => 0, detect: detectBinderHealth },
  trafficVsPods: { lookbackMs: trafficLookbackMs, detect: (o, c, n, m) => detectTrafficVsPods(o, c, n, m as TrafficMemory | undefined) },
  nodeHeadroom: { lookbackMs: nodeHeadroomLookbackMs, detect: detectNodeHeadroom },
  clusterHealth: { lookbackMs: () => HOUR, detect: detectClusterHealth },
};
