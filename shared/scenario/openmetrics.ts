// Parser for scenario files (docs/scenario-format.md): OpenMetrics text as promtool backfills it,
// timestamps in seconds, `# EOF` last. Strict: a scenario that is wrong must say
// where, not replay something else.
import { ScenarioError } from '../errors.ts';
import type { Series } from '../model.ts';
import { DAY_MS } from '../time.ts';

/** The series a scenario holds (docs/scenario-format.md), which a hub's Prometheus can record too. */
export const SCENARIO_METRICS = [
  'binderwatch_demand',
  'binderwatch_running_user_pods',
  'binderwatch_nodepool_nodes',
  'binderwatch_nodepool_cordoned_nodes',
  'binderwatch_nodepool_max_nodes',
  'binderwatch_nodepool_pending_pods',
  'binderwatch_pod_crashlooping',
  'binderwatch_launch_probe_ok',
] as const;

export interface ScenarioSeries {
  metric: string;
  labels: Record<string, string>;
  samples: Series;
}

export interface ScenarioData {
  series: ScenarioSeries[];
  /** First and last sample time (epoch ms). */
  start: number;
  end: number;
  /** Most common spacing between consecutive samples. */
  stepMs: number;
}

/**
 * The series of docs/scenario-format.md and the labels each needs. Any other name is an error, so a
 * typo can never silently turn a check off. New series may be added; meanings never change.
 */
export const SCENARIO_SERIES: Readonly<Record<string, readonly string[]>> = {
  binderwatch_demand: [],
  binderwatch_running_user_pods: [],
  binderwatch_nodepool_nodes: ['pool'],
  binderwatch_nodepool_cordoned_nodes: ['pool'],
  binderwatch_nodepool_max_nodes: ['pool'],
  binderwatch_nodepool_pending_pods: ['pool'],
  binderwatch_pod_crashlooping: ['namespace', 'pod', 'node', 'owner'],
  binderwatch_launch_probe_ok: ['repo'],
  // Extra launches of a probe run (adaptive probing), numbered from 1 by `attempt`; 1 = worked. Optional.
  binderwatch_launch_probe_extra_ok: ['repo', 'attempt'],
  // A federation (docs/scenario-format.md): any series above may carry `member`; these belong to a member only.
  binderwatch_member_health_ok: ['member', 'service'],
  binderwatch_member_pod_quota: ['member'],
  binderwatch_member_version_skew: ['member'],
  binderwatch_front_door_launch: ['member'],
};

/** Timestamps are seconds; 1e11 s is the year 5138, while 2018 in milliseconds is 1.5e12. */
const MAX_SECONDS = 1e11;
/** A scenario covers hours or days of an incident; the replay steps through every minute of it. */
export const MAX_SPAN_DAYS = 400;

/** Levenshtein distance, for "did you mean" ordering of the known names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function checkSeriesName(name: string, labels: Record<string, string>, lineNo: number, file: string): void {
  const needed = SCENARIO_SERIES[name];
  if (!needed) {
    const known = Object.keys(SCENARIO_SERIES).sort((x, y) => editDistance(name, x) - editDistance(name, y));
    throw new ScenarioError(`unknown series "${name.slice(0, 80)}"; known series, nearest first: ${known.join(', ')}`, lineNo, file);
  }
  const missing = needed.filter((l) => !(l in labels));
  if (missing.length) throw new ScenarioError(`${name} needs the label(s) ${missing.join(', ')}`, lineNo, file);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function seriesId(metric: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${metric}{${parts.join(',')}}`;
}

/** A label name where the label parser stands (sticky: matched at lastIndex only). */
const LABEL_NAME_AT = new RegExp(LABEL_NAME.source.slice(1), 'y');

/**
 * Linear in the line: one index walks it, and a value is cut out in slices between
 * escapes (a value built a character at a time made a 20 MB line of two 10 MB values
 * take over 1 GiB).
 */
function parseLabels(text: string, lineNo: number, file: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    LABEL_NAME_AT.lastIndex = i;
    const name = LABEL_NAME_AT.exec(text);
    if (!name) throw new ScenarioError(`bad label name in "${text.slice(0, 60)}"`, lineNo, file);
    i += name[0].length;
    if (!text.startsWith('="', i)) throw new ScenarioError(`expected ="…" after label ${name[0]}`, lineNo, file);
    i += 2;
    const parts: string[] = [];
    let quote = -1;
    for (;;) {
      // Each search resumes where it is still ahead of the index: no character is scanned twice.
      if (quote < i) quote = text.indexOf('"', i);
      const escape = text.indexOf('\\', i);
      if (quote < 0) throw new ScenarioError(`unterminated label value for ${name[0]}`, lineNo, file);
      if (escape < 0 || quote < escape) {
        parts.push(text.slice(i, quote));
        i = quote + 1;
        break;
      }
      if (escape + 1 >= text.length) throw new ScenarioError(`unterminated label value for ${name[0]}`, lineNo, file);
      const e = text[escape + 1];
      parts.push(text.slice(i, escape), e === 'n' ? '\n' : e); // OpenMetrics escapes: \\ \" \n
      i = escape + 2;
    }
    if (name[0] in labels) throw new ScenarioError(`duplicate label ${name[0]}`, lineNo, file);
    labels[name[0]] = parts.join('');
    skipSpace();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new ScenarioError(`expected , or } after label ${name[0]}`, lineNo, file);
  }
}

