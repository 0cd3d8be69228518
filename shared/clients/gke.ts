// GKE Container API (v1): a node pool's autoscaler ceiling, and the cluster
// endpoint + CA that a Kubernetes client needs.
//
// `maxNodeCount` is per zone, so the pool's ceiling is maxNodeCount × its zones
// (the pool's `locations`, else the cluster's); `totalMaxNodeCount`, when set, is
// the ceiling itself.
import { container, type container_v1 } from '@googleapis/container';
import type { ClusterRef } from '../model.ts';
import { googleRequestOptions, googleUpstreamError, malformed, type GoogleApiAuth } from './google-api.ts';

/** Same fields as a `checks.nodeHeadroom.pools[]` config entry. */
export interface NodePoolRef {
  project: string;
  location: string;
  cluster: string;
  pool: string;
}
export type { ClusterRef };

export interface NodePoolLimit {
  /** Autoscaler max over all zones; null when autoscaling is off. */
  max: number | null;
  zones: string[];
  /** maxNodeCount, when the max is set per zone rather than as totalMaxNodeCount. */
  perZoneMax?: number;
}

export interface ClusterAccess {
  /** `https://<ip>` of the control plane. */
  server: string;
  /** Base64 PEM of the cluster CA, as GKE returns it. */
  caCert: string;
}

export interface GkeOptions {
  auth: GoogleApiAuth;
  /** API root, e.g. a loopback server in tests; default the public endpoint. */
  rootUrl?: string;
  timeoutMs?: number;
}

const UPSTREAM = 'gke';

export class GkeClient {
  private readonly api: container_v1.Container;
  private readonly timeoutMs: number;

  constructor(opts: GkeOptions) {
    this.api = container({
      version: 'v1',
      auth: opts.auth as container_v1.Options['auth'],
      ...(opts.rootUrl ? { rootUrl: opts.rootUrl } : {}),
    });
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async nodePoolLimit(ref: NodePoolRef): Promise<NodePoolLimit> {
    const name = `${clusterName(ref)}/nodePools/${ref.pool}`;
    const pool = await this.get(() => this.api.projects.locations.clusters.nodePools.get({ name }, googleRequestOptions(this.timeoutMs)));
    const zones = pool.locations?.length ? pool.locations : await this.clusterZones(ref);
    const a = pool.autoscaling;
    if (!a?.enabled) return { max: null, zones };
    if (typeof a.totalMaxNodeCount === 'number' && a.totalMaxNodeCount > 0) return { max: a.totalMaxNodeCount, zones };
    if (typeof a.maxNodeCount !== 'number' || a.maxNodeCount <= 0) {
      throw malformed(UPSTREAM, `node pool ${ref.pool} has autoscaling on but neither maxNodeCount nor totalMaxNodeCount`);
    }
    if (zones.length === 0) throw malformed(UPSTREAM, `no zones known for node pool ${ref.pool}`);
    return { max: a.maxNodeCount * zones.length, zones, perZoneMax: a.maxNodeCount };
  }

  async clusterAccess(ref: ClusterRef): Promise<ClusterAccess> {
    const cluster = await this.cluster(ref);
    const ca = cluster.masterAuth?.clusterCaCertificate;
    if (!cluster.endpoint || !ca) throw malformed(UPSTREAM, `cluster ${ref.cluster} has no endpoint or CA certificate`);
    return { server: `https://${cluster.endpoint}`, caCert: ca };
  }

  private async clusterZones(ref: ClusterRef): Promise<string[]> {
    return (await this.cluster(ref)).locations ?? [];
  }

  private cluster(ref: ClusterRef): Promise<container_v1.Schema$Cluster> {
    return this.get(() => this.api.projects.locations.clusters.get({ name: clusterName(ref) }, googleRequestOptions(this.timeoutMs)));
  }

  private async get<T extends object>(call: () => Promise<{ data: T }>): Promise<T> {
    let data: unknown;
    try {
      data = (await call()).data;
    } catch (e) {
      throw googleUpstreamError(UPSTREAM, e);
    }
    if (typeof data !== 'object' || data === null) throw malformed(UPSTREAM, 'not a JSON object');
    return data as T;
  }
}

const clusterName = (ref: ClusterRef) => `projects/${ref.project}/locations/${ref.location}/clusters/${ref.cluster}`;
