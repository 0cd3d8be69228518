// A seeded, minute-step simulation of a BinderHub cluster, rendered as a scenario
// file (docs/scenario-format.md). Model: arrivals per minute ~ Poisson(λ(t)); each launches with
// probability userSuccess × platformSuccess(t); a launched server runs for an
// exponential session (mean W) and is then culled. A culler in trouble leaves pods
// behind ("lingering"): a share of ended sessions it skips altogether (stale), and a
// throughput limit (pods per minute) past which ended sessions wait their turn. Either
// kind stays until the culler gets to it, a human deletes it, or a restarted hub culls it. Pods need room: one node pool, podsPerNode pods per schedulable node, an
// autoscaler that adds nodes after a lag and removes them slowly, capped at max.
// Pods that do not fit wait as pending and give up after a timeout.

import { formatScenario, type ScenarioSeries } from '../../shared/scenario/openmetrics.ts';
import type { Series } from '../../shared/model.ts';
import { Rng } from '../rng.ts';
import { HOUR_MS, MINUTE_MS } from '../../shared/time.ts';

export type Schedule = (t: number) => number;

export const minutes = (n: number): number => n * MINUTE_MS;
export const hours = (n: number): number => n * HOUR_MS;

/** Linear interpolation between [epoch ms, value] points, constant outside them. */
export function piecewise(points: [number, number][]): Schedule {
  const pts = [...points].sort((a, b) => a[0] - b[0]);
  return (t) => {
    if (t <= pts[0][0]) return pts[0][1];
    for (let i = 1; i < pts.length; i++) {
      const [t1, v1] = pts[i];
      if (t <= t1) {
        const [t0, v0] = pts[i - 1];
        return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
      }
    }
    return pts[pts.length - 1][1];
  };
}

/** mean ± amplitude over a 24 h cosine that peaks at `peakHourUtc`. */
export function diurnal(mean: number, amplitude: number, peakHourUtc: number): Schedule {
  return (t) => mean + amplitude * Math.cos((2 * Math.PI * (t / HOUR_MS - peakHourUtc)) / 24);
}

export const constant =
  (v: number): Schedule =>
  () =>
    v;

export interface PoolParams {
  name: string;
  podsPerNode: number;
  minNodes: number;
  /** Autoscaler max at the start; `set-max` events change it. */
  maxNodes: number;
  /** Minutes from the autoscaler asking for nodes to the nodes being there. */
  scaleUpLagMin: number;
  /** Minutes a node must be surplus before the autoscaler removes it (one at a time). */
  scaleDownAfterMin: number;
}

export type ScenarioEvent =
  | { at: number; kind: 'set-max'; max: number }
  /** A schedulable node is cordoned: still counted, takes no new pods. */
  | { at: number; kind: 'cordon' }
  /** A cordoned node is drained and deleted; its share of the user pods is evicted. */
  | { at: number; kind: 'delete-cordoned-node' }
  /** Lingering pods at least this old are deleted by hand. */
  | { at: number; kind: 'delete-lingering-pods'; minAgeMin: number }
  /** A restarted culler removes every lingering pod, spread over `overMin` minutes. */
  | { at: number; kind: 'cull-lingering-pods'; overMin: number };

export interface CrashLoopPod {
  namespace: string;
  pod: string;
  node: string;
  owner: string;
  /** [from, to): the pod exists (series present) in this window. */
  exists: [number, number];
  /** [from, to) windows in CrashLoopBackOff (value 1); 0 otherwise while it exists. */
  crashing: [number, number][];
}

export type IncidentKind = 'levelling-off' | 'headroom' | 'sick-node' | 'launch-failure';
export interface Incident {
  kind: IncidentKind;
  onset: string;
  end: string;
}
export interface Truth {
  incidents: Incident[];
}

/** Per-minute state, for truth rules and for checking a scenario against its facts. */
export interface Trace {
  t: number[];
  arrivals: number[];
  pods: number[];
  /** Pods whose session ended but that still run (stale or waiting for the culler). */
  lingeringPods: number[];
  /** Running pods per demand component (e.g. background / viral). */
  podsBySource: Record<string, number[]>;
  nodes: number[];
  cordoned: number[];
  max: number[];
  pending: number[];
  /** Launches that gave up waiting for room this minute. */
  gaveUp: number[];
}

export interface SimParams {
  /** Epoch ms, whole minutes; both ends are sampled. */
  start: number;
  end: number;
  /** Arrivals per minute, by named component (their sum is what GA shows). */
  demand: Record<string, Schedule>;
  /** Share of launches that work on a healthy platform (the rest: users' own repos). */
  userSuccess: number;
  /** Share of launches the platform lets through (1 when healthy); probes pass with it. */
  platformSuccess: Schedule;
  meanSessionMin: number;
  /** Share of ended sessions the culler skips (stale until deleted or the hub restarts). */
  staleFraction: Schedule;
  /** Pods the culler can remove per minute (Infinity: all ended sessions at once). */
  cullPerMin: Schedule;
  pendingTimeoutMin: number;
  pool: PoolParams;
  events: ScenarioEvent[];
  crashLoops: CrashLoopPod[];
  probes: { repos: string[]; everyMin: number };
  /** [from, to) windows in which GA could not be read: no demand samples. */
  demandGaps: [number, number][];
  /** The incidents, fixed or derived from the simulated trace. */
  incidents: Incident[] | ((trace: Trace) => Incident[]);
}

