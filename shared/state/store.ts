// State store contract: compare-and-swap on a version, so two overlapping runs
// cannot both apply the same transition. Memory (tests, replay), file (CLI) and
// GCS (production, stores/gcs.ts) implement it.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, UpstreamError } from '../errors.ts';
import { jsonLogger, type Logger } from '../log.ts';

export interface Versioned<T> {
  value: T;
  /** Opaque; pass it back to `put` as `ifVersion`. */
  version: string;
}

export interface StateStore {
  /**
   * undefined when the key has never been written, or when what is stored cannot be
   * read (logged at ERROR): a `put` with ifVersion null then replaces it.
   */
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes `value` if the stored version still is `ifVersion` (null: only if absent or unreadable).
   * Throws ConflictError when another writer got there first. Returns the new version.
   */
  put<T>(key: string, value: T, ifVersion: string | null): Promise<string>;
  /** Keys with this prefix. */
  list(prefix: string): Promise<string[]>;
}

export class MemoryStore implements StateStore {
  private readonly data = new Map<string, { json: string; version: number }>();

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const e = this.data.get(key);
    return e && { value: JSON.parse(e.json) as T, version: String(e.version) };
  }

  async put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
    const e = this.data.get(key);
    if ((e ? String(e.version) : null) !== ifVersion) throw new ConflictError(key);
    const version = (e?.version ?? 0) + 1;
    this.data.set(key, { json: JSON.stringify(value), version });
    return String(version);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/**
 * Unreadable stored objects, shared by the file and GCS stores: each is logged once at
 * ERROR with its key (per version, so a run that reads it three times logs one line),
 * and its version is kept so the next write can replace exactly that object.
 */
export class UnreadableObjects {
  private readonly seen = new Map<string, string>();

  constructor(private readonly logger: Logger, private readonly store: string) {}

  /** The parsed JSON, or undefined after reporting the object as unreadable. */
  parse(key: string, version: string, text: string): { value: unknown } | undefined {
    try {
      const value: unknown = JSON.parse(text);
      this.seen.delete(key);
      return { value };
    } catch (e) {
      this.report(key, version, (e as Error).message, text.length);
      return undefined;
    }
  }

  report(key: string, version: string, error: string, bytes: number): void {
    if (this.seen.get(key) === version) return;
    this.seen.set(key, version);
    this.logger.log('ERROR', 'unreadable state object: treated as absent until the next write replaces it', { store: this.store, key, error, bytes });
  }

  /** The version of the unreadable object last seen at `key`, if that is what it holds. */
  versionOf(key: string): string | undefined {
    return this.seen.get(key);
  }

  replaced(key: string): void {
    this.seen.delete(key);
  }
}

/** A state directory that cannot be read or written: binderwatch cannot keep state, which is "cannot see", not a bug. */
function stateDirError(what: string, e: unknown): UpstreamError {
  return new UpstreamError('state directory', `${what}: ${(e as Error).message}`, undefined, false, { cause: e });
}

type FileRead<T> = { state: 'absent' } | { state: 'unreadable'; fingerprint: string } | { state: 'ok'; version: number; value: T };

/**
 * One JSON file per key under a directory. Compare-and-swap holds within one process
 * (writes are serialised); across processes it is best effort, which suits a CLI.
 */
export class FileStore implements StateStore {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly unreadable: UnreadableObjects;

  constructor(
    private readonly dir: string,
    logger: Logger = jsonLogger(),
  ) {
    this.unreadable = new UnreadableObjects(logger, 'file');
  }

  private file(key: string): string {
    return join(this.dir, encodeURIComponent(key) + '.json');
  }

  private async read<T>(key: string): Promise<FileRead<T>> {
    let text: string;
    try {
      text = await readFile(this.file(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
      throw stateDirError(`reading ${key}`, e);
    }
    // A file's version lives inside it, so an unreadable one is told apart by its bytes.
    const fingerprint = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const parsed = this.unreadable.parse(key, fingerprint, text)?.value as { version?: unknown; value?: T } | null | undefined;
    if (parsed === undefined) return { state: 'unreadable', fingerprint };
    if (typeof parsed !== 'object' || parsed === null || !Number.isSafeInteger(parsed.version) || !('value' in parsed)) {
      this.unreadable.report(key, fingerprint, 'not a {version, value} state file', text.length);
      return { state: 'unreadable', fingerprint };
    }
    return { state: 'ok', version: parsed.version as number, value: parsed.value as T };
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const r = await this.read<T>(key);
    return r.state === 'ok' ? { value: r.value, version: String(r.version) } : undefined;
  }

  put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
    const run = this.chain.then(async () => {
      const current = await this.read(key);
      if ((current.state === 'ok' ? String(current.version) : null) !== ifVersion) throw new ConflictError(key);
      // Over an unreadable file, number versions from the clock: a writer still holding a
      // version from before the damage must not match a restarted count.
      const version = current.state === 'ok' ? current.version + 1 : current.state === 'unreadable' ? Date.now() : 1;
      const tmp = this.file(key) + '.tmp';
      try {
        await mkdir(this.dir, { recursive: true });
        await writeFile(tmp, JSON.stringify({ version, value }));
        await rename(tmp, this.file(key));
      } catch (e) {
        throw stateDirError(`writing ${key}`, e);
      }
      this.unreadable.replaced(key);
      return String(version);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .flatMap((n) => {
        // Skip files someone else put in the directory whose names are not our encoding.
        try {
          return [decodeURIComponent(n.slice(0, -5))];
        } catch {
          return [];
        }
      })
      .filter((k) => k.startsWith(prefix))
      .sort();
  }
}

/** Reads, applies `update`, writes with compare-and-swap; on a lost race re-reads and re-decides. */
export async function updateWithRetry<T, R>(
  store: StateStore,
  key: string,
  update: (current: T | undefined) => { value: T; result: R } | undefined,
  attempts = 32,
): Promise<R | undefined> {
  for (let i = 0; ; i++) {
    const current = await store.get<T>(key);
    const next = update(current?.value);
    if (!next) return undefined;
    try {
      await store.put(key, next.value, current?.version ?? null);
      return next.result;
    } catch (e) {
      if (!(e instanceof ConflictError) || i + 1 >= attempts) throw e;
    }
  }
}
