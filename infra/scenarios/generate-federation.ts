// Writes the federation scenario: `npx tsx infra/scenarios/generate-federation.ts`
// (deterministic: no random draws, so the committed files are exactly its output).
//
// Three members behind one front door, 2026-11-10 (UTC), a minute apart; launches arrive
// (Poisson) where the front door sends them and each pod ends with probability 1/20 a minute.
// | UTC         | what                                                                              |
// |-------------|-----------------------------------------------------------------------------------|
// | 06:00       | all three healthy, on the prime's versions; the front door sends the probe to twoi2c |
// | 09:00       | gesis' registry fails: its /health says so, its launches fail                     |
// | 09:00–09:20 | the redirector still sends the front-door launch to gesis                        |
// | 10:30       | gesis' registry is back                                                           |
// | 11:00       | a partial deploy leaves bids on other /versions: out of the rotation              |
// | 11:00–12:30 | twoi2c and gesis take bids' launches in busier hours (demand +50 %) and fill        |
// | 12:30       | bids on the prime's versions again; the load spreads back                         |
// | 13:00       | scenario ends                                                                     |
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatScenario, type ScenarioSeries } from '../../shared/scenario/openmetrics.ts';
import { Rng } from '../rng.ts';
import { MINUTE_MS } from '../../shared/time.ts';

const at = (h: number, m = 0) => Date.UTC(2026, 10, 10, h, m);
const START = at(6);
const END = at(13);
const REPO = 'gh/binder-examples/requirements/HEAD';
/** Mean session length in minutes: each running pod ends with probability 1/W a minute. */
const W = 20;

const MEMBERS = [
  { name: 'twoi2c', share: 12, quota: 400 },
  { name: 'gesis', share: 8, quota: 300 },
  { name: 'bids', share: 6, quota: 250 },
];

const registryDown = (t: number) => t >= at(9) && t < at(10, 30);
/** The redirector notices gesis' failing /health 20 minutes late. */
const gesisDropped = (t: number) => registryDown(t) && t >= at(9, 20);
const skewed = (t: number) => t >= at(11) && t < at(12, 30);
/** Busier hours: demand grows by half between 11:00 and 12:30, then eases back. */
const busy = (t: number) => 1 + 0.5 * Math.max(0, Math.min(1, (t - at(11)) / (90 * MINUTE_MS), (at(13) - t) / (30 * MINUTE_MS)));

/** Launches per minute the front door sends each member: by share, among the members in its rotation. */
function demandAt(t: number): Record<string, number> {
  const inRotation = MEMBERS.filter((m) => !(m.name === 'gesis' && gesisDropped(t)) && !(m.name === 'bids' && skewed(t)));
  const total = MEMBERS.reduce((s, m) => s + m.share, 0) * busy(t);
  const weight = inRotation.reduce((s, m) => s + m.share, 0);
  return Object.fromEntries(MEMBERS.map((m) => [m.name, inRotation.includes(m) ? (total * m.share) / weight : 0]));
}

function series(): ScenarioSeries[] {
  const rng = new Rng(20261110);
  const pods: Record<string, number> = Object.fromEntries(MEMBERS.map((m) => [m.name, m.share * W]));
  const out = new Map<string, ScenarioSeries>();
  const push = (metric: string, labels: Record<string, string>, t: number, v: number) => {
    const id = metric + JSON.stringify(labels);
    if (!out.has(id)) out.set(id, { metric, labels, samples: [] });
    out.get(id)!.samples.push({ t, v });
  };
  for (let t = START; t <= END; t += MINUTE_MS) {
    const demand = demandAt(t);
    for (const m of MEMBERS) {
      const member = m.name;
      // A launch on gesis while its registry is down fails: no pod starts.
      const started = member === 'gesis' && registryDown(t) ? 0 : Math.min(rng.poisson(demand[member]), m.quota - pods[member]);
      pods[member] = Math.max(0, pods[member] + started - rng.poisson(pods[member] / W));
      push('binderwatch_demand', { member }, t, Math.round(demand[member] * 10) / 10);
      push('binderwatch_running_user_pods', { member }, t, pods[member]);
      push('binderwatch_member_pod_quota', { member }, t, m.quota);
      push('binderwatch_member_health_ok', { member, service: 'Docker registry' }, t, Number(!(member === 'gesis' && registryDown(t))));
      push('binderwatch_member_health_ok', { member, service: 'JupyterHub API' }, t, 1);
      push('binderwatch_member_version_skew', { member }, t, Number(member === 'bids' && skewed(t)));
      if ((t - START) % (10 * MINUTE_MS) === 0)
        push('binderwatch_launch_probe_ok', { member, repo: REPO }, t, Number(!(member === 'gesis' && registryDown(t))));
      // The front door's launch of the probed repo lands on twoi2c, except while the redirector lags behind gesis' failure.
      if ((t - START) % (2 * MINUTE_MS) === 0)
        push('binderwatch_front_door_launch', { member }, t, Number(member === (registryDown(t) && !gesisDropped(t) ? 'gesis' : 'twoi2c')));
    }
  }
  return [...out.values()];
}

/** The scenario and its truth file, as text. */
export function federationScenario(): { om: string; truth: string } {
  const incidents = [
    { kind: 'launch-failure', onset: new Date(at(9)).toISOString(), end: new Date(at(10, 30)).toISOString() },
    { kind: 'launch-failure', onset: new Date(at(11)).toISOString(), end: new Date(at(12, 30)).toISOString() },
  ];
  return { om: formatScenario({ series: series() }), truth: JSON.stringify({ incidents }, null, 2) + '\n' };
}

export const FEDERATION_SCENARIO = 'infra/scenarios/federation-2026-11-10';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { om, truth } = federationScenario();
  writeFileSync(`${FEDERATION_SCENARIO}.om`, om);
  writeFileSync(`${FEDERATION_SCENARIO}.truth.json`, truth);
}
