// Rolling series history in the state store, for upstreams that only show a short
// window (GA realtime: the last 30 minutes) or only "now" (Kubernetes node counts).
// Each run merges what it read; the detector reads the longer history back.
import type { Sample, Series } from '../model.ts';
import { updateWithRetry, type StateStore } from './store.ts';

/** Stored form: [t, v] pairs, oldest first (compact: a day of minutes is ~40 kB). */
interface StoredHistory {
  samples: [number, number][];
}

export interface HistoryOptions {
  /** Samples older than `now - retentionMs` are dropped. */
  retentionMs: number;
  now: number;
}

/**
 * Merges `incoming` into `existing`: a sample at the same timestamp replaces the
 * stored one (the later read knows more), samples older than the retention are dropped.
 * Pure; both inputs may be unsorted.
 */
export function mergeSamples(existing: Series, incoming: Series, opts: HistoryOptions): Series {
  const byTime = new Map<number, number>();
  for (const s of existing) byTime.set(s.t, s.v);
  for (const s of incoming) if (Number.isFinite(s.v)) byTime.set(s.t, s.v);
  const oldest = opts.now - opts.retentionMs;
  return [...byTime]
    .filter(([t]) => t >= oldest)
    .sort((a, b) => a[0] - b[0])
    .map(([t, v]) => ({ t, v }));
}

/**
 * Averages samples into buckets of `stepMs` aligned to the epoch, stamped at the
 * bucket start. Empty buckets stay gaps. A per-minute rate stays a per-minute rate.
 */
export function resample(series: Series, stepMs: number): Series {
  const buckets = new Map<number, { sum: number; n: number }>();
  for (const s of series) {
    const t = Math.floor(s.t / stepMs) * stepMs;
    const b = buckets.get(t) ?? { sum: 0, n: 0 };
    b.sum += s.v;
    b.n++;
    buckets.set(t, b);
  }
  return [...buckets].sort((a, b) => a[0] - b[0]).map(([t, b]) => ({ t, v: b.sum / b.n }));
}

/** Merges `incoming` into the history at `key` (compare-and-swap, retried) and returns the whole merged history. */
export async function appendHistory(store: StateStore, key: string, incoming: Series, opts: HistoryOptions): Promise<Series> {
  const merged = await updateWithRetry<StoredHistory, Series>(store, key, (current) => {
    const next = mergeSamples(fromStored(current), incoming, opts);
    return { value: { samples: next.map((s): [number, number] => [s.t, s.v]) }, result: next };
  });
  // updateWithRetry only returns undefined when the update declines to write, which this one never does.
  return merged ?? [];
}

/** The whole stored history at `key` (empty when there is none), without writing. */
export async function readHistory(store: StateStore, key: string): Promise<Series> {
  return fromStored((await store.get<StoredHistory>(key))?.value);
}

function fromStored(stored: StoredHistory | undefined): Sample[] {
  if (!stored || !Array.isArray(stored.samples)) return [];
  return stored.samples.filter((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1])).map(([t, v]) => ({ t, v }));
}
