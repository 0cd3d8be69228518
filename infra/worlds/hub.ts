// A hub, minute by minute, from its people: everyone who will press "launch" is drawn
// first (arrival, how long they want a server, whether their own launch works, their
// luck with the platform), then the cluster plays them out. Because the people are
// fixed before the cluster runs, the same day can be played twice: as it happened, and
// unhindered (platform healthy, no sick node, no max on nodes). The truth compares the
// two (infra/worlds/truth.ts), so it labels what the world did, not what a detector sees.
import { Rng } from '../rng.ts';
import { MIN, type Cohort, type SessionLaw, type World } from './world.ts';

/** Simulated before the history and thrown away: the hub starts empty and needs its long sessions to settle. */
export const BURN_IN_MIN = 360;
/** Launch to ready: 1–4 min of image pull and start. */
const START_SPREAD_MIN = 4;
/** Launches that land on the sick node fail this often. */
const SICK_FAILS = 0.9;

export interface Person {
  /** Minute index (from the first simulated minute) of the first launch. */
  arrive: number;
  sessionMin: number;
  ok: boolean;
  /** Uniform draws fixed per person: platform luck, sick-node luck, start delay, stopping at leave. */
  uPlatform: number;
  uSick: number;
  startMin: number;
  stops: boolean;
  lingerMin: number;
  retryGapMin: number;
}

function lognormal(rng: Rng, mean: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  return mean * Math.exp(sigma * z - (sigma * sigma) / 2);
}

function sessionLength(rng: Rng, law: SessionLaw): number {
  switch (law.law) {
    case 'exponential':
      return rng.exponential(law.meanMin);
    case 'lognormal':
      return lognormal(rng, law.meanMin, law.sigma);
    case 'pareto':
      return Math.min(law.capMin, law.minMin / Math.pow(1 - rng.uniform(), 1 / law.alpha));
  }
}

/** The slowly wandering overdispersion factor: lognormal steps of the day's cv, held `everyMin`. */
function dispersionFactors(rng: Rng, minutes: number, cv: number, everyMin: number): Float64Array {
  const f = new Float64Array(minutes).fill(1);
  if (cv <= 0) return f;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  let x = 0;
  for (let m = 0; m < minutes; m++) {
    if (m % everyMin === 0) {
      // AR(1) in the log: neighbouring blocks agree, as a busy afternoon stays busy for a while.
      const z = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
      x = 0.7 * x + Math.sqrt(1 - 0.49) * z;
    }
    f[m] = Math.exp(sigma * x - (sigma * sigma) / 2);
  }
  return f;
}

/** Everyone who will launch, in arrival order. `t0` is the first simulated minute. */
export function drawPeople(world: World, t0: number, minutes: number, rng: Rng): Person[] {
  const person = (arrive: number, sessionMin: number): Person => ({
    arrive,
    sessionMin: Math.max(1, Math.round(sessionMin)),
    ok: rng.bernoulli(world.userOk),
    uPlatform: rng.uniform(),
    uSick: rng.uniform(),
    startMin: 1 + Math.floor(rng.uniform() * START_SPREAD_MIN),
    stops: rng.bernoulli(world.culler.stopShare),
    lingerMin: rng.exponential(world.culler.lingerMin),
    retryGapMin: 1 + Math.floor(rng.uniform() * 3),
  });
  const people: Person[] = [];
  const factor = dispersionFactors(rng, minutes, world.dispersion.cv, world.dispersion.everyMin);
  for (let m = 0; m < minutes; m++) {
    const n = rng.poisson(world.rate(t0 + m * MIN) * factor[m]);
    for (let i = 0; i < n; i++) people.push(person(m, sessionLength(rng, world.session)));
  }
  for (const c of world.cohorts) people.push(...cohortPeople(c, t0, minutes, rng, person));
  return people.sort((a, b) => a.arrive - b.arrive);
}

