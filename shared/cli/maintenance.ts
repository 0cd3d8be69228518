// `binderwatch maintenance list --config c.yaml`: the maintenance windows active now and each one's next start.
import { parseArgs } from 'node:util';
import { formatTimeWithUtc } from '../alerting/notifiers/format.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { maintenanceAt, type Occurrence } from '../maintenance.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';

export async function maintenanceCommand(args: string[], io: CliIO, now = Date.now()): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' } } });
  if (positionals[0] !== 'list') throw new ConfigError([{ path: '<subcommand>', message: 'expected "list"' }], 'arguments');
  if (!values.config) throw new ConfigError([{ path: '--config', message: 'required' }], 'arguments');
  const config = await loadConfig(values.config);
  const tz = config.displayTimeZone;
  const { active, next } = maintenanceAt(config.maintenance, now, tz);
  const line = (o: Occurrence) => {
    const scope = `${o.window.hubs?.join(', ') ?? 'every hub'}; ${o.window.checks?.join(', ') ?? 'every check'}`;
    return `  ${formatTimeWithUtc(o.start, tz)} → ${formatTimeWithUtc(o.end, tz)}  ${o.name}  (${scope})\n`;
  };
  io.stdout.write(`Active now:\n${active.map(line).join('') || '  (none)\n'}Next:\n${next.map(line).join('') || '  (none)\n'}`);
  return EXIT.ok;
}
