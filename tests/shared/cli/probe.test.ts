// What `binderwatch probe` prints of hub text: through the one redactor (the notebook token
// masked wherever it appears), one line each, no terminal escape sequences, capped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinderHub, type FakeBinderHub } from '../../../infra/fakes/binderhub.ts';
import { startLoopback, type Loopback } from '../../../infra/fakes/loopback-faults.ts';
import { runCli } from '../../helpers/cli.ts';

const TOKEN = 'nb7';
let binder: FakeBinderHub;
let notebook: Loopback;

beforeAll(async () => {
  binder = await startBinderHub();
  notebook = await startLoopback({ errorBody: () => ({}), route: () => ({ status: 200, body: { version: '6.4.12' } }) });
  binder.script('gh/o/hostile-text/HEAD', {
    phases: ['waiting', 'building'],
    ready: { url: `${notebook.url}/user/u/`, token: TOKEN },
    readyMessage: `\x1b[2Jserver running, your token is ${TOKEN}\x1b]0;pwned\x07`,
  });
});
afterAll(() => Promise.all([binder.close(), notebook.close()]));

describe('binderwatch probe output', () => {
  it('masks a short notebook token in every line, stdout and stderr, with and without --json', async () => {
    for (const json of [false, true]) {
      const r = await runCli(['probe', binder.url, 'gh/o/hostile-text/HEAD', '--timeout', '20s', ...(json ? ['--json'] : [])]);
      expect(r.code).toBe(0);
      const all = r.stdout + r.stderr;
      // The ready message carries the 3-character token; it is masked in the progress line and everywhere else.
      expect(all).toMatch(/ready +server running, your token is \[redacted\]/);
      expect(all).not.toMatch(/nb7/);
      expect(all).not.toMatch(/\x1b\[(?!2K)/); // only the progress printer's own line clearing, and only on a terminal
    }
  });

  it('prints a hub message with escape sequences and a megabyte of text as one capped line', async () => {
    binder.script('gh/o/loud/HEAD', { phases: ['waiting'], flood: 'huge-failed', hugeBytes: 200 * 1024 });
    const r = await runCli(['probe', binder.url, 'gh/o/loud/HEAD', '--timeout', '20s']);
    expect(r.code).toBe(1);
    for (const line of r.stdout.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(400);
      expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    expect(r.stdout).toMatch(/FAILED in phase build: hub reported failure: Build failed: y+…/);
  });
});
