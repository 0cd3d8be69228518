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
// | 01-18 02:00  | 01-18 10:00  | culler throughput limited to 10 pods/min                    | assumption     |
// | 01-18 03:00  | 01-18 11:00  | node 972e4826-2fhq in the pool (its pods' series start)      | assumption     |
// | 01-18 04:17  | 01-18 12:17  | 12 of max 15 nodes (team notices at 04:19)                  | FACT; simulated |
// | 01-18 04:56  | 01-18 12:56  | 14 of 15 nodes                                              | FACT; simulated |
// | 01-18 05:00  | 01-18 13:00  | max raised 15 → 20 in the web console                       | FACT; time assumed |
// | 01-18 05:45  | 01-18 13:45  | node 2fhq's networking breaks: launch success 0.97 → 0.20,  | FACT; time assumed |
// |              |              | fluentd + 2 ingress pods crash-loop, probes mostly fail,    |                |
// |              |              | the hub culls only 2 pods/min: running pods level off       |                |
// | 01-18 06:00  | 01-18 14:00  | peak ~600 running pods (simulated 567, 292 viral)            | FACT           |
// | 01-18 08:20  | 01-18 16:20  | second engineer joins                                       | FACT           |
// | 01-18 08:40  | 01-18 16:40  | fix: pods ≥ 6 h old deleted, node 2fhq cordoned,           | FACT; time assumed |
// |              |              | launches and probes work again                              |                |
// | 01-18 08:45  | 01-18 16:45  | hub restarted: its culler removes all lingering pods (15 min)| FACT; time assumed |
// | 01-18 09:30  | 01-18 17:30  | node 2fhq drained and deleted (its pods' series end)        | assumption     |
// | 01-18 12:00  | 01-18 20:00  | scenario ends                                               | assumption     |
//
// Model parameters (2018): background demand 4.5 ± 0.5 /min (diurnal, peak 08:00 PST);
// viral demand 0 at 18:00 → 0.7 (22:00) → 1.4 (00:30) → 2.2 (02:30) → 3.4 (03:30) →
// 7.0 (04:30) → 5.4 /min from 05:15 to 10:00 → 3 /min at 12:00; launch success 0.97 ×
// platform (1, or 0.2/0.97 during the fault); mean session W = 45 min; 45 pods per node;
// pool `ssd-pool`, min 3, max 15 → 20; scale-up lag 5 min, scale-down after 30 min of
// surplus; pending launches give up after 10 min; probes every 10 min.
// Truth: headroom 12:17Z (≥ 80 % of 15) → 13:00Z (max 20); levelling-off and
// launch-failure 13:45Z → 16:40Z; sick-node 13:45Z → 17:30Z.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TIMES, pst } from './mybinder-2018-01-18.facts.ts';
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

// --- mybinder.org 2018-01-18 -------------------------------------------------------

const SICK_NODE = 'gke-prod-a-ssd-pool-972e4826-2fhq';
/** assumption: the sick node came with the night's scale-up (its pods' series start here). */
const SICK_NODE_JOINED = pst('2018-01-18 03:00');

