import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { checkHandler, publicError } from '../../shared/function-handler.ts';
import { ConfigError } from '../../shared/errors.ts';
import { jsonLogger, silentLogger } from '../../shared/log.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Calls the handler as the framework would and returns status and JSON body. */
async function call(handler: ReturnType<typeof checkHandler>, method = 'POST') {
  let status = 0;
  let body: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  const res = {
    set(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return res;
    },
    status(s: number) {
      status = s;
      return res;
    },
    json(b: Record<string, unknown>) {
      body = b;
      return res;
    },
  };
  await handler({ method } as never, res as never);
  return { status, body, headers };
}

describe('what a 500 answer says of an error', () => {
  it('names a bad config field, and of any other error only its kind and where to look: no internal text, no secret', () => {
    expect(
      publicError(new ConfigError([{ path: 'checks.nodeHeadroom.warnAt', message: 'expected a number' }], 'BINDERWATCH_CONFIG')),
    ).toMatch(/checks\.nodeHeadroom\.warnAt/);
    const internal = new TypeError("Cannot read properties of undefined (reading 'x') at /srv/app/shared/x.ts token=hunter2");
    expect(publicError(internal)).toBe('the check failed to run (TypeError); its log line "check failed to run" says why');
    expect(publicError('a thrown string')).toBe('the check failed to run (error); its log line "check failed to run" says why');
  });
});

describe('the Cloud Function handler', () => {
  it('answers 500 naming the bad field, and builds again on the next request once the config is fixed', async () => {
    const env: Record<string, string | undefined> = { BINDERWATCH_CONFIG: 'checks:\n  nodeHeadroom:\n    warnAt: 80\n' };
    const handler = checkHandler('nodeHeadroom', env, silentLogger);
    const bad = await call(handler);
    expect(bad.status).toBe(500);
    expect(String(bad.body.error)).toContain('checks.nodeHeadroom.warnAt');
    env.BINDERWATCH_CONFIG = 'alerting:\n  state: { type: memory }\n';
    const good = await call(handler);
    expect(good).toMatchObject({ status: 200, body: { check: 'nodeHeadroom', outcome: 'skipped' } });
  });

  it('without a config answers 200 skipped naming the variables to set, in the answer and in a log line', async () => {
    const lines: string[] = [];
    const answer = await call(
      checkHandler(
        'launchProbe',
        {},
        jsonLogger((l) => lines.push(l)),
      ),
    );
    expect(answer).toMatchObject({ status: 200, body: { check: 'launchProbe', outcome: 'skipped' } });
    const reason = String(answer.body.reason);
    for (const hint of ['BINDERWATCH_CONFIG_FILE', 'BINDERWATCH_CONFIG ', 'infra/local/binderwatch.local.yaml', 'README "Run it locally"'])
      expect(reason).toContain(hint);
    expect(existsSync(join(ROOT, 'infra/local/binderwatch.local.yaml'))).toBe(true);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/^## Run it locally$/m);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ severity: 'WARNING', check: 'launchProbe', reason }));
  });

  it.each([
    [
      'a check with nothing to watch names the fields it needs',
      'alerting:\n  state: { type: memory }\n',
      'nodeHeadroom: nothing to watch (set checks.nodeHeadroom.pools)',
    ],
    [
      'a disabled check says so',
      'checks:\n  nodeHeadroom:\n    enabled: false\nalerting:\n  state: { type: memory }\n',
      'nodeHeadroom: disabled (checks.nodeHeadroom.enabled: false)',
    ],
  ])('with a config, %s', async (_what, yaml, reason) => {
    const answer = await call(checkHandler('nodeHeadroom', { BINDERWATCH_CONFIG: yaml }, silentLogger));
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'skipped', reason } });
  });

  it.each(['GET', 'HEAD', 'PUT', 'DELETE'])('refuses %s with 405 and Allow: POST, without running the check', async (method) => {
    const lines: string[] = [];
    const answer = await call(
      checkHandler(
        'nodeHeadroom',
        {},
        jsonLogger((l) => lines.push(l)),
      ),
      method,
    );
    expect(answer).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect(answer.body.outcome).toBeUndefined();
    expect(lines).toEqual([]); // no config was read, nothing ran
  });

  it('through functions-framework, a GET health poll gets 405 with Allow: POST and a POST runs the check', async () => {
    await import('../../functions/node-headroom.ts');
    const server = getTestServer('nodeHeadroom');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // The entry point logs to stderr; its one line (the POST's "check skipped") is asserted, not printed.
    const logged = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const get = await fetch(url);
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
      const post = await fetch(url, { method: 'POST' });
      expect(post.status).toBe(200);
      expect(await post.json()).toMatchObject({ check: 'nodeHeadroom', outcome: 'skipped' });
      expect(logged.mock.calls.map((c) => JSON.parse(String(c[0])).message)).toEqual(['check skipped']);
    } finally {
      logged.mockRestore();
      await new Promise((r) => server.close(r));
    }
  });
});
