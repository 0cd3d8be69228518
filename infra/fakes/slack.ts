// A loopback Slack for tests: an incoming webhook and the Web API methods the threaded
// notifier uses (chat.postMessage, chat.update, and the external file upload:
// files.getUploadURLExternal → POST the bytes to the upload URL → files.completeUploadExternal). Every payload is checked
// against Slack's documented Block Kit rules (block types, required fields, lengths);
// the test can make the next requests fail (5xx, 429 with Retry-After, 404 …).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next request gets instead of a normal answer. */
export type SlackFault =
  | { status: number; body?: string; retryAfter?: string }
  /** Web API only: HTTP 200 with `{ ok: false, error }`. */
  | { platformError: string };

export interface ChatMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  reply_broadcast?: boolean;
  text?: string;
  blocks?: unknown[];
  /** How many chat.update calls replaced it. */
  updates: number;
}

export interface SharedFile {
  id: string;
  filename: string;
  title?: string;
  altText?: string;
  bytes: Buffer;
  channel: string;
  thread_ts?: string;
  /** Whether the upload URL was sent an Authorization header (it needs none). */
  uploadSawAuthorization: boolean;
}

export interface FakeSlack {
  /** `http://127.0.0.1:<port>` */
  url: string;
  webhookUrl: string;
  /** Base URL for WebClient's `slackApiUrl`. */
  apiUrl: string;
  /** Webhook payloads that were accepted. */
  webhooks: { text?: string; blocks?: unknown[] }[];
  /** Payloads (either surface) refused as invalid, with the rule each broke. */
  invalid: { payload: unknown; errors: string[] }[];
  /** Every Web API call that reached the server, in order. */
  apiCalls: { method: string; args: Record<string, unknown> }[];
  messages: ChatMessage[];
  /** Files whose upload was completed and shared into a channel or thread. */
  files: SharedFile[];
  /** Requests that were answered with a fault. */
  faulted: number;
  /** The next `count` requests after `after` normal ones get `fault`. */
  failNext(fault: SlackFault, count?: number, after?: number): void;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  webhookPath?: string;
  botToken?: string;
  /** Channel IDs that exist; others answer `channel_not_found`. */
  channels?: string[];
}

const LIMITS = {
  blocks: 50,
  text: 40_000,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  blockId: 255,
};

