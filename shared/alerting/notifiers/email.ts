// Email over SMTP (SendGrid, a Gmail relay, Postfix …): a plain-text and an HTML body
// with the same content, to several recipients.
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { NotifyError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { redact, redactUrl, registerSecret } from '../../redact.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import { notificationView, TRUNCATION_NOTE, truncate, type FormatOptions } from './format.ts';
import { isLoopbackHost } from './http.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (`smtps://`); otherwise STARTTLS. */
  secure: boolean;
  /** `smtp://`: refuse to send (the password, the alert) unless the server upgrades to TLS with STARTTLS; off only for a loopback host. */
  requireTLS: boolean;
  user?: string;
  pass?: string;
}

/** `smtp://user:pass@host:port` or `smtps://…`; the error never repeats the password. */
export function parseSmtpUrl(url: string): SmtpSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('expected a URL like smtp://user:password@host:587 or smtps://…');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`expected smtp:// or smtps://, got ${redactUrl(url)}`);
  if (!u.hostname) throw new Error('the SMTP URL names no host');
  const secure = u.protocol === 'smtps:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && !isLoopbackHost(host),
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

/** A file sent with the email; one with a `cid` is shown inline in the HTML (a chart, say). */
export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  cid?: string;
}

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  attachments?: EmailAttachment[];
}

/** The inline chart's Content-ID (one picture per message). */
export const CHART_CID = 'chart@binderwatch';

/** Subjects past this get folded by every mail client anyway; the body has it all. */
const SUBJECT_MAX = 200;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Severity at a glance: the bar and badge colour (white text on each passes WCAG AA). */
export function severityColour(n: AlertNotification): string {
  if (n.state === 'resolved') return '#137333';
  if (n.status === 'unknown') return '#5f6368';
  return n.severity === 'critical' ? '#c5221f' : '#b05a00';
}

// Inline styles: most mail clients drop <style> blocks. Light colours are set
// explicitly, so a dark client theme cannot leave dark text on a dark background.
const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const MONO = 'ui-monospace,SFMono-Regular,Menlo,Consolas,monospace';
const STYLE = {
  body: `margin:0;padding:24px 12px;background:#f1f3f4;font-family:${FONT};color:#202124;`,
  card: 'max-width:640px;margin:0 auto;background:#ffffff;border-radius:6px;padding:20px 24px;border-top:6px solid',
  badge:
    'display:inline-block;padding:2px 8px;border-radius:4px;color:#ffffff;font-size:12px;font-weight:bold;letter-spacing:0.04em;text-transform:uppercase;background:',
  h1: 'margin:8px 0;font-size:20px;line-height:1.3;',
  summary: 'margin:0 0 4px;font-size:15px;line-height:1.4;',
  status: 'margin:0 0 16px;color:#5f6368;font-size:13px;',
  h2: 'margin:20px 0 8px;font-size:15px;',
  th: 'padding:4px 16px 4px 0;color:#5f6368;font-weight:normal;text-align:left;vertical-align:top;white-space:nowrap;',
  td: 'padding:4px 0;font-weight:bold;vertical-align:top;',
  details: 'margin:0 0 16px;white-space:pre-wrap;font-size:14px;',
  pre: `margin:0;padding:12px;background:#f6f8fa;border:1px solid #dadce0;border-radius:4px;font-family:${MONO};font-size:13px;line-height:1.5;white-space:pre-wrap;overflow-wrap:anywhere;`,
  link: 'color:#1a73e8;',
  footer: 'margin:20px 0 0;color:#80868b;font-size:12px;',
} as const;

/**
 * Subject and both bodies for one notification; pure, so tests compare it exactly.
 * `attachments` with a `cid` are shown inline under the headline.
 */
