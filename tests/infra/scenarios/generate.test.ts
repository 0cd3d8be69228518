import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_DIR, TIMES, pst, renderAll, scenarioSpecs, type RenderedScenario } from '../../../infra/scenarios/generate.ts';
import { readFactsOf } from '../../../shared/scenario/facts.ts';
import { stackAvailable } from '../../helpers/stack.ts';
import { constant, hours, piecewise, simulate, type SimParams } from '../../../infra/scenarios/simulate.ts';
import { formatScenario, parseScenario, SCENARIO_METRICS, type ScenarioSeries } from '../../../shared/scenario/openmetrics.ts';

const run = promisify(execFile);
const PROMTOOL = 'promtool';

type Samples = ScenarioSeries['samples'];

/** The project's parser (families contiguous, times increasing, `# EOF`), plus: each
 *  series' samples contiguous and every family declared `gauge` before its samples. */
function readScenario(text: string): { families: string[]; series: ScenarioSeries[] } {
  const { series } = parseScenario(text);
  const families: string[] = [];
  const seen = new Set<string>();
  let current = '';
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) gauge$/.exec(line);
    if (type) families.push(type[1]);
    if (line === '' || line.startsWith('#')) continue;
    const key = line.slice(0, line.lastIndexOf(' ', line.lastIndexOf(' ') - 1));
    const family = families[families.length - 1];
    if (key !== family && !key.startsWith(`${family}{`)) throw new Error(`${key} before its # TYPE`);
    if (key !== current && seen.has(key)) throw new Error(`series ${key} is not contiguous`);
    seen.add(key);
    current = key;
  }
  if (!text.endsWith('\n# EOF\n')) throw new Error('the last line must be # EOF');
  return { families, series };
}

/** Total samples promtool wrote into blocks, from its summary table. */
async function promtoolBackfill(file: string, dir: string): Promise<number> {
  const { stdout } = await run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', file, dir]);
  return stdout
    .split('\n')
    .filter((l) => /^[0-9A-Z]{26}\s/.test(l))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[4]), 0);
}

const FAMILIES = [...SCENARIO_METRICS];
const KINDS = ['levelling-off', 'headroom', 'sick-node', 'launch-failure'];
const MIN = 60_000;

function smallScenario(): SimParams {
  const start = Date.parse('2020-05-01T00:00:00Z');
  return {
    start,
    end: start + hours(2),
    demand: {
      users: piecewise([
        [start, 3],
        [start + hours(2), 6],
      ]),
    },
    userSuccess: 0.97,
    platformSuccess: constant(1),
    meanSessionMin: 30,
    staleFraction: constant(0),
    cullPerMin: constant(Infinity),
    pendingTimeoutMin: 10,
    pool: { name: 'user-pool', podsPerNode: 20, minNodes: 1, maxNodes: 10, scaleUpLagMin: 5, scaleDownAfterMin: 30 },
    events: [],
    crashLoops: [],
    probes: { repos: ['gh/a/b/HEAD'], everyMin: 10 },
    demandGaps: [[start + hours(1), start + hours(1) + 5 * MIN]],
    incidents: [],
  };
}

