// The in-memory store: tests, replay and `check --state memory`.
import { ConflictError } from '../errors.ts';
import type { StateStore, Versioned } from './store.ts';

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
