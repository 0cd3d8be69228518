// The per-request deadline of every upstream read: it must fire even when nothing but
// the request observes it (nodejs/node#57736 collects AbortSignal.any's timeout inputs).
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../../shared/clients/bounded-http.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the abort reason's name, or 'still waiting' after `waitMs`. */
async function outcome(signal: AbortSignal, waitMs: number): Promise<string> {
  const fired = new Promise<string>((resolve) =>
    signal.addEventListener('abort', () => resolve((signal.reason as Error).name), { once: true }),
  );
  return Promise.race([fired, sleep(waitMs).then(() => 'still waiting')]);
}

describe('deadlineSignal', () => {
  it('aborts with a TimeoutError after its time', async () => {
    expect(await outcome(deadlineSignal(30), 2_000)).toBe('TimeoutError');
  });

  it("aborts with the parent's reason when the parent aborts first", async () => {
    const parent = new AbortController();
    const signal = deadlineSignal(60_000, parent.signal);
    parent.abort(new Error('budget'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('budget');
  });

  it('is aborted at once under a parent that already aborted', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    expect(deadlineSignal(60_000, parent.signal).aborted).toBe(true);
  });

  it('fires after garbage collections, with a long-lived parent that never aborts', async () => {
    const parent = new AbortController().signal;
    const results: Promise<string>[] = [];
    for (let i = 0; i < 50; i++) results.push(outcome(deadlineSignal(100, parent), 3_000));
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(10);
    }
    expect(new Set(await Promise.all(results))).toEqual(new Set(['TimeoutError']));
  });

  it('holds one listener on a long-lived parent however many deadlines run under it, and still aborts them all with it', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const parent = new AbortController();
      // A probe's budget over many quick requests, each with a long timeout of its own.
      const signals = Array.from({ length: 50 }, () => deadlineSignal(60_000, parent.signal));
      expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
      parent.abort(new Error('budget'));
      expect(signals.every((s) => s.aborted && (s.reason as Error).message === 'budget')).toBe(true);
      await sleep(10);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
