import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../shared/scenario/openmetrics.ts';
import { scenarioSources } from '../../../shared/scenario/replay-source.ts';
import { personOwner, personOwnerOf } from '../../../shared/clients/pod-owner.ts';

describe('personOwner', () => {
  it.each([
    [
      'a Deployment’s ReplicaSet, by its pods’ pod-template-hash',
      ['ReplicaSet', 'nginx-ingress-controller-5d6b8c9f7', '5d6b8c9f7'],
      'Deployment/nginx-ingress-controller',
    ],
    ['a ReplicaSet whose name does not end in the hash', ['ReplicaSet', 'binder-7d9', '5d6b8c9f7'], 'ReplicaSet/binder-7d9'],
    [
      'a ReplicaSet of its own (no hash label)',
      ['ReplicaSet', 'nginx-ingress-controller-5d6b8c9f7', ''],
      'ReplicaSet/nginx-ingress-controller-5d6b8c9f7',
    ],
    ['a DaemonSet', ['DaemonSet', 'fluentd-gcp-v2.0.9', '5d6b8c9f7'], 'DaemonSet/fluentd-gcp-v2.0.9'],
  ] as const)('names %s', (_name, [kind, name, hash], owner) => {
    expect(personOwner(kind, name, hash)).toBe(owner);
  });

  it.each([
    ['ReplicaSet/nginx-ingress-controller-5d6b8c9f7', 'Deployment/nginx-ingress-controller'],
    ['ReplicaSet/kube-dns-778977457c', 'Deployment/kube-dns'],
    // "backend" has letters Kubernetes never puts in a hash: not a Deployment's ReplicaSet.
    ['ReplicaSet/web-backend', 'ReplicaSet/web-backend'],
    ['DaemonSet/fluentd-gcp-v2.0.9', 'DaemonSet/fluentd-gcp-v2.0.9'],
    ['Pod/jupyter-someuser-2dabc', 'Pod/jupyter-someuser-2dabc'],
  ])('reads a scenario owner %s as %s', (owner, person) => {
    expect(personOwnerOf(owner)).toBe(person);
  });

  it('shows Deployments in the replay’s cluster-health observation', async () => {
    const T = 1516283100;
    const data = parseScenario(
      `binderwatch_pod_crashlooping{namespace="prod",pod="nginx-ingress-controller-5d6b8c9f7-xk2lp",node="n1",owner="ReplicaSet/nginx-ingress-controller-5d6b8c9f7"} 1 ${T}\n# EOF\n`,
    );
    const obs = await scenarioSources(data).clusterHealth!.observe({ now: T * 1000, lookbackMs: 3_600_000, stepMs: 60_000 });
    expect(obs.problems.map((p) => p.owner)).toEqual(['Deployment/nginx-ingress-controller']);
  });
});
