import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../../../infra/harnesses/smtp.ts';
import { buildPayload, emailNotifier } from '../../../../shared/alerting/notifiers/email.ts';
import { firing, resolved, sendError } from '../../../helpers/alerts.ts';

const USER = 'binderwatch';
const PASS = 'smtp-pa55word-for-tests';
const TO = ['oncall@example.org', 'team@example.org', 'Lead <lead@example.org>'];

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer(USER, PASS);
});
afterAll(async () => {
  await smtp.close();
});

const notifier = (url = smtp.url) => emailNotifier({ smtpUrl: url, from: 'binderwatch <alerts@example.org>', to: TO, timeoutMs: 5000 });

describe('email notifier against a real SMTP server', () => {
  it('delivers one message with both bodies and the subject to every recipient, after AUTH', async () => {
    const before = smtp.received.length;
    await notifier().send(firing);
    expect(smtp.received).toHaveLength(before + 1);
    const mail = smtp.received.at(-1)!;
    const expected = buildPayload(firing);
    expect(mail.authUser).toBe(USER);
    expect(mail.from).toBe('alerts@example.org');
    expect(mail.rcptTo).toEqual(['oncall@example.org', 'team@example.org', 'lead@example.org']);
    expect(mail.parsed.subject).toBe(expected.subject);
    expect(mail.parsed.text).toBe(expected.text);
    expect(mail.parsed.html).toBe(expected.html);
    expect(mail.parsed.headers.get('x-binderwatch-notification')).toBe(firing.id);
  });

  it('sends the resolution with its own subject', async () => {
    await notifier().send(resolved);
    expect(smtp.received.at(-1)!.parsed.subject).toBe(
      '[binderwatch] RESOLVED critical: gh/binder-examples/requirements/HEAD launches on mybinder.org',
    );
  });

  it('reports a 451 on the message as retryable', async () => {
    smtp.refuseNext({ stage: 'data', code: 451, message: '4.3.0 Mailbox temporarily unavailable' });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('451');
  });

  it('reports a 550 on the message as not retryable', async () => {
    smtp.refuseNext({ stage: 'data', code: 550, message: '5.7.1 Message rejected as spam' });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('550');
  });

  it('reports a 451 for every recipient as retryable, and nothing arrives', async () => {
    const before = smtp.received.length;
    smtp.refuseNext({ stage: 'rcpt', code: 451, message: '4.7.1 Greylisted, try again' }, TO.length);
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(true);
    expect(smtp.received).toHaveLength(before);
  });

  it('does not ask for a retry when only some recipients were refused, since the others got it', async () => {
    const before = smtp.received.length;
    smtp.refuseNext({ stage: 'rcpt', code: 550, message: '5.1.1 No such user' });
    const e = await sendError(notifier().send(firing));
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('oncall@example.org');
    expect(smtp.received).toHaveLength(before + 1);
    expect(smtp.received.at(-1)!.rcptTo).toEqual(['team@example.org', 'lead@example.org']);
  });

  it('reports a wrong password as not retryable', async () => {
    const failures = smtp.authFailures;
    const e = await sendError(notifier(smtp.url.replace(encodeURIComponent(PASS), 'wrong-password')).send(firing));
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('535');
    expect(smtp.authFailures).toBe(failures + 1);
  });

  it('reports a server that is not there as retryable', async () => {
    const gone = await startSmtpServer(USER, PASS);
    const url = gone.url;
    await gone.close();
    const e = await sendError(notifier(url).send(firing));
    expect(e.retryable).toBe(true);
  });
});
