// Launches through the front door, as a user's do: /build on the redirector, whose 307
// is followed only to a configured member's URL (never to another host, never from https
// to http), and the launch then runs on that member unchanged: the same probe, its
// notebook token going only where that member's `ready` names (docs/limits.md). The
// result names the member the launch landed on.
import type { FederationConfig } from '../config/federation.ts';
import type { LaunchProbeConfig } from '../config/schema.ts';
import { buildUrl, joinUrl, type FetchLike } from '../clients/binderhub.ts';
import { discard } from '../clients/bounded-http.ts';
import { memberAt } from './federation.ts';
import { launchProbeSource, type LaunchProbeSourceOptions } from './launch-probe.ts';
import type { ObservationSource } from './source.ts';

/**
 * A fetch that answers a front-door /build with the member's own answer, when the 307
 * names a configured member; any other answer is returned as it is (a 307 elsewhere is
 * then refused by the probe's same-origin rule, naming where it led). `landed` records
 * the member per /build URL.
 */
export function frontDoorFetch(fed: FederationConfig, landed: Map<string, string>, base: FetchLike = fetch): FetchLike {
  const builds = joinUrl(fed.frontDoor, 'build/');
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(builds)) return base(input, init);
    const res = await base(url, { ...init, redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 307 || !location) return res;
    const target = new URL(location, url);
    const member = memberAt(target.href, fed.members);
    const downgrade = new URL(url).protocol === 'https:' && target.protocol !== 'https:';
    if (!member || downgrade) return res;
    discard(res);
    landed.set(url, member.name);
    return base(target.href, { ...init, redirect: 'manual' });
  };
}

/** The probe of every federation repo through the front door; each result's hub is `front door → <member>`. */
export function frontDoorLaunchSource(
  fed: FederationConfig,
  cfg: LaunchProbeConfig,
  opts: LaunchProbeSourceOptions = {},
): ObservationSource<'launchProbe'> {
  const landed = new Map<string, string>();
  const targets = [{ binderUrl: fed.frontDoor, name: 'front door', repos: fed.repos }];
  const inner = launchProbeSource({ ...cfg, targets }, { ...opts, fetch: frontDoorFetch(fed, landed, opts.fetch) });
  return {
    ...inner,
    async observe(req) {
      landed.clear();
      const obs = await inner.observe(req);
      return {
        ...obs,
        results: obs.results.map((r) => {
          const member = landed.get(buildUrl(fed.frontDoor, r.repo));
          return member ? { ...r, hubName: `front door → ${member}`, landedOn: member } : r;
        }),
      };
    },
  };
}
