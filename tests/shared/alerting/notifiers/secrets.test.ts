// No channel leaks its secret: every error (message, and the whole object as a debugger
// or a careless logger would print it) and every log line is searched for the webhook
// URL and its path, the bot token and the SMTP password.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../../infra/harnesses/smtp.ts';
import type { Notifier } from '../../../../shared/alerting/notifier.ts';
import { memoryThreadStore, notifiersFromEnv } from '../../../../shared/alerting/notifiers/index.ts';
import { jsonLogger } from '../../../../shared/log.ts';
import { firing } from '../../../helpers/alerts.ts';

const WEBHOOK_PATH = '/services/TSECRET1/BSECRET2/webhookSecretPathXyz';
const BOT_TOKEN = 'xoxb-4242-secret-bot-token-abc';
const SMTP_PASSWORD = 'smtp-secret-pa55word';

let slack: FakeSlack;
let smtp: TestSmtpServer;
const logs: string[] = [];
const errors: string[] = [];
const logger = jsonLogger((l) => logs.push(l));

beforeAll(async () => {
  slack = await startFakeSlack({ webhookPath: WEBHOOK_PATH, botToken: 'xoxb-the-only-valid-token', channels: ['C0123456789'] });
  // The server knows another password, so every AUTH with ours fails.
  smtp = await startSmtpServer('binderwatch', 'the-servers-own-password');
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.close()]);
});

/** Sends, expects a failure, and keeps everything the failure and the logs say. */
async function fail(notifier: Notifier): Promise<void> {
  const e = await notifier.send(firing).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  errors.push((e as Error).message, String(e), inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e));
  logger.log('ERROR', 'delivery failed', { error: e, channel: notifier.name });
}

const toFakeApi: typeof fetch = (input, init) => fetch(String(input).replace('https://slack.com/api/', slack.apiUrl), init);

describe('secrets in failing channels', () => {
  it('appear in no error and no log line', async () => {
    const webhook = notifiersFromEnv({ BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl }, { logger })[0];
    slack.failNext({ status: 500 });
    await fail(webhook);
    slack.failNext({ status: 404, body: 'no_service' });
    await fail(webhook);
    const gone = await startFakeSlack({ webhookPath: WEBHOOK_PATH });
    const goneUrl = gone.webhookUrl;
    await gone.close();
    await fail(notifiersFromEnv({ BINDERWATCH_SLACK_WEBHOOK_URL: goneUrl }, { logger })[0]);

    const threadEnv = { BINDERWATCH_SLACK_BOT_TOKEN: BOT_TOKEN, BINDERWATCH_SLACK_CHANNEL: 'C0123456789' };
    const thread = notifiersFromEnv(threadEnv, { logger, threadStore: memoryThreadStore(), fetch: toFakeApi })[0];
    await fail(thread); // invalid_auth: the fake knows another token
    slack.failNext({ status: 500 });
    await fail(thread);
    const unreachable: typeof fetch = (input, init) =>
      fetch(String(input).replace('https://slack.com/api/', goneUrl.replace(WEBHOOK_PATH, '/api/')), init);
    await fail(notifiersFromEnv(threadEnv, { logger, threadStore: memoryThreadStore(), fetch: unreachable })[0]);

    const smtpEnv = (url: string) => ({
      BINDERWATCH_SMTP_URL: url,
      BINDERWATCH_EMAIL_FROM: 'alerts@example.org',
      BINDERWATCH_EMAIL_TO: 'a@example.org',
    });
    const smtpUrl = smtp.url.replace('the-servers-own-password', SMTP_PASSWORD);
    await fail(notifiersFromEnv(smtpEnv(smtpUrl), { logger })[0]); // 535 authentication failed
    const open = await startSmtpServer('binderwatch', SMTP_PASSWORD);
    try {
      open.refuseNext({ stage: 'data', code: 550, message: `5.7.1 refused for ${'binderwatch'}` });
      await fail(notifiersFromEnv(smtpEnv(open.url), { logger })[0]);
    } finally {
      await open.close();
    }

    expect(errors).toHaveLength(8 * 4);
    expect(logs.length).toBeGreaterThanOrEqual(8);
    const said = [...errors, ...logs].join('\n');
    for (const secret of [
      slack.webhookUrl,
      WEBHOOK_PATH,
      'webhookSecretPathXyz',
      BOT_TOKEN,
      SMTP_PASSWORD,
      encodeURIComponent(SMTP_PASSWORD),
    ]) {
      expect(said).not.toContain(secret);
    }
    // The failures still say what went wrong.
    expect(said).toContain('HTTP 500');
    expect(said).toContain('no_service');
    expect(said).toContain('invalid_auth');
    expect(said).toContain('535');
    expect(said).toContain('550');
  });
});
