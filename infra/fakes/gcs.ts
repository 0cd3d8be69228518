// A loopback Cloud Storage server speaking the subset of the JSON API that
// @google-cloud/storage uses for small objects: objects.get (metadata and
// `alt=media`), objects.insert (`uploadType=multipart`, what the client sends with
// `resumable: false`) and objects.list, with generation numbers and the documented
// `ifGenerationMatch` precondition (0 = no live object; 412 on mismatch). Tests point
// the real client at it with `apiEndpoint`. No object versioning: only the live
// generation of each object exists. Parameters it does not implement are refused
// with 400, so a client change cannot pass silently.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGcsObject {
  name: string;
  data: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  /** As the upload's metadata set it (what GCS serves the object with). */
  cacheControl?: string;
  metadata?: Record<string, string>;
  timeCreated: string;
}

export interface RecordedGcsRequest {
  method: string;
  /** Path without the query, still percent-encoded as sent. */
  path: string;
  query: Record<string, string>;
  /** The Authorization header, when the client sent one. */
  authorization?: string;
}

/**
 * A fault for the next `times` requests (default 1) that match `method` and `query`.
 * `until` holds the request until it settles, `delayMs` holds it that long (both
 * before the request is served), then `status` answers with that error;
 * `afterCommit` applies an upload first and then answers `status` (a lost answer);
 * `omitGenerationHeader` serves a media download without x-goog-generation.
 */
export interface GcsFault {
  method?: 'GET' | 'POST';
  /** Only requests whose query has these values, e.g. `{ alt: 'media' }`. */
  query?: Record<string, string>;
  until?: Promise<unknown>;
  delayMs?: number;
  status?: number;
  afterCommit?: boolean;
  omitGenerationHeader?: boolean;
  times?: number;
}

export interface FakeGcs {
  /** The `apiEndpoint` to give the client, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: RecordedGcsRequest[];
  /** The live object, or undefined. */
  object(bucket: string, name: string): FakeGcsObject | undefined;
  fail(fault: GcsFault): void;
  close(): Promise<void>;
}

