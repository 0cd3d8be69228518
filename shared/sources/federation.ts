// The federation's view, read the way its front door reads it: every member's /health
// and /versions, and where the front door sends a launch of each probed repo (the 307's
// Location, not followed: nothing is built or started). Every read is bounded in time and
// bytes; what cannot be read is said as such (unknown), never taken as healthy.
import type { FederationConfig } from '../config/federation.ts';
import { buildUrl, fetchHealth, type FetchLike } from '../clients/binderhub.ts';
import { deadlineSignal, describeFetchError, discard, fetchSameOrigin, noAnswerWithin, readText } from '../clients/bounded-http.ts';
import { LIMITS } from '../limits.ts';
import type { FrontDoorLanding, MemberView } from '../model.ts';
import type { ObservationSource } from './source.ts';

type Member = FederationConfig['members'][number];

export interface FederationSourceOptions {
  timeoutMs: number;
  fetch?: FetchLike;
}

/** GET /versions as JSON, or why not. */
export async function fetchVersions(url: string, opts: FederationSourceOptions): Promise<{ versions?: unknown; versionsError?: string }> {
  try {
    const res = await fetchSameOrigin(url, { headers: { Accept: 'application/json' }, signal: deadlineSignal(opts.timeoutMs) }, opts.fetch);
    if (res.status !== 200) {
      discard(res);
      return { versionsError: `/versions: HTTP ${res.status}` };
    }
    return { versions: JSON.parse(await readText(res, LIMITS.healthBodyBytes)) as unknown };
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { versionsError: `/versions: ${timedOut ? noAnswerWithin(opts.timeoutMs) : describeFetchError(e)}` };
  }
}

async function memberView(m: Member, opts: FederationSourceOptions): Promise<MemberView> {
  // fetchHealth reads <base>/health; the member's own health URL names that base.
  const base = m.health.replace(/\/health\/?$/, '');
  const [health, versions] = await Promise.all([fetchHealth(base, opts), fetchVersions(m.versions, opts)]);
  return {
    name: m.name,
    url: m.url,
    weight: m.weight,
    prime: m.prime,
    ...(health.checks ? { health: health.checks } : { healthError: `/health: ${health.error ?? 'unreadable'}` }),
    ...versions,
  };
}

/** The configured member whose URL `href` lies under (its origin and path), if any. */
export const memberAt = (href: string, members: Member[]): Member | undefined =>
  members.find((m) => href.startsWith(m.url.replace(/\/?$/, '/')));

/** Where the front door sends a launch of `repo`: a 307 whose Location lies under one member's URL. */
export async function frontDoorLanding(
  frontDoor: string,
  repo: string,
  members: Member[],
  opts: FederationSourceOptions,
): Promise<FrontDoorLanding> {
  const url = buildUrl(frontDoor, repo).replace(/\/build\//, '/v2/');
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { redirect: 'manual', signal: deadlineSignal(opts.timeoutMs) });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    return { repo, unreachable: true, error: timedOut ? noAnswerWithin(opts.timeoutMs) : describeFetchError(e) };
  }
  discard(res);
  const location = res.headers.get('location') ?? undefined;
  if (res.status !== 307 || !location) return { repo, error: `HTTP ${res.status}${location ? '' : ' without a Location'}` };
  const target = new URL(location, url).href;
  const member = memberAt(target, members);
  return member ? { repo, member: member.name, location: target } : { repo, location: target, error: `307 to ${target}, not a member` };
}

export function federationSource(fed: FederationConfig, opts: FederationSourceOptions): ObservationSource<'binderHealth'> {
  return {
    async observe() {
      const [members, landings] = await Promise.all([
        Promise.all(fed.members.map((m) => memberView(m, opts))),
        Promise.all(fed.repos.map((r) => frontDoorLanding(fed.frontDoor, r, fed.members, opts))),
      ]);
      const federation = {
        frontDoor: fed.frontDoor,
        members,
        landings,
        podHeadroom: fed.podHeadroom,
        fillWarnWithinMs: fed.fillWarnWithin,
      };
      return { hubs: [], federation };
    },
  };
}
