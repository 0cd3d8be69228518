// What every verb shares: --help (exit 0), --version, --json, one-line argument errors
// (exit 2), log lines for a person on a terminal and JSON otherwise, NO_COLOR.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../shared/cli/main.ts';
import { findingText } from '../../../shared/cli/check.ts';
import type { CliIO } from '../../../shared/cli/io.ts';
import type { Finding } from '../../../shared/model.ts';
import { runCli } from '../../helpers/cli.ts';

const VERBS = ['replay', 'report', 'probe', 'check', 'validate', 'schema'];
const INCIDENT = 'infra/scenarios/mybinder-2018-01-18.om';
const LOCAL = 'infra/local/binderwatch.local.yaml';

/** The CLI with terminals (or not) as the test says. */
async function runOn(args: string[], tty: { stdout: boolean; stderr: boolean }, env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, cb) {
        out[k] += String(chunk);
        cb();
      },
    });
  const io: CliIO = { stdout: sink('stdout'), stderr: sink('stderr'), isTTY: tty.stdout, stderrIsTTY: tty.stderr, env };
  return { code: await main(args, io), ...out };
}

describe('binderwatch --help and --version', () => {
  it.each(VERBS)('%s --help prints its usage and options on stdout and exits 0, even beside bad arguments', async (verb) => {
    for (const args of [
      [verb, '--help'],
      [verb, '-h'],
      [verb, '--no-such-flag', '--help'],
      ['help', verb],
    ]) {
      const r = await runCli(args);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(new RegExp(`^Usage: binderwatch ${verb} `));
      expect(r.stdout).toContain('--json');
      expect(r.stdout).toContain('--log-format text|json');
    }
  });

  it('names every flag of a verb with its help line', async () => {
    const r = await runCli(['check', '--help']);
    expect(r.stdout).toMatch(/^ {2}--config c\.yaml +The config \(required\)\.$/m);
    expect(r.stdout).toMatch(/^ {2}--state memory\|file +Keep the alert state in memory/m);
    expect(r.stdout).toContain('Usage: binderwatch check <launchProbe|binderHealth|trafficVsPods|nodeHeadroom|clusterHealth> [options]');
  });

  it('lists every verb with --help, and the same on stderr with exit 2 when no verb is given', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const verb of VERBS) expect(help.stdout).toMatch(new RegExp(`^ {2}${verb} +\\S`, 'm'));
    const none = await runCli([]);
    expect([none.code, none.stderr]).toEqual([2, help.stdout]);
  });

  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V'])
      expect(await runCli([flag])).toEqual({ code: 0, stdout: `binderwatch ${version}\n`, stderr: '' });
  });
});

describe('invalid arguments', () => {
  it.each([
    [['check', 'clusterHealth', '--cofnig', 'c.yaml'], "binderwatch check: Unknown option '--cofnig' (binderwatch check --help)\n"],
    [['replay', '--json', '--format', 'xml'], 'binderwatch: arguments: --format: expected text or jsonl\n'],
    [['validate', '--config'], "binderwatch validate: Option '--config <value>' argument missing (binderwatch validate --help)\n"],
    [
      ['valdiate'],
      'binderwatch: unknown verb "valdiate": expected one of replay, report, probe, check, validate, schema, status, maintenance (binderwatch --help)\n',
    ],
    [['schema', '--log-format', 'xml'], 'binderwatch: arguments: --log-format: expected text or json\n'],
  ])('%j exits 2 with one line on stderr', async (args, line) => {
    const r = await runCli(args);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', line]);
  });
});

describe('--json on every verb', () => {
  it('replay --json prints exactly what --format jsonl prints (the held-out days are scored from it)', async () => {
    const jsonl = await runCli(['replay', INCIDENT, '--format', 'jsonl']);
    const json = await runCli(['replay', INCIDENT, '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(jsonl.stdout);
    expect(json.stdout.trim().split('\n').length).toBeGreaterThan(3);
  });

  it('validate --json says which file is valid', async () => {
    expect(await runCli(['validate', '--config', LOCAL, '--json'])).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ config: LOCAL, valid: true })}\n`,
      stderr: '',
    });
  });

  it('schema prints the same JSON with or without --json', async () => {
    const plain = await runCli(['schema']);
    expect((await runCli(['schema', '--json'])).stdout).toBe(plain.stdout);
    expect(JSON.parse(plain.stdout)).toHaveProperty('properties.alerting');
  });
});

describe('log lines', () => {
  // The local config's hub is not running here: the launch probe logs one WARNING per failed launch.
  const check = ['check', 'launchProbe', '--config', LOCAL, '--state', 'memory'];

  it('are JSON lines with Cloud Logging severity when stderr is not a terminal', async () => {
    const r = await runOn(check, { stdout: false, stderr: false });
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty('severity');
  });

  it('are lines for a person on a terminal, coloured unless NO_COLOR is set, and JSON again with --log-format json', async () => {
    const human = await runOn(check, { stdout: true, stderr: true });
    expect(human.stderr).toMatch(/^binderwatch \x1b\[33mwarning\x1b\[0m: launch probe failed in resolve {2}.*repo=gh\//m);
    expect(human.stderr).not.toMatch(/^\{/m);

    const plain = await runOn(check, { stdout: true, stderr: true }, { NO_COLOR: '1' });
    expect(plain.stdout + plain.stderr).not.toContain('\x1b[');
    expect(plain.stderr).toMatch(/^binderwatch warning: launch probe failed in resolve {2}binderUrl=http:\/\/127\.0\.0\.1:18585 /m);

    const json = await runOn([...check, '--log-format', 'json'], { stdout: true, stderr: true });
    for (const l of json.stderr.trim().split('\n')) expect(JSON.parse(l)).toHaveProperty('severity');
  });
});

describe('check output', () => {
  const base: Finding = {
    check: 'nodeHeadroom',
    key: 'headroom:prod/user',
    status: 'problem',
    severity: 'critical',
    title: 'Pool user at 14 of 15 nodes',
    summary: 'Pool user at 14 of 15 nodes; 93 % of its max',
    runbook: ['gcloud container node-pools describe user'],
  };
  const io = { env: {}, isTTY: false };

  it('shows the title once, then the rest of the why, the key and the runbook', () => {
    expect(findingText(base, io)).toBe(
      'PROBLEM  critical Pool user at 14 of 15 nodes\n    93 % of its max\n    headroom:prod/user\n    $ gcloud container node-pools describe user\n',
    );
  });

  it('shows no severity and no runbook on an ok row, and no empty line when the summary is the title', () => {
    expect(findingText({ ...base, status: 'ok', summary: base.title }, io)).toBe(
      `OK${' '.repeat(16)}Pool user at 14 of 15 nodes\n    headroom:prod/user\n`,
    );
  });

  it('colours the status on a terminal, and not with NO_COLOR', () => {
    expect(findingText(base, { env: {}, isTTY: true })).toMatch(/^\x1b\[31mPROBLEM \x1b\[0m critical/);
    expect(findingText(base, { env: { NO_COLOR: '1' }, isTTY: true })).not.toContain('\x1b[');
  });
});

describe('a reader that stops early', () => {
  it('ends the CLI quietly (replay --json | head -1), without an EPIPE stack', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['bin/binderwatch.js', 'replay', INCIDENT, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((r) => child.on('close', r));
    expect([code, stderr]).toEqual([0, '']);
  });
});