let tmp: string;
let rendered: RenderedScenario[];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'binderwatch-scenarios-'));
  rendered = renderAll();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('scenario generator', () => {
  it('produces the same bytes for the same seed and different bytes for another seed', () => {
    const a = simulate(smallScenario(), 7);
    const b = simulate(smallScenario(), 7);
    const c = simulate(smallScenario(), 8);
    expect(b.om).toBe(a.om);
    expect(c.om).not.toBe(a.om);
  });

  it('leaves a GA outage as missing demand samples, not zeros', () => {
    const { om } = simulate(smallScenario(), 7);
    const demand = readScenario(om).series.find((s) => s.metric === 'binderwatch_demand')!;
    const pods = readScenario(om).series.find((s) => s.metric === 'binderwatch_running_user_pods')!;
    expect(pods.samples).toHaveLength(121);
    expect(demand.samples).toHaveLength(116);
    const gapStart = Date.parse('2020-05-01T01:00:00Z');
    expect(demand.samples.some((s) => s.t >= gapStart && s.t < gapStart + 5 * MIN)).toBe(false);
  });

  it('keeps pods that do not fit pending, never grows the pool past its max, and fails probes once launches give up', () => {
    const params = smallScenario();
    const { trace, om } = simulate({ ...params, demand: { users: constant(8) }, pool: { ...params.pool, maxNodes: 3 } }, 7);
    expect(Math.max(...trace.nodes)).toBe(3);
    expect(Math.max(...trace.pods)).toBeLessThanOrEqual(60);
    expect(Math.max(...trace.pending)).toBeGreaterThan(0);
    const probes = readScenario(om).series.find((s) => s.metric === 'binderwatch_launch_probe_ok')!.samples;
    const firstGiveUp = trace.t[trace.gaveUp.findIndex((g) => g > 0)];
    expect(probes.filter((p) => p.t >= firstGiveUp + 10 * MIN).every((p) => p.v === 0)).toBe(true);
  });

  it('lets pods pile up when the culler skips ended sessions, until a restarted culler clears them', () => {
    const params = smallScenario();
    const restart = params.start + hours(1.5);
    const working = simulate(params, 7).trace;
    const stuck = simulate(
      {
        ...params,
        staleFraction: (t) => (t < restart ? 1 : 0),
        events: [{ at: restart, kind: 'cull-lingering-pods', overMin: 10 }],
      },
      7,
    ).trace;
    const i = working.t.indexOf(restart - MIN);
    expect(stuck.pods[i]).toBeGreaterThan(1.5 * working.pods[i]);
    expect(stuck.lingeringPods[i + 11]).toBe(0);
  });

  it('committed files are exactly what the generator writes', async () => {
    for (const { name, result, truthJson } of rendered) {
      expect(await readFile(join(SCENARIO_DIR, `${name}.om`), 'utf8'), name).toBe(result.om);
      expect(await readFile(join(SCENARIO_DIR, `${name}.truth.json`), 'utf8'), name).toBe(truthJson);
    }
  });

  it.skipIf(!stackAvailable(PROMTOOL))('writes label values that promtool reads back unchanged', async () => {
    const value = 'q"uo\\te\nnl';
    const om = formatScenario({
      series: [{ metric: 'x', labels: { a: value }, samples: [{ t: 1516212000000, v: 1 }] }],
    });
    const file = join(tmp, 'escape.om');
    const db = join(tmp, 'escape-db');
    await writeFile(file, om);
    expect(await promtoolBackfill(file, db)).toBe(1);
    await mkdir(join(db, 'wal'), { recursive: true }); // dump opens the WAL too
    const { stdout } = await run(PROMTOOL, ['tsdb', 'dump', db]);
    expect(stdout).toContain(`a=${JSON.stringify(value)}`);
  });
});

