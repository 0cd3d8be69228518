// What only the federation view can see: which members the redirector has taken out of
// its rotation (failing /health, pod quota within pod_headroom, /versions unlike the
// prime's, weight 0) and since when; whether the front door sends launches to a member
// that can take them; and whether the members in the rotation fill before long.
// The rules are the redirector's own (mybinder.org-deploy, images/federation-redirect).
import type { FederationObservation, Finding, MemberView, Sample } from '../model.ts';
import { rotationKey } from '../federation/tag.ts';
import { MINUTE_MS } from '../time.ts';

export interface FederationMemory {
  /** When each member's /versions were first seen unlike the prime's (epoch ms). */
  skewSince: Record<string, number>;
  /** Each member's pods in use (the quota check's count), oldest first, over FORECAST_MS. */
  used: Record<string, Sample[]>;
  /** Since when each member has been in the rotation. */
  inSince?: Record<string, number>;
}

/** The slope of the members' pods is read over this recent window. */
const FORECAST_MS = 30 * 60_000;

const hhmm = (t: number) => `${new Date(t).toISOString().slice(11, 16)} UTC`;
const quotaOf = (m: MemberView) => m.health?.find((c) => c.quota)?.quota;
const sameVersions = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Why the redirector would leave the member out; undefined when it cannot tell (unreadable /health or /versions). */
export function rotationReasons(m: MemberView, prime: MemberView | undefined, podHeadroom: number): string[] | undefined {
  if (!m.health || (!m.prime && (m.versions === undefined || prime?.versions === undefined))) return undefined;
  const reasons: string[] = [];
  if (m.weight === 0) reasons.push('weight 0');
  // The quota check is judged by pod_headroom below, as the redirector does, not by its own ok.
  const failing = m.health.filter((c) => !c.ok && !c.quota).map((c) => c.service);
  if (failing.length) reasons.push(`/health failing: ${failing.join(', ')}`);
  const quota = quotaOf(m);
  if (quota && quota.used >= quota.total - podHeadroom)
    reasons.push(`${quota.used} of ${quota.total} pods (within ${podHeadroom} of the quota)`);
  if (!m.prime && !sameVersions(m.versions, prime!.versions)) reasons.push(`/versions differ from the prime ${prime!.name}'s`);
  return reasons;
}

function rotationFinding(m: MemberView, reasons: string[] | undefined, skewSince: number | undefined): Finding {
  const base = {
    check: 'binderHealth' as const,
    key: rotationKey(m.name),
    member: m.name,
    severity: 'warning' as const,
    links: [
      { title: `${m.name} /health`, url: `${m.url.replace(/\/$/, '')}/health` },
      { title: `${m.name} /versions`, url: `${m.url.replace(/\/$/, '')}/versions` },
    ],
  };
  if (!reasons) {
    const why = m.healthError ?? m.versionsError ?? 'the prime /versions unreadable';
    return {
      ...base,
      status: 'unknown',
      title: `${m.name}: cannot see whether it is in the rotation`,
      summary: `${m.name}: ${why}`,
      runbook: [],
    };
  }
  // Weight 0 alone is the operators' choice, not a fault: said, not alerted.
  if (reasons.length === 0 || (reasons.length === 1 && m.weight === 0)) {
    const summary = reasons.length ? `${m.name} out of the rotation by choice (weight 0)` : `${m.name} in the rotation`;
    return { ...base, status: 'ok', title: summary, summary, runbook: [] };
  }
  const skew = skewSince !== undefined ? ` since ${hhmm(skewSince)} (a deploy left half done?)` : '';
  const text = reasons.map((r) => (r.startsWith('/versions') ? r + skew : r)).join('; ');
  return {
    ...base,
    status: 'problem',
    title: `${m.name} out of the rotation: ${reasons[reasons.length - 1]}`.slice(0, 80),
    summary: `${m.name} out of the rotation: ${text}`,
    details: `The front door sends ${m.name} no launches while this fires; its launch-probe alerts are held back meanwhile.`,
    evidence: { weight: m.weight, ...(skewSince !== undefined ? { skewSince: new Date(skewSince).toISOString() } : {}) },
    runbook: [`curl -s ${m.url.replace(/\/$/, '')}/versions; curl -s <prime>/versions   # which component differs`],
  };
}

/** The front door's finding: where its launches land. */
export const FRONT_DOOR_KEY = 'federation:front-door';

