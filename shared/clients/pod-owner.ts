// Owners as a person names them. A Deployment runs its pods through a ReplicaSet named
// `<deployment>-<pod-template-hash>`, and the Deployment controller labels each pod with
// that hash; people think in Deployments, so a ReplicaSet made that way is named by its
// Deployment. Reading the name this way costs no API call and no extra RBAC permission.

/** The label the Deployment controller puts on every pod of its ReplicaSets. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Characters Kubernetes encodes the pod-template-hash with (k8s.io/apimachinery rand.SafeEncodeString). */
const HASH_SUFFIX = /^(.+)-([bcdfghjklmnpqrstvwxz2456789]{6,10})$/;

/**
 * `Kind/name` of the controller a person thinks of: `Deployment/<name>` for a ReplicaSet
 * whose name ends in `hash`. Without a known hash (scenario files record only the owner),
 * a suffix spelt as Kubernetes spells its hashes is taken as one.
 */
export function personOwner(kind: string, name: string, hash?: string): string {
  if (kind !== 'ReplicaSet') return `${kind}/${name}`;
  if (hash !== undefined) return name.endsWith(`-${hash}`) ? `Deployment/${name.slice(0, -hash.length - 1)}` : `${kind}/${name}`;
  const m = HASH_SUFFIX.exec(name);
  return m ? `Deployment/${m[1]}` : `${kind}/${name}`;
}

/** The same for an owner already written `Kind/name` (scenario labels). */
export function personOwnerOf(owner: string): string {
  const slash = owner.indexOf('/');
  return slash < 0 ? owner : personOwner(owner.slice(0, slash), owner.slice(slash + 1));
}
