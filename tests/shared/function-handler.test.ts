import { describe, expect, it } from 'vitest';
import { checkHandler } from '../../shared/function-handler.ts';
import { silentLogger } from '../../shared/log.ts';

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

  it('refuses methods other than POST and GET', async () => {
    expect((await call(checkHandler('nodeHeadroom', {}, silentLogger), 'DELETE')).status).toBe(405);
  });
});