/** Errors in the JSON API's documented shape. */
class GcsHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** `accepts`: when set, a request must carry a bearer token it accepts (401 otherwise), as the real API checks credentials. */
export async function startFakeGcs(options: {
  buckets: string[];
  pageSize?: number;
  accepts?: (token: string) => boolean;
}): Promise<FakeGcs> {
  const buckets = new Map(options.buckets.map((b) => [b, new Map<string, FakeGcsObject>()]));
  const requests: RecordedGcsRequest[] = [];
  const faults: (GcsFault & { left: number })[] = [];
  let lastGeneration = 0;

  // Generations are microsecond timestamps in GCS; strictly increasing is what matters.
  const nextGeneration = (): number => (lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000));

  const takeFault = (method: string, query: Record<string, string>): GcsFault | undefined => {
    const i = faults.findIndex(
      (f) => (!f.method || f.method === method) && Object.entries(f.query ?? {}).every(([k, v]) => query[k] === v),
    );
    if (i < 0) return undefined;
    const f = faults[i];
    if (--f.left <= 0) faults.splice(i, 1);
    return f;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof GcsHttpError ? e : new GcsHttpError(500, String(e), 'backendError');
      sendError(res, err);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname, query, authorization: req.headers.authorization });
    const body = await readBody(req);
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (options.accepts && (bearer === undefined || !options.accepts(bearer))) {
      throw new GcsHttpError(401, 'Invalid Credentials', 'authError');
    }

    const fault = takeFault(method, query);
    await fault?.until;
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status && !fault.afterCommit) throw new GcsHttpError(fault.status, 'injected fault', 'backendError');

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const single = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);

    if (method === 'POST' && upload) {
      const bucket = decodeURIComponent(upload[1]);
      const obj = insert(bucketOf(bucket), query, req.headers['content-type'] ?? '', body);
      if (fault?.status) throw new GcsHttpError(fault.status, 'injected fault after commit', 'backendError');
      return sendJson(res, 200, resource(bucket, obj));
    }
    if (method === 'GET' && single) {
      allowParams(query, ['alt']);
      const [bucket, name] = [decodeURIComponent(single[1]), decodeURIComponent(single[2])];
      const obj = bucketOf(bucket).get(name);
      if (!obj) throw new GcsHttpError(404, `No such object: ${bucket}/${name}`, 'notFound');
      if (query.alt === 'media') return sendMedia(res, obj, !fault?.omitGenerationHeader);
      return sendJson(res, 200, resource(bucket, obj));
    }
    if (method === 'GET' && list) {
      allowParams(query, ['prefix', 'pageToken', 'maxResults']);
      return sendJson(res, 200, listObjects(decodeURIComponent(list[1]), query));
    }
    throw new GcsHttpError(404, `fake-gcs does not serve ${method} ${url.pathname}`, 'notFound');
  }

  function bucketOf(name: string): Map<string, FakeGcsObject> {
    const b = buckets.get(name);
    if (!b) throw new GcsHttpError(404, 'The specified bucket does not exist.', 'notFound');
    return b;
  }

  function insert(bucket: Map<string, FakeGcsObject>, query: Record<string, string>, contentType: string, body: Buffer): FakeGcsObject {
    allowParams(query, ['uploadType', 'name', 'ifGenerationMatch']);
    if (query.uploadType !== 'multipart')
      throw new GcsHttpError(400, `fake-gcs does not support uploadType=${query.uploadType}`, 'invalid');
    const parts = parseMultipartRelated(contentType, body);
    const meta = JSON.parse(parts[0].body.toString('utf8')) as {
      name?: string;
      contentType?: string;
      cacheControl?: string;
      metadata?: Record<string, string>;
    };
    const data = parts[1].body;
    const name = query.name ?? meta.name;
    if (!name) throw new GcsHttpError(400, 'Required', 'required');
    // The documented semantics: generation 0 means "no live object".
    if (query.ifGenerationMatch !== undefined && Number(query.ifGenerationMatch) !== (bucket.get(name)?.generation ?? 0)) {
      throw new GcsHttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
    }
    const obj: FakeGcsObject = {
      name,
      data,
      generation: nextGeneration(),
      metageneration: 1,
      contentType: meta.contentType ?? parts[1].contentType,
      cacheControl: meta.cacheControl,
      metadata: meta.metadata,
      timeCreated: new Date().toISOString(),
    };
    bucket.set(name, obj);
    return obj;
  }

  function listObjects(bucketName: string, query: Record<string, string>): Record<string, unknown> {
    const prefix = query.prefix ?? '';
    const pageSize = Math.min(Number(query.maxResults ?? 1000), options.pageSize ?? 1000);
    // Lexicographic order by name, as GCS lists; the page token is the last name served.
    const names = [...bucketOf(bucketName).keys()].filter((n) => n.startsWith(prefix) && (!query.pageToken || n > query.pageToken)).sort();
    const page = names.slice(0, pageSize);
    const out: Record<string, unknown> = { kind: 'storage#objects' };
    // GCS leaves `items` out of an empty listing.
    if (page.length) out.items = page.map((n) => resource(bucketName, bucketOf(bucketName).get(n)!));
    if (names.length > page.length) out.nextPageToken = page[page.length - 1];
    return out;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    object: (bucket, name) => buckets.get(bucket)?.get(name),
    fail: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function allowParams(query: Record<string, string>, allowed: string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new GcsHttpError(400, `fake-gcs does not support parameter(s) ${unknown.join(', ')}`, 'invalidParameter');
}

function resource(bucket: string, obj: FakeGcsObject): Record<string, unknown> {
  const base = `https://www.googleapis.com/storage/v1/b/${bucket}/o/${encodeURIComponent(obj.name)}`;
  const { md5, crc } = hashes(obj.data);
  return {
    kind: 'storage#object',
    id: `${bucket}/${obj.name}/${obj.generation}`,
    selfLink: base,
    mediaLink: `https://www.googleapis.com/download/storage/v1/b/${bucket}/o/${encodeURIComponent(obj.name)}?generation=${obj.generation}&alt=media`,
    name: obj.name,
    bucket,
    // int64 fields are JSON strings in Google APIs.
    generation: String(obj.generation),
    metageneration: String(obj.metageneration),
    contentType: obj.contentType,
    storageClass: 'STANDARD',
    size: String(obj.data.length),
    md5Hash: md5,
    crc32c: crc,
    etag: `${obj.generation}/${obj.metageneration}`,
    timeCreated: obj.timeCreated,
    updated: obj.timeCreated,
    ...(obj.cacheControl ? { cacheControl: obj.cacheControl } : {}),
    ...(obj.metadata ? { metadata: obj.metadata } : {}),
  };
}

function sendMedia(res: ServerResponse, obj: FakeGcsObject, withGeneration: boolean): void {
  const { md5, crc } = hashes(obj.data);
  res.writeHead(200, {
    'content-type': obj.contentType,
    'content-length': obj.data.length,
    ...(obj.cacheControl ? { 'cache-control': obj.cacheControl } : {}),
    ...(withGeneration ? { 'x-goog-generation': String(obj.generation) } : {}),
    'x-goog-metageneration': String(obj.metageneration),
    'x-goog-hash': `crc32c=${crc},md5=${md5}`,
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(obj.data.length),
  });
  res.end(obj.data);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: GcsHttpError): void {
  if (res.headersSent) return void res.destroy();
  sendJson(res, e.status, {
    error: { code: e.status, message: e.message, errors: [{ domain: 'global', reason: e.reason, message: e.message }] },
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** RFC 2046 multipart body as objects.insert receives it: metadata part, then media part. */
function parseMultipartRelated(contentType: string, body: Buffer): { contentType: string; body: Buffer }[] {
  const m = /^multipart\/related;\s*boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new GcsHttpError(400, `expected multipart/related, got ${contentType}`, 'invalid');
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: { contentType: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // close delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new GcsHttpError(400, 'multipart body has no close delimiter', 'invalid');
    // The CRLF before a delimiter belongs to the delimiter.
    const raw = body.subarray(start + 2, body.subarray(next - 2, next).toString() === '\r\n' ? next - 2 : next);
    const split = raw.indexOf('\r\n\r\n');
    const headers = raw.subarray(0, split).toString('utf8');
    parts.push({
      contentType: /^content-type:\s*(.+)$/im.exec(headers)?.[1].trim() ?? 'text/plain',
      body: raw.subarray(split + 4),
    });
    at = next;
  }
  if (parts.length !== 2) throw new GcsHttpError(400, `multipart upload needs 2 parts, got ${parts.length}`, 'invalid');
  return parts;
}

function hashes(data: Buffer): { md5: string; crc: string } {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(data));
  return { md5: createHash('md5').update(data).digest('base64'), crc: crc.toString('base64') };
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), which GCS reports base64 big-endian.
const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

function crc32c(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC32C_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
