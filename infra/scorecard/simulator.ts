// A second simulator of a BinderHub cluster, written apart from infra/scenarios/simulate.ts
// so the detectors are scored on data they were not tuned on. It follows people, not
// aggregates: each arrival is one user who launches, waits for a node, works for a
// lognormal session, leaves, and is culled later. Nodes are individual (packing,
// cordons, a sick node), the autoscaler acts on pending pods after a lag, GA sees a
// share of arrivals with gaps, probes launch twice when the first attempt fails (and
// up to EXTRA_LAUNCHES more, drawn apart, for when adaptive probing asks for them).
// Output: a scenario (docs/scenario-format.md) and its truth file.
//
// Only the seeded random source (infra/rng.ts) is shared with the other simulator, so
// runs are reproducible from one seed; none of the model is.
import { Rng } from '../rng.ts';
import { EXTRA_LAUNCHES } from '../../shared/detectors/launch-probe.ts';
import type { Sample, Series } from '../../shared/model.ts';
import type { ScenarioData, ScenarioSeries } from '../../shared/scenario/openmetrics.ts';
import type { IncidentKind, Truth } from '../../shared/replay/score.ts';
// The simulators' short names for the one home of time units.
import { MINUTE_MS as MIN } from '../../shared/time.ts';
export { MIN };

/** A [from, to) interval in epoch ms. */
export type Span = [number, number];

export interface PoolSpec {
  name: string;
  podsPerNode: number;
  minNodes: number;
  maxNodes: number;
  /** Minutes from the autoscaler seeing pending pods to the new node taking pods. */
  scaleUpLagMin: number;
  /** Minutes a schedulable node must sit empty before the autoscaler removes it. */
  scaleDownEmptyMin: number;
}

export interface ProbeSpec {
  repos: string[];
  everyMin: number;
  /** Launches per probe run: 2 = an in-run confirmation after a failed first attempt. */
  attempts: number;
  /** Probability that one probe launch fails on its own (network blips, slow pulls). */
  flake: number;
}

export interface DaySpec {
  /** First replayed minute (epoch ms, a whole minute). */
  start: number;
  /** Minutes simulated before `start`, kept as history the sources can read (as Prometheus keeps it). */
  historyMin: number;
  /** Minutes from `start` to the end of the scenario. */
  minutes: number;
  /** People pressing "launch" per minute at epoch ms t (the Poisson rate). */
  arrivals: (t: number) => number;
  /** Share of healthy launches that work (the rest: broken repos, users' own errors). */
  userOk: number;
  /** Platform launch success at t: 1 when healthy, lower while launches break. */
  platform: (t: number) => number;
  sessionMeanMin: number;
  /** Lognormal shape of session lengths (0.8–1: a long tail of people who stay). */
  sessionSigma: number;
  /** Share of arrivals GA counts (ad blockers, consent). */
  gaShare: number;
  /** Chance per minute that a short GA gap (1–12 min) starts. */
  gaGapRate: number;
  /** GA outages: demand samples missing. */
  gaOutages: Span[];
  /** Chance per minute that the Prometheus scrape of running pods is missing. */
  podScrapeGapRate: number;
  pool: PoolSpec;
  culler: { everyMin: number; idleMin: number; stuck: Span[] };
  /** A node is cordoned at `at` and deleted once empty or at `until`. */
  cordons: { at: number; until: number }[];
  /** A node whose networking breaks: DaemonSet and other owners' pods crash-loop on it, launches there fail; deleted at `to`. */
  sickNodes: Span[];
  /** A user's own server crash-looping (a bare pod: not an incident). */
  userCrashLoops: Span[];
  /** An infrastructure pod restarting for a few minutes on a healthy node (not an incident). */
  infraBlips: Span[];
  probe: ProbeSpec;
}

export interface SimTrace {
  t: number[];
  arrivals: number[];
  running: number[];
  pending: number[];
  nodes: number[];
  gaveUp: number[];
}

export interface SimResult {
  data: ScenarioData;
  truth: Truth;
  trace: SimTrace;
}