function parseNumber(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
}

export function parseScenario(text: string, file = 'scenario'): ScenarioData {
  const byId = new Map<string, ScenarioSeries>();
  const lines = text.split('\n');
  let sawEof = false;
  const closedFamilies = new Set<string>();
  let family: string | undefined;
  // Checked as the file is read, so a sample a century off stops the parse at its line.
  let earliest = Infinity;
  let latest = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, '');
    if (sawEof) {
      if (line.trim() !== '' || i < lines.length - 1) throw new ScenarioError('content after # EOF', lineNo, file);
      continue;
    }
    if (line === '' && i === lines.length - 1) continue; // the newline ending the last line
    if (line === '# EOF') {
      sawEof = true;
      continue;
    }
    if (line.trim() === '') throw new ScenarioError('empty line (OpenMetrics allows none before # EOF)', lineNo, file);
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*)( .*)?$/.exec(line);
      if (!m) throw new ScenarioError(`unrecognised comment "${line.slice(0, 60)}"`, lineNo, file);
      if (m[2] !== family) {
        if (family) closedFamilies.add(family);
        if (closedFamilies.has(m[2]))
          throw new ScenarioError(`metric family ${m[2]} appears twice (families must be contiguous)`, lineNo, file);
        family = m[2];
      }
      continue;
    }
    const name = NAME.exec(line);
    if (!name) throw new ScenarioError(`expected a metric name at "${line.slice(0, 60)}"`, lineNo, file);
    let rest = line.slice(name[0].length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, lineNo, file));
    const fields = rest.trim().split(/\s+/);
    if (fields.length !== 2 || !rest.startsWith(' '))
      throw new ScenarioError('expected "<value> <timestamp in seconds>" after the series (every sample needs a timestamp)', lineNo, file);
    const value = parseNumber(fields[0]);
    const ts = parseNumber(fields[1]);
    if (fields[0] !== 'NaN' && Number.isNaN(value)) throw new ScenarioError(`bad value "${fields[0]}"`, lineNo, file);
    if (!Number.isFinite(ts)) throw new ScenarioError(`bad timestamp "${fields[1]}"`, lineNo, file);
    if (Math.abs(ts) >= MAX_SECONDS) {
      throw new ScenarioError(`timestamp ${fields[1]} looks like milliseconds: scenario timestamps are in seconds`, lineNo, file);
    }
    checkSeriesName(name[0], labels, lineNo, file);
    if (name[0] !== family) {
      if (family) closedFamilies.add(family);
      if (closedFamilies.has(name[0]))
        throw new ScenarioError(`metric family ${name[0]} appears twice (families must be contiguous)`, lineNo, file);
      family = name[0];
    }
    const id = seriesId(name[0], labels);
    let series = byId.get(id);
    if (!series) byId.set(id, (series = { metric: name[0], labels, samples: [] }));
    const t = Math.round(ts * 1000);
    const last = series.samples[series.samples.length - 1];
    if (last && t <= last.t) throw new ScenarioError(`timestamp ${fields[1]} is not after the previous sample of ${id}`, lineNo, file);
    // NaN samples carry no information: treat them as the gap they are.
    if (!Number.isNaN(value)) series.samples.push({ t, v: value });
    earliest = Math.min(earliest, t);
    latest = Math.max(latest, t);
    if (latest - earliest > MAX_SPAN_DAYS * DAY_MS) {
      const days = Math.round((latest - earliest) / DAY_MS);
      throw new ScenarioError(`the samples span ${days} days, longer than ${MAX_SPAN_DAYS} days: check the timestamps`, lineNo, file);
    }
  }
  if (!sawEof) throw new ScenarioError('missing "# EOF" at the end', lines.length, file);
  const series = [...byId.values()];
  const all = series.flatMap((s) => s.samples);
  if (all.length === 0) throw new ScenarioError('no samples', undefined, file);
  let start = Infinity;
  let end = -Infinity;
  const gaps = new Map<number, number>();
  for (const s of series) {
    for (let k = 0; k < s.samples.length; k++) {
      start = Math.min(start, s.samples[k].t);
      end = Math.max(end, s.samples[k].t);
      if (k) {
        const d = s.samples[k].t - s.samples[k - 1].t;
        gaps.set(d, (gaps.get(d) ?? 0) + 1);
      }
    }
  }
  const stepMs = [...gaps.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 60_000;
  return { series, start, end, stepMs };
}

/** OpenMetrics spells the infinities +Inf and -Inf, where JavaScript writes "Infinity". */
function formatNumber(v: number): string {
  return v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

/** Renders scenario data back to OpenMetrics (families contiguous, seconds). */
export function formatScenario(data: Pick<ScenarioData, 'series'>): string {
  const byMetric = new Map<string, ScenarioSeries[]>();
  for (const s of data.series) byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), s]);
  const out: string[] = [];
  for (const [metric, list] of byMetric) {
    out.push(`# TYPE ${metric} gauge`);
    for (const s of list) {
      const keys = Object.keys(s.labels).sort();
      const lbl = keys.length
        ? `{${keys.map((k) => `${k}="${s.labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`
        : '';
      for (const p of s.samples) out.push(`${metric}${lbl} ${formatNumber(p.v)} ${p.t / 1000}`);
    }
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}
