import { describe, expect, it } from 'vitest';
import { appendHistory, mergeSamples, resample } from '../../../shared/state/history.ts';
import { sliceSeries } from '../../../shared/series.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { type StateStore } from '../../../shared/state/store.ts';
import { ConflictError } from '../../../shared/errors.ts';
import { jsonLogger } from '../../../shared/log.ts';

const M = 60_000;

describe('mergeSamples', () => {
  it('keeps samples of both reads, sorted by time', () => {
    const merged = mergeSamples(
      [
        { t: 3 * M, v: 3 },
        { t: 1 * M, v: 1 },
      ],
      [{ t: 2 * M, v: 2 }],
      { now: 3 * M, retentionMs: 10 * M },
    );
    expect(merged).toEqual([
      { t: 1 * M, v: 1 },
      { t: 2 * M, v: 2 },
      { t: 3 * M, v: 3 },
    ]);
  });

  it('lets the later read replace a sample at the same time', () => {
    const merged = mergeSamples([{ t: M, v: 1 }], [{ t: M, v: 7 }], { now: M, retentionMs: 10 * M });
    expect(merged).toEqual([{ t: M, v: 7 }]);
  });

  it('drops samples older than the retention', () => {
    const merged = mergeSamples(
      [
        { t: 0, v: 1 },
        { t: 5 * M, v: 2 },
      ],
      [{ t: 10 * M, v: 3 }],
      { now: 10 * M, retentionMs: 5 * M },
    );
    expect(merged.map((s) => s.t)).toEqual([5 * M, 10 * M]);
  });

  it('ignores non-finite incoming values instead of storing them', () => {
    const merged = mergeSamples(
      [{ t: M, v: 1 }],
      [
        { t: M, v: NaN },
        { t: 2 * M, v: Infinity },
      ],
      { now: 2 * M, retentionMs: 10 * M },
    );
    expect(merged).toEqual([{ t: M, v: 1 }]);
  });
});

describe('resample', () => {
  it('averages samples into epoch-aligned buckets stamped at the bucket start', () => {
    const series = [0, 1, 2, 3, 4, 5].map((i) => ({ t: (10 + i) * M, v: i * 10 }));
    expect(resample(series, 5 * M)).toEqual([
      { t: 10 * M, v: 20 }, // minutes 10..14: 0,10,20,30,40
      { t: 15 * M, v: 50 },
    ]);
  });

  it('leaves empty buckets as gaps', () => {
    const series = [
      { t: 0, v: 1 },
      { t: 20 * M, v: 3 },
    ];
    expect(resample(series, 5 * M)).toEqual([
      { t: 0, v: 1 },
      { t: 20 * M, v: 3 },
    ]);
  });
});

describe('sliceSeries', () => {
  it('keeps samples inside the range, both ends included', () => {
    const series = [1, 2, 3, 4].map((i) => ({ t: i * M, v: i }));
    expect(sliceSeries(series, 2 * M, 3 * M)).toEqual([
      { t: 2 * M, v: 2 },
      { t: 3 * M, v: 3 },
    ]);
  });
});

describe('appendHistory', () => {
  it('accumulates reads across runs in the store', async () => {
    const store = new MemoryStore();
    await appendHistory(store, 'history/x', [{ t: M, v: 1 }], { now: M, retentionMs: 60 * M });
    const merged = await appendHistory(store, 'history/x', [{ t: 2 * M, v: 2 }], { now: 2 * M, retentionMs: 60 * M });
    expect(merged).toEqual([
      { t: M, v: 1 },
      { t: 2 * M, v: 2 },
    ]);
    expect((await store.get('history/x'))?.value).toEqual({
      samples: [
        [M, 1],
        [2 * M, 2],
      ],
    });
  });

  it('loses no samples when two runs write at the same time', async () => {
    const store = new MemoryStore();
    await Promise.all([
      appendHistory(store, 'history/x', [{ t: M, v: 1 }], { now: 2 * M, retentionMs: 60 * M }),
      appendHistory(store, 'history/x', [{ t: 2 * M, v: 2 }], { now: 2 * M, retentionMs: 60 * M }),
    ]);
    const stored = (await store.get<{ samples: [number, number][] }>('history/x'))!.value.samples;
    expect(stored).toEqual([
      [M, 1],
      [2 * M, 2],
    ]);
  });

  it('re-reads and merges again after losing a compare-and-swap race', async () => {
    const inner = new MemoryStore();
    let raced = false;
    // A store where another writer slips in a sample between this run's read and write, once.
    const racing: StateStore = {
      get: (k) => inner.get(k),
      list: (p) => inner.list(p),
      async put(k, v, ifVersion) {
        if (!raced) {
          raced = true;
          await inner.put(k, { samples: [[5 * M, 5]] }, ifVersion);
          throw new ConflictError(k);
        }
        return inner.put(k, v, ifVersion);
      },
    };
    const merged = await appendHistory(racing, 'history/x', [{ t: 6 * M, v: 6 }], { now: 6 * M, retentionMs: 60 * M });
    expect(merged).toEqual([
      { t: 5 * M, v: 5 },
      { t: 6 * M, v: 6 },
    ]);
  });

  it('treats a corrupt stored value as empty history, and says so once at ERROR', async () => {
    const logged: { severity: string; key: string }[] = [];
    const store = new MemoryStore(jsonLogger((l) => logged.push(JSON.parse(l))));
    await store.put('history/x', { samples: [['x', 1], [M]] }, null);
    const merged = await appendHistory(store, 'history/x', [{ t: 2 * M, v: 2 }], { now: 2 * M, retentionMs: 60 * M });
    expect(merged).toEqual([{ t: 2 * M, v: 2 }]);
    expect(logged).toEqual([expect.objectContaining({ severity: 'ERROR', key: 'history/x' })]);
  });
});
