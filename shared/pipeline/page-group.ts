// Grouping across checks: alerts of several checks that fire for one root cause within
// minutes page once. The first critical FIRING on a hub is the page; a critical FIRING of
// another alert within GROUP_WITHIN_MS of it, while it still fires, joins it as "also seen"
// (lifecycle: TransitionContext.openPage) and is shown under it by the channels.
import { asAlertState, firedAt } from '../alerting/lifecycle.ts';
import type { AlertNotification, PageRef } from '../alerting/notifier.ts';
import { stateKeys } from '../state/keys.ts';
import type { StateStore } from '../state/store.ts';

/** How soon after a page another alert's page is taken as the same root cause. */
export const GROUP_WITHIN_MS = 15 * 60_000;

/** The page a new page on `scope` joins now: fired within GROUP_WITHIN_MS and still firing that episode. */
export async function openPage(store: StateStore, scope: string, now: number): Promise<PageRef | undefined> {
  // The store checks the stored shape on read (state/shapes.ts).
  const page = (await store.get<PageRef>(stateKeys.openPage(scope)))?.value;
  if (!page || now - Date.parse(page.firingSince) > GROUP_WITHIN_MS) return undefined;
  const alert = asAlertState((await store.get<unknown>(stateKeys.alert(page.check, page.key)))?.value);
  const firing = alert?.phase === 'firing' && alert.firing;
  return firing && new Date(firedAt(firing)).toISOString() === page.firingSince ? page : undefined;
}

/** The page `n` starts, if it is one: a critical FIRING of a problem that joined no page and reopens no incident. */
export function pageOf(n: AlertNotification): PageRef | undefined {
  const starts = n.state === 'firing' && n.status === 'problem' && n.severity === 'critical' && !n.alsoSeenWith && !n.reopenedAfter;
  return starts ? { check: n.check, key: n.key, title: n.title, firingSince: n.firingSince } : undefined;
}

/** Remembers the latest page on `scope` (last writer wins: two pages at once are rare, and either may lead). */
export async function recordPage(store: StateStore, scope: string, page: PageRef): Promise<void> {
  const current = await store.get<unknown>(stateKeys.openPage(scope));
  await store.put(stateKeys.openPage(scope), page, current?.version ?? null);
}
