// The truth of a simulated day, from what the world did (infra/worlds/hub.ts), never
// from a detector's threshold: every effect is labelled with the kind of check that
// should see it, required where it is plain, optional where it is ambiguous.
// - launch-failure: launches the platform failed (broken starts, the sick node, refused
//   or given up at a full pool), over a centred 15-minute window: required while success
//   is below 70 %, optional while below 90 %;
// - levelling-off: running pods against the same people played out unhindered (no fault,
//   no max): required while pods fall 20 % (and 10 pods) short, optional while 7 % short;
// - headroom: required while the pool is full (at its max, launches waiting or refused),
//   optional while nodes are at 75 % of the max or more (approaching it is worth a warning,
//   not owed one); a full pool is an optional launch failure too;
// - sick-node: required from the node falling sick until it is deleted.
import type { IncidentKind, Truth } from '../../shared/replay/score.ts';
import type { Trace } from './hub.ts';
import { MIN, type Span, type World } from './world.ts';

export const TRUTH_LINES = {
  launchRequiredBelow: 0.7,
  launchOptionalBelow: 0.9,
  /** Minutes either side of a minute over which launch success is counted. */
  halfWindowMin: 7,
  /** Fewer launches than this in the window say nothing about success. */
  minLaunches: 5,
  podsRequiredBelow: 0.8,
  podsOptionalBelow: 0.93,
  podsRequiredShortBy: 10,
  headroomOptionalShare: 0.75,
  /** Required launch and pod incidents last this long; bad minutes closer than `mergeMin` are one incident. */
  minIncidentMin: 15,
  mergeMin: 30,
  minFullMin: 5,
  mergeFullMin: 10,
} as const;

/** Runs of minutes where `bad` holds, merged across gaps shorter than `mergeMin`, at least `minMin` long. */
export function spansOf(t: number[], bad: (i: number) => boolean, minMin: number, mergeMin: number): Span[] {
  const runs: Span[] = [];
  let from = -1;
  for (let i = 0; i <= t.length; i++) {
    const on = i < t.length && bad(i);
    if (on && from < 0) from = i;
    if (!on && from >= 0) {
      runs.push([t[from], t[i - 1] + MIN]);
      from = -1;
    }
  }
  const merged = runs.reduce<Span[]>((out, run) => {
    const prev = out[out.length - 1];
    if (prev && run[0] - prev[1] < mergeMin * MIN) prev[1] = run[1];
    else out.push([...run]);
    return out;
  }, []);
  return merged.filter(([a, b]) => b - a >= minMin * MIN);
}

/** Centred window sums of `xs` (±h). */
function windowSums(xs: number[], h: number): number[] {
  const prefix = [0];
  for (const x of xs) prefix.push(prefix[prefix.length - 1] + x);
  return xs.map((_, i) => prefix[Math.min(xs.length, i + h + 1)] - prefix[Math.max(0, i - h)]);
}

/** Platform launch success around each minute; undefined with too few launches to say. */
export function launchSuccess(trace: Trace): (number | undefined)[] {
  const h = TRUTH_LINES.halfWindowMin;
  const launches = windowSums(trace.launches, h);
  const failed = windowSums(trace.failed, h);
  return launches.map((n, i) => (n < TRUTH_LINES.minLaunches ? undefined : 1 - failed[i] / n));
}

export function truthOf(world: World, actual: Trace, unhindered: Trace): Truth {
  const L = TRUTH_LINES;
  const { t } = actual;
  const success = launchSuccess(actual);
  const h = L.halfWindowMin;
  const pods = windowSums(actual.running, h);
  const free = windowSums(unhindered.running, h);
  const width = (i: number) => Math.min(t.length, i + h + 1) - Math.max(0, i - h);
  const short = (i: number, share: number) => pods[i] < share * free[i];
  const incidents: Truth['incidents'] = [];
  const last = t[t.length - 1];
  // Only the replayed day is scored; what happened in the history before it is no incident of that day.
  const add = (kind: IncidentKind, spans: Span[], optional: boolean) => {
    for (const [a, b] of spans) {
      if (b <= world.start) continue;
      incidents.push({
        kind,
        onset: new Date(Math.max(a, world.start)).toISOString(),
        end: new Date(Math.min(b, last)).toISOString(),
        ...(optional ? { optional } : {}),
      });
    }
  };
  const below = (line: number) => (i: number) => success[i] !== undefined && success[i]! < line;
  add('launch-failure', spansOf(t, below(L.launchRequiredBelow), L.minIncidentMin, L.mergeMin), false);
  add('launch-failure', spansOf(t, below(L.launchOptionalBelow), 1, L.mergeMin), true);
  const shortBy = (i: number) => (free[i] - pods[i]) / width(i);
  add(
    'levelling-off',
    spansOf(t, (i) => short(i, L.podsRequiredBelow) && shortBy(i) >= L.podsRequiredShortBy, L.minIncidentMin, L.mergeMin),
    false,
  );
  add(
    'levelling-off',
    spansOf(t, (i) => short(i, L.podsOptionalBelow), 1, L.mergeMin),
    true,
  );
  add(
    'headroom',
    spansOf(t, (i) => actual.full[i], L.minFullMin, L.mergeFullMin),
    false,
  );
  // A full pool fails launches (the probe's among them), even for a minute, even where people wait long enough to get in at last.
  add(
    'launch-failure',
    spansOf(t, (i) => actual.full[i], 1, L.mergeFullMin),
    true,
  );
  add(
    'headroom',
    spansOf(t, (i) => actual.nodes[i] >= L.headroomOptionalShare * world.pool.maxNodes, 1, L.mergeFullMin),
    true,
  );
  if (world.sick && world.sick[0] < last) add('sick-node', [world.sick], false);
  incidents.sort((x, y) => Date.parse(x.onset) - Date.parse(y.onset) || Number(x.optional ?? false) - Number(y.optional ?? false));
  return { incidents };
}
