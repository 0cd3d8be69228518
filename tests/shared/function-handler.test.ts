import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHandler, publicError } from '../../shared/function-handler.ts';
import { ConfigError } from '../../shared/errors.ts';
import { jsonLogger, silentLogger } from '../../shared/log.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Calls the handler as the framework would and returns status and JSON body. */
async function call(handler: ReturnType<typeof checkHandler>, method = 'POST') {
  let status = 0;
  let body: Record<string, unknown> = {};
  const res = {
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
  return { status, body };
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

  it('refuses methods other than POST and GET', async () => {
    expect((await call(checkHandler('nodeHeadroom', {}, silentLogger), 'DELETE')).status).toBe(405);
  });
});