function mybinder2018(): SimParams {
  const start = pst('2018-01-17 10:00');
  const end = pst('2018-01-18 12:00');
  const cullerStuck = pst('2018-01-17 23:30');
  const cullerSlow = pst('2018-01-18 02:00');
  const base = healthy(start, end, {
    background: diurnal(4.5, 0.5, 16),
    // Reddit's audience wakes up: slow build through the evening, steep from 03:30 PST.
    viral: piecewise([
      [TIMES.viralTrafficBuilds, 0],
      [pst('2018-01-17 22:00'), 0.7],
      [pst('2018-01-18 00:30'), 1.4],
      [pst('2018-01-18 02:30'), 2.2],
      ...(JSON.parse(process.env.VP ?? '[["03:30",3.4],["04:30",6.0],["05:15",5.6],["06:30",8.0],["09:30",8.0]]') as [string, number][]).map(
        ([h, v]) => [pst(`2018-01-18 ${h}`), v] as [number, number],
      ),
      [end, 3],
    ]),
  });
  const during = (from: number, to: number, inside: number, outside: number): Schedule => (t) =>
    t >= from && t < to ? inside : outside;
  return {
    ...base,
    platformSuccess: during(TIMES.faultOnset, TIMES.fix, 0.2 / USER_SUCCESS, 1),
    staleFraction: during(cullerStuck, TIMES.hubRestarted, 0.04, 0),
    // The hub, swamped by launches that never finish, culls only ~2 servers a minute.
    cullPerMin: (t) => (t < cullerSlow || t >= TIMES.hubRestarted ? Infinity : t < TIMES.faultOnset ? 10 : Number(process.env.KF ?? 2.4)),
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
      incident('headroom', firstTime(trace, (i) => trace.nodes[i] >= 0.8 * trace.max[i]), TIMES.maxRaisedTo20),
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

/** First minute a launch gives up waiting for room: users start to fail. */
const firstGiveUp = (trace: Trace): number => firstTime(trace, (i) => trace.gaveUp[i] > 0);

function variants(): Record<string, SimParams> {
  const longPlateauStart = utc('2018-02-05T06:00:00Z');

  const fallingStart = utc('2018-02-06T12:00:00Z');

  const gapsStart = utc('2018-02-07T00:00:00Z');
  const gap = (hhmm: string, lengthMin: number): [number, number] => {
    const from = utc(`2018-02-07T${hhmm}:00Z`);
    return [from, from + minutes(lengthMin)];
  };

  const degradeStart = utc('2018-02-08T08:00:00Z');
  const degradeFrom = degradeStart + hours(3);
  const degradeTo = degradeFrom + hours(3);
  const degraded = piecewise([
    [degradeFrom, 1],
    [degradeTo, 0.5 / USER_SUCCESS],
  ]);
  const belowSuccess = (ratio: number): number => {
    for (let t = degradeFrom; t <= degradeTo; t += minutes(1)) if (USER_SUCCESS * degraded(t) < ratio) return t;
    throw new Error(`launch success never falls below ${ratio}`);
  };

  const exhaustStart = utc('2018-02-09T06:00:00Z');
  const exhaustBase = healthy(exhaustStart, exhaustStart + hours(10), {
    users: piecewise([
      [exhaustStart + hours(3), 6],
      [exhaustStart + hours(7), 16],
    ]),
  });

  const sickStart = utc('2018-02-10T08:00:00Z');
  const sickOnset = sickStart + hours(3) + minutes(10);
  const sickCordoned = sickStart + hours(5) + minutes(25);
  const sickDeleted = sickStart + hours(5) + minutes(40);
  const sickBase = healthy(sickStart, sickStart + hours(8), { users: constant(8) });

  const surgeStart = utc('2018-02-11T10:00:00Z');

  return {
    'long-plateau': healthy(longPlateauStart, longPlateauStart + hours(10), { users: constant(6) }),
    'demand-falling': healthy(fallingStart, fallingStart + hours(10), {
      users: piecewise([
        [fallingStart + hours(4), 8],
        [fallingStart + hours(6), 2],
      ]),
    }),
    'ga-gaps': {
      ...healthy(gapsStart, gapsStart + hours(24), { users: diurnal(5.5, 3, 15) }),
      demandGaps: [gap('04:10', 5), gap('07:30', 12), gap('10:05', 20), gap('13:00', 60), gap('18:40', 8)],
    },
    'slow-degradation': {
      ...healthy(degradeStart, degradeStart + hours(9), { users: constant(7) }),
      platformSuccess: degraded,
      incidents: [
        incident('levelling-off', belowSuccess(0.8), degradeStart + hours(9)),
        incident('launch-failure', belowSuccess(0.8), degradeStart + hours(9)),
      ],
    },
    'capacity-exhaustion': {
      ...exhaustBase,
      pool: { ...exhaustBase.pool, maxNodes: 12 },
      incidents: (trace) => [
        incident('headroom', firstTime(trace, (i) => trace.nodes[i] >= 0.8 * trace.max[i]), exhaustBase.end),
        incident('levelling-off', firstGiveUp(trace), exhaustBase.end),
        incident('launch-failure', firstGiveUp(trace), exhaustBase.end),
      ],
    },
    'sick-node-among-healthy': {
      ...sickBase,
      pool: { ...sickBase.pool, minNodes: 11, maxNodes: 20 },
      events: [
        { at: sickCordoned, kind: 'cordon' },
        { at: sickDeleted, kind: 'delete-cordoned-node' },
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
          [sickStart, sickDeleted],
          sickOnset,
        ),
        userPodCrash(
          'jupyter-jakevdp-2dpythondatasciencehandbook-2dq1w2e3r4',
          'gke-prod-a-user-pool-5b7e4a1c-m2lx',
          [sickStart + hours(1) + minutes(20), sickStart + hours(2) + minutes(15)],
          [sickStart + hours(1) + minutes(30), sickStart + hours(2) + minutes(10)],
        ),
        userPodCrash(
          'jupyter-norvig-2dpytudes-2dz8x7c6v5',
          'gke-prod-a-user-pool-5b7e4a1c-t7rj',
          [sickStart + hours(3) + minutes(35), sickStart + hours(5)],
          [sickStart + hours(3) + minutes(40), sickStart + hours(4) + minutes(50)],
        ),
      ],
      incidents: [incident('sick-node', sickOnset, sickDeleted)],
    },
    'steady-surge': healthy(surgeStart, surgeStart + hours(8), {
      users: piecewise([
        [surgeStart + hours(3), 4],
        [surgeStart + hours(4), 8],
      ]),
    }),
  };
}

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
    ...Object.entries(variants()).map(([name, params], k) => ({ name: `variants/${name}`, seed: 1000 + k, params })),
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
