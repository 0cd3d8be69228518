import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../../infra/harnesses/smtp.ts';
import { memoryThreadStore, notifiersFromEnv } from '../../../../shared/alerting/notifiers/index.ts';
import { ConfigError } from '../../../../shared/errors.ts';
import { jsonLogger, silentLogger } from '../../../../shared/log.ts';
import { redact } from '../../../../shared/redact.ts';
import { firing } from '../../../helpers/alerts.ts';

const TOKEN = 'xoxb-9999-8888-indextesttoken';
const CHANNEL = 'C0123456789';

let slack: FakeSlack;
let smtp: TestSmtpServer;
beforeAll(async () => {
  slack = await startFakeSlack({ botToken: TOKEN, channels: [CHANNEL], webhookPath: '/services/TINDEX/BINDEX/indexwebhooksecret' });
  smtp = await startSmtpServer('index-user', 'index-smtp-password');
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.close()]);
});

const names = (env: Record<string, string | undefined>) =>
  notifiersFromEnv(env, { logger: silentLogger, threadStore: memoryThreadStore() }).map((n) => n.name);

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    notifiersFromEnv(env, { logger: silentLogger, threadStore: memoryThreadStore() });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('notifiersFromEnv', () => {
  it('falls back to the console alone when nothing is configured', () => {
    expect(names({})).toEqual(['console']);
    expect(names({ BINDERWATCH_SLACK_WEBHOOK_URL: '  ', BINDERWATCH_SMTP_URL: '' })).toEqual(['console']);
  });

  it('builds a webhook notifier that posts to the configured URL through the given fetch', async () => {
    let fetched = 0;
    const counting: typeof fetch = (input, init) => {
      fetched++;
      return fetch(input, init);
    };
    const notifiers = notifiersFromEnv({ BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl }, { logger: silentLogger, fetch: counting });
    expect(notifiers.map((n) => n.name)).toEqual(['slack', 'console']);
    const before = slack.webhooks.length;
    await notifiers[0].send(firing);
    expect(slack.webhooks).toHaveLength(before + 1);
    expect(fetched).toBe(1);
  });

  it('prefers threads when both a bot token and a webhook are set, and says so', async () => {
    const lines: string[] = [];
    const env = { BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl, BINDERWATCH_SLACK_BOT_TOKEN: TOKEN, BINDERWATCH_SLACK_CHANNEL: CHANNEL };
    // The fake's API lives on the same origin; the real one is slack.com/api, so point the client here.
    const toFake: typeof fetch = (input, init) => fetch(String(input).replace('https://slack.com/api/', slack.apiUrl), init);
    const notifiers = notifiersFromEnv(env, { logger: jsonLogger((l) => lines.push(l)), threadStore: memoryThreadStore(), fetch: toFake });
    expect(notifiers.map((n) => n.name)).toEqual(['slack', 'console']);
    const webhooks = slack.webhooks.length;
    const calls = slack.apiCalls.length;
    await notifiers[0].send(firing);
    expect(slack.webhooks).toHaveLength(webhooks);
    expect(slack.apiCalls.slice(calls).map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(lines.some((l) => l.includes('using the bot token'))).toBe(true);
  });

  it('needs a thread store for threaded Slack', () => {
    expect(() =>
      notifiersFromEnv({ BINDERWATCH_SLACK_BOT_TOKEN: TOKEN, BINDERWATCH_SLACK_CHANNEL: CHANNEL }, { logger: silentLogger }),
    ).toThrow(/threadStore/);
  });

  it('builds an email notifier that sends to every comma-separated recipient', async () => {
    const notifiers = notifiersFromEnv(
      {
        BINDERWATCH_SMTP_URL: smtp.url,
        BINDERWATCH_EMAIL_FROM: 'alerts@example.org',
        BINDERWATCH_EMAIL_TO: ' a@example.org, b@example.org ,,',
      },
      { logger: silentLogger },
    );
    expect(notifiers.map((n) => n.name)).toEqual(['email', 'console']);
    await notifiers[0].send(firing);
    expect(smtp.received.at(-1)!.rcptTo).toEqual(['a@example.org', 'b@example.org']);
  });

  it('names the missing recipient variable when SMTP is configured without it', () => {
    const e = configError({ BINDERWATCH_SMTP_URL: 'smtp://u:p4ssword@127.0.0.1:2525', BINDERWATCH_EMAIL_FROM: 'alerts@example.org' });
    expect(e.issues).toEqual([
      { path: 'BINDERWATCH_EMAIL_TO', message: 'is required with BINDERWATCH_SMTP_URL (comma-separated addresses)' },
    ]);
    expect(e.message).toContain('BINDERWATCH_EMAIL_TO');
  });

  it('reports every problem at once, each naming its variable', () => {
    const e = configError({
      BINDERWATCH_SLACK_BOT_TOKEN: TOKEN,
      BINDERWATCH_EMAIL_TO: 'not-an-address',
      BINDERWATCH_EMAIL_FROM: 'alerts@example.org',
    });
    expect(e.issues.map((i) => i.path)).toEqual([
      'BINDERWATCH_SLACK_CHANNEL',
      'BINDERWATCH_SMTP_URL',
      'BINDERWATCH_SMTP_URL',
      'BINDERWATCH_EMAIL_TO',
    ]);
  });

  it('refuses a channel name, since chat.update needs the channel ID', () => {
    const e = configError({ BINDERWATCH_SLACK_BOT_TOKEN: TOKEN, BINDERWATCH_SLACK_CHANNEL: '#binder-alerts' });
    expect(e.issues).toEqual([
      { path: 'BINDERWATCH_SLACK_CHANNEL', message: 'expected a channel ID like C0123456789 (not a name), got "#binder-alerts"' },
    ]);
  });

  it('refuses an http:// webhook URL off this machine, naming the variable and not the secret', () => {
    const e = configError({ BINDERWATCH_SLACK_WEBHOOK_URL: 'http://hooks.slack.com/services/T1/B2/cleartext-webhook-secret' });
    expect(e.issues).toEqual([
      {
        path: 'BINDERWATCH_SLACK_WEBHOOK_URL',
        message: 'must be an https:// URL: the webhook URL is a secret and http would send it in clear text',
      },
    ]);
    expect(e.message).not.toContain('cleartext-webhook-secret');
    expect(() =>
      notifiersFromEnv({ BINDERWATCH_SLACK_WEBHOOK_URL: 'http://localhost:9/services/T1/B2/x' }, { logger: silentLogger }),
    ).not.toThrow();
  });

  it('refuses malformed secret values without repeating them', () => {
    const e = configError({
      BINDERWATCH_SLACK_WEBHOOK_URL: 'hooks-slack-malformed-secret-value',
      BINDERWATCH_SMTP_URL: 'http://user:smtp-malformed-secret@mail.example.org',
      BINDERWATCH_EMAIL_FROM: 'alerts@example.org',
      BINDERWATCH_EMAIL_TO: 'a@example.org',
    });
    expect(e.issues.map((i) => i.path)).toEqual(['BINDERWATCH_SLACK_WEBHOOK_URL', 'BINDERWATCH_SMTP_URL']);
    expect(e.message).not.toContain('malformed-secret');
  });

  it('registers every secret value, so logs and errors mask them', () => {
    const webhook = 'https://hooks.example.net/services/T1/B2/registered-webhook-secret';
    const smtpUrl = 'smtp://user:registered-smtp-secret@127.0.0.1:2525';
    const token = 'xoxb-registered-bot-token';
    notifiersFromEnv(
      {
        BINDERWATCH_SLACK_WEBHOOK_URL: webhook,
        BINDERWATCH_SLACK_BOT_TOKEN: token,
        BINDERWATCH_SLACK_CHANNEL: CHANNEL,
        BINDERWATCH_SMTP_URL: smtpUrl,
        BINDERWATCH_EMAIL_FROM: 'alerts@example.org',
        BINDERWATCH_EMAIL_TO: 'a@example.org',
      },
      { logger: silentLogger, threadStore: memoryThreadStore() },
    );
    const text = redact(`${webhook} ${token} ${smtpUrl} password=registered-smtp-secret alone: registered-smtp-secret`);
    for (const secret of ['registered-webhook-secret', 'registered-smtp-secret', token]) expect(text).not.toContain(secret);
  });
});
