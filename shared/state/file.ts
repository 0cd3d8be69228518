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
