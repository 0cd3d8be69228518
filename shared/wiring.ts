// Config + environment values → live CheckDeps: the production sources, the state
// store, the channels and telemetry. Only the checks asked for are wired, so a
// function's cold start builds just its own clients. The entry point passes the
// environment in; nothing here reads process.env.
import type { Config } from './config/schema.ts';
import { ConfigError, UpstreamError } from './errors.ts';
import type { Logger } from './log.ts';
import { CHECK_NAMES, type CheckName } from './model.ts';
import { notifiersFromEnv } from './alerting/notifiers/index.ts';
import type { ThreadStore } from './alerting/notifiers/slack-thread.ts';
import { FileStore } from './state/file.ts';
import { MemoryStore } from './state/memory.ts';
import { updateWithRetry, type StateStore } from './state/store.ts';
import type { CheckDeps } from './pipeline/run-check.ts';
import type { GkeClient } from './clients/gke.ts';
import type { Sources } from './sources/source.ts';
import type { Telemetry } from './telemetry/telemetry.ts';
import { stateKeys } from './state/keys.ts';
import { hubOf } from './detectors/launch-probe.ts';

export type Env = Record<string, string | undefined>;

/**
 * Google API endpoints other than the public ones, e.g. a Private Service Connect
 * endpoint (docs/deploy.md), or the loopback servers of the packaged-functions tests.
 */
export const ENDPOINT_ENV = {
  container: 'BINDERWATCH_CONTAINER_API_URL',
  analyticsdata: 'BINDERWATCH_ANALYTICSDATA_API_URL',
  storage: 'BINDERWATCH_STORAGE_API_URL',
} as const;

const endpoint = (env: Env, api: keyof typeof ENDPOINT_ENV) => env[ENDPOINT_ENV[api]]?.trim() || undefined;

/** A kubeconfig the config names but that cannot be read is a config mistake (exit 2), named by its field. */
function readKubeconfig<T>(path: string, load: (path: string) => T): T {
  try {
    return load(path);
  } catch (e) {
    throw new ConfigError([
      { path: 'sources.kubernetes.kubeconfig', message: `cannot read ${path}: ${(e as Error).message.split('\n')[0]}` },
    ]);
  }
}

export async function buildStore(config: Config, env: Env, logger: Logger): Promise<StateStore> {
  const state = config.alerting.state;
  if (state.type === 'memory') return new MemoryStore(logger);
  if (state.type === 'file') return new FileStore(state.dir, logger);
  const { GcsStore } = await import('./state/gcs.ts');
  return new GcsStore({ storage: await storageClient(env), bucket: state.bucket, prefix: state.prefix, logger });
}

/** The Cloud Storage client: the state store's, and the status page's public bucket's. */
export async function storageClient(env: Env): Promise<import('@google-cloud/storage').Storage> {
  const { Storage } = await import('@google-cloud/storage');
  const apiEndpoint = endpoint(env, 'storage');
  // A custom endpoint still gets the Google credential (the library leaves it out by default).
  return new Storage(apiEndpoint ? { apiEndpoint, useAuthWithCustomEndpoint: true } : {});
}

/** Slack threads remember their parent message in the state store. */
export function storeThreads(store: StateStore): ThreadStore {
  return {
    async get(id) {
      return (await store.get<string>(stateKeys.slackThread(id)))?.value;
    },
    async set(id, ts) {
      await updateWithRetry<string, true>(store, stateKeys.slackThread(id), () => ({ value: ts, result: true }));
    },
  };
}

async function buildTelemetry(env: Env, logger: Logger): Promise<Telemetry | undefined> {
  const projectId = env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) return undefined; // off the cloud (CLI, tests): nowhere to write
  const [{ MetricServiceClient }, { cloudMonitoringTelemetry }] = await Promise.all([
    import('@google-cloud/monitoring'),
    import('./telemetry/cloud-monitoring.ts'),
  ]);
  return cloudMonitoringTelemetry({ client: new MetricServiceClient(), projectId, logger });
}

