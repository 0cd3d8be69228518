// Shared plumbing for the loopback wire-protocol servers: listen on 127.0.0.1 at
// an ephemeral port, and let a test queue faults (error status, truncated body,
// HTML instead of JSON, slow answer) that the next requests receive instead of
// the normal response — and the hostile ones: an endless body, a huge declared
// length, an answer that never comes, a redirect elsewhere.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Answer with this status and the server's own error body (plus Retry-After when given). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** Send the first half of the normal JSON body, then end the response. */
  | { kind: 'truncated' }
  /** Answer 200 with an HTML page, as a captive proxy or load balancer error page would. */
  | { kind: 'html' }
  /** Wait this long before answering normally (so a client timeout can fire). */
  | { kind: 'slow'; delayMs: number }
  /** Answer 200 (or `status`) JSON and never end the body: `[{"filler": "…"}, …` for as long as the client reads. */
  | { kind: 'endless'; status?: number }
  /** Declare a Content-Length of 2 GiB, send a little, then hold the connection. */
  | { kind: 'declared-huge' }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Answer with a redirect to `location`. */
  | { kind: 'redirect'; status?: number; location: string }
  /** Answer this instead of the route (built per request). */
  | { kind: 'answer'; answer: (req: RecordedRequest) => JsonAnswer };

const FILLER = Buffer.from(JSON.stringify({ filler: 'x'.repeat(64 * 1024 - 20) }) + ',');

/** Writes `chunk` again and again, as fast as the client reads, until it goes away. */
export function writeEndlessly(res: ServerResponse, chunk: Buffer | string): void {
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
  };
  res.on('drain', pump);
  pump();
}

/** Faults are served in order, each to `times` requests, before normal answers resume. */
export class FaultPlan {
  private readonly queue: { fault: Fault; left: number }[] = [];

  add(fault: Fault, times = 1): this {
    this.queue.push({ fault, left: times });
    return this;
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** The fault for the current request, if any. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.left <= 0) this.queue.shift();
    return head.fault;
  }
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What a route answers: a status and a JSON-serialisable body. */
export interface JsonAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface LoopbackOptions {
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** The server's error body for a status (each API has its own error shape). */
  errorBody: (status: number, message: string) => unknown;
  route: (req: RecordedRequest) => JsonAnswer | Promise<JsonAnswer>;
}

export interface Loopback {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  faults: FaultPlan;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startLoopback(opts: LoopbackOptions): Promise<Loopback> {
  const faults = new FaultPlan();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<ServerResponse>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(recorded);
    const fault = faults.take();
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return sendJson(res, { status: fault.status, body: opts.errorBody(fault.status, 'injected fault'), headers });
    }
    if (fault?.kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    if (fault?.kind === 'endless') {
      res.writeHead(fault.status ?? 200, { 'content-type': 'application/json' });
      res.write('[');
      return writeEndlessly(res, FILLER);
    }
    if (fault?.kind === 'declared-huge') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 ** 31) });
      res.write('{"data": "');
      return hanging.add(res);
    }
    if (fault?.kind === 'hang') return void hanging.add(res);
    if (fault?.kind === 'redirect') {
      res.writeHead(fault.status ?? 302, { location: fault.location, 'content-type': 'text/plain' });
      return res.end('moved');
    }
    if (fault?.kind === 'answer') return sendJson(res, fault.answer(recorded));
    if (fault?.kind === 'slow') await wait(fault.delayMs);
    if (res.destroyed) return;
    let answer: JsonAnswer;
    try {
      answer = await opts.route(recorded);
    } catch (e) {
      answer = { status: 500, body: opts.errorBody(500, String(e)) };
    }
    if (fault?.kind === 'truncated') {
      const text = JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      return res.end(text.slice(0, Math.floor(text.length / 2)));
    }
    sendJson(res, answer);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => res.destroy());
  };
  const server: Server = opts.tls ? createHttpsServer(opts.tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, answer: JsonAnswer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...answer.headers,
  });
  res.end(text);
}
