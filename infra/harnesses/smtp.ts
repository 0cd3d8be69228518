// A real SMTP server (npm smtp-server) on 127.0.0.1 for email tests: requires AUTH with
// one user, parses what arrives with mailparser, and can refuse the next commands with
// a chosen reply (451 transient, 550 permanent …).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  from: string | undefined;
  /** Envelope recipients (RCPT TO), which Bcc and header tricks cannot fake. */
  rcptTo: string[];
  authUser: string | undefined;
  parsed: ParsedMail;
}

export interface SmtpRefusal {
  /** Where to refuse: the sender, each recipient, or the message body. */
  stage: 'mail' | 'rcpt' | 'data';
  code: number;
  message: string;
}

export interface TestSmtpServer {
  port: number;
  /** `smtp://user:pass@127.0.0.1:port` */
  url: string;
  received: ReceivedMail[];
  /** Failed AUTH attempts. */
  authFailures: number;
  refuseNext(refusal: SmtpRefusal, count?: number): void;
  close(): Promise<void>;
}

function smtpReply(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpServer(user: string, pass: string): Promise<TestSmtpServer> {
  const refusals: SmtpRefusal[] = [];
  const refusal = (stage: SmtpRefusal['stage']) => {
    const i = refusals.findIndex((r) => r.stage === stage);
    return i < 0 ? undefined : refusals.splice(i, 1)[0];
  };
  const state = { received: [] as ReceivedMail[], authFailures: 0 };

  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain-text AUTH on loopback; no STARTTLS, so the client does not need our certificate.
    allowInsecureAuth: true,
    hideSTARTTLS: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) return cb(null, { user });
      state.authFailures++;
      cb(smtpReply(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(_address: SMTPServerAddress, _session, cb) {
      const r = refusal('mail');
      cb(r ? smtpReply(r.code, r.message) : undefined);
    },
    onRcptTo(_address: SMTPServerAddress, _session, cb) {
      const r = refusal('rcpt');
      cb(r ? smtpReply(r.code, r.message) : undefined);
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (parsed) => {
          const r = refusal('data');
          if (r) return cb(smtpReply(r.code, r.message));
          state.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            rcptTo: session.envelope.rcptTo.map((a) => a.address),
            authUser: typeof session.user === 'string' ? session.user : undefined,
            parsed,
          });
          cb();
        },
        (e: Error) => cb(e),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get authFailures() {
      return state.authFailures;
    },
    refuseNext(r, count = 1) {
      for (let i = 0; i < count; i++) refusals.push(r);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