describe('committed scenario files', () => {
  it.skipIf(!stackAvailable(PROMTOOL))('each is accepted whole by promtool tsdb create-blocks-from openmetrics', async () => {
    for (const { name } of scenarioSpecs()) {
      const file = join(SCENARIO_DIR, `${name}.om`);
      const { series } = readScenario(await readFile(file, 'utf8'));
      const lines = series.reduce((n, s) => n + s.samples.length, 0);
      // promtool drops out-of-order samples silently: every line must land.
      expect(await promtoolBackfill(file, join(tmp, name.replace('/', '-'))), name).toBe(lines);
    }
  });

  it('each holds every family once, in contiguous time-ordered series, ending # EOF', async () => {
    for (const { name } of scenarioSpecs()) {
      const text = await readFile(join(SCENARIO_DIR, `${name}.om`), 'utf8');
      const { families, series } = readScenario(text); // throws on a violation
      const hasCrashLoops = series.some((s) => s.metric === 'binderwatch_pod_crashlooping');
      expect(families, name).toEqual(FAMILIES.filter((f) => hasCrashLoops || f !== 'binderwatch_pod_crashlooping'));
      for (const s of series) expect(s.samples.length, `${name} ${s.metric}`).toBeGreaterThan(0);
      for (const s of series.filter((x) => x.metric === 'binderwatch_pod_crashlooping')) {
        expect(Object.keys(s.labels).sort()).toEqual(['namespace', 'node', 'owner', 'pod']);
        expect(s.labels.owner).toMatch(/^[A-Za-z]+\/.+/);
        expect(s.samples.every((x) => x.v === 0 || x.v === 1)).toBe(true);
      }
    }
  });

  it('each truth file lists known incident kinds with onset before end, after ≥ 3 h of normal traffic', async () => {
    for (const { name } of scenarioSpecs()) {
      const truth = JSON.parse(await readFile(join(SCENARIO_DIR, `${name}.truth.json`), 'utf8'));
      const { series } = readScenario(await readFile(join(SCENARIO_DIR, `${name}.om`), 'utf8'));
      const start = series[0].samples[0].t;
      for (const inc of truth.incidents) {
        expect(KINDS).toContain(inc.kind);
        expect(inc.onset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(inc.end).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(Date.parse(inc.onset)).toBeLessThan(Date.parse(inc.end));
        expect(Date.parse(inc.onset) - start, `${name} ${inc.kind}`).toBeGreaterThanOrEqual(hours(3));
      }
    }
  });
});

describe('mybinder-2018-01-18 reconstruction', () => {
  let series: ScenarioSeries[];
  const one = (name: string, labels: Record<string, string> = {}): Samples => {
    const s = series.find((x) => x.metric === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    if (!s) throw new Error(`no series ${name}`);
    return s.samples;
  };
  const valueAt = (samples: Samples, t: number): number => {
    const s = samples.find((x) => x.t === t);
    if (!s) throw new Error(`no sample at ${new Date(t).toISOString()}`);
    return s.v;
  };
  const between = (samples: Samples, from: number, to: number) => samples.filter((s) => s.t >= from && s.t < to);
  const mean = (xs: { v: number }[]) => xs.reduce((a, s) => a + s.v, 0) / xs.length;

  beforeAll(async () => {
    series = readScenario(await readFile(join(SCENARIO_DIR, 'mybinder-2018-01-18.om'), 'utf8')).series;
  });

  it('reaches 12 of 15 nodes between 04:00 and 04:30 PST, then 14 before the max is raised to 20', () => {
    const nodes = one('binderwatch_nodepool_nodes', { pool: 'ssd-pool' });
    const max = one('binderwatch_nodepool_max_nodes', { pool: 'ssd-pool' });
    const twelve = nodes.find((s) => s.v >= 12)!.t;
    expect(twelve).toBeGreaterThanOrEqual(pst('2018-01-18 04:00'));
    expect(twelve).toBeLessThanOrEqual(pst('2018-01-18 04:30'));
    expect(valueAt(max, twelve)).toBe(15);
    const fourteen = nodes.find((s) => s.v >= 14)!.t;
    expect(fourteen).toBeLessThan(TIMES.maxRaisedTo20);
    expect(max.find((s) => s.v === 20)!.t).toBe(TIMES.maxRaisedTo20);
    expect(between(max, max[0].t, TIMES.maxRaisedTo20).every((s) => s.v === 15)).toBe(true);
    // After the raise the pool stays below 80 % of 20.
    expect(Math.max(...between(nodes, TIMES.maxRaisedTo20, Infinity).map((s) => s.v))).toBeLessThanOrEqual(15);
  });

  it('counts one cordoned node all night and a second once the sick node is cordoned', () => {
    const cordoned = one('binderwatch_nodepool_cordoned_nodes', { pool: 'ssd-pool' });
    expect(valueAt(cordoned, TIMES.teamNotices)).toBe(1);
    expect(valueAt(cordoned, TIMES.fix)).toBe(2);
    expect(valueAt(cordoned, TIMES.sickNodeDeleted)).toBe(1);
  });

  it('runs about 600 pods (±15 %) at 06:00 PST', () => {
    const pods = valueAt(one('binderwatch_running_user_pods'), TIMES.peak);
    expect(pods).toBeGreaterThanOrEqual(510);
    expect(pods).toBeLessThanOrEqual(690);
  });

  it('levels off: pods stop growing (no rise, at most a 15 % sag) for 45 min after the fault while demand does not fall', () => {
    const pods = one('binderwatch_running_user_pods');
    const demand = one('binderwatch_demand');
    const at = valueAt(pods, TIMES.faultOnset);
    for (const s of between(pods, TIMES.faultOnset, TIMES.faultOnset + 45 * MIN)) {
      expect(s.v).toBeLessThanOrEqual(at * 1.03);
      expect(s.v).toBeGreaterThanOrEqual(at * 0.85);
    }
    const before = mean(between(demand, TIMES.faultOnset - 45 * MIN, TIMES.faultOnset));
    const after = mean(between(demand, TIMES.faultOnset, TIMES.faultOnset + 45 * MIN));
    expect(after).toBeGreaterThanOrEqual(0.9 * before);
    // …and the fix brings the lingering pods down.
    expect(valueAt(pods, TIMES.hubRestarted + 15 * MIN)).toBeLessThan(0.6 * at);
  });

  it('has fluentd on the sick node crash-looping during the fault and gone after the node is deleted', () => {
    const fluentd = one('binderwatch_pod_crashlooping', {
      pod: 'fluentd-gcp-v2.0.9-68p79',
      node: 'gke-prod-a-ssd-pool-972e4826-2fhq',
      owner: 'DaemonSet/fluentd-gcp-v2.0.9',
      namespace: 'kube-system',
    });
    const during = between(fluentd, TIMES.faultOnset, TIMES.sickNodeDeleted);
    expect(during.length).toBe((TIMES.sickNodeDeleted - TIMES.faultOnset) / MIN);
    expect(during.every((s) => s.v === 1)).toBe(true);
    expect(between(fluentd, 0, TIMES.faultOnset).every((s) => s.v === 0)).toBe(true);
    expect(fluentd[fluentd.length - 1].t).toBeLessThan(TIMES.sickNodeDeleted);
    const onNode = series.filter((s) => s.labels.node === 'gke-prod-a-ssd-pool-972e4826-2fhq');
    expect(new Set(onNode.map((s) => s.labels.owner)).size).toBeGreaterThanOrEqual(3);
  });

  it('has the harmless user server crash-loop as a bare pod on another node', () => {
    const bare = series.filter((s) => s.labels.owner === `Pod/${s.labels.pod}`);
    expect(bare).toHaveLength(1);
    expect(bare[0].labels.namespace).toBe('prod');
    expect(bare[0].labels.node).not.toBe('gke-prod-a-ssd-pool-972e4826-2fhq');
    expect(bare[0].samples.some((s) => s.v === 1)).toBe(true);
  });

  it('fails probes mostly during the fault and never outside it', () => {
    const probes = series.filter((s) => s.metric === 'binderwatch_launch_probe_ok').flatMap((s) => s.samples);
    const inFault = probes.filter((s) => s.t >= TIMES.faultOnset && s.t < TIMES.fix);
    expect(probes.filter((s) => !inFault.includes(s)).every((s) => s.v === 1)).toBe(true);
    expect(inFault.filter((s) => s.v === 0).length / inFault.length).toBeGreaterThanOrEqual(0.6);
    expect(probes.every((s) => s.t % (10 * MIN) === 0)).toBe(true);
  });

  it('puts the human timeline in order, the team noticing at 04:19 PST', async () => {
    const HUMAN_TIMELINE = (await readFactsOf(join(SCENARIO_DIR, 'mybinder-2018-01-18.om')))!.timeline;
    const times = HUMAN_TIMELINE.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(HUMAN_TIMELINE.find((e) => e.at === '2018-01-18T12:19:00Z')?.timeIs).toBe('fact');
  });

  it('has truth windows matching the reconstruction', async () => {
    const truth = JSON.parse(await readFile(join(SCENARIO_DIR, 'mybinder-2018-01-18.truth.json'), 'utf8'));
    const byKind = Object.fromEntries(truth.incidents.map((i: { kind: string }) => [i.kind, i]));
    const nodes = one('binderwatch_nodepool_nodes', { pool: 'ssd-pool' });
    expect(Date.parse(byKind.headroom.onset)).toBe(nodes.find((s) => s.v >= 12)!.t);
    expect(Date.parse(byKind.headroom.end)).toBe(TIMES.maxRaisedTo20);
    expect(Date.parse(byKind['levelling-off'].onset)).toBe(TIMES.faultOnset);
    expect(Date.parse(byKind['levelling-off'].end)).toBe(TIMES.fix);
    expect(Date.parse(byKind['sick-node'].end)).toBe(TIMES.sickNodeDeleted);
  });
});

describe('incident-free scenarios', () => {
  const load = async (name: string) => readScenario(await readFile(join(SCENARIO_DIR, `${name}.om`), 'utf8')).series;

  it('normal-day stays below 80 % of max with all probes passing and one 5-minute GA gap', async () => {
    const series = await load('normal-day');
    const nodes = series.find((s) => s.metric === 'binderwatch_nodepool_nodes')!.samples;
    const max = series.find((s) => s.metric === 'binderwatch_nodepool_max_nodes')!.samples;
    expect(nodes.every((s, i) => s.v < 0.8 * max[i].v)).toBe(true);
    const probes = series.filter((s) => s.metric === 'binderwatch_launch_probe_ok').flatMap((s) => s.samples);
    expect(probes.every((s) => s.v === 1)).toBe(true);
    const demand = series.find((s) => s.metric === 'binderwatch_demand')!.samples;
    const gaps = demand
      .slice(1)
      .map((s, i) => s.t - demand[i].t)
      .filter((d) => d > MIN);
    expect(gaps).toEqual([6 * MIN]); // 5 samples missing
    const pods = series.find((s) => s.metric === 'binderwatch_running_user_pods')!.samples.map((s) => s.v);
    expect(Math.min(...pods)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...pods)).toBeLessThanOrEqual(420);
    const crash = series.filter((s) => s.metric === 'binderwatch_pod_crashlooping');
    expect(crash.every((s) => s.labels.owner === `Pod/${s.labels.pod}`)).toBe(true);
  });

  it('ga-gaps has gaps of 5 to 20 minutes and one 60-minute outage', async () => {
    const demand = (await load('variants/ga-gaps')).find((s) => s.metric === 'binderwatch_demand')!.samples;
    const missing = demand
      .slice(1)
      .map((s, i) => (s.t - demand[i].t) / MIN - 1)
      .filter((d) => d > 0)
      .sort((a, b) => a - b);
    expect(missing).toEqual([5, 8, 12, 20, 60]);
  });

  it('capacity-exhaustion ends at max nodes with launches pending', async () => {
    const series = await load('variants/capacity-exhaustion');
    const last = (name: string) => series.find((s) => s.metric === name)!.samples.at(-1)!.v;
    expect(last('binderwatch_nodepool_nodes')).toBe(last('binderwatch_nodepool_max_nodes'));
    expect(last('binderwatch_nodepool_pending_pods')).toBeGreaterThan(0);
  });
});
