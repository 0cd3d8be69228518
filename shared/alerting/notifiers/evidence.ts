// Evidence as people read it. Detectors keep stable machine names (`usedPct`,
// `timeToMaxMin`) that state, tests and the report page rely on; this table gives
// each a label and a unit. A name not in it still reads well: its unit comes from
// its suffix (Pct, PerMin, Min, Sec, Hours) and its label from its camelCase words.
import { formatDuration } from '../../duration.ts';
import type { CheckName } from '../../model.ts';

type Unit = '%' | '/min' | 'min' | 's' | 'h' | 'σ' | 'duration';

interface EvidenceFormat {
  label: string;
  unit?: Unit;
}

const EVIDENCE: Partial<Record<CheckName, Record<string, EvidenceFormat>>> = {
  nodeHeadroom: {
    nodes: { label: 'Nodes (cordoned included)' },
    max: { label: 'Autoscaler max' },
    usedPct: { label: 'In use', unit: '%' },
    cordoned: { label: 'Cordoned' },
    pendingPods: { label: 'Pods pending for room' },
    timeToMaxMin: { label: 'Max reached in', unit: 'duration' },
  },
  clusterHealth: {
    crashLoopingPods: { label: 'Crash-looping pods' },
    owners: { label: 'Owners' },
    nodeReady: { label: 'Node Ready' },
    pods: { label: 'Crash-looping pods' },
    nodes: { label: 'Nodes' },
    staleUserPods: { label: "User pods past the culler's max age" },
    oldestHours: { label: 'Oldest', unit: 'h' },
  },
  trafficVsPods: {
    demandPerMin: { label: 'Demand', unit: '/min' },
    expectedPods: { label: 'Expected running pods' },
    observedPods: { label: 'Running pods' },
    shortfallPods: { label: 'Shortfall (pods)' },
    sigmas: { label: 'Shortfall beyond noise', unit: 'σ' },
    impliedLaunchSuccessPct: { label: 'Implied launch success', unit: '%' },
    horizonMin: { label: 'Over the last', unit: 'min' },
  },
};

const SUFFIX_UNITS: [suffix: string, unit: Unit][] = [
  ['Pct', '%'],
  ['PerMin', '/min'],
  ['Min', 'min'],
  ['Sec', 's'],
  ['Hours', 'h'],
];

/** `impliedLaunchSuccess` → `Implied launch success`; a name with spaces or a capital first letter is already a label. */
function words(name: string): string {
  if (/\s|^[A-Z]/.test(name)) return name;
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function formatOf(check: CheckName, name: string): EvidenceFormat {
  const known = EVIDENCE[check]?.[name];
  if (known) return known;
  for (const [suffix, unit] of SUFFIX_UNITS) {
    if (name.length > suffix.length && name.endsWith(suffix)) return { label: words(name.slice(0, -suffix.length)), unit };
  }
  return { label: words(name) };
}

/** Integers as they are, fractions to 2 places. */
export function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return String(Math.round(v * 100) / 100);
}

function withUnit(v: number | string, unit: Unit | undefined): string {
  // Text values ("never", "yes", a list of owners) carry their own meaning.
  if (typeof v === 'string' || unit === undefined) return formatValue(v);
  if (unit === 'duration') return v <= 0 ? 'now' : formatDuration(v * 60_000);
  if (unit === '/min') return `${formatValue(v)}/min`;
  return `${formatValue(v)} ${unit}`;
}

/**
 * Label and display value of each piece of evidence, in the detector's order. With
 * `previous` (a resolve's evidence while it fired), a value that changed says what it was:
 * `20 (was 15)`.
 */
export function labelledEvidence(
  check: CheckName,
  evidence: Record<string, number | string> | undefined,
  previous?: Record<string, number | string>,
): [label: string, value: string][] {
  return Object.entries(evidence ?? {}).map(([name, v]) => {
    const f = formatOf(check, name);
    const was = previous?.[name];
    const changed = was !== undefined && was !== v ? ` (was ${withUnit(was, f.unit)})` : '';
    return [f.label, withUnit(v, f.unit) + changed];
  });
}
