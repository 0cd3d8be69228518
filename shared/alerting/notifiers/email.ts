// Email over SMTP (SendGrid, a Gmail relay, Postfix …): a plain-text and an HTML body
// with the same content, to several recipients.
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { NotifyError } from '../../errors.ts';
import { redact, redactUrl, registerSecret } from '../../redact.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import { notificationView, truncate, type FormatOptions } from './format.ts';
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

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** Subjects past this get folded by every mail client anyway; the body has it all. */
const SUBJECT_MAX = 200;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Subject and both bodies for one notification; pure, so tests compare it exactly. */
export function buildPayload(n: AlertNotification, opts: FormatOptions = {}): EmailMessage {
  const v = notificationView(n, opts);
  const text: string[] = [v.title, v.status];
  const html: string[] = [`<h2>${escapeHtml(v.title)}</h2>`, `<p>${escapeHtml(v.status)}</p>`];
  if (v.details) {
    text.push('', v.details);
    html.push(`<p style="white-space:pre-wrap">${escapeHtml(v.details)}</p>`);
  }
  if (v.evidence.length) {
    text.push('', 'Evidence', ...v.evidence.map(([k, val]) => `  ${k}: ${val}`));
    const rows = v.evidence.map(([k, val]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(val)}</td></tr>`);
    html.push('<h3>Evidence</h3>', `<table>${rows.join('')}</table>`);
  }
  if (v.runbook.length) {
    text.push('', 'Runbook', ...v.runbook.map((c) => `  ${c}`));
    html.push('<h3>Runbook</h3>', `<pre>${escapeHtml(v.runbook.join('\n'))}</pre>`);
  }
  if (v.links.length) {
    text.push('', 'Links', ...v.links.map((l) => `  ${l.title}: ${l.url}`));
    const items = v.links.map((l) => `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.title)}</a></li>`);
    html.push('<h3>Links</h3>', `<ul>${items.join('')}</ul>`);
  }
  text.push('', v.footer);
  html.push(`<p style="color:#666">${escapeHtml(v.footer)}</p>`);
  return {
    subject: truncate(`[binderwatch] ${v.title}`, SUBJECT_MAX),
    text: text.join('\n') + '\n',
    html: `<!doctype html>\n<html><body>\n${html.join('\n')}\n</body></html>\n`,
  };
}

export interface EmailProps extends FormatOptions {
  /** A secret when it carries a password. */
  smtpUrl: string;
  from: string;
  to: string[];
  /** Connect, greeting and per-command timeout; default 10 s. */
  timeoutMs?: number;
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
    async send(n) {
      const message = buildPayload(n, props);
      let info;
      try {
        info = await (await connect()).sendMail({ from: props.from, to: props.to, ...message, headers: { 'X-Binderwatch-Notification': n.id } });
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
