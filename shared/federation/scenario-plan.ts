// The replay's deps for a scenario whose series carry `member` labels: one set per member
// (its series, its state prefix) and the federation's view, as buildLivePlan wires them
// live. A scenario without members and a config without federation: the one hub, as before.
import { parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { CheckDeps } from '../pipeline/run-check.ts';
import { memberData, scenarioFederationSource, scenarioMemberHealthSource, scenarioMembers } from '../scenario/federation-source.ts';
import type { ScenarioData } from '../scenario/openmetrics.ts';
import { scenarioSources } from '../scenario/replay-source.ts';
import { memberConfig } from './member-config.ts';
import { memberStore } from './member-store.ts';
import type { RunPlan } from './run-all.ts';

/** The scenario's members as a federation, when the config names none: the first one named is the prime. */
function federationOf(config: Config, names: string[]): NonNullable<Config['federation']> {
  if (config.federation) return config.federation;
  const members = names.map((name, i) => ({ name, url: `https://${name}/`, prime: i === 0 }));
  return parseConfig({ federation: { frontDoor: 'https://front-door/', members } }).federation!;
}

export function scenarioPlan(data: ScenarioData, config: Config, root: CheckDeps): RunPlan {
  const names = scenarioMembers(data);
  const { clusterHealth, nodeHeadroom } = config.checks;
  const cluster = clusterHealth.cluster ?? nodeHeadroom.pools[0];
  if (!names.length && !config.federation) {
    const sources = scenarioSources(data, { binderUrl: config.checks.launchProbe.targets[0]?.binderUrl, cluster });
    return { root: { ...root, sources }, members: [] };
  }
  const fed = federationOf(config, names);
  const fedConfig = { ...config, federation: fed };
  const own = memberData(data, undefined);
  const rootSources = own.series.length ? scenarioSources(own, { cluster }) : {};
  return {
    root: { ...root, config: fedConfig, sources: { ...rootSources, binderHealth: scenarioFederationSource(data, fed) } },
    members: fed.members.map((m) => {
      const mc = memberConfig(fedConfig, m);
      const sources = {
        ...scenarioSources(memberData(data, m.name), { binderUrl: m.url }),
        binderHealth: scenarioMemberHealthSource(data, m),
      };
      return { member: m.name, deps: { ...root, config: mc, sources, store: memberStore(root.store, m.name), member: m.name } };
    }),
  };
}
