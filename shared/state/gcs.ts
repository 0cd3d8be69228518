// State in Cloud Storage, one JSON object per key; the object's generation is the
// version, and writes carry `ifGenerationMatch`, so GCS itself arbitrates races.
import type { Storage } from '@google-cloud/storage';
import { ConflictError, UpstreamError } from '../errors.ts';
import { formatBytes, LIMITS } from '../limits.ts';
import { jsonLogger, type Logger } from '../log.ts';
import { UnreadableObjects, type StateStore, type Versioned } from './store.ts';

export interface GcsStoreOptions {
  storage: Storage;
  bucket: string;
  /** Prepended to every object name, e.g. `binderwatch/state/`. */
  prefix?: string;
  /** Where an unreadable state object is reported; default: JSON lines on stderr. */
  logger?: Logger;
}

export class GcsStore implements StateStore {
  private readonly storage: Storage;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly unreadable: UnreadableObjects;

  constructor(options: GcsStoreOptions) {
    this.storage = options.storage;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.unreadable = new UnreadableObjects(options.logger ?? jsonLogger(), 'gcs');
  }

  // Keys hold ':' and '/'; percent-encoding keeps them one flat, valid object name
  // and maps key prefixes to name prefixes, so `list` can ask GCS by prefix.
  private objectName(key: string): string {
    return this.prefix + encodeURIComponent(key);
  }

  private file(key: string) {
    return this.storage.bucket(this.bucket).file(this.objectName(key));
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    // One media download: GCS sends the generation of the bytes it serves in
    // x-goog-generation, so value and version always belong together (a metadata read
    // followed by a download could pair one generation's number with another's bytes).
    let generation: unknown;
    const chunks: Buffer[] = [];
    let bytes = 0;
    try {
      const stream = this.file(key)
        .createReadStream()
        .on('response', (res: { headers?: Record<string, unknown> }) => (generation = res.headers?.['x-goog-generation']));
      for await (const chunk of stream) {
        bytes += (chunk as Buffer).length;
        if (bytes > LIMITS.stateObjectBytes) break; // leaving the loop destroys the download
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw upstream(`reading ${key}`, e);
    }
    const version = generationOf(generation, `reading ${key}: the download carried no x-goog-generation`);
    // Larger than binderwatch ever writes: unreadable, like a wrong shape, so this run's write replaces it.
    if (bytes > LIMITS.stateObjectBytes)
      return void this.unreadable.report(key, version, `larger than ${formatBytes(LIMITS.stateObjectBytes)}`, bytes);
    const text = Buffer.concat(chunks).toString('utf8');
    const parsed = this.unreadable.parse(key, version, text);
    const accepted = parsed && this.unreadable.accept(key, version, parsed.value, text.length);
    return accepted && { value: accepted.value as T, version };
  }

  async put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
    // "Absent" also covers an unreadable object: replace exactly the generation that was read.
    const known = ifVersion ?? this.unreadable.versionOf(key);
    try {
      return await this.write(key, value, known ?? '0');
    } catch (e) {
      // An object this store has not read yet may be the unreadable one: read it, and if so, replace it.
      if (!(e instanceof ConflictError) || ifVersion !== null || (await this.get(key)) !== undefined) throw e;
      const unreadable = this.unreadable.versionOf(key);
      if (unreadable === undefined || unreadable === known) throw e;
      return this.write(key, value, unreadable);
    }
  }

  /** One preconditioned write; `generation` '0' means the object must not exist. */
  private async write<T>(key: string, value: T, generation: string): Promise<string> {
    const file = this.file(key);
    try {
      await new Promise<void>((resolve, reject) => {
        // One attempt, deliberately: `File.save` retries a preconditioned write on 5xx,
        // and when the first attempt landed but its answer was lost the retry meets our
        // own generation, gets 412, and the caller would re-apply its update on top.
        // A failed write surfaces as a retryable UpstreamError; the next run re-reads.
        file
          .createWriteStream({
            resumable: false,
            contentType: 'application/json',
            preconditionOpts: { ifGenerationMatch: Number(generation) },
          })
          .on('error', reject)
          .on('finish', resolve)
          .end(JSON.stringify(value));
      });
    } catch (e) {
      if (statusOf(e) === 412) throw new ConflictError(key);
      throw upstream(`writing ${key}`, e);
    }
    this.unreadable.replaced(key);
    return generationOf(file.metadata.generation, `writing ${key}: the answer carried no generation`);
  }

  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      const [files] = await this.storage.bucket(this.bucket).getFiles({ prefix: this.objectName(prefix), autoPaginate: true });
      names = files.map((f) => f.name);
    } catch (e) {
      throw upstream(`listing ${prefix}`, e);
    }
    return names
      .flatMap((n) => {
        // Skip objects someone else put under the prefix whose names are not our encoding.
        try {
          return [decodeURIComponent(n.slice(this.prefix.length))];
        } catch {
          return [];
        }
      })
      .sort();
  }
}

/** A generation is an int64, sent as a decimal string; anything else is a broken answer. */
function generationOf(value: unknown, complaint: string): string {
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  throw new UpstreamError('gcs', complaint, undefined, false);
}

/** The HTTP status of a client error; network errors carry a string code instead. */
function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function upstream(what: string, e: unknown): UpstreamError {
  const message = e instanceof Error ? e.message : String(e);
  return new UpstreamError('gcs', `${what}: ${message}`, statusOf(e), undefined, { cause: e });
}
