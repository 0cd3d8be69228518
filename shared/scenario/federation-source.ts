// A federation scenario: series with a `member` label belong to that member, the rest to
// the federation (or the single hub). The members' /health, /versions and the front
// door's landings come from the federation series (docs/scenario-format.md), at
// simulated time, as the live federation source reads them.
import type { FederationConfig } from '../config/federation.ts';
import type { FrontDoorLanding, HubHealthCheck, MemberView } from '../model.ts';
import type { ObservationSource } from '../sources/source.ts';
import type { ScenarioData } from './openmetrics.ts';
import { current } from './replay-source.ts';

/** Member names in the order the file first names them. */
export function scenarioMembers(data: ScenarioData): string[] {
  return [...new Set(data.series.flatMap((s) => (s.labels.member !== undefined ? [s.labels.member] : [])))];
}

/** The series of one member (`undefined`: those of no member), without the member label. */
export function memberData(data: ScenarioData, member: string | undefined): ScenarioData {
  const series = data.series
    .filter((s) => s.labels.member === member)
    .map((s) => {
      const labels = { ...s.labels };
      delete labels.member;
      return { ...s, labels };
    });
  return { ...data, series };
}

const of = (data: ScenarioData, metric: string, member: string) =>
  data.series.filter((s) => s.metric === metric && s.labels.member === member);

function healthAt(data: ScenarioData, member: string, now: number): HubHealthCheck[] | undefined {
  const checks: HubHealthCheck[] = of(data, 'binderwatch_member_health_ok', member).flatMap((s) => {
    const v = current(s.samples, now)?.v;
    return v === undefined ? [] : [{ service: s.labels.service, ok: v >= 1 }];
  });
  const total = current(of(data, 'binderwatch_member_pod_quota', member)[0]?.samples, now)?.v;
  const used = current(of(data, 'binderwatch_running_user_pods', member)[0]?.samples, now)?.v;
  if (total !== undefined && used !== undefined) checks.push({ service: 'Pod quota', ok: used <= total, quota: { used, total } });
  return checks.length ? checks : undefined;
}

/** Where the front door sent its launch at `now`: the member whose series reads 1 then. */
function landingAt(data: ScenarioData, repo: string, now: number): FrontDoorLanding[] {
  const series = data.series.filter((s) => s.metric === 'binderwatch_front_door_launch');
  if (!series.length) return [];
  const to = series.find((s) => (current(s.samples, now)?.v ?? 0) >= 1)?.labels.member;
  if (to) return [{ repo, member: to }];
  return series.some((s) => current(s.samples, now)) ? [{ repo, error: 'sent nowhere' }] : [{ repo, unreachable: true, error: 'no data' }];
}

export function memberViewAt(data: ScenarioData, m: FederationConfig['members'][number], now: number): MemberView {
  const health = healthAt(data, m.name, now);
  const skew = of(data, 'binderwatch_member_version_skew', m.name)[0];
  const skewed = skew ? current(skew.samples, now)?.v : 0;
  return {
    name: m.name,
    url: m.url,
    weight: m.weight,
    prime: m.prime,
    ...(health ? { health } : { healthError: '/health: no data' }),
    // The scenario records whether the versions differ, not the versions themselves.
    ...(skewed === undefined ? { versionsError: '/versions: no data' } : { versions: skewed >= 1 ? `unlike the prime's` : 'as the prime' }),
  };
}

export function scenarioFederationSource(data: ScenarioData, fed: FederationConfig): ObservationSource<'binderHealth'> {
  return {
    async observe({ now }) {
      const members = fed.members.map((m) => memberViewAt(data, m, now));
      const landings = fed.repos.slice(0, 1).flatMap((r) => landingAt(data, r, now));
      return {
        hubs: [],
        federation: { frontDoor: fed.frontDoor, members, landings, podHeadroom: fed.podHeadroom, fillWarnWithinMs: fed.fillWarnWithin },
      };
    },
  };
}

/** A member's own /health, from the same series. */
export function scenarioMemberHealthSource(data: ScenarioData, m: FederationConfig['members'][number]): ObservationSource<'binderHealth'> {
  return {
    async observe({ now }) {
      const v = memberViewAt(data, m, now);
      return { hubs: [{ binderUrl: m.url, ...(v.health ? { checks: v.health } : { error: 'no data' }) }] };
    },
  };
}
