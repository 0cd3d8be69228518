// `binderwatch check <name> --config c.yaml`: one run of one check against the live
// systems in the config, through the same runCheck path as the Cloud Function.
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { BinderwatchError, ConfigError } from '../errors.ts';
import { jsonLogger } from '../log.ts';
import { CHECK_NAMES, type CheckName } from '../model.ts';
import { whyNotWired } from '../wiring.ts';
import { buildLivePlan } from '../federation/plan.ts';
import { runCheckAll, wired } from '../federation/run-all.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';

const STATE_TYPES = ['memory', 'file'];

/**
 * How to get past what a first run on a laptop meets with a production config (the state in
 * GCS, no Google credentials): said under the error, which stays the cause.
 */
function localHint(error: string, config: Config, file: string): string | undefined {
  const hints: string[] = [];
  if (config.alerting.state.type === 'gcs' && error.startsWith('gcs:'))
    hints.push(`the state is in GCS (alerting.state in ${file}): --state memory keeps it in memory for this run`);
  if (/default credentials/i.test(error)) hints.push('no Google credentials on this machine: gcloud auth application-default login');
  if (!hints.length) return undefined;
  return `${hints.join('; ')}; or try every check locally, without Google: README "Run it locally" (npm run local:stack, then --config infra/local/binderwatch.local.yaml)`;
}

export async function checkCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const check = positionals[0] as CheckName;
  if (!CHECK_NAMES.includes(check))
    throw new ConfigError([{ path: '<check>', message: `expected one of ${CHECK_NAMES.join(', ')}` }], 'arguments');
  if (!values.config) throw new ConfigError([{ path: '--config', message: 'required' }], 'arguments');
  if (values.state !== undefined && !STATE_TYPES.includes(values.state))
    throw new ConfigError([{ path: '--state', message: `expected ${STATE_TYPES.join(' or ')}` }], 'arguments');
  const loaded = await loadConfig(values.config);
  // The store's own defaults (the file store's directory) come from the schema.
  const config: Config = values.state
    ? { ...loaded, alerting: { ...loaded.alerting, state: parseConfig({ alerting: { state: { type: values.state } } }).alerting.state } }
    : loaded;
  if (!config.checks[check].enabled) {
    io.stderr.write(`binderwatch: ${check} is disabled in ${values.config} (checks.${check}.enabled: false)\n`);
    return EXIT.invalid;
  }
  const logger = jsonLogger((line) => io.stderr.write(line + '\n'));
  const hinted = (e: unknown) => {
    if (e instanceof BinderwatchError) e.hint ??= localHint(e.message, config, values.config!);
    throw e;
  };
  const plan = await buildLivePlan(config, io.env, logger, [check]).catch(hinted);
  if (!wired(check, plan)) {
    io.stderr.write(`binderwatch: ${check} in ${values.config}: ${whyNotWired(check, config)}\n`);
    return EXIT.invalid;
  }
  const result = await runCheckAll(check, plan, Date.now()).catch(hinted);
  if (values.json) {
    io.stdout.write(JSON.stringify(result.findings, null, 2) + '\n');
  } else {
    for (const f of result.findings) {
      io.stdout.write(`${f.status.toUpperCase().padEnd(8)} ${f.severity.padEnd(8)} ${f.key}\n    ${f.title}\n    ${f.summary}\n`);
      for (const cmd of f.status === 'ok' ? [] : f.runbook) io.stdout.write(`    $ ${cmd}\n`);
    }
  }
  // A source that could not see for want of Google credentials is a finding, not an error: the hint goes under it.
  const blindHint = result.findings
    .map((f) => (f.status === 'unknown' ? localHint(f.summary, config, values.config!) : undefined))
    .find(Boolean);
  if (blindHint) io.stderr.write(`binderwatch: ${blindHint}\n`);
  return result.outcome === 'problem' ? EXIT.problem : result.outcome === 'unknown' ? EXIT.unknown : EXIT.ok;
}
