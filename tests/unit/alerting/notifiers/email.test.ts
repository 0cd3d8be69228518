import { describe, expect, it } from 'vitest';
import { buildPayload, parseSmtpUrl, smtpError } from '../../../../shared/alerting/notifiers/email.ts';
import { blind, firing, repeat, resolved } from './fixtures.ts';

const SUMMARY = 'Launches of binder-examples/requirements fail on mybinder.org';

describe('email buildPayload', () => {
  it('writes a firing alert as a subject and the same content in text and HTML', () => {
    expect(buildPayload(firing)).toEqual({
      subject: `[binderwatch] FIRING critical: ${SUMMARY}`,
      text: [
        `FIRING critical: ${SUMMARY}`,
        'Firing since 2026-11-24 10:02 UTC.',
        '',
        '3 of the last 3 launches failed: build timed out after 600s.',
        '',
        'Evidence',
        '  failedLaunches: 3',
        '  attempts: 3',
        '  median launch s: 612.46',
        '',
        'Runbook',
        '  kubectl -n prod get pods -l component=binderhub',
        '  kubectl -n prod logs deploy/binder --since=30m | grep -i error',
        '',
        'Links',
        '  Hub: https://mybinder.org',
        '  Dashboard: https://grafana.mybinder.org/d/launch?var-a=1&var-b=2',
        '',
        `launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${firing.id}`,
        '',
      ].join('\n'),
      html: [
        '<!doctype html>',
        '<html><body>',
        `<h2>FIRING critical: ${SUMMARY}</h2>`,
        '<p>Firing since 2026-11-24 10:02 UTC.</p>',
        '<p style="white-space:pre-wrap">3 of the last 3 launches failed: build timed out after 600s.</p>',
        '<h3>Evidence</h3>',
        '<table><tr><th align="left">failedLaunches</th><td>3</td></tr><tr><th align="left">attempts</th><td>3</td></tr><tr><th align="left">median launch s</th><td>612.46</td></tr></table>',
        '<h3>Runbook</h3>',
        '<pre>kubectl -n prod get pods -l component=binderhub\nkubectl -n prod logs deploy/binder --since=30m | grep -i error</pre>',
        '<h3>Links</h3>',
        '<ul><li><a href="https://mybinder.org">Hub</a></li><li><a href="https://grafana.mybinder.org/d/launch?var-a=1&amp;var-b=2">Dashboard</a></li></ul>',
        `<p style="color:#666">launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${firing.id}</p>`,
        '</body></html>',
        '',
      ].join('\n'),
    });
  });

  it.each([
    [repeat, `[binderwatch] STILL FIRING critical: ${SUMMARY}`, 'STILL FIRING since 2026-11-24 10:02 UTC (1h5m).'],
    [resolved, `[binderwatch] RESOLVED critical: ${SUMMARY}`, 'Resolved after 2h13m (firing since 2026-11-24 10:02 UTC).'],
  ])('%#: names the state in the subject and the status in both bodies', (n, subject, status) => {
    const m = buildPayload(n);
    expect(m.subject).toBe(subject);
    expect(m.text.split('\n')[1]).toBe(status);
    expect(m.html).toContain(`<p>${status}</p>`);
  });

  it('tells a blind check apart from a measured problem and skips empty sections', () => {
    const m = buildPayload(blind);
    expect(m.subject).toBe('[binderwatch] FIRING warning: mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)');
    expect(m.text).toBe(
      [
        'FIRING warning: mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)',
        'Cannot see health:mybinder.org since 2026-11-24 10:02 UTC.',
        '',
        'Evidence',
        '  consecutiveUnknown: 3',
        '',
        'Runbook',
        '  curl -sS https://mybinder.org/health',
        '',
        `binderHealth · health:mybinder.org · ${blind.id}`,
        '',
      ].join('\n'),
    );
    expect(m.html).not.toContain('<h3>Links</h3>');
  });

  it('escapes HTML in every field of the HTML body only', () => {
    const m = buildPayload({
      ...firing,
      summary: '<script>alert(1)</script> & more',
      evidence: { '<b>': '"quoted"' },
      links: [{ title: "it's", url: 'https://x.test/?a="b"' }],
    });
    expect(m.html).toContain('<h2>FIRING critical: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</h2>');
    expect(m.html).toContain('<th align="left">&lt;b&gt;</th><td>&quot;quoted&quot;</td>');
    expect(m.html).toContain('<a href="https://x.test/?a=&quot;b&quot;">it&#39;s</a>');
    expect(m.html).not.toContain('<script>');
    expect(m.text.split('\n')[0]).toBe('FIRING critical: <script>alert(1)</script> & more');
  });
});

describe('parseSmtpUrl', () => {
  it('reads host, port and credentials, decoding the password', () => {
    expect(parseSmtpUrl('smtp://apikey:p%40ss%2Fw0rd@smtp.sendgrid.net:587')).toEqual({
      host: 'smtp.sendgrid.net',
      port: 587,
      secure: false,
      requireTLS: true,
      user: 'apikey',
      pass: 'p@ss/w0rd',
    });
  });

  it('uses implicit TLS and port 465 for smtps://', () => {
    expect(parseSmtpUrl('smtps://relay.example.org')).toEqual({ host: 'relay.example.org', port: 465, secure: true, requireTLS: false, user: undefined, pass: undefined });
  });

  it('requires STARTTLS on smtp:// so a password never goes in clear text, except to a loopback host', () => {
    for (const host of ['mail.example.org', '10.0.0.5', '[2001:db8::1]', '127.example.org']) expect(parseSmtpUrl(`smtp://u:p@${host}:25`).requireTLS).toBe(true);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) expect(parseSmtpUrl(`smtp://u:p@${host}:25`).requireTLS).toBe(false);
  });

  it('refuses other schemes without repeating the password', () => {
    expect(() => parseSmtpUrl('https://user:hunter2secret@mail.example.org')).toThrow('expected smtp:// or smtps://, got https://mail.example.org');
    expect(() => parseSmtpUrl('https://user:hunter2secret@mail.example.org')).not.toThrow(/hunter2secret/);
  });
});

describe('smtpError', () => {
  // Shapes as nodemailer reports them (code, responseCode, response, command).
  it.each([
    [{ code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try again later', command: 'RCPT TO' }, true, 'email: SMTP RCPT refused: 451 4.3.0 try again later'],
    [{ code: 'EMESSAGE', responseCode: 550, response: '550 5.7.1 rejected', command: 'DATA' }, false, 'email: SMTP DATA refused: 550 5.7.1 rejected'],
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed', command: 'AUTH PLAIN' }, false, 'email: SMTP AUTH refused: 535 5.7.8 Authentication failed'],
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1', command: 'CONN' }, true, 'email: SMTP CONN failed (ESOCKET): connect ECONNREFUSED 127.0.0.1:1'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received', command: 'CONN' }, true, 'email: SMTP CONN failed (ETIMEDOUT): Greeting never received'],
    [{ code: 'EENVELOPE', message: 'No recipients defined', command: 'API' }, false, 'email: SMTP API failed (EENVELOPE): No recipients defined'],
  ])('%#: classifies by SMTP reply class or connection failure', (err, retryable, message) => {
    const e = smtpError(Object.assign(new Error(String((err as { message?: string }).message ?? 'x')), err));
    expect(e.retryable).toBe(retryable);
    expect(e.message).toBe(message);
  });
});
