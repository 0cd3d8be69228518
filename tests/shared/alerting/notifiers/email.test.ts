import { describe, expect, it } from 'vitest';
import { buildPayload, parseSmtpUrl, smtpError } from '../../../../shared/alerting/notifiers/email.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import { blind, firing, headroom, levellingOff, quota, repeat, resolved, sickNode, sickNodeResolved } from '../../../helpers/alerts.ts';

const TITLE = 'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)';
const SUMMARY = 'Phase build: the build failed, after 10m12s';
const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';

// The document around every body: inline styles, as mail clients drop <style> blocks.
const head = (subject: string) =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${subject}</title>`,
    '</head>',
    `<body style="margin:0;padding:24px 12px;background:#f1f3f4;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#202124;">`,
  ].join('\n');
const card = (colour: string, badge: string) =>
  `<div style="max-width:640px;margin:0 auto;background:#ffffff;border-radius:6px;padding:20px 24px;border-top:6px solid ${colour};">\n` +
  `<span style="display:inline-block;padding:2px 8px;border-radius:4px;color:#ffffff;font-size:12px;font-weight:bold;letter-spacing:0.04em;text-transform:uppercase;background:${colour};">${badge}</span>`;
const row = (label: string, value: string) =>
  `<tr><th style="padding:4px 16px 4px 0;color:#5f6368;font-weight:normal;text-align:left;vertical-align:top;white-space:nowrap;">${label}</th>` +
  `<td style="padding:4px 0;font-weight:bold;vertical-align:top;">${value}</td></tr>`;
const link = (url: string, title: string) => `<a href="${url}" style="color:#1a73e8;">${title}</a>`;

describe('email buildPayload', () => {
  it('writes a sick node alert: the title as subject and headline, severity in colour, the why, labelled evidence, runbook, links', () => {
    const subject = `[binderwatch] FIRING critical: Sick node ${SICK}`;
    expect(buildPayload(sickNode)).toEqual({
      subject,
      text: [
        `FIRING critical: Sick node ${SICK}`,
        '3 pods crash-looping from 3 owners; a DaemonSet pod (fluentd-gcp-v2.0.9-68p79) failing means the node itself is broken: launches scheduled there may fail',
        'Firing since 2018-01-18 13:45 UTC.',
        '',
        'Evidence',
        '  Crash-looping pods: 3',
        '  Owners: DaemonSet/fluentd-gcp-v2.0.9 (kube-system), Deployment/nginx-ingress-controller (prod), Deployment/nginx-ingress-default-backend (prod)',
        '  Node Ready: yes',
        '',
        'Runbook',
        '  gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415',
        `  kubectl get pods --all-namespaces -o wide --field-selector spec.nodeName=${SICK}`,
        `  kubectl cordon ${SICK}   # stop new launches landing there`,
        '',
        'Links',
        '  Dashboard: https://grafana.mybinder.org',
        '  Hub: https://mybinder.org',
        '',
        `clusterHealth · node:${SICK} · ${sickNode.id}`,
        '',
      ].join('\n'),
      html: [
        head(subject),
        card('#c5221f', 'FIRING critical'),
        `<h1 style="margin:8px 0;font-size:20px;line-height:1.3;">Sick node ${SICK}</h1>`,
        '<p style="margin:0 0 4px;font-size:15px;line-height:1.4;">3 pods crash-looping from 3 owners; a DaemonSet pod (fluentd-gcp-v2.0.9-68p79) failing means the node itself is broken: launches scheduled there may fail</p>',
        '<p style="margin:0 0 16px;color:#5f6368;font-size:13px;">Firing since 2018-01-18 13:45 UTC.</p>',
        '<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;font-size:14px;">' +
          row('Crash-looping pods', '3') +
          row(
            'Owners',
            'DaemonSet/fluentd-gcp-v2.0.9 (kube-system), Deployment/nginx-ingress-controller (prod), Deployment/nginx-ingress-default-backend (prod)',
          ) +
          row('Node Ready', 'yes') +
          '</table>',
        '<h2 style="margin:20px 0 8px;font-size:15px;">Runbook</h2>',
        '<pre style="margin:0;padding:12px;background:#f6f8fa;border:1px solid #dadce0;border-radius:4px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;line-height:1.5;white-space:pre-wrap;overflow-wrap:anywhere;">' +
          'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415\n' +
          `kubectl get pods --all-namespaces -o wide --field-selector spec.nodeName=${SICK}\n` +
          `kubectl cordon ${SICK}   # stop new launches landing there</pre>`,
        `<p style="margin:16px 0 0;">${link('https://grafana.mybinder.org', 'Dashboard')} · ${link('https://mybinder.org', 'Hub')}</p>`,
        `<p style="margin:20px 0 0;color:#80868b;font-size:12px;">clusterHealth · node:${SICK} · ${sickNode.id}</p>`,
        '</div>',
        '</body>',
        '</html>',
        '',
      ].join('\n'),
    });
  });

  it('says in green why it resolved, which incident it ends, and the numbers now beside what they were', () => {
    const now = 'gh/binder-examples/requirements/HEAD launches on mybinder.org';
    const subject = `[binderwatch] RESOLVED critical: ${now}`;
    const status = `Ends “${TITLE}”, firing since 2026-11-24 10:02 UTC for 2h13m.`;
    expect(buildPayload(resolved)).toEqual({
      subject,
      text: [
        `RESOLVED critical: ${now}`,
        resolved.summary,
        status,
        '',
        'Evidence',
        '  Failed launches: 0 (was 3)',
        '',
        'Links',
        '  Hub: https://mybinder.org',
        '  Dashboard: https://grafana.mybinder.org/d/launch?var-a=1&var-b=2',
        '',
        `launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${resolved.id}`,
        '',
      ].join('\n'),
      html: [
        head(subject),
        card('#137333', 'RESOLVED critical'),
        `<h1 style="margin:8px 0;font-size:20px;line-height:1.3;">${now}</h1>`,
        `<p style="margin:0 0 4px;font-size:15px;line-height:1.4;">${resolved.summary}</p>`,
        `<p style="margin:0 0 16px;color:#5f6368;font-size:13px;">${status}</p>`,
        '<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;font-size:14px;"><tr><th style="padding:4px 16px 4px 0;color:#5f6368;font-weight:normal;text-align:left;vertical-align:top;white-space:nowrap;">Failed launches</th><td style="padding:4px 0;font-weight:bold;vertical-align:top;">0 (was 3)</td></tr></table>',
        `<p style="margin:16px 0 0;">${link('https://mybinder.org', 'Hub')} · ${link('https://grafana.mybinder.org/d/launch?var-a=1&amp;var-b=2', 'Dashboard')}</p>`,
        `<p style="margin:20px 0 0;color:#80868b;font-size:12px;">launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${resolved.id}</p>`,
        '</div>',
        '</body>',
        '</html>',
        '',
      ].join('\n'),
    });
  });

  it('writes a reminder with the same content under a STILL FIRING subject', () => {
    expect(buildPayload(repeat).text).toBe(
      [
        `STILL FIRING critical: ${TITLE}`,
        SUMMARY,
        'STILL FIRING since 2026-11-24 10:02 UTC (1h5m).',
        '',
        'Evidence',
        '  Waiting: 1.2 s',
        '  Building: 611.3 s',
        '  Failed launches: 3',
        '  median launch s: 612.46',
        '',
        '3 of the last 3 launches failed: build timed out after 600s.',
        '',
        'Runbook',
        '  kubectl -n prod get pods -l component=binderhub',
        '  kubectl -n prod logs deploy/binder --since=30m | grep -i error',
        '',
        'Links',
        '  Hub: https://mybinder.org',
        '  Dashboard: https://grafana.mybinder.org/d/launch?var-a=1&var-b=2',
        '',
        `launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${repeat.id}`,
        '',
      ].join('\n'),
    );
  });

  it.each([
    [firing, `[binderwatch] FIRING critical: ${TITLE}`, '#c5221f'],
    [repeat, `[binderwatch] STILL FIRING critical: ${TITLE}`, '#c5221f'],
    [resolved, '[binderwatch] RESOLVED critical: gh/binder-examples/requirements/HEAD launches on mybinder.org', '#137333'],
    [blind, '[binderwatch] FIRING warning: Cannot read mybinder.org /health', '#5f6368'],
    [headroom, '[binderwatch] FIRING critical: Pool prod-a/ssd-pool at 14 of 15 nodes', '#c5221f'],
    [sickNode, `[binderwatch] FIRING critical: Sick node ${SICK}`, '#c5221f'],
    [sickNodeResolved, `[binderwatch] RESOLVED critical: Sick node ${SICK}`, '#137333'],
    [levellingOff, '[binderwatch] FIRING critical: Running pods levelling off: 609 of ~651 expected', '#c5221f'],
    [quota, '[binderwatch] FIRING warning: mybinder.org pod quota at 190 of 200', '#b05a00'],
  ])('%#: puts the state, severity and title in the subject, and the severity colour on the card', (n, subject, colour) => {
    const m = buildPayload(n);
    expect(m.subject).toBe(subject);
    expect(m.html).toContain(`border-top:6px solid ${colour};`);
  });

  it('labels the evidence of each check with units', () => {
    const evidence = (n: AlertNotification) => buildPayload(n).text.split('\n\n')[1];
    expect(evidence(headroom)).toBe(
      [
        'Evidence',
        '  Nodes (cordoned included): 14',
        '  Autoscaler max: 15',
        '  In use: 93 %',
        '  Cordoned: 1',
        '  Pods pending for room: 0',
        '  Max reached in: 1h20m',
      ].join('\n'),
    );
    expect(evidence(levellingOff)).toBe(
      [
        'Evidence',
        '  Demand: 7.2/min',
        '  Expected running pods: 651',
        '  Running pods: 609',
        '  Shortfall (pods): 42',
        '  Shortfall beyond noise: 4.5 σ',
        '  Implied launch success: 38 %',
        '  Over the last: 10 min',
      ].join('\n'),
    );
    expect(evidence(quota)).toBe(['Evidence', '  Pod quota used: 190 of 200', '  Docker registry: ok', '  JupyterHub: ok'].join('\n'));
    expect(evidence(blind)).toBe(['Evidence', '  Consecutive unknown: 3'].join('\n'));
  });

  it('shows an attached chart inline where it has a content id, and passes the attachments on', () => {
    const chart = { filename: 'pods.png', contentType: 'image/png', content: Buffer.from('png'), cid: 'chart@binderwatch' };
    const m = buildPayload(levellingOff, { attachments: [chart] });
    expect(m.attachments).toEqual([chart]);
    expect(m.html).toContain(
      '<p style="margin:0 0 16px;color:#5f6368;font-size:13px;">Firing since 2018-01-18 13:53 UTC.</p>\n<p><img src="cid:chart@binderwatch" alt="pods.png" style="max-width:100%;"></p>',
    );
    expect(buildPayload(levellingOff)).not.toHaveProperty('attachments');
  });

  it('escapes HTML in every field of the HTML body only', () => {
    const m = buildPayload({
      ...firing,
      title: '<script>alert(1)</script> & more',
      evidence: { '<b>': '"quoted"' },
      links: [{ title: "it's", url: 'https://x.test/?a="b"' }],
    });
    expect(m.html).toContain(
      '<h1 style="margin:8px 0;font-size:20px;line-height:1.3;">&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</h1>',
    );
    expect(m.html).toContain('<title>[binderwatch] FIRING critical: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</title>');
    expect(m.html).toContain(row('&lt;b&gt;', '&quot;quoted&quot;'));
    expect(m.html).toContain(link('https://x.test/?a=&quot;b&quot;', 'it&#39;s'));
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
    expect(parseSmtpUrl('smtps://relay.example.org')).toEqual({
      host: 'relay.example.org',
      port: 465,
      secure: true,
      requireTLS: false,
      user: undefined,
      pass: undefined,
    });
  });

  it('requires STARTTLS on smtp:// so a password never goes in clear text, except to a loopback host', () => {
    for (const host of ['mail.example.org', '10.0.0.5', '[2001:db8::1]', '127.example.org'])
      expect(parseSmtpUrl(`smtp://u:p@${host}:25`).requireTLS).toBe(true);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]'])
      expect(parseSmtpUrl(`smtp://u:p@${host}:25`).requireTLS).toBe(false);
  });

  it('refuses other schemes without repeating the password', () => {
    expect(() => parseSmtpUrl('https://user:hunter2secret@mail.example.org')).toThrow(
      'expected smtp:// or smtps://, got https://mail.example.org',
    );
    expect(() => parseSmtpUrl('https://user:hunter2secret@mail.example.org')).not.toThrow(/hunter2secret/);
  });
});

