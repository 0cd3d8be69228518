// The live deps of a whole deployment: the federation's own (the single hub's when there
// is no federation) and one set per member, each member with its own config view, its
// own state prefix, its owners' channels and a time budget on everything it reads.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { CHECK_NAMES, type CheckName } from '../model.ts';
import { federationSource } from '../sources/federation.ts';
import { frontDoorLaunchSource } from '../sources/front-door-launch.ts';
import { buildLiveDeps, buildSources, storeThreads, type Env } from '../wiring.ts';
import { withBudget } from './budget.ts';
import { memberHeadroom } from './member-headroom.ts';
import { memberConfig } from './member-config.ts';
import { memberStore } from './member-store.ts';
import { everyone, ownedChannels, ownerNotifiers } from './notifiers.ts';
import type { MemberDeps, RunPlan } from './run-all.ts';

export async function buildLivePlan(config: Config, env: Env, logger: Logger, checks: CheckName[] = [...CHECK_NAMES]): Promise<RunPlan> {
  const root = await buildLiveDeps(config, env, logger, checks);
  const fed = config.federation;
  if (!fed) return { root, members: [] };
  const notifierDeps = { logger, threadStore: storeThreads(root.store), timeZone: config.displayTimeZone };
  const members = await Promise.all(
    fed.members.map(async (m): Promise<MemberDeps> => {
      const store = memberStore(root.store, m.name);
      const sources = await buildSources(memberConfig(config, m), env, store, checks, logger);
      if (checks.includes('nodeHeadroom') && !sources.nodeHeadroom) sources.nodeHeadroom = await memberHeadroom(m, store);
      const notifiers = ownerNotifiers(env, m.owners, notifierDeps);
      const deps = { ...root, config: memberConfig(config, m), store, notifiers, member: m.name };
      return { member: m.name, deps: { ...deps, sources: withBudget(sources, fed.memberBudget, m.name) } };
    }),
  );
  const owned = members.map((m, i) => m.deps.notifiers.filter((n) => ownedChannels(fed.members[i].owners).includes(n.name)));
  const sources = { ...root.sources };
  if (checks.includes('binderHealth'))
    // Its reads of each member have that member's budget too: one silent member must not hold up the federation's view.
    sources.binderHealth = federationSource(fed, { timeoutMs: Math.min(config.checks.binderHealth.timeout, fed.memberBudget) });
  // The front door's launches are the federation's own: they land on whichever member it picks.
  if (checks.includes('launchProbe') && fed.repos.length)
    sources.launchProbe = frontDoorLaunchSource(fed, config.checks.launchProbe, { logger });
  return { root: { ...root, sources, notifiers: everyone([root.notifiers, ...owned]) }, members };
}
