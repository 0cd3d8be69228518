// `binderwatch maintenance list --config c.yaml`: the maintenance windows active now and each one's next start.
import { formatTimeWithUtc } from '../alerting/notifiers/format.ts';
import { loadConfig } from '../config/load.ts';
import { maintenanceAt, type Occurrence } from '../maintenance.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';
import { badArgument, defineVerb } from './verb.ts';

/** What `maintenance list` prints at `now`: active windows, then each window's next start. */
export async function listMaintenance(configFile: string, io: CliIO, json: boolean, now = Date.now()): Promise<number> {
  const config = await loadConfig(configFile);
  const tz = config.displayTimeZone;
  const { active, next } = maintenanceAt(config.maintenance, now, tz);
  if (json) {
    const plain = (o: Occurrence) => ({
      name: o.name,
      start: new Date(o.start).toISOString(),
      end: new Date(o.end).toISOString(),
      hubs: o.window.hubs,
      checks: o.window.checks,
    });
    io.stdout.write(JSON.stringify({ active: active.map(plain), next: next.map(plain) }, null, 2) + '\n');
    return EXIT.ok;
  }
  const line = (o: Occurrence) => {
    const scope = `${o.window.hubs?.join(', ') ?? 'every hub'}; ${o.window.checks?.join(', ') ?? 'every check'}`;
    return `  ${formatTimeWithUtc(o.start, tz)} → ${formatTimeWithUtc(o.end, tz)}  ${o.name}  (${scope})\n`;
  };
  io.stdout.write(`Active now:\n${active.map(line).join('') || '  (none)\n'}Next:\n${next.map(line).join('') || '  (none)\n'}`);
  return EXIT.ok;
}

export const verb = defineVerb({
  name: 'maintenance',
  synopsis: 'list',
  summary: 'Lists the maintenance windows active now and when each comes next.',
  options: { config: { type: 'string', arg: 'c.yaml', help: 'The config (required).' } },
  async run({ values, positionals, io, json }) {
    if (positionals[0] !== 'list') throw badArgument('<subcommand>', 'expected "list"');
    if (!values.config) throw badArgument('--config', 'required');
    return listMaintenance(values.config, io, json);
  },
});
