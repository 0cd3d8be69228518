// Writes every scenario file: `npx tsx infra/scenarios/generate.ts` (deterministic:
// fixed seeds, so the committed .om / .truth.json files are exactly its output).
//
// mybinder.org, night of 2018-01-17/18 (PST = UTC−8). What the account says (FACT)
// and what this reconstruction had to choose (assumption). "simulated" rows are what the
// model, tuned to the facts, produces with seed 20180118.
//
// | PST          | UTC          | what                                                        | basis          |
// |--------------|--------------|-------------------------------------------------------------|----------------|
// | 01-17 10:00  | 01-17 18:00  | scenario starts: a normal day, background demand only       | assumption     |
// | 01-17 18:00  | 01-18 02:00  | the viral repo's traffic starts building                    | FACT           |
// | 01-17 21:30  | 01-18 05:30  | one node cordoned, stays so (Grafana shows one node fewer)   | FACT; time assumed |
// | 01-17 23:30  | 01-18 07:30  | culler starts skipping 4 % of ended sessions (stale pods)    | assumption     |
// | 01-18 02:00  | 01-18 10:00  | culler mostly stuck: 34 % of ended sessions keep their pod   | assumption     |
// |              |              | (these are the 6–9 h old pods deleted by hand at the fix)    |                |
// | 01-18 03:00  | 01-18 11:00  | node 972e4826-2fhq in the pool (its pods' series start)      | assumption     |
// | 01-18 04:27  | 01-18 12:27  | 12 of max 15 nodes (team notices at 04:19)                  | FACT; simulated |
// | 01-18 05:09  | 01-18 13:09  | 14 of 15 nodes                                              | FACT; simulated |
// | 01-18 05:12  | 01-18 13:12  | max raised 15 → 20 in the web console                       | FACT; time assumed |
// | 01-18 05:45  | 01-18 13:45  | node 2fhq's networking breaks: launch success 0.97 → 0.10   | FACT; time assumed |
// |              |              | ("waiting for server to launch"), fluentd + 2 ingress pods  |                |
// |              |              | crash-loop, probes mostly fail; running pods stop growing   |                |
// |              |              | (629 → 598 by 06:00 → 551 by 06:30) while demand holds      |                |
// | 01-18 06:00  | 01-18 14:00  | peak ~600 running pods (simulated 598)                      | FACT           |
// | 01-18 08:20  | 01-18 16:20  | second engineer joins                                       | FACT           |
// | 01-18 08:40  | 01-18 16:40  | fix: pods ≥ 6 h old deleted, node 2fhq cordoned,           | FACT; time assumed |
// |              |              | launches and probes work again                              |                |
// | 01-18 08:45  | 01-18 16:45  | hub restarted: its culler removes all lingering pods (15 min)| FACT; time assumed |
// | 01-18 09:30  | 01-18 17:30  | node 2fhq drained and deleted (its pods' series end)        | assumption     |
// | 01-18 12:00  | 01-18 20:00  | scenario ends                                               | assumption     |
//
// Model parameters (2018): background demand 2.5 ± 0.5 /min (diurnal, peak 08:00 PST);
// viral demand (× 0.55) 0 at 18:00 → 0.4 (22:00) → 0.8 (00:30) → 1.2 (02:30) → 1.9 (03:30) →
// 3.9 (04:30) → 3.1 (05:15) → 4.4 /min from 06:15 to 09:30 → 1.7 /min at 12:00; launch
// success 0.97 × platform (1, or 0.1/0.97 during the fault); mean session W = 45 min; the
// stuck culler keeps the share of ended sessions above; 45 pods per node; pool `ssd-pool`,
// min 3, max 15 → 20; scale-up lag 5 min, scale-down after 30 min of surplus; pending
// launches give up after 10 min; probes every 10 min. The fault onset and how hard it hit
// launches are assumptions: how fast `trafficVsPods` can see the levelling depends on them
// (with weaker faults or a demand dip right after the onset it takes 10–30 min).
// Truth: headroom 12:27Z (≥ 80 % of 15) → 13:12Z (max 20); levelling-off and
// launch-failure 13:45Z → 16:40Z; sick-node 13:45Z → 17:30Z.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseFacts } from '../../shared/scenario/facts.ts';
import {
  constant,
  diurnal,
  firstTime,
  hours,
  iso,
  minutes,
  piecewise,
  simulate,
  type CrashLoopPod,
  type Incident,
  type SimParams,
  type Schedule,
  type SimResult,
  type Trace,
} from './simulate.ts';

