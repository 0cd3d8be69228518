// A member seen as a hub of its own: the single-hub config every check already reads,
// with the member's URL, Prometheus and cluster in place of the top-level ones. The
// checks' settings (schedules, thresholds, alert rules) are the federation's, shared.
import type { Config } from '../config/schema.ts';
import type { FederationMember } from '../config/federation.ts';

type Prometheus = NonNullable<Config['sources']['prometheus']>;

function memberPrometheus(m: FederationMember, shared: Config['sources']['prometheus']): Prometheus | undefined {
  const p = m.prometheus;
  if (!p) return undefined;
  return {
    url: p.url,
    auth: p.auth,
    ...(p.username ? { username: p.username } : {}),
    passwordEnv: p.passwordEnv ?? 'PROMETHEUS_PASSWORD',
    bearerTokenEnv: p.bearerTokenEnv ?? 'PROMETHEUS_TOKEN',
    timeout: shared?.timeout ?? 30_000,
  } as Prometheus;
}

export function memberConfig(config: Config, m: FederationMember): Config {
  const { checks } = config;
  const repos = config.federation?.repos ?? [];
  const gke = m.cluster && 'gke' in m.cluster ? m.cluster : undefined;
  const kubeconfig = m.cluster && 'kubeconfig' in m.cluster ? m.cluster.kubeconfig : undefined;
  const demandQuery = m.prometheus?.demandQuery;
  return {
    ...config,
    federation: undefined,
    checks: {
      ...checks,
      launchProbe: { ...checks.launchProbe, targets: [{ binderUrl: m.url, repos }] },
      binderHealth: { ...checks.binderHealth, binderUrls: [m.health.replace(/\/health\/?$/, '')] },
      trafficVsPods: {
        ...checks.trafficVsPods,
        demand: demandQuery ? { source: 'promql', query: demandQuery } : undefined,
        podsQuery: m.prometheus?.podsQuery ?? checks.trafficVsPods.podsQuery,
      },
      nodeHeadroom: { ...checks.nodeHeadroom, pools: gke ? gke.pools.map((pool) => ({ ...gke.gke, pool })) : [] },
      clusterHealth: { ...checks.clusterHealth, cluster: gke?.gke },
    },
    sources: { prometheus: memberPrometheus(m, config.sources.prometheus), kubernetes: kubeconfig ? { kubeconfig } : undefined },
  };
}