export function buildPayload(n: AlertNotification, opts: FormatOptions & { attachments?: EmailAttachment[] } = {}): EmailMessage {
  const v = notificationView(n, opts);
  const subject = truncate(`[binderwatch] ${v.title}`, SUBJECT_MAX);
  const colour = severityColour(n);
  const text: string[] = [v.title, ...(v.summary ? [v.summary] : []), v.status];
  const html: string[] = [
    `<div style="${STYLE.card} ${colour};">`,
    `<span style="${STYLE.badge}${colour};">${escapeHtml(v.badge)}</span>`,
    `<h1 style="${STYLE.h1}">${escapeHtml(v.headline)}</h1>`,
    ...(v.summary ? [`<p style="${STYLE.summary}">${escapeHtml(v.summary)}</p>`] : []),
    `<p style="${STYLE.status}">${escapeHtml(v.status)}</p>`,
  ];
  for (const a of opts.attachments ?? []) {
    if (a.cid) html.push(`<p><img src="cid:${escapeHtml(a.cid)}" alt="${escapeHtml(a.filename)}" style="max-width:100%;"></p>`);
  }
  if (v.evidence.length) {
    const more = v.evidenceLeftOut ? `${v.evidenceLeftOut} more ${TRUNCATION_NOTE}` : '';
    text.push('', 'Evidence', ...v.evidence.map(([k, val]) => `  ${k}: ${val}`), ...(more ? [`  ${more}`] : []));
    const rows = v.evidence.map(
      ([k, val]) => `<tr><th style="${STYLE.th}">${escapeHtml(k)}</th><td style="${STYLE.td}">${escapeHtml(val)}</td></tr>`,
    );
    if (more) rows.push(`<tr><td colspan="2" style="${STYLE.td}"><em>${escapeHtml(more)}</em></td></tr>`);
    html.push(`<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;font-size:14px;">${rows.join('')}</table>`);
  }
  if (v.details) {
    text.push('', v.details);
    html.push(`<p style="${STYLE.details}">${escapeHtml(v.details)}</p>`);
  }
  if (v.runbook.length) {
    text.push('', 'Runbook', ...v.runbook.map((c) => `  ${c}`));
    html.push(`<h2 style="${STYLE.h2}">Runbook</h2>`, `<pre style="${STYLE.pre}">${escapeHtml(v.runbook.join('\n'))}</pre>`);
  }
  if (v.links.length) {
    text.push('', 'Links', ...v.links.map((l) => `  ${l.title}: ${l.url}`));
    const links = v.links.map((l) => `<a href="${escapeHtml(l.url)}" style="${STYLE.link}">${escapeHtml(l.title)}</a>`);
    html.push(`<p style="margin:16px 0 0;">${links.join(' · ')}</p>`);
  }
  text.push('', v.footer);
  html.push(`<p style="${STYLE.footer}">${escapeHtml(v.footer)}</p>`, '</div>');
  return {
    subject,
    text: text.join('\n') + '\n',
    html:
      '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
      `<meta name="color-scheme" content="light">\n<title>${escapeHtml(subject)}</title>\n</head>\n` +
      `<body style="${STYLE.body}">\n${html.join('\n')}\n</body>\n</html>\n`,
    ...(opts.attachments?.length ? { attachments: opts.attachments } : {}),
  };
}

export interface EmailProps extends FormatOptions {
  /** A secret when it carries a password. */
  smtpUrl: string;
  from: string;
  to: string[];
  /** Connect, greeting and per-command timeout; default 10 s. */
  timeoutMs?: number;
  /** Hears about a chart that did not render. */
  logger?: Logger;
}

export function emailNotifier(props: EmailProps): Notifier {
  const smtp = parseSmtpUrl(props.smtpUrl);
  registerSecret(props.smtpUrl, 'instance');
  registerSecret(smtp.pass, 'instance');
  registerSecret(smtp.pass && encodeURIComponent(smtp.pass), 'instance');
  const timeout = props.timeoutMs ?? 10_000;
  // nodemailer is loaded on the first send, not at every function's cold start.
  let transport: Promise<Transporter<SMTPTransport.SentMessageInfo>> | undefined;
  const connect = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        requireTLS: smtp.requireTLS,
        auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      }),
    ));
  return {
    name: 'email',
    drawsCharts: true,
    async send(n) {
      // The chart's renderer is loaded only for a notification that has a chart.
      const png = n.chart ? await (await import('./chart-png.ts')).pictureOf(n, props.timeZone, props.logger) : undefined;
      const attachments = png ? [{ filename: 'chart.png', contentType: 'image/png', content: png, cid: CHART_CID }] : undefined;
      const message = buildPayload(n, { ...props, attachments });
      let info;
      try {
        info = await (
          await connect()
        ).sendMail({ from: props.from, to: props.to, ...message, headers: { 'X-Binderwatch-Notification': n.id } });
      } catch (e) {
        throw smtpError(e);
      }
      // Some recipients got it: a retry would send them a second copy, so do not ask for one.
      if (info.rejected.length) throw new NotifyError('email', `the SMTP server refused ${info.rejected.map(String).join(', ')}`, false);
    },
  } satisfies Notifier;
}

// Failures before the server answered: the network or the server may come back.
const CONNECTION_ERRORS = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS']);

/**
 * SMTP's own retry rule: 4xx replies are transient, 5xx permanent (RFC 5321 §4.2.1).
 * Rebuilt from the reply and the command only; nothing of the credentials.
 */
export function smtpError(e: unknown): NotifyError {
  const err = (e ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown; command?: unknown; message?: unknown };
  const command = typeof err.command === 'string' ? `${err.command.split(' ')[0]} ` : '';
  if (typeof err.responseCode === 'number') {
    const reply = typeof err.response === 'string' ? err.response : String(err.responseCode);
    const transient = err.responseCode >= 400 && err.responseCode < 500;
    return new NotifyError('email', redact(`SMTP ${command}refused: ${truncate(reply, 300)}`), transient);
  }
  const code = typeof err.code === 'string' ? err.code : 'unknown';
  const message = typeof err.message === 'string' ? err.message : String(e);
  return new NotifyError('email', redact(`SMTP ${command}failed (${code}): ${truncate(message, 300)}`), CONNECTION_ERRORS.has(code));
}
