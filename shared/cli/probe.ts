// `binderwatch probe <binderUrl> <provider/spec> [--timeout 10m] [--idle-timeout 3m] [--json]
//  [--hub-token-env VAR] [--hub-url URL]`: one launch probe, its phases shown live.
// Exit 0 when the launch worked end to end, 1 when it failed (naming the phase), 2 on bad arguments
// (including a URL or spec that cannot be sent), 3 when the probe could not run.
import { launchProbeSchema } from '../config/schema.ts';
import { formatDuration } from '../duration.ts';
import type { ProbeResult } from '../model.ts';
import { cleanText } from '../redact.ts';
import { buildUrl, TIMED_PHASES } from '../clients/binderhub.ts';
import { EXIT } from './exit-codes.ts';
import { probeSettings, runLaunchProbe, type ProbeProgress } from '../sources/launch-probe.ts';
import type { CliIO } from './io.ts';
import { defineVerb, type OptionSpec, type OptionValues } from './verb.ts';

/** An invalid argument: one line naming it, exit 2. */
function refuse(io: CliIO, what: string): number {
  io.stderr.write(`binderwatch probe: ${what} (binderwatch probe --help)\n`);
  return EXIT.invalid;
}

const ms = (n: number) => (n < 1000 ? `${n}ms` : n < 60_000 ? `${(n / 1000).toFixed(1)}s` : formatDuration(n));

function summary(r: ProbeResult): string {
  const phases = Object.entries(r.durations ?? {})
    .map(([phase, t]) => `${phase} ${ms(t)}`)
    .join(', ');
  const total = ms(Object.values(r.durations ?? {}).reduce((a, b) => a + b, 0));
  if (r.unknownReason) return `could not probe: ${r.unknownReason}\n`;
  if (r.ok) return `ok: ${r.repo} on ${r.binderUrl} launched, answered and stopped in ${total} (${phases})\n`;
  const messages = r.messages?.length ? `last hub messages:\n${r.messages.map((m) => `  ${m}`).join('\n')}\n` : '';
  return `FAILED in phase ${r.failedPhase ?? 'unknown'}: ${r.error ?? 'no detail'}\n(${phases})\n${messages}`;
}

/** Phase lines held back at most while the token is not known yet; a hub that sends endless phase names gets its first ones shown. */
const HELD_LINES = 100;
/** Phases known once the launch has handed over its token, or has ended without one: hub text can be masked from here on. */
const TOKEN_KNOWN = new Set(['ready', 'contact', 'stop', 'done']);

/**
 * Live progress: one rewritten line on a terminal, a plain line per phase otherwise. Hub
 * text (messages, and phase names, which the hub chooses too) waits until the token is
 * known: a hub may print the token before `ready` registers it for masking. Until then a
 * terminal shows the elapsed time and a known phase name, and plain lines are held,
 * then formatted (so redacted) once the token is registered.
 */
function progressPrinter(out: NodeJS.WritableStream, tty: boolean): { update(p: ProbeProgress): void; finish(): void } {
  let lastPhase = '';
  let held: ProbeProgress[] | undefined = [];
  let dropped = 0;
  const columns = () => (out as NodeJS.WriteStream).columns ?? 100;
  // Hub text: redacted, one line, no escape sequences, capped.
  const line = (p: ProbeProgress) => `${ms(p.elapsedMs).padStart(7)}  ${cleanText(p.phase, 20).padEnd(10)} ${cleanText(p.message ?? '')}`;
  const release = () => {
    const lines = (held ?? []).map((p) => line(p) + '\n');
    if (dropped) lines.push(`(${dropped} more phase lines left out)\n`);
    if (lines.length) out.write(lines.join(''));
    held = undefined;
  };
  return {
    update(p) {
      if (held && TOKEN_KNOWN.has(p.phase)) release();
      if (p.phase === 'done') return;
      const changed = p.phase !== lastPhase;
      lastPhase = p.phase;
      if (tty) {
        const shown = held ? `${ms(p.elapsedMs).padStart(7)}  ${TIMED_PHASES.has(p.phase) ? p.phase : '…'}` : line(p);
        out.write(`\r\x1b[2K${shown.slice(0, columns() - 1)}`);
      } else if (changed && !held) out.write(line(p) + '\n');
      else if (changed && held!.length < HELD_LINES) held!.push(p);
      else if (changed) dropped++;
    },
    finish() {
      if (tty && lastPhase) out.write('\r\x1b[2K');
    },
  };
}