/** A class: arrivals spread over a few minutes, everyone leaving within ±2 min of the end. */
function cohortPeople(c: Cohort, t0: number, minutes: number, rng: Rng, person: (a: number, s: number) => Person): Person[] {
  const first = Math.round((c.at - t0) / MIN);
  const out: Person[] = [];
  for (let i = 0; i < c.people; i++) {
    const arrive = first + Math.floor(rng.uniform() * c.spreadMin);
    if (arrive < 0 || arrive >= minutes) continue;
    const leave = first + c.stayMin + Math.round((rng.uniform() - 0.5) * 4);
    out.push(person(arrive, Math.max(5, leave - arrive)));
  }
  return out;
}

/** What happened each minute, from `historyStart` on. */
export interface Trace {
  t: number[];
  /** People (and retries) starting a launch; only those whose own launch is fine. */
  launches: number[];
  /** Of those, launches the platform failed: broken start, sick node, refused, gave up waiting. */
  failed: number[];
  /** Launch attempts by everyone, retries included (what a page-view counter sees). */
  attempts: number[];
  running: number[];
  pending: number[];
  nodes: number[];
  /** The pool could not take a launch: nodes at the max and a launch waiting or refused. */
  full: boolean[];
  /** Pods on the sick node lost when it was deleted. */
  lost: number[];
}

interface Node {
  name: string;
  pods: number;
  sick: boolean;
  emptySince: number;
}

interface Server {
  node: Node;
  readyAt: number;
  endAt: number;
  failed: boolean;
  dead: boolean;
}

export interface ClusterView {
  nodes: readonly { name: string; sick: boolean }[];
  /** No node has room and none can come. */
  full: boolean;
  /** The next pod would land on the sick node. */
  nextOnSick: boolean;
}

export interface PlayOptions {
  /** Unhindered: the platform always works, no node falls sick, the pool has no max. */
  unhindered: boolean;
  t0: number;
  minutes: number;
  historyStart: number;
  nodeName: (i: number) => string;
  /** Called every minute after the launches: what a probe launched now would meet. */
  onMinute?: (m: number, view: ClusterView) => void;
}

