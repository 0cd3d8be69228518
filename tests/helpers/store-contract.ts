// The StateStore contract as one behaviour table, run against every implementation
// (memory, file, GCS through the real client), so they cannot drift apart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.ts';
import { jsonLogger, type Logger } from '../../shared/log.ts';
import { updateWithRetry, type StateStore } from '../../shared/state/store.ts';

export interface OpenedStore {
  store: StateStore;
  close?: () => Promise<void>;
  /** Overwrites what is stored at `key` with these bytes, as a crash or a person might (stores that persist). */
  damage?: (key: string, bytes: string) => Promise<void>;
}

const KEY = 'launch:mybinder.org:gh/binder-examples/requirements/HEAD';

/** `persists`: the store keeps bytes that can be damaged (`damage` given), so the unreadable-object cases apply to it. */
export function describeStoreContract(
  name: string,
  open: (logger: Logger) => Promise<OpenedStore>,
  { persists }: { persists: boolean },
): void {
  describe(`${name} honours the state store contract`, () => {
    let opened: OpenedStore;
    let logs: Record<string, unknown>[];
    beforeEach(async () => {
      logs = [];
      opened = await open(jsonLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>)));
    });
    afterEach(async () => {
      await opened.close?.();
    });

    it('returns undefined for a key never written', async () => {
      expect(await opened.store.get(KEY)).toBeUndefined();
    });

    it('writes an absent key with ifVersion null and reads back the value and version', async () => {
      const value = { state: 'firing', since: 1_700_000_000_000, owed: [{ channel: 'slack' }] };
      const version = await opened.store.put(KEY, value, null);
      expect(await opened.store.get(KEY)).toEqual({ value, version });
    });

    it('refuses ifVersion null once the key exists, keeping the first value', async () => {
      await opened.store.put(KEY, 1, null);
      await expect(opened.store.put(KEY, 2, null)).rejects.toBeInstanceOf(ConflictError);
      expect((await opened.store.get(KEY))?.value).toBe(1);
    });

    it('accepts a write with the current version and returns a new version', async () => {
      const v1 = await opened.store.put(KEY, 'a', null);
      const v2 = await opened.store.put(KEY, 'b', v1);
      expect(v2).not.toBe(v1);
      expect(await opened.store.get(KEY)).toEqual({ value: 'b', version: v2 });
    });

    it('rejects a stale version with ConflictError and keeps the newer value', async () => {
      const v1 = await opened.store.put(KEY, 'a', null);
      const v2 = await opened.store.put(KEY, 'b', v1);
      await expect(opened.store.put(KEY, 'c', v1)).rejects.toBeInstanceOf(ConflictError);
      expect(await opened.store.get(KEY)).toEqual({ value: 'b', version: v2 });
    });

    it('lets exactly one of two writers holding the same version win', async () => {
      const v1 = await opened.store.put(KEY, 'start', null);
      const results = await Promise.allSettled([opened.store.put(KEY, 'first', v1), opened.store.put(KEY, 'second', v1)]);
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, version: r.value }] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(ConflictError);
      expect(await opened.store.get(KEY)).toEqual({ value: ['first', 'second'][won[0].i], version: won[0].version });
    });

    it('lists keys by prefix, sorted, with ":", "/" and "%" intact', async () => {
      const keys = ['launch:mybinder.org:gh/a/b', 'headroom:prod/user-pool', 'launch:mybinder.org:gh/a/c', 'launch:other', 'silence:50%/x'];
      for (const k of keys) await opened.store.put(k, k, null);
      expect(await opened.store.list('launch:mybinder.org:')).toEqual(['launch:mybinder.org:gh/a/b', 'launch:mybinder.org:gh/a/c']);
      expect(await opened.store.list('')).toEqual([...keys].sort());
      expect(await opened.store.list('silence:50%')).toEqual(['silence:50%/x']);
      expect(await opened.store.list('node:')).toEqual([]);
    });

    it('loses no update when 20 read-modify-write increments race on one key', async () => {
      // Each lost race means another writer succeeded, so 20 attempts always suffice for 20 writers.
      const increments = Array.from({ length: 20 }, () =>
        updateWithRetry<number, void>(opened.store, KEY, (n) => ({ value: (n ?? 0) + 1, result: undefined }), 20),
      );
      await Promise.all(increments);
      expect((await opened.store.get<number>(KEY))?.value).toBe(20);
    });

    it('keeps a key as long as a 253-character pod name in a 63-character namespace, lists it and tells it from its neighbours', async () => {
      const ns = 'n'.repeat(63);
      const long = (c: string) => `test/clusterHealth/pod:${ns}/${c.repeat(253)}`;
      await opened.store.put(long('a'), 'a', null);
      const version = await opened.store.put(long('b'), 'b', null);
      await opened.store.put(KEY, 'short', null);
      expect(await opened.store.get(long('b'))).toEqual({ value: 'b', version });
      expect((await opened.store.get(long('a')))?.value).toBe('a');
      expect(await opened.store.get(long('c'))).toBeUndefined();
      expect(await opened.store.list('test/clusterHealth/')).toEqual([long('a'), long('b')]);
      expect(await opened.store.list(long('b'))).toEqual([long('b')]);
      expect((await opened.store.get(KEY))?.value).toBe('short');
    });

    describe("an object not of its kind's shape", () => {
      const MEMORY = 'memory/launchProbe';

      it('reads as absent, logged once at ERROR with its key, and is replaced by the next write', async () => {
        await opened.store.put(MEMORY, { evidence: 5 }, null);
        expect(await opened.store.get(MEMORY)).toBeUndefined();
        expect(await opened.store.get(MEMORY)).toBeUndefined();
        expect(logs).toEqual([expect.objectContaining({ severity: 'ERROR', key: MEMORY, error: expect.stringMatching(/evidence/) })]);
        const good = { evidence: {}, failing: [], counted: {} };
        await updateWithRetry(opened.store, MEMORY, (current) => (current === undefined ? { value: good, result: true } : undefined));
        expect((await opened.store.get(MEMORY))?.value).toEqual(good);
      });

      it('checks every kind the store holds: history, chart, Slack thread, run, pod problems, traffic memory', async () => {
        const bad: [string, unknown][] = [
          ['history/nodes/p/l/c/pool', { samples: [[1, 'x']] }],
          ['history/pod-problems/default', { 'ns/pod/CrashLoopBackOff': null }],
          ['chart/trafficVsPods', { 'traffic:x': 5 }],
          ['slack-thread/abc', 'not a ts'],
          ['run/clusterHealth', { lastRunAt: 'yesterday' }],
          ['memory/trafficVsPods', { incident: { runs: 5 } }],
          ['memory/trafficVsPods', null],
        ];
        for (const [key, value] of bad) {
          await updateWithRetry(opened.store, key, () => ({ value, result: true }));
          expect(await opened.store.get(key), key).toBeUndefined();
        }
        expect(logs.filter((l) => l.severity === 'ERROR').map((l) => l.key)).toEqual(bad.map(([k]) => k));
      });
    });

    // Declared only where they apply: a memory store holds values, not bytes to damage.
    if (persists)
      describe('an unreadable object', () => {
        const damage = (key: string, bytes: string) => opened.damage!(key, bytes);

        it('reads as absent, logged once at ERROR with its key however often it is read', async () => {
          await opened.store.put(KEY, { phase: 'firing' }, null);
          await damage(KEY, '{"broken');
          expect(await opened.store.get(KEY)).toBeUndefined();
          expect(await opened.store.get(KEY)).toBeUndefined();
          expect(logs).toEqual([
            expect.objectContaining({ severity: 'ERROR', key: KEY, message: expect.stringMatching(/unreadable state object/) }),
          ]);
        });

        it('is replaced by the next write with ifVersion null, and reads back from then on', async () => {
          await damage(KEY, '{"broken');
          expect(await opened.store.get(KEY)).toBeUndefined();
          const version = await opened.store.put(KEY, { phase: 'ok' }, null);
          expect(await opened.store.get(KEY)).toEqual({ value: { phase: 'ok' }, version });
        });

        it('is replaced through updateWithRetry, which sees it as absent', async () => {
          await opened.store.put(KEY, 7, null);
          await damage(KEY, '\u0000\u0001 not json');
          await updateWithRetry<number, void>(opened.store, KEY, (n) => ({ value: (n ?? 0) + 1, result: undefined }));
          expect((await opened.store.get<number>(KEY))?.value).toBe(1);
        });

        it('still refuses a writer holding a version from before the damage', async () => {
          const v1 = await opened.store.put(KEY, 'a', null);
          await damage(KEY, '{"broken');
          await expect(opened.store.put(KEY, 'b', v1)).rejects.toBeInstanceOf(ConflictError);
          await opened.store.put(KEY, 'c', null);
          await expect(opened.store.put(KEY, 'd', v1)).rejects.toBeInstanceOf(ConflictError);
          expect((await opened.store.get(KEY))?.value).toBe('c');
        });

        it('is logged again once it is damaged anew after a good write', async () => {
          await damage(KEY, '{"broken');
          await opened.store.get(KEY);
          await opened.store.put(KEY, 1, null);
          await damage(KEY, '{"broken');
          await opened.store.get(KEY);
          expect(logs.filter((l) => l.severity === 'ERROR')).toHaveLength(2);
        });
      });
  });
}
