// `binderwatch status --config c.yaml [--html FILE] [--json FILE] [--state memory|file]`: the
// public status page and status.json as they stand in the config's state store now.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { jsonLogger } from '../log.ts';
import { statusFromStore } from '../status/build.ts';
import { writeStatus } from '../status/html.ts';
import { buildStore } from '../wiring.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';

export async function statusCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, html: { type: 'string' }, json: { type: 'string' } } });
  if (!values.config) throw new ConfigError([{ path: '--config', message: 'required' }], 'arguments');
  if (!values.html && !values.json)
    throw new ConfigError([{ path: '--html', message: 'give --html FILE, --json FILE or both' }], 'arguments');
  const config = await loadConfig(values.config);
  const logger = jsonLogger((line) => io.stderr.write(line + '\n'));
  const store = await buildStore(config, io.env, logger);
  const summary = await statusFromStore(store, config, Date.now(), logger);
  for (const w of await writeStatus(summary, { html: values.html, json: values.json })) io.stdout.write(`Status page: ${w}\n`);
  return EXIT.ok;
}
