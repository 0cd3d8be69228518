// One world played out into the scenario series (shared/scenario/openmetrics.ts) that
// `replay()` and `binderwatch replay` read, and its truth. Random streams are apart per
// purpose (people, what the sources see, probes), so a change in one leaves the others.
import { Rng } from '../rng.ts';
import { EXTRA_LAUNCHES } from '../../shared/detectors/launch-probe.ts';
import type { Series } from '../../shared/model.ts';
import type { Truth } from '../../shared/replay/score.ts';
import type { ScenarioData, ScenarioSeries } from '../../shared/scenario/openmetrics.ts';
import { BURN_IN_MIN, drawPeople, play, type ClusterView, type Trace } from './hub.ts';
import { truthOf } from './truth.ts';
import { MIN, type Span, type World } from './world.ts';

export interface WorldDay {
  data: ScenarioData;
  truth: Truth;
  actual: Trace;
  unhindered: Trace;
}

function name(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += 'bcdfghjklmnpqrstvwxz0123456789'[Math.floor(rng.uniform() * 30)];
  return s;
}

/** GA's count of `n` launches at a share that may exceed 1 (a visit counted twice). */
function counted(rng: Rng, n: number, share: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) k += (rng.bernoulli(Math.min(1, share)) ? 1 : 0) + (rng.bernoulli(Math.max(0, share - 1)) ? 1 : 0);
  return k;
}

/** One probe run: attempts until one works; an attempt after a failed one fails again with the world's correlation. */
function probeRun(world: World, rng: Rng, t: number, view: ClusterView): { ok: boolean; extras: boolean[] } {
  const p = world.probe;
  if (rng.bernoulli(p.background)) return { ok: false, extras: Array.from({ length: EXTRA_LAUNCHES }, () => false) };
  let lastFailed = false;
  const attempt = () => {
    const fails =
      (lastFailed && rng.bernoulli(p.correlation)) ||
      view.full ||
      !rng.bernoulli(world.platform(t)) ||
      (view.nextOnSick && rng.bernoulli(0.9)) ||
      rng.bernoulli(p.flake);
    lastFailed = fails;
    return !fails;
  };
  let ok = false;
  for (let k = 0; k < p.attempts && !ok; k++) ok = attempt();
  return { ok, extras: Array.from({ length: EXTRA_LAUNCHES }, attempt) };
}

function crashLoop(labels: Record<string, string>, from: number, to: number, span: Span): ScenarioSeries {
  const samples: Series = [];
  // A pod that recovers reports 0 again, so its series does not go stale while still reading 1.
  for (let t = from; t <= to; t += MIN) samples.push({ t, v: t >= span[0] && t < span[1] ? 1 : 0 });
  return { metric: 'binderwatch_pod_crashlooping', labels, samples };
}

export function simulateWorld(world: World, seed: number): WorldDay {
  const historyStart = BURN_IN_MIN;
  const minutes = BURN_IN_MIN + world.historyMin + world.minutes + 1;
  const t0 = world.start - (world.historyMin + BURN_IN_MIN) * MIN;
  const people = drawPeople(world, t0, minutes, new Rng(seed));
  const seen = new Rng(seed ^ 0x2545f491);
  const probeRng = new Rng(seed ^ 0x6a09e667);
  const poolId = name(seen, 6);
  const nodeName = (i: number) => `gke-hub-${world.pool.name}-${poolId}-${i.toString(36).padStart(4, '0')}`;
  const probes = world.probe.repos.map(() => ({ ok: [] as Series, extras: Array.from({ length: EXTRA_LAUNCHES }, (): Series => []) }));
  let sickName: string | undefined;
  const actual = play(world, people, {
    unhindered: false,
    t0,
    minutes,
    historyStart,
    nodeName,
    onMinute: (m, view) => {
      const t = t0 + m * MIN;
      sickName ??= view.nodes.find((n) => n.sick)?.name;
      if (m < historyStart || t % (world.probe.everyMin * MIN) !== 0) return;
      for (const p of probes) {
        const run = probeRun(world, probeRng, t, view);
        p.ok.push({ t, v: run.ok ? 1 : 0 });
        run.extras.forEach((e, i) => p.extras[i].push({ t, v: e ? 1 : 0 }));
      }
    },
  });
  const unhindered = play(world, people, { unhindered: true, t0, minutes, historyStart, nodeName });
  const data: ScenarioData = {
    series: series(world, actual, seen, { probes, sickName, nodeName }),
    start: world.start,
    end: actual.t[actual.t.length - 1],
    stepMs: MIN,
  };
  return { data, truth: truthOf(world, actual, unhindered), actual, unhindered };
}

