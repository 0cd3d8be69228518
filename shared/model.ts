// The vocabulary every part of binderwatch speaks: findings, series and the
// observations each detector reads. Sources produce observations, detectors
// turn them into findings, the alert lifecycle turns findings into notifications.

import { findingKeys } from './state/keys.ts';

export const CHECK_NAMES = ['launchProbe', 'binderHealth', 'trafficVsPods', 'nodeHeadroom', 'clusterHealth'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** The key of a check's own "cannot see its sources" finding (built in state/keys.ts with every other key). */
export { findingKeys } from './state/keys.ts';
export const sourceFindingKey = (check: CheckName) => findingKeys.source(check);

export type FindingStatus = 'ok' | 'problem' | 'unknown';
export type Severity = 'warning' | 'critical';

export interface Finding {
  check: CheckName;
  /** Identifies the thing, e.g. `launch:mybinder.org:gh/binder-examples/requirements/HEAD`. */
  key: string;
  /** The federation member it belongs to (config `federation.members`); absent for a single hub and the federation's own findings. */
  member?: string;
  status: FindingStatus;
  severity: Severity;
  /** What is wrong (or fine), at most TITLE_MAX characters: "Sick node gke-…", "Pool ssd-pool at 14 of 15 nodes". */
  title: string;
  /** One line of why, under the title. */
  summary: string;
  details?: string;
  /**
   * Key numbers by stable machine name (`usedPct`, `timeToMaxMin`); notifications show
   * them with human labels and units (alerting/notifiers/evidence.ts).
   */
  evidence?: Record<string, number | string>;
  /** Commands an operator runs first. */
  runbook: string[];
  /** Alert keys whose firing holds this alert back (e.g. the hub's health alert). */
  dependsOn?: string[];
  links?: { title: string; url: string }[];
}

/** The traffic model's expected running pods at `t` and its noise band (the alert fires below `low`). */
export interface BandPoint {
  t: number;
  expected: number;
  low: number;
  high: number;
}

/** Titles head an email subject and a Slack header: short enough to read at a glance. */
export const TITLE_MAX = 80;

/**
 * `head + tail` in at most TITLE_MAX characters: a long name in `head` (a repo, a pod)
 * is cut with an ellipsis so that `tail` (the phase, the numbers) always shows.
 */
export function shortTitle(head: string, tail = ''): string {
  const room = TITLE_MAX - [...tail].length;
  const chars = [...head];
  if (chars.length <= room) return head + tail;
  return room > 1 ? `${chars.slice(0, room - 1).join('')}…${tail}` : [...`${head}${tail}`].slice(0, TITLE_MAX - 1).join('') + '…';
}

/** One sample; a missing sample is absent from the array, never NaN or 0. */
export interface Sample {
  t: number; // epoch ms
  v: number;
}
export type Series = Sample[];

export interface TrafficObservation {
  /** Demand per minute, as GA realtime reports it (or a PromQL launch-rate). */
  demand: Series;
  /** Running user servers. */
  pods: Series;
  stepMs: number;
  /** Older stretches the detector asked for (ObserveRequest.historyRanges), when it has no model to remember. */
  history?: { demand: Series; pods: Series };
}

export interface NodePoolObservation {
  pool: string;
  /** Node count history (cordoned included), oldest first; the last sample is now. */
  nodes: Series;
  cordoned: number;
  /** Names of cordoned nodes when the source knows them. */
  cordonedNodes?: string[];
  notReadyNodes?: string[];
  /** Autoscaler max (all zones); null when autoscaling is off or unknown. */
  max: number | null;
  /** How the max is set, when the source knows: per zone (`--max-nodes`, times the zones) or in total (`--total-max-nodes`). */
  maxSetting?: { kind: 'perZone'; perZone: number; zones: number } | { kind: 'total' };
  /** Pods pending for lack of room. */
  pending: number;
}

export interface NodeHeadroomObservation {
  pools: NodePoolObservation[];
}

export type PodProblemReason = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'Pending';

export interface PodProblem {
  namespace: string;
  pod: string;
  node: string;
  /** `Kind/name` of the controller, or `Pod/<own name>` for a bare pod. */
  owner: string;
  reason: PodProblemReason;
  /** When the problem was first seen (epoch ms). */
  since: number;
}

/** A GKE cluster as the config names it. */
export interface ClusterRef {
  project: string;
  location: string;
  cluster: string;
}

export interface ClusterHealthObservation {
  /** The cluster watched, when the config names it (runbooks fill it in). */
  cluster?: ClusterRef;
  problems: PodProblem[];
  notReadyNodes: string[];
  /** User pods older than the culler's max age (the culler may be stuck). */
  staleUserPods?: { count: number; oldestAgeMs: number; maxAgeMs: number };
}

export type LaunchPhase = 'resolve' | 'build' | 'launch' | 'contact' | 'stop' | 'timeout';

export interface ProbeResult {
  binderUrl: string;
  /** The hub's configured name, for people (launch target `name`); keys use the URL's host. */
  hubName?: string;
  /** A launch through a federation's front door: the member its 307 sent the launch to. */
  landedOn?: string;
  repo: string; // provider/spec, e.g. gh/binder-examples/requirements/HEAD
  at: number;
  ok: boolean;
  /** On failure: the phase that failed. */
  failedPhase?: LaunchPhase;
  /** Set when the probe itself could not run or its data is missing. */
  unknownReason?: string;
  /** Milliseconds spent in each BinderHub phase (waiting, fetching, building, launching, ready …) and in contact/stop. */
  durations?: Record<string, number>;
  /** The last messages the hub sent. */
  messages?: string[];
  error?: string;
  /**
   * When the first launch failed and was confirmed by a second in the same run: both, first first;
   * then any extra launches the detector asked for (`extra`). The run's `ok` is the first launch's or its confirmation's.
   */
  attempts?: ProbeAttempt[];
}

export type ProbeAttempt = Pick<ProbeResult, 'at' | 'ok' | 'failedPhase' | 'error'> & {
  /** A launch added while the detector's evidence was elevated (see extraLaunches in detectors/launch-probe.ts). */
  extra?: true;
};

export interface LaunchProbeObservation {
  results: ProbeResult[];
  /** What the traffic check's pods imply about launches (its last run), to corroborate a probe failure with. */
  traffic?: { at: number; launchSuccess: number; shortfall: boolean };
  /** Alerts of the checks that may corroborate a failing probe, firing now (past their own pending time). */
  firing?: FiringAlert[];
}

/** Another check's alert that is firing on a problem (not pending, not blind), as a detector reads it. */
export interface FiringAlert {
  check: CheckName;
  /** The finding key (`health:mybinder.org`, `headroom:ssd-pool`). */
  key: string;
  severity: Severity;
  /** When it fired. */
  since: number;
  evidence?: Record<string, number | string>;
}

export interface HubHealthCheck {
  service: string;
  ok: boolean;
  /** For quota checks: used and total. */
  quota?: { used: number; total: number };
  message?: string;
}

export interface HubHealth {
  binderUrl: string;
  /** Undefined when /health could not be read. */
  checks?: HubHealthCheck[];
  error?: string;
}

export interface BinderHealthObservation {
  hubs: HubHealth[];
  /** The federation's view, read by the federation's own binderHealth run (detectors/federation.ts). */
  federation?: FederationObservation;
}

/** One member as the front door sees it: the redirector's fields and what its /health and /versions answered. */
export interface MemberView {
  name: string;
  url: string;
  weight: number;
  prime: boolean;
  /** Undefined when /health could not be read (`healthError` says why). */
  health?: HubHealthCheck[];
  healthError?: string;
  /** /versions as read, compared as JSON; undefined when unreadable (`versionsError`). */
  versions?: unknown;
  versionsError?: string;
}

/** Where one front-door launch was sent: the 307's member, or why there was none. */
export interface FrontDoorLanding {
  repo: string;
  /** The member whose URL the Location starts with. */
  member?: string;
  location?: string;
  /** HTTP answer other than a 307 to a member (a problem), or `unreachable` set when nothing answered (unknown). */
  error?: string;
  unreachable?: boolean;
}

export interface FederationObservation {
  frontDoor: string;
  members: MemberView[];
  landings: FrontDoorLanding[];
  /** The redirector's pod_headroom, and when a filling federation is a warning (from the config). */
  podHeadroom: number;
  fillWarnWithinMs: number;
}

export interface ObservationByCheck {
  launchProbe: LaunchProbeObservation;
  binderHealth: BinderHealthObservation;
  trafficVsPods: TrafficObservation;
  nodeHeadroom: NodeHeadroomObservation;
  clusterHealth: ClusterHealthObservation;
}