export interface SimResult {
  om: string;
  truth: Truth;
  trace: Trace;
}

interface Pod {
  source: string;
  started: number; // minute index
  ends: number; // minute index the session ends
  state: 'session' | 'ended' | 'stale';
}

export const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

const inWindows = (t: number, windows: [number, number][]): boolean => windows.some(([a, b]) => t >= a && t < b);

export function simulate(params: SimParams, seed: number): SimResult {
  if (params.start % MINUTE_MS !== 0 || params.end % MINUTE_MS !== 0 || params.end <= params.start) {
    throw new Error('start and end must be whole minutes, end after start');
  }
  const rng = new Rng(seed);
  const { pool } = params;
  const steps = (params.end - params.start) / MINUTE_MS + 1;
  const minuteOf = (t: number): number => Math.round((t - params.start) / MINUTE_MS);
  const sources = Object.keys(params.demand);
  const launchP = (t: number): number => params.userSuccess * params.platformSuccess(t);
  const sessionEnd = (i: number): number => i + Math.max(1, Math.round(rng.exponential(params.meanSessionMin)));

  // Warm start: the running population is at equilibrium for the first minute's demand.
  const running: Pod[] = [];
  for (const source of sources) {
    const n = rng.poisson(params.demand[source](params.start) * launchP(params.start) * params.meanSessionMin);
    for (let k = 0; k < n; k++) {
      // Memoryless sessions: age and remaining time are independent exponentials.
      const age = Math.round(rng.exponential(params.meanSessionMin));
      running.push({ source, started: -age, ends: sessionEnd(0), state: 'session' });
    }
  }
  let pending: { source: string; since: number }[] = [];
  let max = pool.maxNodes;
  let cordoned = 0;
  let nodes = Math.min(max, Math.max(pool.minNodes, Math.ceil(running.length / pool.podsPerNode)));
  running.splice(nodes * pool.podsPerNode); // more than fits could never have launched
  let scaleUp: { ready: number; target: number } | undefined;
  let surplusFor = 0;
  let restartCull: { perMinute: number; until: number } | undefined;
  let cullBudget = 0;

  const eventsAt = new Map<number, ScenarioEvent[]>();
  for (const e of params.events) {
    const i = minuteOf(e.at);
    eventsAt.set(i, [...(eventsAt.get(i) ?? []), e]);
  }

  const trace: Trace = {
    t: [],
    arrivals: [],
    pods: [],
    lingeringPods: [],
    podsBySource: Object.fromEntries(sources.map((s) => [s, [] as number[]])),
    nodes: [],
    cordoned: [],
    max: [],
    pending: [],
    gaveUp: [],
  };

  const removeWhere = (pred: (p: Pod) => boolean, limit = Infinity): void => {
    let removed = 0;
    for (let k = 0; k < running.length && removed < limit;) {
      if (pred(running[k])) {
        running.splice(k, 1);
        removed++;
      } else k++;
    }
  };

  for (let i = 0; i < steps; i++) {
    const t = params.start + i * MINUTE_MS;

    for (const e of eventsAt.get(i) ?? []) {
      switch (e.kind) {
        case 'set-max':
          max = e.max;
          break;
        case 'cordon':
          cordoned++;
          break;
        case 'delete-cordoned-node': {
          // Pods are not tracked per node: evict the node's average share of the live sessions.
          const live = running.filter((p) => p.state === 'session');
          const victims = new Set(live.sort((a, b) => a.started - b.started).slice(0, Math.round(live.length / nodes)));
          removeWhere((p) => victims.has(p));
          nodes--;
          cordoned--;
          break;
        }
        case 'delete-lingering-pods':
          removeWhere((p) => p.state !== 'session' && i - p.started >= e.minAgeMin);
          break;
        case 'cull-lingering-pods': {
          const lingering = running.filter((p) => p.state !== 'session').length;
          restartCull = { perMinute: Math.ceil(lingering / e.overMin), until: i + e.overMin };
          break;
        }
      }
    }

    // Sessions that ended: skipped by the culler (stale), or queued for it.
    const f = params.staleFraction(t);
    for (const p of running) {
      if (p.state === 'session' && p.ends <= i) p.state = rng.bernoulli(f) ? 'stale' : 'ended';
    }
    // The culler takes ended sessions oldest first, as many as its throughput allows.
    const limit = params.cullPerMin(t);
    if (limit === Infinity) {
      removeWhere((p) => p.state === 'ended');
    } else {
      cullBudget = Math.min(cullBudget + limit, limit + 1); // carries fractions, saves up no bursts
      const queue = running.filter((p) => p.state === 'ended').sort((a, b) => a.ends - b.ends);
      const culled = new Set(queue.slice(0, Math.floor(cullBudget)));
      cullBudget -= culled.size;
      removeWhere((p) => culled.has(p));
    }
    if (restartCull && i < restartCull.until) {
      removeWhere((p) => p.state !== 'session', restartCull.perMinute);
    }

    // Arrivals: every attempt is what GA counts; the successful ones queue for room.
    let arrivals = 0;
    const p = launchP(t);
    for (const source of sources) {
      const n = rng.poisson(params.demand[source](t));
      arrivals += n;
      for (let k = 0; k < n; k++) if (rng.bernoulli(p)) pending.push({ source, since: i });
    }
    const waiting = pending.length;
    pending = pending.filter((q) => i - q.since < params.pendingTimeoutMin);
    const gaveUp = waiting - pending.length;
    const capacity = (nodes - cordoned) * pool.podsPerNode;
    while (running.length < capacity && pending.length > 0) {
      const q = pending.shift()!;
      running.push({ source: q.source, started: i, ends: sessionEnd(i), state: 'session' });
    }

    // Autoscaler: enough schedulable nodes for running + pending pods, within [min, max].
    if (scaleUp && i >= scaleUp.ready) {
      nodes = Math.max(nodes, Math.min(scaleUp.target, max));
      scaleUp = undefined;
    }
    const wanted = Math.min(max, Math.max(pool.minNodes, cordoned + Math.ceil((running.length + pending.length) / pool.podsPerNode)));
    if (wanted > nodes && !scaleUp) scaleUp = { ready: i + pool.scaleUpLagMin, target: wanted };
    surplusFor = wanted < nodes && !scaleUp ? surplusFor + 1 : 0;
    if (surplusFor >= pool.scaleDownAfterMin) {
      nodes--;
      surplusFor = 0;
    }

    trace.t.push(t);
    trace.arrivals.push(arrivals);
    trace.pods.push(running.length);
    trace.lingeringPods.push(running.filter((q) => q.state !== 'session').length);
    for (const s of sources) trace.podsBySource[s].push(running.filter((q) => q.source === s).length);
    trace.nodes.push(nodes);
    trace.cordoned.push(cordoned);
    trace.max.push(max);
    trace.pending.push(pending.length);
    trace.gaveUp.push(gaveUp);
  }

  // Probes: a known-good repo launches whenever the platform lets it through and
  // launches are not giving up for lack of room (waiting for a new node is fine).
  const probeSeries: ScenarioSeries[] = params.probes.repos.map((repo) => ({
    metric: 'binderwatch_launch_probe_ok',
    labels: { repo },
    samples: [],
  }));
  for (let i = 0; i < steps; i += params.probes.everyMin) {
    const t = trace.t[i];
    const starved = trace.gaveUp.slice(Math.max(0, i - params.probes.everyMin + 1), i + 1).some((n) => n > 0);
    for (const s of probeSeries) {
      const ok = !starved && rng.bernoulli(params.platformSuccess(t));
      s.samples.push({ t, v: ok ? 1 : 0 });
    }
  }

  const samples = (values: number[], keep: (t: number) => boolean = () => true): Series =>
    trace.t.flatMap((t, i) => (keep(t) ? [{ t, v: values[i] }] : []));
  const poolLabels = { pool: pool.name };
  const series: ScenarioSeries[] = [
    {
      metric: 'binderwatch_demand',
      labels: {},
      samples: samples(trace.arrivals, (t) => !inWindows(t, params.demandGaps)),
    },
    { metric: 'binderwatch_running_user_pods', labels: {}, samples: samples(trace.pods) },
    { metric: 'binderwatch_nodepool_nodes', labels: poolLabels, samples: samples(trace.nodes) },
    { metric: 'binderwatch_nodepool_cordoned_nodes', labels: poolLabels, samples: samples(trace.cordoned) },
    { metric: 'binderwatch_nodepool_max_nodes', labels: poolLabels, samples: samples(trace.max) },
    { metric: 'binderwatch_nodepool_pending_pods', labels: poolLabels, samples: samples(trace.pending) },
    ...params.crashLoops.map((c) => ({
      metric: 'binderwatch_pod_crashlooping',
      labels: { namespace: c.namespace, pod: c.pod, node: c.node, owner: c.owner },
      samples: trace.t.filter((t) => t >= c.exists[0] && t < c.exists[1]).map((t) => ({ t, v: inWindows(t, c.crashing) ? 1 : 0 })),
    })),
    ...probeSeries,
  ];

  const incidents = typeof params.incidents === 'function' ? params.incidents(trace) : params.incidents;
  return { om: formatScenario({ series }), truth: { incidents }, trace };
}

/** First sampled time at which `pred` holds for the trace at that minute. */
export function firstTime(trace: Trace, pred: (i: number) => boolean, from = -Infinity): number {
  const i = trace.t.findIndex((t, k) => t >= from && pred(k));
  if (i < 0) throw new Error('the simulated trace never reaches the condition');
  return trace.t[i];
}
