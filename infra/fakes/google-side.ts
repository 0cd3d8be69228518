// The Google side of a deployed function, on loopback: a metadata server issuing
// the runtime's tokens, the GKE and GA4 APIs, a GKE cluster's Kubernetes API (over
// TLS, reached through the cluster endpoint GKE reports) and GCS for state, each
// taking only the metadata server's live tokens. Used by the packaged-functions
// suite and the cold-start bench, with the environment that points a function at it.
import { startFakeGcs, type FakeGcs } from './gcs.ts';
import { startFakeGoogleApis, type FakeGoogleApis } from './google-apis.ts';
import { startFakeKubernetes, type FakeKubernetes } from './kubernetes.ts';
import { startFakeMetadataServer, type FakeMetadataServer } from './metadata-server.ts';
import { ENDPOINT_ENV } from '../../shared/wiring.ts';

export const STATE_BUCKET = 'binderwatch-state';
/** The status page's public bucket (its own, never the state bucket). */
export const STATUS_BUCKET = 'binderwatch-status';
/** The watched cluster and its autoscaled `user` pool (5 nodes per zone, 3 zones). */
export const CLUSTER_REF = { project: 'binder-prod', location: 'us-central1', cluster: 'prod' };
export const POOL_REF = { ...CLUSTER_REF, pool: 'user' };
const CLUSTER = `projects/${CLUSTER_REF.project}/locations/${CLUSTER_REF.location}/clusters/${CLUSTER_REF.cluster}`;
const ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'];

export interface GoogleSide {
  metadata: FakeMetadataServer;
  google: FakeGoogleApis;
  kube: FakeKubernetes;
  gcs: FakeGcs;
  /** The environment a function needs to use all of it (GCE_METADATA_HOST, endpoint overrides). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startGoogleSide(opts: { tokenLifetimeS?: number } = {}): Promise<GoogleSide> {
  const metadata = await startFakeMetadataServer({ tokenLifetimeS: opts.tokenLifetimeS });
  const [google, kube, gcs] = await Promise.all([
    startFakeGoogleApis({ accessToken: metadata.live }),
    startFakeKubernetes({ accepts: metadata.live }),
    startFakeGcs({ buckets: [STATE_BUCKET, STATUS_BUCKET], accepts: metadata.live }),
  ]);
  google.clusters.set(CLUSTER, {
    name: CLUSTER_REF.cluster,
    locations: ZONES,
    endpoint: kube.server.replace('https://', ''),
    masterAuth: { clusterCaCertificate: Buffer.from(kube.caCert).toString('base64') },
  });
  google.nodePools.set(`${CLUSTER}/nodePools/${POOL_REF.pool}`, {
    name: POOL_REF.pool,
    locations: ZONES,
    status: 'RUNNING',
    autoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 5 },
  });
  return {
    metadata,
    google,
    kube,
    gcs,
    env: {
      GCE_METADATA_HOST: metadata.host,
      [ENDPOINT_ENV.container]: google.rootUrl,
      [ENDPOINT_ENV.analyticsdata]: google.rootUrl,
      [ENDPOINT_ENV.storage]: gcs.url,
    },
    close: async () => {
      await Promise.all([metadata.close(), google.close(), kube.close(), gcs.close()]);
    },
  };
}
