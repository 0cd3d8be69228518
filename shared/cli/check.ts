// `binderwatch check <name> --config c.yaml`: one run of one check against the live
// systems in the config, through the same runCheck path as the Cloud Function.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { jsonLogger } from '../log.ts';
import { CHECK_NAMES, type CheckName } from '../model.ts';
import { runCheck } from '../pipeline/run-check.ts';
import { buildLiveDeps } from '../wiring.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';

export async function checkCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const check = positionals[0] as CheckName;
  if (!CHECK_NAMES.includes(check)) throw new ConfigError([{ path: '<check>', message: `expected one of ${CHECK_NAMES.join(', ')}` }], 'arguments');
  if (!values.config) throw new ConfigError([{ path: '--config', message: 'required' }], 'arguments');
  const config = await loadConfig(values.config);
  if (!config.checks[check].enabled) {
    io.stderr.write(`binderwatch: ${check} is disabled in ${values.config} (checks.${check}.enabled: false)\n`);
    return EXIT.invalid;
  }
  const logger = jsonLogger((line) => io.stderr.write(line + '\n'));
  const deps = await buildLiveDeps(config, io.env, logger, [check]);
  if (!deps.sources[check]) {
    io.stderr.write(`binderwatch: ${check} has nothing to watch in ${values.config} (no targets, pools or sources configured)\n`);
    return EXIT.invalid;
  }
  const result = await runCheck(check, deps, Date.now());
  if (values.json) {
    io.stdout.write(JSON.stringify(result.findings, null, 2) + '\n');
  } else {
    for (const f of result.findings) {
      io.stdout.write(`${f.status.toUpperCase().padEnd(8)} ${f.severity.padEnd(8)} ${f.key}\n    ${f.title}\n    ${f.summary}\n`);
      for (const cmd of f.status === 'ok' ? [] : f.runbook) io.stdout.write(`    $ ${cmd}\n`);
    }
  }
  return result.outcome === 'problem' ? EXIT.problem : result.outcome === 'unknown' ? EXIT.unknown : EXIT.ok;
}
