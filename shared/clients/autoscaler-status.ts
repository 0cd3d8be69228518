// The cluster-autoscaler's status ConfigMap (kube-system/cluster-autoscaler-status,
// key `status`), on any Kubernetes it runs on. Two documented shapes: the text of
// autoscalers before 1.30 ("NodeGroups:" then per group "Name:" and a "Health:" line
// ending "(minSize=1, maxSize=10)"), and the YAML of 1.30+ (`nodeGroups:` with
// `health.minSize` / `health.maxSize`). Pure: the reader hands the text in.
import { parse as parseYaml } from 'yaml';

export const AUTOSCALER_STATUS = { namespace: 'kube-system', name: 'cluster-autoscaler-status', key: 'status' } as const;

export interface NodeGroupLimits {
  name: string;
  minSize: number;
  maxSize: number;
}

function fromText(text: string): NodeGroupLimits[] {
  const groups: NodeGroupLimits[] = [];
  const section = text.split(/^NodeGroups:\s*$/m)[1] ?? '';
  let name: string | undefined;
  for (const line of section.split('\n')) {
    const n = /^\s*Name:\s*(\S.*?)\s*$/.exec(line);
    if (n) name = n[1];
    const h = /^\s*Health:.*minSize=(\d+),\s*maxSize=(\d+)/.exec(line);
    if (h && name !== undefined) {
      groups.push({ name, minSize: Number(h[1]), maxSize: Number(h[2]) });
      name = undefined;
    }
  }
  return groups;
}

function fromYaml(doc: { nodeGroups?: unknown }): NodeGroupLimits[] {
  if (!Array.isArray(doc.nodeGroups)) return [];
  return doc.nodeGroups.flatMap((g: { name?: unknown; health?: { minSize?: unknown; maxSize?: unknown } }) => {
    const { minSize, maxSize } = g?.health ?? {};
    return typeof g?.name === 'string' && Number.isInteger(minSize) && Number.isInteger(maxSize)
      ? [{ name: g.name, minSize: minSize as number, maxSize: maxSize as number }]
      : [];
  });
}

/** Each node group's min and max; throws when the text names none (an unknown shape is "cannot see", not "no limit"). */
export function parseAutoscalerStatus(text: string): NodeGroupLimits[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { logLevel: 'error', maxAliasCount: 10 });
  } catch {
    doc = undefined; // the text format is not always valid YAML
  }
  const groups = doc && typeof doc === 'object' && 'nodeGroups' in doc ? fromYaml(doc) : fromText(text);
  if (!groups.length) throw new Error('no node group with minSize and maxSize in the cluster-autoscaler status');
  return groups;
}
