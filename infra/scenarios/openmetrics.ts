// Writes the scenario contract (DESIGN §8): OpenMetrics text as `promtool tsdb
// create-blocks-from openmetrics` backfills it. Each family is contiguous, each series
// is contiguous and time-ordered, timestamps are in seconds, the file ends `# EOF`.

export interface OmSample {
  t: number; // epoch ms, whole seconds
  v: number;
}

export interface OmSeries {
  labels: Record<string, string>;
  samples: OmSample[];
}

export interface OmFamily {
  name: string;
  series: OmSeries[];
}

/** OpenMetrics label-value escaping: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelBlock(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

export function renderOpenMetrics(families: OmFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# TYPE ${family.name} gauge`);
    for (const series of family.series) {
      const prefix = family.name + labelBlock(series.labels);
      let last = -Infinity;
      for (const s of series.samples) {
        if (s.t % 1000 !== 0) throw new Error(`${prefix}: timestamp ${s.t} is not a whole second`);
        if (s.t <= last) throw new Error(`${prefix}: timestamps must increase (${s.t} after ${last})`);
        last = s.t;
        lines.push(`${prefix} ${s.v} ${s.t / 1000}`);
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