const OPTIONS = {
  timeout: {
    type: 'string',
    arg: '10m',
    help: 'Bounds the whole probe, stop included: launch and contact end a quarter of it (at most 2m) early, kept for the stop.',
  },
  'idle-timeout': { type: 'string', arg: '3m', help: 'Give up when the event stream is silent this long.' },
  'hub-token-env': { type: 'string', arg: 'VAR', help: 'Environment variable holding a hub API token, to confirm the server is gone.' },
  'hub-url': { type: 'string', arg: 'URL', help: 'JupyterHub base URL for the admin API (required with --hub-token-env).' },
} as const satisfies Record<string, OptionSpec>;

export const verb = defineVerb({
  name: 'probe',
  synopsis: '<binderUrl> <provider/spec>',
  summary: 'Launches a repo like a user would, phase by phase, and stops the server again.',
  details:
    'Exit 0 when the launch worked end to end, 1 when it failed (naming the phase), 3 when the probe could not run.\n' +
    '--json prints the probe result only on stdout; the phases go to stderr.',
  options: OPTIONS,
  run: ({ values, positionals, io, json }) => probe(values, positionals, io, json),
});

async function probe(values: OptionValues<typeof OPTIONS>, positionals: string[], io: CliIO, json: boolean): Promise<number> {
  if (positionals.length !== 2) return refuse(io, `expected <binderUrl> <provider/spec>, got ${positionals.length} argument(s)`);
  const [binderUrl, repo] = positionals;

  const tokenVar = values['hub-token-env'];
  const hubApiToken = tokenVar ? io.env?.[tokenVar] : undefined;
  if (tokenVar && !hubApiToken) {
    return refuse(io, `--hub-token-env: environment variable ${tokenVar} is not set`);
  }
  // A spec the launch URL cannot carry says why first (an unescaped git URL, say); the hub's URL is checked below.
  try {
    buildUrl('https://binderhub.invalid', repo);
  } catch (e) {
    return refuse(io, `<provider/spec>: ${(e as Error).message}`);
  }

  // The config schema checks the flags the same way it checks a config file.
  const cfg = launchProbeSchema.safeParse({
    targets: [
      {
        binderUrl,
        repos: [repo],
        ...(values['hub-url'] ? { hubUrl: values['hub-url'] } : {}),
        ...(tokenVar ? { hubApiTokenEnv: tokenVar } : {}),
      },
    ],
    ...(values.timeout ? { timeout: values.timeout } : {}),
    ...(values['idle-timeout'] ? { idleTimeout: values['idle-timeout'] } : {}),
  });
  if (!cfg.success) {
    const flag: Record<string, string> = {
      timeout: '--timeout',
      idleTimeout: '--idle-timeout',
      binderUrl: '<binderUrl>',
      repos: '<provider/spec>',
      hubUrl: '--hub-url',
      hubApiTokenEnv: '--hub-token-env',
    };
    const problems = cfg.error.issues.map((i) => {
      const field = [...i.path].reverse().find((p) => typeof p === 'string' && p in flag) as string | undefined;
      const message =
        field === 'hubUrl' && tokenVar && !values['hub-url']
          ? 'is required with --hub-token-env: the hub API token is sent only to this origin'
          : i.message;
      return `${field ? flag[field] : i.path.join('.')}: ${message}`;
    });
    return refuse(io, problems.join('; '));
  }

  // With --json stdout carries only the result, so progress goes to stderr.
  const printer = json ? progressPrinter(io.stderr, false) : progressPrinter(io.stdout, io.isTTY);
  const result = await runLaunchProbe({ binderUrl, repo, hubUrl: values['hub-url'], hubApiToken }, probeSettings(cfg.data), {
    onPhase: printer.update,
  });
  printer.finish();
  io.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : summary(result));
  return result.ok ? EXIT.ok : result.unknownReason ? EXIT.unknown : EXIT.problem;
}
