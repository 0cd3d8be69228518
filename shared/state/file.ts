// The file store: one JSON file per key, for the CLI.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, UpstreamError } from '../errors.ts';
import { jsonLogger, type Logger } from '../log.ts';
import { UnreadableObjects, type StateStore, type Versioned } from './store.ts';

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
    return join(this.dir, fileNameOf(key));
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
    const parsed = this.unreadable.parse(key, fingerprint, text)?.value as
      { version?: unknown; value?: T; key?: unknown } | null | undefined;
    if (parsed === undefined) return { state: 'unreadable', fingerprint };
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !Number.isSafeInteger(parsed.version) ||
      !('value' in parsed) ||
      !ownsKey(parsed, key)
    ) {
      this.unreadable.report(key, fingerprint, 'not a {version, value} state file', text.length);
      return { state: 'unreadable', fingerprint };
    }
    const accepted = this.unreadable.accept(key, fingerprint, parsed.value, text.length);
    if (!accepted) return { state: 'unreadable', fingerprint };
    return { state: 'ok', version: parsed.version as number, value: accepted.value as T };
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
        // A hashed name cannot be decoded back: such a file names its key inside (see list).
        await writeFile(tmp, JSON.stringify(isHashed(fileNameOf(key)) ? { version, value, key } : { version, value }));
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
    const encodedPrefix = encodeURIComponent(prefix);
    const keys = await Promise.all(
      names
        .filter((n) => n.endsWith('.json'))
        .map(async (n): Promise<string[]> => {
          const name = n.slice(0, -5);
          if (!isHashed(n)) {
            // Skip files someone else put in the directory whose names are not our encoding.
            try {
              return [decodeURIComponent(name)];
            } catch {
              return [];
            }
          }
          // The readable head of a hashed name is the start of the encoded key: skip those that cannot match.
          const head = name.slice(0, name.lastIndexOf(HASH_MARK));
          if (!head.startsWith(encodedPrefix.slice(0, head.length))) return [];
          return [await this.keyInside(n)].filter((k): k is string => k !== undefined);
        }),
    );
    return keys
      .flat()
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  /** The key a hashed file names inside itself; undefined if it names none (skipped like a stranger's file). */
  private async keyInside(name: string): Promise<string | undefined> {
    try {
      const key = (JSON.parse(await readFile(join(this.dir, name), 'utf8')) as { key?: unknown } | null)?.key;
      return typeof key === 'string' && fileNameOf(key) === name ? key : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * A key's file name: the key percent-encoded, readable, while that fits a file name
 * (255 bytes on most file systems, with room for `.json.tmp`); a longer key (a 253-character
 * pod name in a 63-character namespace, say) keeps a readable head and ends in a hash of the whole key.
 */
const MAX_READABLE = 200;
const HEAD_CHARS = 120;
/** Never produced by encodeURIComponent, so it tells a hashed name from an encoded one. */
const HASH_MARK = '=';

function fileNameOf(key: string): string {
  const encoded = encodeURIComponent(key);
  if (encoded.length <= MAX_READABLE) return encoded + '.json';
  return `${encoded.slice(0, HEAD_CHARS)}${HASH_MARK}${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`;
}

function isHashed(fileName: string): boolean {
  return fileName.includes(HASH_MARK);
}

/** A hashed file must name the key it was written for (two keys sharing a hash would otherwise read each other). */
function ownsKey(parsed: { key?: unknown }, key: string): boolean {
  return !isHashed(fileNameOf(key)) || parsed.key === key;
}
