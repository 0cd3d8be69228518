// State store contract: compare-and-swap on a version, so two overlapping runs
// cannot both apply the same transition. Memory (tests, replay), file (CLI) and
// GCS (production) implement it; keys.ts names every key.
import { ConflictError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { checkShape } from './shapes.ts';

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

/**
 * Unreadable stored objects (bytes that are not JSON, or JSON not of its key's shape),
 * shared by every store: each is logged once at
 * ERROR with its key (per version, so a run that reads it three times logs one line),
 * and its version is kept so the next write can replace exactly that object.
 */
export class UnreadableObjects {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly logger: Logger,
    private readonly store: string,
  ) {}

  /** The parsed JSON, or undefined after reporting the object as unreadable. */
  parse(key: string, version: string, text: string): { value: unknown } | undefined {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (e) {
      this.report(key, version, (e as Error).message, text.length);
      return undefined;
    }
  }

  /** The value as its kind reads it (shapes.ts), or undefined after reporting it as of the wrong shape. */
  accept(key: string, version: string, value: unknown, bytes: number): { value: unknown } | undefined {
    const checked = checkShape(key, value);
    if (!checked.ok) {
      this.report(key, version, checked.error, bytes);
      return undefined;
    }
    this.seen.delete(key);
    return { value: checked.value };
  }

  report(key: string, version: string, error: string, bytes: number): void {
    if (this.seen.get(key) === version) return;
    this.seen.set(key, version);
    this.logger.log('ERROR', 'unreadable state object: treated as absent until the next write replaces it', {
      store: this.store,
      key,
      error,
      bytes,
    });
  }

  /** The version of the unreadable object last seen at `key`, if that is what it holds. */
  versionOf(key: string): string | undefined {
    return this.seen.get(key);
  }

  replaced(key: string): void {
    this.seen.delete(key);
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