const PROBE_REPOS = ['gh/binder-examples/requirements/HEAD', 'gh/binder-examples/conda/HEAD'];
const USER_SUCCESS = 0.97;
const utc = (s: string): number => Date.parse(s);

/** A healthy cluster between start and end; each scenario overrides what differs. */
function healthy(start: number, end: number, demand: SimParams['demand']): SimParams {
  return {
    start,
    end,
    demand,
    userSuccess: USER_SUCCESS,
    platformSuccess: constant(1),
    meanSessionMin: 45,
    staleFraction: constant(0),
    cullPerMin: constant(Infinity),
    pendingTimeoutMin: 10,
    pool: { name: 'user-pool', podsPerNode: 42, minNodes: 2, maxNodes: 15, scaleUpLagMin: 5, scaleDownAfterMin: 30 },
    events: [],
    crashLoops: [],
    probes: { repos: PROBE_REPOS, everyMin: 10 },
    demandGaps: [],
    incidents: [],
  };
}

/** A user's own server crash-looping: a bare pod (KubeSpawner), its code, not an incident. */
function userPodCrash(pod: string, node: string, exists: [number, number], crashing: [number, number]): CrashLoopPod {
  return { namespace: 'prod', pod, node, owner: `Pod/${pod}`, exists, crashing: [crashing] };
}

/** Pods on a node whose networking broke: they crash-loop until the node is deleted. */
function sickNodePods(
  node: string,
  pods: { namespace: string; pod: string; owner: string }[],
  exists: [number, number],
  onset: number,
): CrashLoopPod[] {
  return pods.map((p) => ({ ...p, node, exists, crashing: [[onset, exists[1]]] }));
}

const incident = (kind: Incident['kind'], onset: number, end: number): Incident => ({
  kind,
  onset: iso(onset),
  end: iso(end),
});

/** First minute a launch gives up waiting for room: users start to fail. */
const firstGiveUp = (trace: Trace): number => firstTime(trace, (i) => trace.gaveUp[i] > 0);
const firstAt80Percent = (trace: Trace): number => firstTime(trace, (i) => trace.nodes[i] >= 0.8 * trace.max[i]);
/**
 * First minute of 5 in a row with the pool at its max and launches waiting for room
 * (a shorter wait is the scale-up to the max landing): from here the running pods
 * cannot follow demand, they plateau at capacity, which is what levelling-off means;
 * users only start to fail later, when a wait gives up.
 */
const firstFullAtMax = (trace: Trace): number =>
  firstTime(trace, (i) => [0, 1, 2, 3, 4].every((d) => trace.nodes[i + d] >= trace.max[i + d] && trace.pending[i + d] > 0));

// --- mybinder.org 2018-01-18 -------------------------------------------------------

