// `binderwatch <verb>`: the table of verbs, and what every verb shares (parsing,
// --help, --version, --json, the log format, exit codes and error lines).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinderwatchError, ConfigError, ScenarioError } from '../errors.ts';
import { redact, redactingStream, withSecretScope } from '../redact.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIO } from './io.ts';
import { cliLogger, parseVerbArgs, verbUsage, type OptionSpec, type OptionValues, type Verb } from './verb.ts';

/** Every verb, loaded only when used. A new verb: its own file exporting a `defineVerb(…)`, and one line here. */
const VERBS: Record<string, () => Promise<Verb>> = {
  replay: async () => (await import('./replay.ts')).verb,
  report: async () => (await import('./report.ts')).verb,
  probe: async () => (await import('./probe.ts')).verb,
  check: async () => (await import('./check.ts')).verb,
  validate: async () => (await import('./validate.ts')).validateVerb,
  schema: async () => (await import('./validate.ts')).schemaVerb,
  status: async () => (await import('./status.ts')).verb,
  maintenance: async () => (await import('./maintenance.ts')).verb,
};

async function usage(): Promise<string> {
  const verbs = await Promise.all(Object.values(VERBS).map((load) => load()));
  const width = Math.max(...verbs.map((v) => v.name.length));
  return (
    'binderwatch — monitoring and alerting for BinderHub / JupyterHub on GKE\n\n' +
    'Usage: binderwatch <verb> [options]     (binderwatch <verb> --help for its options)\n\n' +
    verbs.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`).join('\n') +
    '\n\nEvery verb takes --json and --log-format text|json. Exit codes: 0 ok, 1 a problem found, 2 invalid input, 3 could not see.\n'
  );
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Every line the CLI prints passes the one redactor; secrets met during the command are released with it. */
export function main(argv: string[], io: CliIO): Promise<number> {
  return withSecretScope(() => runCommand(argv, { ...io, stdout: redactingStream(io.stdout), stderr: redactingStream(io.stderr) }));
}

async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === '--version' || name === '-V' || name === 'version') {
      io.stdout.write(`binderwatch ${await version()}\n`);
      return EXIT.ok;
    }
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const load = args[0] ? VERBS[args[0]] : undefined;
      (name === undefined ? io.stderr : io.stdout).write(load ? verbUsage(await load()) : await usage());
      return name === undefined ? EXIT.invalid : EXIT.ok;
    }
    const load = Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
    if (!load) {
      io.stderr.write(`binderwatch: unknown verb "${name}": expected one of ${Object.keys(VERBS).join(', ')} (binderwatch --help)\n`);
      return EXIT.invalid;
    }
    const verb = await load();
    // --help wins over anything else on the line, so a half-typed command still shows its usage.
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(verbUsage(verb));
      return EXIT.ok;
    }
    const { values, positionals } = parseVerbArgs(verb, args);
    const logger = cliLogger(io, values['log-format'] as string | undefined);
    return await verb.run({
      values: values as OptionValues<Record<string, OptionSpec>>,
      positionals,
      io,
      json: values.json === true,
      logger,
    });
  } catch (e) {
    return reportError(e, io, name);
  }
}

/** Any failure as one line and an exit code, never a stack trace. */
function reportError(e: unknown, io: CliIO, verb: string): number {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof ConfigError || e instanceof ScenarioError) {
    io.stderr.write(`binderwatch: ${message}\n`);
    return EXIT.invalid;
  }
  if ((e as { code?: unknown } | null)?.code?.toString().startsWith('ERR_PARSE_ARGS')) {
    // Node's first sentence names the flag; the rest explains `--` at length.
    io.stderr.write(`binderwatch ${verb}: ${message.split(/\.\s/)[0]} (binderwatch ${verb} --help)\n`);
    return EXIT.invalid;
  }
  // Nothing was found wrong with what is watched: binderwatch could not look (an upstream, the state store) or broke.
  const what = e instanceof BinderwatchError ? '' : 'internal error (please report it): ';
  io.stderr.write(`binderwatch: ${what}${redact(message).split('\n')[0]}\n`);
  if (e instanceof BinderwatchError && e.hint) io.stderr.write(`binderwatch: ${e.hint}\n`);
  return EXIT.unknown;
}