/** Plays the people out on the cluster. */
export function play(world: World, people: Person[], opts: PlayOptions): Trace {
  const { pool, culler } = world;
  const maxNodes = opts.unhindered ? Infinity : pool.maxNodes;
  const at = (m: number) => opts.t0 + m * MIN;
  const nodes: Node[] = [];
  let named = 0;
  const addNode = (m: number) => nodes.push({ name: opts.nodeName(named++), pods: 0, sick: false, emptySince: m });
  const inflight: number[] = [];
  const ends = new Map<number, Server[]>();
  const readies = new Map<number, Server[]>();
  const servers: Server[] = [];
  let running = 0;
  let queue: { p: Person; since: number; tries: number }[] = [];
  const retries = new Map<number, { p: Person; tries: number }[]>();
  const trace: Trace = { t: [], launches: [], failed: [], attempts: [], running: [], pending: [], nodes: [], full: [], lost: [] };
  let next = 0;
  let sick: Node | undefined;
  const sickFrom = world.sick && !opts.unhindered ? Math.round((world.sick[0] - opts.t0) / MIN) : -1;
  const sickTo = world.sick && !opts.unhindered ? Math.round((world.sick[1] - opts.t0) / MIN) : -1;
  const firstFit = (): Node | undefined => {
    // A plain loop: this runs for every launch, over up to a few hundred nodes.
    for (let i = 0; i < nodes.length; i++) if (nodes[i].pods < pool.podsPerNode) return nodes[i];
    return undefined;
  };
  const atMax = () => nodes.length + inflight.length >= maxNodes;
  const push = <T>(map: Map<number, T[]>, m: number, x: T) => {
    const list = map.get(m);
    if (list) list.push(x);
    else map.set(m, [x]);
  };
  const stopAt = (p: Person, readyAt: number): number => {
    const leave = readyAt + p.sessionMin;
    if (culler.everyMin === 0) return p.stops ? leave : leave + Math.max(1, Math.round(p.lingerMin));
    const pass = (m: number) => Math.ceil(m / culler.everyMin) * culler.everyMin;
    return Math.min(pass(leave + culler.idleMin), pass(readyAt + culler.maxAgeMin));
  };
  const end = (s: Server, m: number) => {
    if (s.dead) return;
    s.dead = true;
    s.node.pods--;
    if (s.node.pods === 0) s.node.emptySince = m;
    if (!s.failed && s.readyAt <= m) running--;
  };

  for (let m = 0; m < opts.minutes; m++) {
    const t = at(m);
    for (const s of ends.get(m) ?? []) end(s, m);
    ends.delete(m);
    for (const s of readies.get(m) ?? []) if (!s.dead && !s.failed) running++;
    readies.delete(m);
    while (inflight.length && inflight[0] <= m) {
      inflight.shift();
      addNode(m);
    }
    if (nodes.length === 0 && pool.minNodes > 0) for (let i = 0; i < pool.minNodes; i++) addNode(m);
    let lost = 0;
    if (m === sickFrom) {
      sick = [...nodes].sort((a, b) => b.pods - a.pods)[0];
      if (sick) sick.sick = true;
    }
    if (m === sickTo && sick) {
      const gone = sick;
      for (const s of servers) {
        if (s.node !== gone || s.dead) continue;
        if (!s.failed) lost++;
        end(s, m);
      }
      nodes.splice(nodes.indexOf(gone), 1);
      sick = undefined;
    }
    const idle = nodes.find((n) => !n.sick && n.pods === 0 && m - n.emptySince >= pool.scaleDownMin);
    if (idle && nodes.length > pool.minNodes && queue.length === 0) nodes.splice(nodes.indexOf(idle), 1);

    // Launches: the waiting first (FIFO), then retries and new arrivals.
    let launches = 0;
    let failed = 0;
    let attempts = 0;
    let refused = false;
    const fresh: { p: Person; tries: number }[] = [...(retries.get(m) ?? [])];
    retries.delete(m);
    while (next < people.length && people[next].arrive === m) fresh.push({ p: people[next++], tries: 0 });
    attempts += fresh.length;
    const waiting = queue;
    queue = [];
    for (const w of [...waiting.map((q) => ({ ...q, waited: true })), ...fresh.map((f) => ({ ...f, since: m, waited: false }))]) {
      if (!w.waited && w.p.ok) launches++;
      const node = firstFit();
      if (node) {
        node.pods++;
        const readyAt = m + w.p.startMin;
        const broken = !w.p.ok || (!opts.unhindered && w.p.uPlatform > world.platform(t)) || (node.sick && w.p.uSick < SICK_FAILS);
        if (broken && w.p.ok) failed++;
        const s: Server = { node, readyAt, endAt: broken ? readyAt : stopAt(w.p, readyAt), failed: broken, dead: false };
        servers.push(s);
        push(ends, s.endAt, s);
        push(readies, readyAt, s);
        continue;
      }
      const canGrow = !atMax();
      if (canGrow || pool.full === 'wait') {
        if (m - w.since < pool.patienceMin) queue.push(w);
        else if (w.p.ok) failed++;
        continue;
      }
      refused = true;
      if (w.p.ok) failed++;
      if (pool.full === 'retry' && w.tries < pool.retries) {
        push(retries, m + w.p.retryGapMin, { p: w.p, tries: w.tries + 1 });
      }
    }
    const need = Math.ceil(queue.length / pool.podsPerNode) - inflight.length;
    for (let i = 0; i < Math.min(need, maxNodes - nodes.length - inflight.length); i++) inflight.push(m + pool.lagMin);
    if (opts.onMinute) {
      const room = firstFit();
      opts.onMinute(m, { nodes, full: !room && atMax(), nextOnSick: room?.sick === true });
    }
    if (m < opts.historyStart) continue;
    trace.t.push(t);
    trace.launches.push(launches);
    trace.failed.push(failed);
    trace.attempts.push(attempts);
    trace.running.push(running);
    trace.pending.push(queue.length);
    trace.nodes.push(nodes.length);
    trace.full.push(atMax() && (queue.length > 0 || refused));
    trace.lost.push(lost);
    if (m % 60 === 0) servers.splice(0, servers.length, ...servers.filter((s) => !s.dead));
  }
  return trace;
}
