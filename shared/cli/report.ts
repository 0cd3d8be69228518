// `binderwatch report`: the incident report page for a past range, for post-mortems.
// The series (the scenario metric names) are read from Prometheus and run through the same
// replay as a scenario file, so the page shows what the detectors saw and said.
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { trafficLookbackMs } from '../detectors/traffic-vs-pods.ts';
import { replay } from '../replay/replay.ts';
import { reportData, type ReportRun } from '../report/data.ts';
import { writeReport } from '../report/html.ts';
import { SCENARIO_METRICS } from '../scenario/openmetrics.ts';
import { scenarioFromPrometheus } from '../scenario/prometheus.ts';
import { promqlClient, promqlClientFromConfig } from '../clients/promql.ts';
import { defineVerb } from './verb.ts';

const MAX_RANGE_MS = 7 * 24 * 3_600_000;

function time(value: string | undefined, flag: string): number {
  const t = value === undefined ? NaN : Date.parse(value);
  if (!Number.isFinite(t))
    throw new ConfigError(
      [{ path: flag, message: value === undefined ? 'required' : `expected an ISO time like 2018-01-18T12:00:00Z, got "${value}"` }],
      'arguments',
    );
  return t;
}

export const verb = defineVerb({
  name: 'report',
  summary: 'The incident report page for a past range, read live from Prometheus (the series of a scenario file).',
  details: '--json prints {"page": <path>}.',
  options: {
    config: { type: 'string', arg: 'c.yaml', help: 'The config (required).' },
    from: { type: 'string', arg: 'ISO', help: 'Start of the range, e.g. 2018-01-18T12:00:00Z (required).' },
    to: { type: 'string', arg: 'ISO', help: 'End of the range, at most 7 days after --from (required).' },
    html: { type: 'string', arg: 'out.html', help: 'The page to write (required).' },
    prometheus: { type: 'string', arg: 'URL', help: "Read from this Prometheus instead of the config's sources.prometheus." },
  },
  async run({ values, io, json }) {
    if (!values.config) throw new ConfigError([{ path: '--config', message: 'required' }], 'arguments');
    if (!values.html) throw new ConfigError([{ path: '--html', message: 'required: the page to write' }], 'arguments');
    const from = time(values.from, '--from');
    const to = time(values.to, '--to');
    if (to <= from) throw new ConfigError([{ path: '--to', message: 'must be after --from' }], 'arguments');
    if (to - from > MAX_RANGE_MS) throw new ConfigError([{ path: '--to', message: 'a report covers at most 7 days' }], 'arguments');
    const config = await loadConfig(values.config);
    const prometheus = config.sources.prometheus;
    if (!values.prometheus && !prometheus)
      throw new ConfigError([{ path: 'sources.prometheus', message: 'required for a report (or pass --prometheus URL)' }], values.config);
    const client = values.prometheus ? promqlClient({ url: values.prometheus }) : promqlClientFromConfig(prometheus!, io.env);

    // The detectors need their history before `from` to judge its first minutes.
    const warmUp = trafficLookbackMs(config.checks.trafficVsPods);
    const data = await scenarioFromPrometheus(client, { start: from - warmUp, end: to, stepMs: 60_000, metrics: [...SCENARIO_METRICS] });
    const runs: ReportRun[] = [];
    await replay(data, config, { onRun: (result, now) => runs.push({ now, result }) });
    const page = reportData(data, runs, {
      title: `Incident report ${values.from} → ${values.to}`,
      timeZone: config.displayTimeZone,
      range: { from, to },
    });
    const written = await writeReport(resolve(values.html), page);
    io.stdout.write(json ? JSON.stringify({ page: written }) + '\n' : `Incident report page: ${written}\n`);
    return 0;
  },
});