interface Extra {
  probes: { ok: Series; extras: Series[] }[];
  sickName?: string;
  nodeName: (i: number) => string;
}

/** What the sources see: GA's count with short gaps, scraped pods with rare gaps, node counts, crash loops, probes. */
function series(world: World, trace: Trace, seen: Rng, extra: Extra): ScenarioSeries[] {
  const demand: Series = [];
  const running: Series = [];
  const nodes: Series = [];
  const cordoned: Series = [];
  const max: Series = [];
  const pending: Series = [];
  let gapUntil = -1;
  trace.t.forEach((t, i) => {
    if (gapUntil < i && seen.bernoulli(1 / 720)) gapUntil = i + 1 + Math.floor(seen.uniform() * 10);
    if (i >= gapUntil) demand.push({ t, v: counted(seen, trace.attempts[i], world.gaShare(t)) });
    if (!seen.bernoulli(1 / 1500)) running.push({ t, v: trace.running[i] });
    nodes.push({ t, v: trace.nodes[i] });
    cordoned.push({ t, v: 0 });
    max.push({ t, v: world.pool.maxNodes });
    pending.push({ t, v: trace.pending[i] });
  });
  const first = trace.t[0];
  const last = trace.t[trace.t.length - 1];
  const pool = { pool: world.pool.name };
  const loops: ScenarioSeries[] = [];
  if (world.sick && extra.sickName) {
    const node = extra.sickName;
    const [a, b] = world.sick;
    // The node's networking breaks: its log shipper (a DaemonSet) and the network daemon crash-loop until it is deleted.
    loops.push(
      crashLoop(
        { namespace: 'kube-system', pod: `fluentbit-gke-${name(seen, 5)}`, node, owner: 'DaemonSet/fluentbit-gke' },
        Math.max(first, a - 60 * MIN),
        Math.min(last, b),
        [a, b],
      ),
    );
    loops.push(
      crashLoop(
        { namespace: 'kube-system', pod: `netd-${name(seen, 5)}`, node, owner: 'DaemonSet/netd' },
        Math.max(first, a - 60 * MIN),
        Math.min(last, b),
        [a + 2 * MIN, b],
      ),
    );
  }
  for (const span of world.userCrashLoops) {
    const pod = `jupyter-user-${name(seen, 8)}`;
    loops.push(
      crashLoop({ namespace: 'binder', pod, node: extra.nodeName(0), owner: `Pod/${pod}` }, span[0], Math.min(last, span[1]), span),
    );
  }
  return [
    { metric: 'binderwatch_demand', labels: {}, samples: demand },
    { metric: 'binderwatch_running_user_pods', labels: {}, samples: running },
    { metric: 'binderwatch_nodepool_nodes', labels: pool, samples: nodes },
    { metric: 'binderwatch_nodepool_cordoned_nodes', labels: pool, samples: cordoned },
    { metric: 'binderwatch_nodepool_max_nodes', labels: pool, samples: max },
    { metric: 'binderwatch_nodepool_pending_pods', labels: pool, samples: pending },
    ...loops,
    ...world.probe.repos.map((repo, r) => ({ metric: 'binderwatch_launch_probe_ok', labels: { repo }, samples: extra.probes[r].ok })),
    ...world.probe.repos.flatMap((repo, r) =>
      extra.probes[r].extras.map((samples, i) => ({
        metric: 'binderwatch_launch_probe_extra_ok',
        labels: { repo, attempt: String(i + 1) },
        samples,
      })),
    ),
  ];
}