const BLOCK_KEYS: Record<string, string[]> = {
  header: ['type', 'text', 'block_id'],
  section: ['type', 'text', 'fields', 'block_id', 'accessory'],
  context: ['type', 'elements', 'block_id'],
  divider: ['type', 'block_id'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkTextObject(v: unknown, path: string, max: number, errors: string[], only?: 'plain_text'): void {
  if (!isObject(v)) return void errors.push(`${path}: expected a text object`);
  const allowed = v.type === 'plain_text' ? ['type', 'text', 'emoji'] : v.type === 'mrkdwn' ? ['type', 'text', 'verbatim'] : undefined;
  if (!allowed) return void errors.push(`${path}.type: expected plain_text or mrkdwn, got ${JSON.stringify(v.type)}`);
  if (only && v.type !== only) errors.push(`${path}.type: must be ${only}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) errors.push(`${path}.${k}: not allowed in a ${v.type} object`);
  if (typeof v.text !== 'string' || v.text.length === 0) errors.push(`${path}.text: required, non-empty`);
  else if (v.text.length > max) errors.push(`${path}.text: ${v.text.length} characters, more than ${max}`);
}

function checkList(v: unknown, path: string, max: number, errors: string[]): unknown[] {
  if (!Array.isArray(v) || v.length === 0) {
    errors.push(`${path}: expected a non-empty array`);
    return [];
  }
  if (v.length > max) errors.push(`${path}: ${v.length} items, more than ${max}`);
  return v;
}

/** Slack's Block Kit rules for a message payload; an empty list means Slack would take it. */
export function validateMessage(payload: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(payload)) return ['payload: expected a JSON object'];
  const { text, blocks } = payload;
  if (text !== undefined && typeof text !== 'string') errors.push('text: expected a string');
  if (typeof text === 'string' && text.length > LIMITS.text) errors.push(`text: ${text.length} characters, more than ${LIMITS.text}`);
  if (blocks === undefined) {
    if (!text) errors.push('no_text: neither text nor blocks');
    return errors;
  }
  if (!Array.isArray(blocks)) return [...errors, 'blocks: expected an array'];
  if (blocks.length > LIMITS.blocks) errors.push(`blocks: ${blocks.length} blocks, more than ${LIMITS.blocks}`);
  blocks.forEach((b, i) => {
    const path = `blocks[${i}]`;
    if (!isObject(b)) return void errors.push(`${path}: expected an object`);
    const keys = typeof b.type === 'string' ? BLOCK_KEYS[b.type] : undefined;
    if (!keys) return void errors.push(`${path}.type: unknown block type ${JSON.stringify(b.type)}`);
    for (const k of Object.keys(b)) if (!keys.includes(k)) errors.push(`${path}.${k}: not allowed in a ${b.type} block`);
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > LIMITS.blockId))
      errors.push(`${path}.block_id: at most ${LIMITS.blockId} characters`);
    switch (b.type) {
      case 'header':
        checkTextObject(b.text, `${path}.text`, LIMITS.header, errors, 'plain_text');
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) errors.push(`${path}: needs text or fields`);
        if (b.text !== undefined) checkTextObject(b.text, `${path}.text`, LIMITS.sectionText, errors);
        if (b.fields !== undefined)
          checkList(b.fields, `${path}.fields`, LIMITS.fields, errors).forEach((f, j) =>
            checkTextObject(f, `${path}.fields[${j}]`, LIMITS.fieldText, errors),
          );
        break;
      case 'context':
        checkList(b.elements, `${path}.elements`, LIMITS.contextElements, errors).forEach((e, j) => {
          if (isObject(e) && e.type === 'image') {
            if (typeof e.image_url !== 'string' || typeof e.alt_text !== 'string')
              errors.push(`${path}.elements[${j}]: image needs image_url and alt_text`);
          } else checkTextObject(e, `${path}.elements[${j}]`, LIMITS.contextText, errors);
        });
        break;
    }
  });
  return errors;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** WebClient posts form-encoded fields with objects JSON-encoded; also accept JSON bodies. */
function parseApiArgs(req: IncomingMessage, body: string): Record<string, unknown> {
  if ((req.headers['content-type'] ?? '').startsWith('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(body));
  for (const k of ['blocks', 'attachments', 'metadata', 'files']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k] as string);
  for (const k of ['reply_broadcast']) if (typeof args[k] === 'string') args[k] = args[k] === 'true';
  return args;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const webhookPath = opts.webhookPath ?? '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const channels = new Set(opts.channels ?? ['C0123456789']);
  // `null`: a request let through before a fault further down the queue.
  const faults: (SlackFault | null)[] = [];
  let seq = 0;

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  };
  const sendApi = (res: ServerResponse, body: Record<string, unknown>) =>
    send(res, 200, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8' });

  const fake: FakeSlack = {
    url: '',
    webhookUrl: '',
    apiUrl: '',
    webhooks: [],
    invalid: [],
    apiCalls: [],
    messages: [],
    files: [],
    faulted: 0,
    failNext(fault, count = 1, after = 0) {
      for (let i = 0; i < after; i++) faults.push(null);
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function applyFault(res: ServerResponse, api: boolean): boolean {
    const fault = faults.shift();
    if (fault == null) return false;
    fake.faulted++;
    if ('platformError' in fault) sendApi(res, { ok: false, error: fault.platformError });
    else {
      const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
      const body =
        fault.body ??
        (api ? JSON.stringify({ ok: false, error: fault.status === 429 ? 'ratelimited' : 'internal_error' }) : `HTTP ${fault.status}`);
      send(res, fault.status, body, headers);
    }
    return true;
  }

  function webhook(res: ServerResponse, body: string): void {
    if (applyFault(res, false)) return;
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return send(res, 400, 'invalid_payload');
    }
    const errors = validateMessage(payload);
    if (errors.length) {
      fake.invalid.push({ payload, errors });
      return send(res, 400, errors[0].startsWith('no_text') ? 'no_text' : 'invalid_blocks');
    }
    fake.webhooks.push(payload as FakeSlack['webhooks'][number]);
    send(res, 200, 'ok');
  }

  // Uploads begun with files.getUploadURLExternal, by file id.
  const pending = new Map<string, { filename: string; length: number; altText?: string; bytes?: Buffer; sawAuthorization: boolean }>();

  function files(res: ServerResponse, method: string, args: Record<string, unknown>): void {
    if (method === 'files.getUploadURLExternal') {
      const length = Number(args.length);
      if (typeof args.filename !== 'string' || !args.filename)
        return sendApi(res, { ok: false, error: 'invalid_arguments', detail: 'filename is required' });
      if (!Number.isInteger(length) || length <= 0)
        return sendApi(res, { ok: false, error: 'invalid_arguments', detail: 'length is required' });
      const id = `F${String(++seq).padStart(10, '0')}`;
      pending.set(id, { filename: args.filename, length, altText: args.alt_text as string | undefined, sawAuthorization: false });
      return sendApi(res, { ok: true, upload_url: `${fake.url}/upload/v1/${id}`, file_id: id });
    }
    // files.completeUploadExternal
    const list = args.files;
    if (!Array.isArray(list) || !list.length) return sendApi(res, { ok: false, error: 'invalid_arguments', detail: 'files is required' });
    const channel = args.channel_id === undefined ? undefined : String(args.channel_id);
    if (channel !== undefined && !channels.has(channel)) return sendApi(res, { ok: false, error: 'channel_not_found' });
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
    if (threadTs && !fake.messages.some((m) => m.channel === channel && m.ts === threadTs))
      return sendApi(res, { ok: false, error: 'invalid_thread_ts' });
    for (const f of list as { id?: string; title?: string }[]) {
      const upload = f.id ? pending.get(f.id) : undefined;
      if (!upload?.bytes) return sendApi(res, { ok: false, error: 'file_not_found' });
      if (upload.bytes.length !== upload.length) return sendApi(res, { ok: false, error: 'file_upload_size_mismatch' });
    }
    const shared = (list as { id: string; title?: string }[]).map((f) => {
      const upload = pending.get(f.id)!;
      pending.delete(f.id);
      const file: SharedFile = {
        id: f.id,
        filename: upload.filename,
        title: f.title,
        altText: upload.altText,
        bytes: upload.bytes!,
        channel: channel ?? '',
        thread_ts: threadTs,
        uploadSawAuthorization: upload.sawAuthorization,
      };
      if (channel) fake.files.push(file);
      return { id: f.id, title: f.title ?? upload.filename };
    });
    sendApi(res, { ok: true, files: shared });
  }

  /** The upload URL takes the raw bytes (or a multipart form; the notifier sends raw bytes). */
  function upload(req: IncomingMessage, res: ServerResponse, id: string, body: Buffer): void {
    const entry = pending.get(id);
    if (!entry) return send(res, 404, 'not_found');
    entry.bytes = body;
    entry.sawAuthorization = req.headers.authorization !== undefined;
    send(res, 200, `OK - ${body.length}`);
  }

  function api(req: IncomingMessage, res: ServerResponse, method: string, body: string): void {
    const args = parseApiArgs(req, body);
    fake.apiCalls.push({ method, args });
    if (applyFault(res, true)) return;
    const auth = req.headers.authorization;
    if (!auth) return sendApi(res, { ok: false, error: 'not_authed' });
    if (opts.botToken && auth !== `Bearer ${opts.botToken}`) return sendApi(res, { ok: false, error: 'invalid_auth' });
    if (method.startsWith('files.')) return files(res, method, args);
    const channel = String(args.channel ?? '');
    if (!channels.has(channel)) return sendApi(res, { ok: false, error: 'channel_not_found' });
    const errors = validateMessage({ text: args.text, blocks: args.blocks });
    if (errors.length) {
      fake.invalid.push({ payload: args, errors });
      return sendApi(res, { ok: false, error: errors[0].startsWith('no_text') ? 'no_text' : 'invalid_blocks', errors });
    }
    const content = { text: args.text as string | undefined, blocks: args.blocks as unknown[] | undefined };
    if (method === 'chat.postMessage') {
      seq++;
      const ts = `${1_700_000_000 + seq}.${String(seq).padStart(6, '0')}`;
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      if (threadTs && !fake.messages.some((m) => m.channel === channel && m.ts === threadTs))
        return sendApi(res, { ok: false, error: 'thread_not_found' });
      const message: ChatMessage = {
        channel,
        ts,
        thread_ts: threadTs,
        reply_broadcast: args.reply_broadcast as boolean | undefined,
        ...content,
        updates: 0,
      };
      fake.messages.push(message);
      return sendApi(res, { ok: true, channel, ts, message: { type: 'message', ts, ...content } });
    }
    // chat.update
    const target = fake.messages.find((m) => m.channel === channel && m.ts === args.ts);
    if (!target) return sendApi(res, { ok: false, error: 'message_not_found' });
    Object.assign(target, content, { updates: target.updates + 1 });
    sendApi(res, { ok: true, channel, ts: target.ts, text: target.text ?? '' });
  }

  function route(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = raw.toString('utf8');
    if (req.method !== 'POST') return send(res, 405, 'method_not_allowed');
    if (path === webhookPath) return webhook(res, body);
    const m = /^\/api\/(chat\.postMessage|chat\.update|files\.getUploadURLExternal|files\.completeUploadExternal)$/.exec(path);
    if (m) return api(req, res, m[1], body);
    const u = /^\/upload\/v1\/(F\d+)$/.exec(path);
    if (u) return upload(req, res, u[1], raw);
    if (path.startsWith('/api/')) return sendApi(res, { ok: false, error: 'unknown_method' });
    send(res, 404, 'no_service');
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => route(req, res, body))
      .catch(() => send(res, 400, 'invalid_payload'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.webhookUrl = fake.url + webhookPath;
  fake.apiUrl = fake.url + '/api/';
  return fake;
}