describe('smtpError', () => {
  // Shapes as nodemailer reports them (code, responseCode, response, command).
  it.each([
    [
      { code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try again later', command: 'RCPT TO' },
      true,
      'email: SMTP RCPT refused: 451 4.3.0 try again later',
    ],
    [
      { code: 'EMESSAGE', responseCode: 550, response: '550 5.7.1 rejected', command: 'DATA' },
      false,
      'email: SMTP DATA refused: 550 5.7.1 rejected',
    ],
    [
      { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed', command: 'AUTH PLAIN' },
      false,
      'email: SMTP AUTH refused: 535 5.7.8 Authentication failed',
    ],
    [
      { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1', command: 'CONN' },
      true,
      'email: SMTP CONN failed (ESOCKET): connect ECONNREFUSED 127.0.0.1:1',
    ],
    [
      { code: 'ETIMEDOUT', message: 'Greeting never received', command: 'CONN' },
      true,
      'email: SMTP CONN failed (ETIMEDOUT): Greeting never received',
    ],
    [
      { code: 'EENVELOPE', message: 'No recipients defined', command: 'API' },
      false,
      'email: SMTP API failed (EENVELOPE): No recipients defined',
    ],
  ])('%#: classifies by SMTP reply class or connection failure', (err, retryable, message) => {
    const e = smtpError(Object.assign(new Error(String((err as { message?: string }).message ?? 'x')), err));
    expect(e.retryable).toBe(retryable);
    expect(e.message).toBe(message);
  });
});