/** Platform success below this is a launch incident (the committed scenarios use the same line). */
export const LAUNCH_INCIDENT_BELOW = 0.8;
/** Node headroom incident: nodes at or above this share of the autoscaler max (nodeHeadroom's warning line). */
export const HEADROOM_SHARE = 0.8;
/** Launches waiting this long for room give up (the user closes the tab). */
const GIVE_UP_MIN = 10;
/** Launch to ready: image pull and server start. */
const START_MIN = [1, 3] as const;
/** A pod placed on a sick node fails to start this often (its networking is broken). */
const SICK_NODE_FAILS = 0.9;
/** Simulated before the history starts and thrown away: the cluster starts empty and needs a few hours (the sessions' long tail) to reach steady state. */
const BURN_IN_MIN = 240;
/** Launch incidents shorter than this after merging are blips, not incidents. */
const MIN_INCIDENT_MIN = 15;
/** Node counts are facts: a crossing of 80 % is an incident once it lasts one headroom run (every 5 min)… */
const MIN_HEADROOM_MIN = 5;
/** …and a dip below it long enough to resolve (two ok runs 5 min apart) ends it. */
const MERGE_HEADROOM_MIN = 10;
/** Bad minutes closer than this belong to one incident. */
const MERGE_GAP_MIN = 30;

interface Node {
  name: string;
  pods: number;
  cordoned: boolean;
  sick: boolean;
  emptySince: number;
  deleteAt?: number;
}

interface Pod {
  node: Node;
  /** Minute the server is ready (counts as running from then). */
  readyAt: number;
  /** Minute the launch fails instead (the pod goes away). */
  failsAt?: number;
  /** Minute the user leaves; the server is idle afterwards until culled. */
  leavesAt: number;
}

/** Lognormal with the given mean (not median), Box–Muller. */
function lognormal(rng: Rng, mean: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  return mean * Math.exp(sigma * z - (sigma * sigma) / 2);
}

function inSpans(spans: Span[], t: number): boolean {
  return spans.some(([a, b]) => t >= a && t < b);
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rng.uniform() * 36)];
  return s;
}

interface CrashLoop {
  labels: Record<string, string>;
  /** The pod exists (value 0) from `exists`, crash-loops (1) from `from` to `to`, runs fine (0) again until `gone`. */
  exists: number;
  from: number;
  to: number;
  gone: number;
}

