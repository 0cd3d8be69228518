// Without the Debian stack, `npm test` still passes and says in one line which suites it
// skipped and what installs the stack: checked by running vitest on two such suites with
// a PATH that holds every usual command except the stack's.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipSummary } from './skip-summary.ts';
import { INSTALL_STACK } from './stack.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const STACK = ['prometheus', 'promtool', 'jupyterhub', 'jupyterhub-singleuser', 'chromium', 'configurable-http-proxy'];

/** A directory of links to every command on PATH (the first of each name) except `without`. */
async function pathWithout(without: string[], into: string): Promise<void> {
  const seen = new Set(without);
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => !seen.has(n))) {
      seen.add(name);
      await symlink(join(dir, name), join(into, name));
    }
  }
}

describe('a machine without the Debian stack', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'binderwatch-nostack-'));
    await pathWithout(STACK, bin);
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));

  it('passes, skipping the suites that need it, and names them with the install command in one line', async () => {
    const files = ['tests/shared/scenario/prometheus.test.ts', 'tests/shared/report/page.test.ts'];
    // A clean environment: no CI (where a missing tool is an error) and nothing of this vitest run.
    const env = { PATH: bin, HOME: process.env.HOME ?? ROOT };
    const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...files], {
      cwd: ROOT,
      env,
      maxBuffer: 1 << 22,
    });
    const plain = stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/Test Files +2 skipped \(2\)/);
    const lines = plain.split('\n').filter((l) => /missing|skipped for|install/i.test(l));
    expect(lines).toEqual([
      `Skipped for missing tools: ${files.slice().sort().join(', ')} (no chromium, prometheus, promtool: \`${INSTALL_STACK}\`)`,
    ]);
  }, 120_000);
});

describe('skipSummary', () => {
  it('groups the files by the command that installs what they lack, each tool named once', () => {
    expect(
      skipSummary([
        { file: 'tests/b.test.ts', missingTools: [{ missing: ['prometheus', 'promtool'], install: INSTALL_STACK }] },
        {
          file: 'tests/a.test.ts',
          missingTools: [
            { missing: ['promtool'], install: INSTALL_STACK },
            { missing: ['Node 22'], install: 'npm i node22' },
          ],
        },
      ]),
    ).toBe(
      `Skipped for missing tools: tests/a.test.ts, tests/b.test.ts (no prometheus, promtool: \`${INSTALL_STACK}\`); tests/a.test.ts (no Node 22: \`npm i node22\`)`,
    );
  });

  it('says nothing when no file lacked a tool', () => {
    expect(skipSummary([])).toBeUndefined();
  });
});