/** What each check's source needs in the config: buildSources wires it when `met`, whyNotWired names `fields`. */
const SOURCE_NEEDS: Record<CheckName, { met: (config: Config) => boolean; fields: string }> = {
  launchProbe: { met: (c) => c.checks.launchProbe.targets.length > 0, fields: 'checks.launchProbe.targets' },
  binderHealth: {
    met: (c) => c.checks.binderHealth.binderUrls.length > 0 || c.checks.launchProbe.targets.length > 0,
    fields: 'checks.binderHealth.binderUrls or checks.launchProbe.targets',
  },
  trafficVsPods: {
    met: (c) => Boolean(c.checks.trafficVsPods.demand && c.sources.prometheus),
    fields: 'checks.trafficVsPods.demand and sources.prometheus',
  },
  nodeHeadroom: { met: (c) => c.checks.nodeHeadroom.pools.length > 0, fields: 'checks.nodeHeadroom.pools' },
  clusterHealth: {
    met: (c) => Boolean(c.checks.clusterHealth.cluster ?? c.checks.nodeHeadroom.pools[0] ?? c.sources.kubernetes?.kubeconfig),
    fields: 'checks.clusterHealth.cluster, checks.nodeHeadroom.pools or sources.kubernetes.kubeconfig',
  },
};

export async function buildSources(config: Config, env: Env, store: StateStore, checks: CheckName[], logger: Logger): Promise<Sources> {
  const sources: Sources = {};
  // One credential for every Google API of these deps, so its token is fetched and cached once.
  let auth: ReturnType<typeof newGoogleAuth> | undefined;
  const googleAuth = () => (auth ??= newGoogleAuth());
  const want = (c: CheckName) => checks.includes(c) && config.checks[c].enabled && SOURCE_NEEDS[c].met(config);
  const { launchProbe, binderHealth, trafficVsPods, nodeHeadroom, clusterHealth } = config.checks;

  if (want('launchProbe')) {
    const { launchProbeSource } = await import('./sources/launch-probe.ts');
    const hubApiTokens = Object.fromEntries(
      launchProbe.targets.flatMap((t) => (t.hubApiTokenEnv && env[t.hubApiTokenEnv] ? [[t.binderUrl, env[t.hubApiTokenEnv]!]] : [])),
    );
    sources.launchProbe = launchProbeSource(launchProbe, { hubApiTokens, logger });
  }
  const defaultBinderUrls = launchProbe.targets.map((t) => t.binderUrl);
  if (want('binderHealth')) {
    const { binderHealthSource } = await import('./sources/binder-health.ts');
    sources.binderHealth = binderHealthSource(binderHealth, { defaultBinderUrls });
  }

  if (want('trafficVsPods') && trafficVsPods.demand && config.sources.prometheus) {
    const [{ promqlClientFromConfig }, { ga4Demand, promqlDemand, trafficSource }] = await Promise.all([
      import('./clients/promql.ts'),
      import('./sources/traffic-vs-pods.ts'),
    ]);
    const prom = promqlClientFromConfig(config.sources.prometheus, env);
    const d = trafficVsPods.demand;
    const demand =
      d.source === 'promql'
        ? promqlDemand(prom, d.query)
        : ga4Demand(
            new (await import('./clients/ga4.ts')).Ga4Client({
              propertyId: d.propertyId,
              metric: d.metric,
              dimensionFilter: d.dimensionFilter,
              auth: await googleAuth(),
              rootUrl: endpoint(env, 'analyticsdata'),
            }),
            { store },
          );
    sources.trafficVsPods = trafficSource({ pods: { client: prom, query: trafficVsPods.podsQuery }, demand });
  }

  const kubeconfig = config.sources.kubernetes?.kubeconfig;
  // With a kubeconfig (the CLI) the cluster is the kubeconfig's; otherwise it is named in the config.
  const configuredCluster = clusterHealth.cluster ?? nodeHeadroom.pools[0];
  const clusterRef = configuredCluster ?? (kubeconfig ? { project: '-', location: '-', cluster: 'kubeconfig' } : undefined);
  if (want('nodeHeadroom') || want('clusterHealth')) {
    const k8s = await import('./clients/kubernetes.ts');
    // The GKE API (and its client library) only when a pool or a cluster without kubeconfig needs it.
    let gkeClient: Promise<GkeClient> | undefined;
    const gke = () =>
      (gkeClient ??= (async () =>
        new (await import('./clients/gke.ts')).GkeClient({ auth: await googleAuth(), rootUrl: endpoint(env, 'container') }))());
    const readers = new Map<string, Promise<InstanceType<typeof k8s.KubernetesReader>>>();
    // One Kubernetes reader per cluster, shared by its pools and by clusterHealth.
    const kubeFor = (ref: { project: string; location: string; cluster: string }) => {
      const id = `${ref.project}/${ref.location}/${ref.cluster}`;
      let reader = readers.get(id);
      if (!reader) {
        reader = (async () => {
          if (kubeconfig) return new k8s.KubernetesReader(readKubeconfig(kubeconfig, k8s.kubeConfigFromFile));
          const { server, caCert } = await (await gke()).clusterAccess(ref);
          const gkeAuth = await googleAuth();
          // Asked per request: the library caches the token and renews it before it expires,
          // so a warm instance never sends a stale one.
          const token = async () => {
            const t = await gkeAuth.getAccessToken();
            if (!t) throw new UpstreamError('gke', 'no access token for the cluster');
            return t;
          };
          return new k8s.KubernetesReader(k8s.kubeConfigForGke({ endpoint: server, caCert, token }));
        })();
        readers.set(id, reader);
      }
      return reader;
    };
    if (want('nodeHeadroom')) {
      const { nodeHeadroomSource } = await import('./sources/node-headroom.ts');
      const client = await gke();
      const pools = await Promise.all(nodeHeadroom.pools.map(async (ref) => ({ ref, gke: client, kube: await kubeFor(ref) })));
      sources.nodeHeadroom = nodeHeadroomSource({ pools, store });
    }
    if (want('clusterHealth') && clusterRef) {
      const { clusterHealthSource } = await import('./sources/cluster-health.ts');
      sources.clusterHealth = clusterHealthSource({
        kube: await kubeFor(clusterRef),
        cullerMaxAgeMs: clusterHealth.cullerMaxAge,
        pendingForMs: clusterHealth.pendingFor,
        store,
        cluster: clusterRef.cluster,
        clusterRef: configuredCluster,
      });
    }
  }
  return sources;
}

