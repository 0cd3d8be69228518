// Runbook lines several checks share, filled from what the config names.
import type { ClusterRef } from '../model.ts';

/** Points kubectl at the cluster first, when the config names it. */
export function credentialsCommand(cluster: ClusterRef | undefined): string[] {
  return cluster
    ? [`gcloud container clusters get-credentials ${cluster.cluster} --location ${cluster.location} --project ${cluster.project}`]
    : [];
}
