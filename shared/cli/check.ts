// `binderwatch check <name> --config c.yaml`: one run of one check against the live
// systems in the config, through the same runCheck path as the Cloud Function.
import { loadConfig, parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { BinderwatchError } from '../errors.ts';
import { CHECK_NAMES, type CheckName, type Finding } from '../model.ts';
import { whyNotWired } from '../wiring.ts';
import { buildLivePlan } from '../federation/plan.ts';
import { runCheckAll, wired } from '../federation/run-all.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';
import { badArgument, colours, defineVerb } from './verb.ts';

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

/** The summary without the title it often starts with, so each finding shows its title once. */
function rest(f: Finding): string {
  if (!f.summary.startsWith(f.title)) return f.summary;
  return f.summary.slice(f.title.length).replace(/^[;:,.]?\s*/, '');
}

/** One finding for a person: status (severity only for what is not ok), title, why, key, runbook. */
export function findingText(f: Finding, io: Pick<CliIO, 'env' | 'isTTY'>): string {
  const paint = colours(io.env, io.isTTY);
  const status = f.status.toUpperCase().padEnd(8);
  const head = f.status === 'ok' ? `${paint.green(status)} ${''.padEnd(8)}` : `${paint.red(status)} ${f.severity.padEnd(8)}`;
  const why = rest(f);
  const runbook = f.status === 'ok' ? [] : f.runbook.map((cmd) => `    $ ${cmd}`);
  return [`${head} ${f.title}`, ...(why ? [`    ${why}`] : []), `    ${paint.dim(f.key)}`, ...runbook].join('\n') + '\n';
}

export const verb = defineVerb({
  name: 'check',
  synopsis: `<${CHECK_NAMES.join('|')}>`,
  summary: 'Runs one check once against live systems and prints the findings.',
  details: 'Exit 0 when all is well, 1 when a finding is a problem, 3 when the check could not see. --json prints the findings.',
  options: {
    config: { type: 'string', arg: 'c.yaml', help: 'The config (required).' },
    state: {
      type: 'string',
      arg: 'memory|file',
      help: "Keep the alert state in memory (or the file default) instead of the config's store.",
    },
  },
  async run({ values, positionals, io, json, logger }) {
    const check = positionals[0] as CheckName;
    if (!CHECK_NAMES.includes(check)) throw badArgument('<check>', `expected one of ${CHECK_NAMES.join(', ')}`);
    const file = values.config;
    if (!file) throw badArgument('--config', 'required');
    if (values.state !== undefined && !STATE_TYPES.includes(values.state))
      throw badArgument('--state', `expected ${STATE_TYPES.join(' or ')}`);
    const loaded = await loadConfig(file);
    // The store's own defaults (the file store's directory) come from the schema.
    const config: Config = values.state
      ? { ...loaded, alerting: { ...loaded.alerting, state: parseConfig({ alerting: { state: { type: values.state } } }).alerting.state } }
      : loaded;
    if (!config.checks[check].enabled) {
      io.stderr.write(`binderwatch: ${check} is disabled in ${file} (checks.${check}.enabled: false)\n`);
      return EXIT.invalid;
    }
    const hinted = (e: unknown) => {
      if (e instanceof BinderwatchError) e.hint ??= localHint(e.message, config, file);
      throw e;
    };
    const plan = await buildLivePlan(config, io.env, logger, [check]).catch(hinted);
    if (!wired(check, plan)) {
      io.stderr.write(`binderwatch: ${check} in ${file}: ${whyNotWired(check, config)}\n`);
      return EXIT.invalid;
    }
    const result = await runCheckAll(check, plan, Date.now()).catch(hinted);
    if (json) io.stdout.write(JSON.stringify(result.findings, null, 2) + '\n');
    else for (const f of result.findings) io.stdout.write(findingText(f, io));
    // A source that could not see for want of Google credentials is a finding, not an error: the hint goes under it.
    const blindHint = result.findings.map((f) => (f.status === 'unknown' ? localHint(f.summary, config, file) : undefined)).find(Boolean);
    if (blindHint) io.stderr.write(`binderwatch: ${blindHint}\n`);
    return result.outcome === 'problem' ? EXIT.problem : result.outcome === 'unknown' ? EXIT.unknown : EXIT.ok;
  },
});