/** Why buildSources wired no source for a check, naming the fields to set. */
export function whyNotWired(check: CheckName, config: Config): string {
  return config.checks[check].enabled
    ? `nothing to watch (set ${SOURCE_NEEDS[check].fields})`
    : `disabled (checks.${check}.enabled: false)`;
}

async function newGoogleAuth() {
  const { GoogleAuth } = await import('google-auth-library');
  return new GoogleAuth({
    scopes: ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/analytics.readonly'],
  });
}

export async function buildLiveDeps(config: Config, env: Env, logger: Logger, checks: CheckName[] = [...CHECK_NAMES]): Promise<CheckDeps> {
  const store = await buildStore(config, env, logger);
  const [sources, telemetry] = await Promise.all([buildSources(config, env, store, checks, logger), buildTelemetry(env, logger)]);
  const notifiers = notifiersFromEnv(env, { logger, threadStore: storeThreads(store), timeZone: config.displayTimeZone });
  return { config, sources, store, notifiers, logger, telemetry, rebuildSli: (c, hub, now) => rebuildSliHistory(c, env, hub, now) };
}

/**
 * A lost SLI history from the config's Prometheus, when that is the hub's own: the config's
 * launch probe watches that one hub alone (a federation member's config names its own).
 */
async function rebuildSliHistory(config: Config, env: Env, hub: string, now: number) {
  const prometheus = config.sources.prometheus;
  const hubs = new Set(config.checks.launchProbe.targets.map((t) => hubOf(t.binderUrl)));
  if (!prometheus || hubs.size !== 1 || !hubs.has(hub)) return undefined;
  const [{ promqlClientFromConfig }, { rebuildRollup }] = await Promise.all([import('./clients/promql.ts'), import('./slo/rebuild.ts')]);
  return rebuildRollup(promqlClientFromConfig(prometheus, env), now, config.slo.launchTime.within / 1000);
}
