// Exit codes one can script against (README "Exit codes"): 0 ok, 1 problem, 2 invalid
// input, 3 unknown. Every refusal is one line on stderr, never a stack trace.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(name: string, text: string): string {
  const path = join(dir, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

const T = 1516233600; // 2018-01-18T00:00:00Z
const scenario = (lines: string[]) => file('s.om', [...lines, '# EOF', ''].join('\n'));
const GOOD = scenario([`binderwatch_demand 1 ${T}`, `binderwatch_demand 2 ${T + 60}`]);

/** One line on stderr, naming the problem; nothing on stdout. */
function expectOneLine(r: { stdout: string; stderr: string }, text: string): void {
  expect(r.stderr).toBe(`binderwatch: ${text}\n`);
  expect(r.stdout).toBe('');
}

describe('exit 2: invalid input, in one line', () => {
  const MARS = file('mars.yaml', 'displayTimeZone: Mars/Olympus\n');
  const MARS_LINE = `${MARS}: displayTimeZone: unknown time zone "Mars/Olympus": expected an IANA name like "America/Los_Angeles" or "UTC"`;

  it('validate refuses an unknown time zone', async () => {
    const r = await runCli(['validate', '--config', MARS]);
    expect(r.code).toBe(2);
    expectOneLine(r, MARS_LINE);
  });

  it('replay refuses the same config the same way, before replaying anything', async () => {
    const r = await runCli(['replay', GOOD, '--config', MARS]);
    expect(r.code).toBe(2);
    expectOneLine(r, MARS_LINE);
  });

  it('validate refuses a YAML alias bomb', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `l${i}: &${'abcdefghi'[i]} [${Array(9)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(', ')}]`,
      );
    const bomb = file('bomb.yaml', levels.join('\n') + '\n');
    const r = await runCli(['validate', '--config', bomb]);
    expect(r.code).toBe(2);
    expectOneLine(r, `${bomb}: YAML aliases expand to more than 100 nodes (an "alias bomb"); refused`);
  });

  it('replay refuses a misspelt series, naming the nearest known one first', async () => {
    const om = scenario([`binderwatch_nodepool_nodez{pool="a"} 3 ${T}`]);
    const r = await runCli(['replay', om]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^binderwatch: ${om}:1: unknown series "binderwatch_nodepool_nodez"; known series, nearest first: binderwatch_nodepool_nodes, [^\\n]*\\n$`,
      ),
    );
  });

  it('replay refuses millisecond timestamps with that sentence', async () => {
    const om = scenario([`binderwatch_demand 1 ${T * 1000}`]);
    const r = await runCli(['replay', om, '--format', 'jsonl']);
    expect(r.code).toBe(2);
    expectOneLine(r, `${om}:1: timestamp ${T * 1000} looks like milliseconds: scenario timestamps are in seconds`);
  });

  it('replay refuses two samples 100 years apart at once, instead of replaying a century', async () => {
    const om = scenario([`binderwatch_demand 1 ${T}`, `binderwatch_demand 1 ${T + 100 * 365 * 86_400}`]);
    const r = await runCli(['replay', om, '--format', 'jsonl']);
    expect(r.code).toBe(2);
    expectOneLine(r, `${om}:2: the samples span 36500 days, longer than 400 days: check the timestamps`);
  });

  it('replay refuses a truth file whose incident ends before its onset', async () => {
    const truth = file(
      't.json',
      JSON.stringify({ incidents: [{ kind: 'headroom', onset: '2018-01-18T12:00:00Z', end: '2018-01-18T11:00:00Z' }] }),
    );
    const r = await runCli(['replay', GOOD, '--truth', truth]);
    expect(r.code).toBe(2);
    expectOneLine(r, `${truth}: incidents[0].end: must be after onset (2018-01-18T12:00:00Z)`);
  });

  it('probe refuses a URL that is not http(s), launching nothing', async () => {
    const r = await runCli(['probe', 'javascript:alert(1)', 'gh/o/r/HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'binderwatch probe: <binderUrl>: expected an absolute URL like "https://mybinder.org" (http or https) (binderwatch probe --help)\n',
    );
  });

  it('probe refuses a spec whose ".." would leave /build/', async () => {
    const r = await runCli(['probe', 'http://127.0.0.1:1', 'gh/o/../../hub/api/users']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^binderwatch probe: <provider\/spec>: has a "\.\." segment/);
  });

  it('replay refuses a --prometheus that is not an http(s) URL, reading nothing', async () => {
    const r = await runCli(['replay', GOOD, '--prometheus', 'file:///etc/passwd']);
    expect(r.code).toBe(2);
    expectOneLine(r, 'arguments: --prometheus: expected an absolute URL like "https://mybinder.org" (http or https)');
  });

  it('check refuses a kubeconfig that cannot be read, naming the field', async () => {
    const config = file(
      'nokube.yaml',
      'sources:\n  kubernetes:\n    kubeconfig: /nonexistent/kubeconfig\nalerting:\n  state: { type: memory }\n',
    );
    const r = await runCli(['check', 'clusterHealth', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^binderwatch: config: sources\.kubernetes\.kubeconfig: cannot read \/nonexistent\/kubeconfig: ENOENT[^\n]*\n$/,
    );
  });

  it('check refuses a check the config disables, rather than reporting it ok or failed', async () => {
    const config = file(
      'off.yaml',
      'checks:\n  clusterHealth:\n    enabled: false\nsources:\n  kubernetes:\n    kubeconfig: /nonexistent\nalerting:\n  state: { type: memory }\n',
    );
    const r = await runCli(['check', 'clusterHealth', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`binderwatch: clusterHealth is disabled in ${config} (checks.clusterHealth.enabled: false)\n`);
  });

  it.each([
    [['frobnicate']],
    [[]],
    [['check', 'nodeHeadroomz', '--config', GOOD]],
    [['replay', '--format', 'xml']],
    [['replay', '--no-such-flag']],
  ])('refuses bad arguments %j', async (args) => {
    expect((await runCli(args)).code).toBe(2);
  });
});

describe('exit 3: unknown, binderwatch could not see', () => {
  /** A cluster at a closed loopback port. */
  const KUBECONFIG_GONE = file(
    'kubeconfig',
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true',
      'users:\n- name: me\n  user:\n    token: not-a-real-token',
      'contexts:\n- name: gone\n  context: {cluster: gone, user: me}',
      'current-context: gone',
    ].join('\n'),
  );

  it('check exits 3 when its source cannot be reached, with the "cannot see" finding on stdout, over a broken state file', async () => {
    const kubeconfig = KUBECONFIG_GONE;
    const state = join(dir, 'state');
    mkdirSync(state);
    writeFileSync(join(state, encodeURIComponent('run/clusterHealth') + '.json'), '{"broken');
    const config = file(
      'c.yaml',
      `sources:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\nalerting:\n  state: { type: file, dir: ${state} }\n`,
    );
    const r = await runCli(['check', 'clusterHealth', '--config', config]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^UNKNOWN\s+warning\s+clusterHealth cannot see kubernetes.*\n(.*\n)?\s+clusterHealth:source\n/);
    const errors = r.stderr
      .split('\n')
      .filter((l) => l.includes('"ERROR"'))
      .map((l) => JSON.parse(l) as { key: string });
    expect(errors.map((e) => e.key)).toEqual(['run/clusterHealth']);
    expect(JSON.parse(readFileSync(join(state, encodeURIComponent('run/clusterHealth') + '.json'), 'utf8'))).toMatchObject({
      value: { lastRunAt: expect.any(Number) },
    });
  });

  it('check exits 3 in one line when its state directory cannot be written', async () => {
    const notADir = file('not-a-dir', 'a file where the state directory should be');
    const config = file(
      'c.yaml',
      `sources:\n  kubernetes:\n    kubeconfig: ${KUBECONFIG_GONE}\nalerting:\n  state: { type: file, dir: ${join(notADir, 'state')} }\n`,
    );
    const r = await runCli(['check', 'clusterHealth', '--config', config]);
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^binderwatch: state directory: (reading|writing) [^\n]*ENOTDIR/);
  });

  it('replay exits 3 in one line when the Prometheus it should read from is not there', async () => {
    const r = await runCli(['replay', GOOD, '--format', 'jsonl', '--prometheus', 'http://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^binderwatch: prometheus/i);
  });
});

describe('exit 0', () => {
  it('validate accepts a good config and replay runs a good scenario', async () => {
    const config = file('ok.yaml', 'displayTimeZone: Europe/Berlin\nchecks:\n  launchProbe:\n    schedule: "*/10 6-22 * * MON-FRI"\n');
    expect((await runCli(['validate', '--config', config])).code).toBe(0);
    expect((await runCli(['replay', GOOD, '--config', config, '--format', 'jsonl'])).code).toBe(0);
  });
});

describe('any config file, through the CLI', () => {
  // The loader's own property tests run 5,000 inputs; here a few hundred go through the whole command.
  it('validate exits 0 or 2, and a refusal is lines of "binderwatch: …" without a stack', async () => {
    const yamlish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc
        .array(
          fc.tuple(
            fc.constantFrom(
              'displayTimeZone',
              'checks',
              '  nodeHeadroom',
              '    warnAt',
              '    criticalAt',
              'alerting',
              '  defaults',
              '    repeatInterval',
              'x',
            ),
            fc.constantFrom('', ' 0.5', ' 0s', ' Mars/Olympus', ' UTC', ' &a [1]', ' *a', ' {', ' 2h', ' "\u001b[2J"'),
          ),
          { maxLength: 8 },
        )
        .map((lines) => lines.map(([k, v]) => `${k}:${v}`).join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        const r = await runCli(['validate', '--config', file('p.yaml', text)]);
        expect([0, 2]).toContain(r.code);
        if (r.code === 2) {
          expect(r.stdout).toBe('');
          expect(r.stderr).toMatch(/^binderwatch: /);
          expect(r.stderr).not.toMatch(/^\s+at /m);
          expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
