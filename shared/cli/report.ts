// `binderwatch report`: the incident report page for a past range, for post-mortems.
// The series (DESIGN §8 names) are read from Prometheus and run through the same
// replay as a scenario file, so the page shows what the detectors saw and said.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { trafficLookbackMs } from '../detectors/traffic-vs-pods.ts';
import { replay } from '../replay/replay.ts';
import { reportData, type ReportRun } from '../report/data.ts';
import { writeReport } from '../report/html.ts';
import { SCENARIO_METRICS } from '../scenario/openmetrics.ts';
import { scenarioFromPrometheus } from '../scenario/prometheus.ts';
import { promqlClient, promqlClientFromConfig } from '../clients/promql.ts';
import type { CliIO } from './io.ts';

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

export async function reportCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      html: { type: 'string' },
      prometheus: { type: 'string' },
    },
  });
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
  io.stdout.write(`Incident report page: ${await writeReport(resolve(values.html), page)}\n`);
  return 0;
}
