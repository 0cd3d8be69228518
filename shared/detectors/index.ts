// The detectors by check name, with how much history each needs.
import type { CheckConfigs } from '../config/schema.ts';
import type { BandPoint, CheckName, Finding, FiringAlert, ObservationByCheck } from '../model.ts';
import { detectBinderHealth } from './binder-health.ts';
import { detectFederation, type FederationMemory } from './federation.ts';
import { detectClusterHealth } from './cluster-health.ts';
import { detectLaunchProbe, extraLaunches, type LaunchMemory } from './launch-probe.ts';
import { detectNodeHeadroom, nodeHeadroomLookbackMs } from './node-headroom.ts';
import { detectTrafficVsPods, trafficHistoryRanges, trafficLookbackMs, type TrafficMemory } from './traffic-vs-pods.ts';
import { HOUR_MS } from '../time.ts';

export interface Detector<C extends CheckName> {
  lookbackMs(cfg: CheckConfigs[C]): number;
  /** Older ranges to read as well, given what the last run remembered (none by default). */
  historyRanges?(cfg: CheckConfigs[C], now: number, memory?: unknown): [number, number][] | undefined;
  /** Extra launches per hub the source should make this run, given what the last run remembered (adaptive probing). */
  extraLaunches?(memory?: unknown): Record<string, number> | undefined;
  /** Another check whose memory this detector reads besides its own (its latest, as `peerMemory`). */
  reads?: CheckName;
  /** Checks whose firing alerts this detector reads (as `peerAlerts`) to corroborate its own findings with. */
  corroboratedBy?: CheckName[];
  /** Pure. `memory` is what the previous run returned (a fitted model, say). */
  detect(
    obs: ObservationByCheck[C],
    cfg: CheckConfigs[C],
    now: number,
    memory?: unknown,
    peerMemory?: unknown,
    peerAlerts?: FiringAlert[],
  ): DetectorResult;
}

export interface DetectorResult {
  findings: Finding[];
  memory?: unknown;
  /** The model's expected running pods and noise band per minute over this run's evaluation window (trafficVsPods). */
  band?: BandPoint[];
}

export const detectors: { [C in CheckName]: Detector<C> } = {
  launchProbe: {
    lookbackMs: () => HOUR_MS,
    // The traffic check's last verdict corroborates a failing probe (critical) or not (warning).
    reads: 'trafficVsPods',
    // Evidence beyond the probe: the hub's /health, a full pool or pending pods, the traffic check's own alert.
    corroboratedBy: ['binderHealth', 'nodeHeadroom', 'trafficVsPods'],
    extraLaunches: (m) => extraLaunches(m as LaunchMemory | undefined),
    detect: (o, c, n, m, traffic, firing) =>
      detectLaunchProbe(
        { ...o, traffic: o.traffic ?? (traffic as TrafficMemory | undefined)?.implied, firing: o.firing ?? firing },
        c,
        n,
        m as LaunchMemory | undefined,
      ),
  },
  binderHealth: {
    lookbackMs: () => 0,
    // The federation's own run sees every member at once; a member's (or a single hub's) run sees its /health.
    detect: (o, c, n, m) =>
      o.federation ? detectFederation(o.federation, n, m as FederationMemory | undefined) : detectBinderHealth(o, c, n),
  },
  trafficVsPods: {
    lookbackMs: trafficLookbackMs,
    historyRanges: (c, n, m) => trafficHistoryRanges(c, n, m as TrafficMemory | undefined),
    detect: (o, c, n, m) => detectTrafficVsPods(o, c, n, m as TrafficMemory | undefined),
  },
  nodeHeadroom: { lookbackMs: nodeHeadroomLookbackMs, detect: detectNodeHeadroom },
  clusterHealth: { lookbackMs: () => HOUR_MS, detect: detectClusterHealth },
};
