// Reads a scenario back out of Prometheus (`binderwatch replay <file.om> --prometheus <url>`):
// the file sets the time range, step and metric names; the samples come through PromQL.
//
// Samples are read raw — an instant query of a range selector, `metric[<window>]` —
// not with query_range: a range query repeats the last sample for up to the lookback
// delta (5 min) at every step, which would fill the gaps a scenario has on purpose
// ("no sample" = the source was down), and would move probe results onto the step grid.
import { UpstreamError } from '../errors.ts';
import { seriesId, type ScenarioData, type ScenarioSeries } from './openmetrics.ts';
import { MAX_POINTS_PER_SERIES, mergeSeries, type PromqlClient, type PromqlSeries } from '../clients/promql.ts';

export interface ScenarioRange {
  /** First and last sample time (epoch ms), inclusive. */
  start: number;
  end: number;
  stepMs: number;
  /** Metric names to read, e.g. the distinct `metric`s of the parsed file. */
  metrics: string[];
  /** Samples per series per query at the scenario step; keeps each answer bounded. */
  maxPointsPerQuery?: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export async function scenarioFromPrometheus(client: PromqlClient, range: ScenarioRange): Promise<ScenarioData> {
  const { start, end, stepMs } = range;
  const windowMs = (range.maxPointsPerQuery ?? MAX_POINTS_PER_SERIES) * stepMs;
  const series: ScenarioSeries[] = [];
  for (const metric of range.metrics) {
    if (!METRIC_NAME.test(metric)) throw new RangeError(`not a metric name: "${metric}"`);
    const chunks: PromqlSeries[][] = [];
    // Each window covers [at − windowMs, at]; neighbours share their boundary and
    // mergeSeries keeps a sample read twice once.
    for (let at = start - 1 + windowMs; ; at += windowMs) {
      chunks.push(await client.instant(`${metric}[${windowMs}ms]`, Math.min(at, end)));
      if (at >= end) break;
    }
    for (const { labels, samples } of mergeSeries(chunks)) {
      const { __name__: name, ...rest } = labels;
      if (name !== undefined && name !== metric)
        throw new UpstreamError('prometheus', `asked for ${metric}, got ${name}`, undefined, false);
      const inRange = samples.filter((s) => s.t >= start && s.t <= end);
      if (inRange.length) series.push({ metric, labels: rest, samples: inRange });
    }
  }
  series.sort((a, b) => (seriesId(a.metric, a.labels) < seriesId(b.metric, b.labels) ? -1 : 1));
  return { series, start, end, stepMs };
}

/** The range, step and metric names of a parsed scenario file, for `scenarioFromPrometheus`. */
export function scenarioRangeOf(data: ScenarioData): ScenarioRange {
  return { start: data.start, end: data.end, stepMs: data.stepMs, metrics: [...new Set(data.series.map((s) => s.metric))] };
}
