// State store contract: compare-and-swap on a version, so two overlapping runs
// cannot both apply the same transition. Memory (tests, replay), file (CLI) and
// GCS (production, stores/gcs.ts) implement it.
import { mkdir, readFile, rename, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../errors.ts';

export interface Versioned<T> {
  value: T;
  /** Opaque; pass it back to `put` as `ifVersion`. */
  version: string;
}

export interface StateStore {
  /** undefined when the key has never been written. */
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes `value` if the stored version still is `ifVersion` (null: only if absent).
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
 * One JSON file per key under a directory. Compare-and-swap holds within one process
 * (writes are serialised); across processes it is best effort, which suits a CLI.
 */
export class FileStore implements StateStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, encodeURIComponent(key) + '.json');
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    try {
      const { version, value } = JSON.parse(await readFile(this.file(key), 'utf8')) as { version: number; value: T };
      return { value, version: String(version) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
    const run = this.chain.then(async () => {
      const current = await this.get(key);
      if ((current?.version ?? null) !== ifVersion) throw new ConflictError(key);
      const version = Number(current?.version ?? 0) + 1;
      await mkdir(this.dir, { recursive: true });
      const tmp = this.file(key) + '.tmp';
      await writeFile(tmp, JSON.stringify({ version, value }));
      await rename(tmp, this.file(key));
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
      .map((n) => decodeURIComponent(n.slice(0, -5)))
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
