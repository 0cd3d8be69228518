// What a CLI verb is: its synopsis, options (each with its help line) and what it runs.
// main.ts keeps the table of verbs; parsing, --help, --json and the log format are done
// once there for all of them, so a new verb is one file and one line in that table.
import { parseArgs } from 'node:util';
import { jsonLogger, type Logger, type LogSeverity } from '../log.ts';
import { redactDeep } from '../redact.ts';
import { ConfigError } from '../errors.ts';
import type { CliIO } from './io.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the usage line (`c.yaml`, `10m`). */
  arg?: string;
  help: string;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export interface VerbContext<O extends Record<string, OptionSpec>> {
  values: OptionValues<O>;
  positionals: string[];
  io: CliIO;
  /** --json: stdout carries JSON only (human progress goes to stderr). */
  json: boolean;
  /** Human lines on a terminal, JSON lines when asked (--log-format json) or when stderr is not a terminal. */
  logger: Logger;
}

export interface Verb<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  name: string;
  /** Positional arguments as shown in the usage, e.g. `<binderUrl> <provider/spec>`. */
  synopsis?: string;
  summary: string;
  /** More lines under the usage (what --json prints, defaults). */
  details?: string;
  options: O;
  run(ctx: VerbContext<O>): Promise<number>;
}

/** Keeps the option names' types for `run`. */
export const defineVerb = <const O extends Record<string, OptionSpec>>(verb: Verb<O>): Verb<O> => verb;

/** Options every verb takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', help: 'Print the result as JSON on stdout.' },
  'log-format': {
    type: 'string',
    arg: 'text|json',
    help: 'Log lines on stderr: text (default on a terminal) or json (default otherwise).',
  },
  help: { type: 'boolean', help: 'Print this help.' },
} as const satisfies Record<string, OptionSpec>;

/** An invalid argument: exit 2, one line naming the flag. */
export const badArgument = (flag: string, message: string) => new ConfigError([{ path: flag, message }], 'arguments');

export function verbUsage(verb: Verb): string {
  const options = { ...verb.options, ...COMMON_OPTIONS };
  const flag = (name: string, o: OptionSpec) => `--${name}${o.arg ? ` ${o.arg}` : ''}`;
  const width = Math.max(...Object.entries(options).map(([n, o]) => flag(n, o).length));
  const lines = Object.entries(options).map(([n, o]) => `  ${flag(n, o).padEnd(width)}  ${o.help}`);
  const synopsis = ['binderwatch', verb.name, verb.synopsis, '[options]'].filter(Boolean).join(' ');
  return `Usage: ${synopsis}\n\n${verb.summary}\n${verb.details ? `\n${verb.details}\n` : ''}\nOptions:\n${lines.join('\n')}\n`;
}

export function parseVerbArgs(verb: Verb, args: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...verb.options, ...COMMON_OPTIONS }).map(([name, o]) => [
      name,
      { type: o.type, ...(name === 'help' && { short: 'h' }) },
    ]),
  );
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

const LEVEL: Record<LogSeverity, string> = { DEBUG: 'debug', INFO: 'info', NOTICE: 'notice', WARNING: 'warning', ERROR: 'error' };

/** The logger a verb writes to stderr with. */
export function cliLogger(io: CliIO, format: string | undefined): Logger {
  if (format !== undefined && format !== 'text' && format !== 'json') throw badArgument('--log-format', 'expected text or json');
  const write = (line: string) => io.stderr.write(line + '\n');
  if (format === 'json' || (format === undefined && !io.stderrIsTTY)) return jsonLogger(write);
  const paint = colours(io.env, Boolean(io.stderrIsTTY));
  return {
    log(severity, message, fields) {
      const shown = Object.entries((redactDeep(fields ?? {}) as Record<string, unknown>) ?? {}).map(
        ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
      );
      const level =
        severity === 'ERROR' ? paint.red(LEVEL[severity]) : severity === 'WARNING' ? paint.yellow(LEVEL[severity]) : LEVEL[severity];
      write(`binderwatch ${level}: ${redactDeep(message) as string}${shown.length ? `  ${paint.dim(shown.join(' '))}` : ''}`);
    },
  };
}

type Paint = (s: string) => string;

/** ANSI colours on a terminal, none when NO_COLOR is set to anything non-empty (no-color.org). */
export function colours(env: CliIO['env'], tty: boolean): { red: Paint; green: Paint; yellow: Paint; dim: Paint } {
  const on = tty && !env.NO_COLOR;
  const sgr = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: sgr(31), green: sgr(32), yellow: sgr(33), dim: sgr(2) };
}