function frontDoorFinding(obs: FederationObservation, out: Map<string, string[] | undefined>): Finding {
  const base = { check: 'binderHealth' as const, key: FRONT_DOOR_KEY, links: [{ title: 'front door', url: obs.frontDoor }] };
  const bad = obs.landings.flatMap((l) => {
    if (l.unreachable || l.error) return [];
    const reasons = l.member ? out.get(l.member) : undefined;
    const failing = reasons?.filter((r) => r.startsWith('/health') || r.startsWith('/versions'));
    return failing?.length ? [{ member: l.member!, text: `${l.repo} → ${l.member} (${failing.join('; ')})` }] : [];
  });
  const nowhere = obs.landings.filter((l) => l.error);
  const runbook = ['kubectl logs deploy/federation-redirect --tail=200   # its health checks of every member'];
  if (nowhere.length || bad.length) {
    const what = [...nowhere.map((l) => `${l.repo} → nowhere (${l.error})`), ...bad.map((b) => b.text)].join('; ');
    const title = nowhere.length ? 'Front door sends launches nowhere' : `Front door sends launches to failing ${bad[0].member}`;
    return { ...base, status: 'problem', severity: 'critical', title, summary: `front door ${obs.frontDoor}: ${what}`, runbook };
  }
  if (obs.landings.length && obs.landings.every((l) => l.unreachable)) {
    const summary = `cannot reach the front door ${obs.frontDoor}`;
    return { ...base, status: 'unknown', severity: 'warning', title: 'Cannot see the front door', summary, runbook };
  }
  const to = [...new Set(obs.landings.map((l) => l.member))].join(', ');
  const summary = `front door sends launches to ${to || 'no repo probed'}, in the rotation`;
  return { ...base, status: 'ok', severity: 'critical', title: 'Front door healthy', summary, runbook: [] };
}

/** Pods per minute the member's use grew over its remembered window (0 with fewer than two samples). */
function growth(s: Sample[]): number {
  if (s.length < 2) return 0;
  const [a, b] = [s[0], s[s.length - 1]];
  return b.t > a.t ? ((b.v - a.v) / (b.t - a.t)) * MINUTE_MS : 0;
}

function capacityFinding(
  obs: FederationObservation,
  inRotation: MemberView[],
  used: Record<string, Sample[]>,
  steady: Set<string>,
): Finding {
  const base = { check: 'binderHealth' as const, key: 'federation:capacity', runbook: [] as string[] };
  const room = inRotation.map((m) => ({ m, q: quotaOf(m) })).filter((x) => x.q);
  if (!room.length) {
    const summary = 'no member in the rotation reports a pod quota: the federation room is unknown';
    return { ...base, status: 'unknown', severity: 'warning', title: 'Federation capacity unknown', summary };
  }
  const free = room.reduce((sum, { q }) => sum + Math.max(0, q!.total - obs.podHeadroom - q!.used), 0);
  const inUse = room.reduce((sum, { q }) => sum + q!.used, 0);
  // A member back in the rotation for less than the window is refilling, not growing with demand.
  const perMin = room.reduce((sum, { m }) => sum + (steady.has(m.name) ? growth(used[m.name] ?? []) : 0), 0);
  const toFullMin = perMin > 0 ? Math.round(free / perMin) : undefined;
  const names = room.map((x) => x.m.name).join(', ');
  const evidence = { freePods: free, usedPods: inUse, growthPerMin: Math.round(perMin * 10) / 10, members: names };
  const timed = toFullMin !== undefined ? { ...evidence, timeToFullMin: toFullMin } : evidence;
  if (free === 0 || (toFullMin !== undefined && toFullMin * MINUTE_MS <= obs.fillWarnWithinMs)) {
    const when = free === 0 ? 'full' : `full in ~${toFullMin} min`;
    return {
      ...base,
      status: 'problem',
      severity: free === 0 ? 'critical' : 'warning',
      title: `Federation ${when}: ${free} pods free on ${names}`.slice(0, 80),
      summary: `the members in the rotation (${names}) are ${when}: ${free} pods free, use growing ${evidence.growthPerMin}/min`,
      details: 'A member out of the rotation moves its launches onto the others; bring it back or raise their quotas.',
      evidence: timed,
      runbook: ['kubectl -n <member ns> get pods -l component=singleuser-server --no-headers | wc -l   # per member'],
    };
  }
  const summary = `${free} pods free on ${names}${toFullMin !== undefined ? `, full in ~${toFullMin} min` : ''}`;
  return { ...base, status: 'ok', severity: 'warning', title: 'Federation has room', summary, evidence: timed };
}

export function detectFederation(obs: FederationObservation, now: number, memory?: FederationMemory) {
  const prime = obs.members.find((m) => m.prime);
  const out = new Map(obs.members.map((m) => [m.name, rotationReasons(m, prime, obs.podHeadroom)] as const));
  const skewSince: Record<string, number> = {};
  const used: Record<string, Sample[]> = {};
  for (const m of obs.members) {
    const skewed = out.get(m.name)?.some((r) => r.startsWith('/versions'));
    if (skewed) skewSince[m.name] = memory?.skewSince[m.name] ?? now;
    const q = quotaOf(m);
    const kept = (memory?.used[m.name] ?? []).filter((s) => now - s.t <= FORECAST_MS);
    used[m.name] = q ? [...kept, { t: now, v: q.used }] : kept;
  }
  const inRotation = obs.members.filter((m) => out.get(m.name)?.length === 0);
  const inSince = Object.fromEntries(inRotation.map((m) => [m.name, memory?.inSince?.[m.name] ?? now]));
  const steady = new Set(inRotation.filter((m) => now - inSince[m.name] >= FORECAST_MS).map((m) => m.name));
  const findings = [
    ...obs.members.map((m) => rotationFinding(m, out.get(m.name), skewSince[m.name])),
    frontDoorFinding(obs, out),
    capacityFinding(obs, inRotation, used, steady),
  ];
  return { findings, memory: { skewSince, used, inSince } satisfies FederationMemory };
}
