// Routing by member: a member's alerts go to its owners (their Slack channel, their
// email recipients) through the deployment's channels; federation findings go to
// everyone, so each channel name fans out to every owner's instance of it.
import type { FederationMember } from '../config/federation.ts';
import { notifiersFromEnv, type NotifierDeps } from '../alerting/notifiers/index.ts';
import type { Notifier } from '../alerting/notifier.ts';
import type { Env } from '../wiring.ts';

/** The member's channels: the deployment's, pointed at the owners' channel and recipients where they name them. */
export function ownerNotifiers(env: Env, owners: FederationMember['owners'], deps: NotifierDeps): Notifier[] {
  const own = {
    ...(owners.slackChannel ? { BINDERWATCH_SLACK_CHANNEL: owners.slackChannel } : {}),
    ...(owners.email.length ? { BINDERWATCH_EMAIL_TO: owners.email.join(',') } : {}),
  };
  return notifiersFromEnv({ ...env, ...own }, deps);
}

/** The channels the owners route elsewhere than the deployment's default (the rest would only repeat it). */
export function ownedChannels(owners: FederationMember['owners']): string[] {
  return [...(owners.slackChannel ? ['slack'] : []), ...(owners.email.length ? ['email'] : [])];
}

/** One notifier per channel name that sends to every instance of it; it fails when any of them fails. */
export function everyone(lists: Notifier[][]): Notifier[] {
  const byName = new Map<string, Notifier[]>();
  for (const n of lists.flat()) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);
  return [...byName.entries()].map(([name, all]) =>
    all.length === 1
      ? all[0]
      : {
          name,
          drawsCharts: all.some((n) => n.drawsCharts),
          async send(notification) {
            const failed = (await Promise.allSettled(all.map((n) => n.send(notification)))).find((r) => r.status === 'rejected');
            if (failed) throw (failed as PromiseRejectedResult).reason;
          },
        },
  );
}