/** A wall-clock time in US Pacific Standard Time (UTC−8, no DST in January). */
export const pst = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00-08:00`);

const FACTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'mybinder-2018-01-18.facts.json');
/** The night's named times (epoch ms), from the facts file the CLI prints beside the alerts. */
export const TIMES = parseFacts(readFileSync(FACTS_FILE, 'utf8'), FACTS_FILE).times;

const SICK_NODE = 'gke-prod-a-ssd-pool-972e4826-2fhq';
/** assumption: the sick node came with the night's scale-up (its pods' series start here). */
const SICK_NODE_JOINED = pst('2018-01-18 03:00');

function mybinder2018(): SimParams {
  const V = 0.55; // the viral repo's share, scaled so the night's facts hold (see the table above)
  const start = pst('2018-01-17 10:00');
  const end = pst('2018-01-18 12:00');
  const cullerStuck = pst('2018-01-17 23:30');
  const cullerSlow = pst('2018-01-18 02:00');
  const base = healthy(start, end, {
    background: diurnal(2.5, 0.5, 16),
    // Reddit's audience wakes up: slow build through the evening, steep from 03:30 PST.
    viral: piecewise([
      [TIMES.viralTrafficBuilds, 0 * V],
      [pst('2018-01-17 22:00'), 0.7 * V],
      [pst('2018-01-18 00:30'), 1.4 * V],
      [pst('2018-01-18 02:30'), 2.2 * V],
      [pst('2018-01-18 03:30'), 3.4 * V],
      [pst('2018-01-18 04:30'), 7.0 * V],
      [pst('2018-01-18 05:15'), 5.6 * V],
      // …and grows again as the US wakes up: pods that stop growing now fall short.
      [pst('2018-01-18 06:15'), 8.0 * V],
      [pst('2018-01-18 09:30'), 8.0 * V],
      [end, 3 * V],
    ]),
  });
  const during =
    (from: number, to: number, inside: number, outside: number): Schedule =>
    (t) =>
      t >= from && t < to ? inside : outside;
  return {
    ...base,
    platformSuccess: during(TIMES.faultOnset, TIMES.fix, 0.1 / USER_SUCCESS, 1),
    staleFraction: (t) => (t < cullerStuck || t >= TIMES.hubRestarted ? 0 : t < cullerSlow ? 0.04 : 0.34),
    pool: { ...base.pool, name: 'ssd-pool', podsPerNode: 45, minNodes: 3, maxNodes: 15 },
    events: [
      { at: pst('2018-01-17 21:30'), kind: 'cordon' },
      { at: TIMES.maxRaisedTo20, kind: 'set-max', max: 20 },
      { at: TIMES.fix, kind: 'delete-lingering-pods', minAgeMin: 6 * 60 },
      { at: TIMES.fix, kind: 'cordon' },
      { at: TIMES.hubRestarted, kind: 'cull-lingering-pods', overMin: 15 },
      { at: TIMES.sickNodeDeleted, kind: 'delete-cordoned-node' },
    ],
    crashLoops: [
      ...sickNodePods(
        SICK_NODE,
        [
          { namespace: 'kube-system', pod: 'fluentd-gcp-v2.0.9-68p79', owner: 'DaemonSet/fluentd-gcp-v2.0.9' },
          {
            namespace: 'prod',
            pod: 'nginx-ingress-controller-5d6b8c9f7-x2x8k',
            owner: 'ReplicaSet/nginx-ingress-controller-5d6b8c9f7',
          },
          {
            namespace: 'prod',
            pod: 'nginx-ingress-default-backend-7c9f6d6b8-4kqzp',
            owner: 'ReplicaSet/nginx-ingress-default-backend-7c9f6d6b8',
          },
        ],
        [SICK_NODE_JOINED, TIMES.sickNodeDeleted],
        TIMES.faultOnset,
      ),
      userPodCrash(
        'jupyter-someuser-2dabc',
        'gke-prod-a-ssd-pool-972e4826-7kqm',
        [pst('2018-01-17 13:50'), pst('2018-01-17 15:25')],
        [pst('2018-01-17 14:10'), pst('2018-01-17 15:10')],
      ),
    ],
    incidents: (trace) => [
      incident('headroom', firstAt80Percent(trace), TIMES.maxRaisedTo20),
      incident('levelling-off', TIMES.faultOnset, TIMES.fix),
      incident('launch-failure', TIMES.faultOnset, TIMES.fix),
      incident('sick-node', TIMES.faultOnset, TIMES.sickNodeDeleted),
    ],
  };
}

// --- a normal day ------------------------------------------------------------------

function normalDay(): SimParams {
  const start = utc('2018-03-06T00:00:00Z');
  return {
    ...healthy(start, start + hours(24), { users: diurnal(5.6, 2.9, 15) }),
    crashLoops: [
      userPodCrash(
        'jupyter-binder-2dexamples-2dr-2dk3x9qp2m',
        'gke-prod-a-user-pool-3c1d9e77-b8wn',
        [utc('2018-03-06T13:05:00Z'), utc('2018-03-06T14:55:00Z')],
        [utc('2018-03-06T13:20:00Z'), utc('2018-03-06T14:40:00Z')],
      ),
    ],
    demandGaps: [[utc('2018-03-06T11:23:00Z'), utc('2018-03-06T11:28:00Z')]],
  };
}

// --- variants: shapes the detectors must get right ------------------------------------

/** Flat demand, flat pods for hours: a plateau is normal. */
function longPlateau(): SimParams {
  const start = utc('2018-02-05T06:00:00Z');
  return healthy(start, start + hours(10), { users: constant(6) });
}

/** Demand falls from 8 to 2 /min after 4 h; pods follow it down. */
function demandFalling(): SimParams {
  const start = utc('2018-02-06T12:00:00Z');
  return healthy(start, start + hours(10), {
    users: piecewise([
      [start + hours(4), 8],
      [start + hours(6), 2],
    ]),
  });
}

/** A normal day with GA outages of 5, 8, 12 and 20 min and one of 60 min ("unknown", not an incident). */
function gaGaps(): SimParams {
  const start = utc('2018-02-07T00:00:00Z');
  const gap = (hhmm: string, lengthMin: number): [number, number] => {
    const from = utc(`2018-02-07T${hhmm}:00Z`);
    return [from, from + minutes(lengthMin)];
  };
  return {
    ...healthy(start, start + hours(24), { users: diurnal(5.5, 3, 15) }),
    demandGaps: [gap('04:10', 5), gap('07:30', 12), gap('10:05', 20), gap('13:00', 60), gap('18:40', 8)],
  };
}

/** After 3 h, launch success slides from 0.97 to 0.5 over 3 h; an incident once it is below 0.8. */
function slowDegradation(): SimParams {
  const start = utc('2018-02-08T08:00:00Z');
  const end = start + hours(9);
  const from = start + hours(3);
  const to = from + hours(3);
  const platform = piecewise([
    [from, 1],
    [to, 0.5 / USER_SUCCESS],
  ]);
  let onset = from;
  while (USER_SUCCESS * platform(onset) >= 0.8) onset += minutes(1);
  // Probes fail as often as users' launches do, so a launch-failure detector is right to fire.
  return {
    ...healthy(start, end, { users: constant(7) }),
    platformSuccess: platform,
    incidents: [incident('levelling-off', onset, end), incident('launch-failure', onset, end)],
  };
}

/** Demand grows from 6 to 16 /min past what max 12 nodes hold: pending grows, pods plateau at capacity. */
function capacityExhaustion(): SimParams {
  const start = utc('2018-02-09T06:00:00Z');
  const base = healthy(start, start + hours(10), {
    users: piecewise([
      [start + hours(3), 6],
      [start + hours(7), 16],
    ]),
  });
  return {
    ...base,
    pool: { ...base.pool, maxNodes: 12 },
    incidents: (trace) => [
      incident('headroom', firstAt80Percent(trace), base.end),
      incident('levelling-off', firstFullAtMax(trace), base.end),
      incident('launch-failure', firstGiveUp(trace), base.end),
    ],
  };
}

/** 10 healthy nodes and one whose DaemonSet pod and two other owners crash-loop; unrelated user pods crash-loop elsewhere. */
function sickNodeAmongHealthy(): SimParams {
  const start = utc('2018-02-10T08:00:00Z');
  const onset = start + hours(3) + minutes(10);
  const deleted = start + hours(5) + minutes(40);
  const base = healthy(start, start + hours(8), { users: constant(8) });
  const at = (h: number, m: number): number => start + hours(h) + minutes(m);
  return {
    ...base,
    pool: { ...base.pool, minNodes: 11, maxNodes: 20 },
    events: [
      { at: deleted - minutes(15), kind: 'cordon' },
      { at: deleted, kind: 'delete-cordoned-node' },
    ],
    crashLoops: [
      ...sickNodePods(
        'gke-prod-a-user-pool-5b7e4a1c-q9zd',
        [
          { namespace: 'kube-system', pod: 'fluentd-gcp-v2.0.9-xk2pl', owner: 'DaemonSet/fluentd-gcp-v2.0.9' },
          {
            namespace: 'prod',
            pod: 'nginx-ingress-controller-5d6b8c9f7-h4t2w',
            owner: 'ReplicaSet/nginx-ingress-controller-5d6b8c9f7',
          },
          { namespace: 'kube-system', pod: 'kube-dns-778977457c-8fx2m', owner: 'ReplicaSet/kube-dns-778977457c' },
        ],
        [start, deleted],
        onset,
      ),
      userPodCrash(
        'jupyter-jakevdp-2dpythondatasciencehandbook-2dq1w2e3r4',
        'gke-prod-a-user-pool-5b7e4a1c-m2lx',
        [at(1, 20), at(2, 15)],
        [at(1, 30), at(2, 10)],
      ),
      userPodCrash(
        'jupyter-norvig-2dpytudes-2dz8x7c6v5',
        'gke-prod-a-user-pool-5b7e4a1c-t7rj',
        [at(3, 35), at(5, 0)],
        [at(3, 40), at(4, 50)],
      ),
    ],
    incidents: [incident('sick-node', onset, deleted)],
  };
}

/** Demand doubles (4 → 8 /min) within an hour and the cluster scales fine. */
function steadySurge(): SimParams {
  const start = utc('2018-02-11T10:00:00Z');
  return healthy(start, start + hours(8), {
    users: piecewise([
      [start + hours(3), 4],
      [start + hours(4), 8],
    ]),
  });
}

const VARIANTS: Record<string, () => SimParams> = {
  'long-plateau': longPlateau,
  'demand-falling': demandFalling,
  'ga-gaps': gaGaps,
  'slow-degradation': slowDegradation,
  'capacity-exhaustion': capacityExhaustion,
  'sick-node-among-healthy': sickNodeAmongHealthy,
  'steady-surge': steadySurge,
};

export interface ScenarioSpec {
  /** Path of the .om file relative to infra/scenarios/, without the extension. */
  name: string;
  seed: number;
  params: SimParams;
}

export function scenarioSpecs(): ScenarioSpec[] {
  return [
    { name: 'mybinder-2018-01-18', seed: 20180118, params: mybinder2018() },
    { name: 'normal-day', seed: 20180306, params: normalDay() },
    ...Object.entries(VARIANTS).map(([name, make], k) => ({ name: `variants/${name}`, seed: 1000 + k, params: make() })),
  ];
}

export const SCENARIO_DIR = dirname(fileURLToPath(import.meta.url));

export interface RenderedScenario {
  name: string;
  result: SimResult;
  truthJson: string;
}

export function renderAll(): RenderedScenario[] {
  return scenarioSpecs().map(({ name, seed, params }) => {
    const result = simulate(params, seed);
    return { name, result, truthJson: JSON.stringify(result.truth, null, 2) + '\n' };
  });
}

function main(): void {
  for (const { name, result, truthJson } of renderAll()) {
    const base = join(SCENARIO_DIR, name);
    mkdirSync(dirname(base), { recursive: true });
    writeFileSync(`${base}.om`, result.om);
    writeFileSync(`${base}.truth.json`, truthJson);
    const incidents = result.truth.incidents.map((i) => `${i.kind} ${i.onset} → ${i.end}`).join('; ');
    console.log(`${name}.om  ${result.om.length} bytes  ${incidents || 'no incidents'}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