export function simulateDay(spec: DaySpec, seed: number): SimResult {
  const rng = new Rng(seed);
  // Own streams for what the sources see and for the probes, so changing GA's share or the
  // probe's attempts leaves the cluster's day the same (paired comparisons).
  const seen = new Rng(seed ^ 0x5bd1e995);
  const probeRng = new Rng(seed ^ 0x27d4eb2f);
  // The extra launches adaptive probing may ask for, drawn for every run from a stream of their own.
  const extraRng = new Rng(seed ^ 0x165667b1);
  const t0 = spec.start - spec.historyMin * MIN;
  const first = -BURN_IN_MIN;
  const total = spec.historyMin + spec.minutes + 1;
  const at = (m: number) => t0 + m * MIN;
  const poolId = hex(rng, 8);
  const nodes: Node[] = [];
  const newNode = (m: number): Node => {
    const n: Node = { name: `gke-sim-${spec.pool.name}-${poolId}-${hex(rng, 4)}`, pods: 0, cordoned: false, sick: false, emptySince: m };
    nodes.push(n);
    return n;
  };
  // Start at the node count the opening demand needs, so the history begins near steady state.
  const openingPods =
    spec.arrivals(t0) * spec.userOk * spec.platform(t0) * (spec.sessionMeanMin + spec.culler.idleMin + spec.culler.everyMin / 2);
  const opening = Math.min(spec.pool.maxNodes, Math.max(spec.pool.minNodes, Math.ceil(openingPods / spec.pool.podsPerNode)));
  for (let i = 0; i < opening; i++) newNode(first);

  let pods: Pod[] = [];
  let pending: number[] = []; // arrival minute of each launch waiting for room
  const scaleUps: number[] = []; // minutes new nodes become ready
  const trace: SimTrace = { t: [], arrivals: [], running: [], pending: [], nodes: [], gaveUp: [] };
  const demand: Series = [];
  const running: Series = [];
  const nodeCount: Series = [];
  const cordonedCount: Series = [];
  const maxNodes: Series = [];
  const pendingCount: Series = [];
  const probes = new Map<string, Series>(spec.probe.repos.map((r) => [r, []]));
  const extraProbes = new Map<string, Series[]>(spec.probe.repos.map((r) => [r, Array.from({ length: EXTRA_LAUNCHES }, (): Series => [])]));
  const crashLoops: CrashLoop[] = [];
  const sickNodeOf = new Map<Span, Node>();
  let gaGapUntil = -1;

  const schedulable = () => nodes.filter((n) => !n.cordoned && n.pods < spec.pool.podsPerNode);
  /** The user scheduler packs: the fullest node with room, so quiet nodes empty out and can be removed. */
  const placeOn = (): Node | undefined => {
    let best: Node | undefined;
    for (const n of schedulable()) if (!best || n.pods > best.pods) best = n;
    return best;
  };
  const launch = (m: number, t: number, node: Node) => {
    node.pods++;
    const readyAt = m + START_MIN[0] + Math.floor(rng.uniform() * (START_MIN[1] - START_MIN[0] + 1));
    const ok = rng.bernoulli(spec.userOk * spec.platform(t)) && !(node.sick && rng.bernoulli(SICK_NODE_FAILS));
    const session = Math.max(1, Math.round(lognormal(rng, spec.sessionMeanMin, spec.sessionSigma)));
    pods.push({ node, readyAt, failsAt: ok ? undefined : readyAt, leavesAt: readyAt + session });
  };
  const removePod = (p: Pod, m: number) => {
    p.node.pods--;
    if (p.node.pods === 0) p.node.emptySince = m;
  };

  for (let m = first; m < total; m++) {
    const t = at(m);
    // Pods that failed to start, or were culled (the culler runs every few minutes unless stuck).
    const cullerRuns = (t / MIN) % spec.culler.everyMin === 0 && !inSpans(spec.culler.stuck, t);
    pods = pods.filter((p) => {
      const gone =
        (p.failsAt !== undefined && p.failsAt <= m) || (cullerRuns && p.failsAt === undefined && p.leavesAt + spec.culler.idleMin <= m);
      if (gone) removePod(p, m);
      return !gone;
    });

    // Nodes: scale-ups arriving, cordons, sick nodes, deletions.
    while (scaleUps.length && scaleUps[0] <= m) {
      scaleUps.shift();
      newNode(m);
    }
    for (const c of spec.cordons) {
      if (c.at === t) {
        const candidates = nodes.filter((n) => !n.cordoned && !n.sick);
        const n = candidates[Math.floor(rng.uniform() * candidates.length)];
        if (n) {
          n.cordoned = true;
          n.deleteAt = Math.round((c.until - t0) / MIN);
        }
      }
    }
    for (const span of spec.sickNodes) {
      if (span[0] === t) {
        const candidates = nodes.filter((n) => !n.cordoned && !n.sick && n.pods > 0);
        const n = candidates[Math.floor(rng.uniform() * candidates.length)] ?? newNode(m);
        n.sick = true;
        n.deleteAt = Math.round((span[1] - t0) / MIN);
        sickNodeOf.set(span, n);
        // fluentd (every node's DaemonSet) and the ingress controller break with the node's networking.
        const base = { node: n.name };
        crashLoops.push(
          {
            labels: { ...base, namespace: 'kube-system', owner: 'DaemonSet/fluentd-gcp-v3.2.0', pod: `fluentd-gcp-v3.2.0-${hex(rng, 5)}` },
            exists: t0,
            from: span[0],
            to: span[1],
            gone: span[1],
          },
          {
            labels: {
              ...base,
              namespace: 'ingress',
              owner: 'ReplicaSet/ingress-nginx-controller-7f9c6b8d5',
              pod: `ingress-nginx-controller-7f9c6b8d5-${hex(rng, 5)}`,
            },
            exists: t0,
            from: span[0] + 3 * MIN,
            to: span[1],
            gone: span[1],
          },
        );
      }
    }
    for (const n of [...nodes]) {
      const drained = n.cordoned && n.pods === 0;
      if ((n.deleteAt !== undefined && m >= n.deleteAt) || drained) {
        // Deleting a node ends the sessions on it.
        pods = pods.filter((p) => p.node !== n);
        nodes.splice(nodes.indexOf(n), 1);
      }
    }
    // The autoscaler removes one long-empty schedulable node at a time.
    const removable = nodes.find((n) => !n.cordoned && !n.sick && n.pods === 0 && m - n.emptySince >= spec.pool.scaleDownEmptyMin);
    if (removable && nodes.length > spec.pool.minNodes && pending.length === 0) nodes.splice(nodes.indexOf(removable), 1);

    // Waiting launches first (FIFO), then this minute's arrivals; those waiting too long give up.
    const before = pending.length;
    pending = pending.filter((a) => m - a < GIVE_UP_MIN);
    const gaveUp = before - pending.length;
    const arrivals = rng.poisson(spec.arrivals(t));
    for (let i = 0; i < arrivals; i++) pending.push(m);
    const stillWaiting: number[] = [];
    for (const a of pending) {
      const node = placeOn();
      if (node) launch(m, t, node);
      else stillWaiting.push(a);
    }
    pending = stillWaiting;

    // The autoscaler asks for the nodes pending pods need, within the max; they come after the lag.
    const need = Math.ceil(pending.length / spec.pool.podsPerNode) - scaleUps.length;
    const room = spec.pool.maxNodes - nodes.length - scaleUps.length;
    for (let i = 0; i < Math.min(need, room); i++) scaleUps.push(m + spec.pool.scaleUpLagMin);

    // Probes: each run launches, and launches again at once if the first attempt failed.
    if (m >= 0 && t % (spec.probe.everyMin * MIN) === 0) {
      const probeLaunch = (r: Rng) => {
        // Without room the probe's pod waits like any other: it times out only when no node can come (the pool is at its max).
        const node = placeOn();
        const full = node === undefined && nodes.length + scaleUps.length >= spec.pool.maxNodes;
        return !full && r.bernoulli(spec.platform(t) * (1 - spec.probe.flake)) && !(node?.sick === true && r.bernoulli(SICK_NODE_FAILS));
      };
      for (const [repo, s] of probes) {
        let ok = false;
        for (let k = 0; k < spec.probe.attempts && !ok; k++) {
          ok = probeLaunch(probeRng);
        }
        s.push({ t, v: ok ? 1 : 0 });
        for (const extra of extraProbes.get(repo)!) extra.push({ t, v: probeLaunch(extraRng) ? 1 : 0 });
      }
    }

    if (m < 0) continue;
    // What the sources see.
    const up = pods.filter((p) => p.failsAt === undefined && p.readyAt <= m).length;
    if (gaGapUntil < m && seen.bernoulli(spec.gaGapRate)) gaGapUntil = m + 1 + Math.floor(seen.uniform() * 12);
    const counted = binomial(seen, arrivals, spec.gaShare);
    if (m >= gaGapUntil && !inSpans(spec.gaOutages, t)) demand.push({ t, v: counted });
    if (!seen.bernoulli(spec.podScrapeGapRate)) running.push({ t, v: up });
    nodeCount.push({ t, v: nodes.length });
    cordonedCount.push({ t, v: nodes.filter((n) => n.cordoned).length });
    maxNodes.push({ t, v: spec.pool.maxNodes });
    pendingCount.push({ t, v: pending.length });
    trace.t.push(t);
    trace.arrivals.push(arrivals);
    trace.running.push(up);
    trace.pending.push(pending.length);
    trace.nodes.push(nodes.length);
    trace.gaveUp.push(gaveUp);
  }

  for (const span of spec.userCrashLoops) {
    const name = `jupyter-${hex(rng, 6)}-2d${hex(rng, 8)}`;
    const node = nodes[Math.floor(rng.uniform() * nodes.length)]?.name ?? `gke-sim-${spec.pool.name}-${poolId}-0000`;
    crashLoops.push({
      labels: { namespace: 'prod', pod: name, node, owner: `Pod/${name}` },
      exists: span[0],
      from: span[0],
      to: span[1],
      gone: span[1],
    });
  }
  for (const span of spec.infraBlips) {
    const node = nodes[Math.floor(rng.uniform() * nodes.length)]?.name ?? `gke-sim-${spec.pool.name}-${poolId}-0000`;
    const pod = `hub-6d5f8b7c9-${hex(rng, 5)}`;
    crashLoops.push({
      labels: { namespace: 'prod', pod, node, owner: 'ReplicaSet/hub-6d5f8b7c9' },
      exists: span[0] - 30 * MIN,
      from: span[0],
      to: span[1],
      gone: Infinity,
    });
  }

  const end = at(total - 1);
  const pool = { pool: spec.pool.name };
  const series: ScenarioSeries[] = [
    { metric: 'binderwatch_demand', labels: {}, samples: demand },
    { metric: 'binderwatch_running_user_pods', labels: {}, samples: running },
    { metric: 'binderwatch_nodepool_nodes', labels: pool, samples: nodeCount },
    { metric: 'binderwatch_nodepool_cordoned_nodes', labels: pool, samples: cordonedCount },
    { metric: 'binderwatch_nodepool_max_nodes', labels: pool, samples: maxNodes },
    { metric: 'binderwatch_nodepool_pending_pods', labels: pool, samples: pendingCount },
    ...crashLoops.map((c) => ({ metric: 'binderwatch_pod_crashlooping', labels: c.labels, samples: crashLoopSamples(c, t0, end) })),
    ...[...probes].map(([repo, samples]) => ({ metric: 'binderwatch_launch_probe_ok', labels: { repo }, samples })),
    ...[...extraProbes].flatMap(([repo, series]) =>
      series.map((samples, i) => ({ metric: 'binderwatch_launch_probe_extra_ok', labels: { repo, attempt: String(i + 1) }, samples })),
    ),
  ];
  const data: ScenarioData = { series, start: spec.start, end, stepMs: MIN };
  return { data, truth: truthOf(spec, trace), trace };
}

