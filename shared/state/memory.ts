// The in-memory store: tests, replay and `check --state memory`.
import { ConflictError } from '../errors.ts';
import { jsonLogger, type Logger } from '../log.ts';
import { UnreadableObjects, type StateStore, type Versioned } from './store.ts';

export class MemoryStore implements StateStore {
  private readonly data = new Map<string, { json: string; version: number }>();
  private readonly unreadable: UnreadableObjects;

  /** `logger`: where an object of the wrong shape is reported (default: JSON lines on stderr). */
  constructor(logger: Logger = jsonLogger()) {
    this.unreadable = new UnreadableObjects(logger, 'memory');
  }

  /** What is stored at `key` if it is of its kind's shape (anything else reads as absent, like the other stores). */
  private read(key: string): { value: unknown; version: number } | undefined {
    const e = this.data.get(key);
    const accepted = e && this.unreadable.accept(key, String(e.version), JSON.parse(e.json), e.json.length);
    return accepted && e && { value: accepted.value, version: e.version };
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const r = this.read(key);
    return r && { value: r.value as T, version: String(r.version) };
  }

  async put<T>(key: string, value: T, ifVersion: string | null): Promise<string> {
    const r = this.read(key);
    if ((r ? String(r.version) : null) !== ifVersion) throw new ConflictError(key);
    const version = (this.data.get(key)?.version ?? 0) + 1;
    this.data.set(key, { json: JSON.stringify(value), version });
    this.unreadable.replaced(key);
    return String(version);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
