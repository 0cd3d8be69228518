// `binderwatch status --config c.yaml [--html FILE] [--json-file FILE] [--json]`: the public
// status page and status.json as they stand in the config's state store now.
import { loadConfig } from '../config/load.ts';
import { statusFromStore } from '../status/build.ts';
import { writeStatus } from '../status/html.ts';
import { buildStore } from '../wiring.ts';
import { EXIT } from './exit-codes.ts';
import { badArgument, defineVerb } from './verb.ts';

export const verb = defineVerb({
  name: 'status',
  summary: "Writes the public status page and status.json as they stand in the config's state store.",
  details: '--json prints status.json on stdout; --html and --json-file write the page and the JSON to files.',
  options: {
    config: { type: 'string', arg: 'c.yaml', help: 'The config (required).' },
    html: { type: 'string', arg: 'status.html', help: 'Write the status page here.' },
    'json-file': { type: 'string', arg: 'status.json', help: 'Write status.json here.' },
  },
  async run({ values, io, json, logger }) {
    if (!values.config) throw badArgument('--config', 'required');
    if (!values.html && !values['json-file'] && !json) throw badArgument('--html', 'give --html FILE, --json-file FILE or --json');
    const config = await loadConfig(values.config);
    const store = await buildStore(config, io.env, logger);
    const summary = await statusFromStore(store, config, Date.now(), logger);
    if (json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    const out = json ? io.stderr : io.stdout;
    for (const w of await writeStatus(summary, { html: values.html, json: values['json-file'] })) out.write(`Status page: ${w}\n`);
    return EXIT.ok;
  },
});