function crashLoopSamples(c: CrashLoop, t0: number, end: number): Series {
  const out: Sample[] = [];
  // A pod that recovers reports 0 again (a series that just stops would read as still crash-looping until it goes stale).
  for (let t = Math.max(c.exists, t0); t < Math.min(c.gone, end + MIN); t += MIN) out.push({ t, v: t >= c.from && t < c.to ? 1 : 0 });
  return out;
}

function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.bernoulli(p)) k++;
  return k;
}

/** Runs of minutes where `bad` holds, merged across short gaps, long enough to be incidents. */
function spansOf(t: number[], bad: (i: number) => boolean, minMin = MIN_INCIDENT_MIN, mergeMin = MERGE_GAP_MIN): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < t.length; i++) {
    if (!bad(i)) continue;
    const last = spans[spans.length - 1];
    if (last && t[i] - last[1] < mergeMin * MIN) last[1] = t[i] + MIN;
    else spans.push([t[i], t[i] + MIN]);
  }
  return spans.filter(([a, b]) => b - a >= minMin * MIN);
}

/**
 * The truth, from the simulated state rather than from the spec's intent:
 * - levelling-off and launch-failure: platform success below 80 %, or launches
 *   waiting for room at the autoscaler max (the pool is full: running pods stop
 *   following demand from that minute, before anyone has given up yet);
 * - headroom: nodes (cordoned included) at ≥ 80 % of the max;
 * - sick-node: from the first crash-loop on the node until it is deleted.
 */
function truthOf(spec: DaySpec, trace: SimTrace): Truth {
  const { t } = trace;
  const launches = spansOf(
    t,
    (i) => spec.platform(t[i]) < LAUNCH_INCIDENT_BELOW || (trace.pending[i] > 0 && trace.nodes[i] >= spec.pool.maxNodes),
  );
  const headroom = spansOf(t, (i) => trace.nodes[i] >= HEADROOM_SHARE * spec.pool.maxNodes, MIN_HEADROOM_MIN, MERGE_HEADROOM_MIN);
  const iso = (ms: number) => new Date(ms).toISOString();
  const last = t[t.length - 1];
  const incident = (kind: IncidentKind, [a, b]: Span) => ({ kind, onset: iso(a), end: iso(Math.min(b, last)) });
  const incidents = [
    ...headroom.map((s) => incident('headroom', s)),
    ...launches.flatMap((s) => [incident('levelling-off', s), incident('launch-failure', s)]),
    ...spec.sickNodes.map((s) => incident('sick-node', s)),
  ];
  incidents.sort((x, y) => Date.parse(x.onset) - Date.parse(y.onset));
  return { incidents };
}
