// `binderwatch validate --config c.yaml` and `binderwatch schema`: the config file, checked and described.
import { configJsonSchema, loadConfig } from '../config/load.ts';
import { badArgument, defineVerb } from './verb.ts';

export const validateVerb = defineVerb({
  name: 'validate',
  summary: 'Validates a config file: exit 0 when valid, 2 naming each bad field.',
  details: '--json prints {"config": <file>, "valid": true}.',
  options: { config: { type: 'string', arg: 'c.yaml', help: 'The config file (required).' } },
  async run({ values, io, json }) {
    if (!values.config) throw badArgument('--config', 'required');
    await loadConfig(values.config);
    io.stdout.write(json ? JSON.stringify({ config: values.config, valid: true }) + '\n' : `${values.config}: valid\n`);
    return 0;
  },
});

export const schemaVerb = defineVerb({
  name: 'schema',
  summary: "Prints the config's JSON Schema (for editors); it is JSON with or without --json.",
  options: {},
  async run({ io }) {
    io.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    return 0;
  },
});
