import { DAY_MS } from '../../../shared/time.ts';
import { describe, expect, it } from 'vitest';
import type { Logger, LogSeverity } from '../../../shared/log.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { KEEP_DAYS, addEvents, emptyRollup, readRollup, recordEvents, rollupKey } from '../../../shared/slo/rollup.ts';

const T0 = Date.UTC(2026, 0, 1);

function recordingLogger() {
  const lines: { severity: LogSeverity; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = { log: (severity, message, fields) => lines.push({ severity, message, fields }) };
  return { logger, lines };
}

describe('daily SLI rollups', () => {
  it('keep 400 days of a hub probed every 10 minutes on two repos in about 16 kB', () => {
    let r = emptyRollup(T0);
    for (let d = 0; d < 450; d++) {
      const events = Array.from({ length: 288 }, (_, i) => ({
        repo: i % 2 ? 'gh/a/HEAD' : 'gh/b/HEAD',
        at: T0 + d * DAY_MS + Math.floor(i / 2) * 600_000,
        ok: i % 97 !== 0,
        launchS: 20 + (i % 50) * 3,
      }));
      r = addEvents(r, events, 120, T0 + (d + 1) * DAY_MS - 1);
    }
    expect(r.days.length).toBe(KEEP_DAYS);
    expect(r.recent.length).toBeLessThanOrEqual(3 * 288 + 1);
    const bytes = JSON.stringify(r).length;
    const dayBytes = JSON.stringify(r.days).length;
    expect(dayBytes).toBeLessThan(20_000); // measured: 16 kB
    expect(bytes).toBeLessThan(30_000); // measured: 23 kB with three days of five-minute buckets
    // One day: 288 runs, 3 failed (i = 0, 97, 194), the slow ones past 120 s among the rest.
    expect(r.days.at(-1)!.slice(0, 3)).toEqual([Math.floor((T0 + 449 * DAY_MS) / DAY_MS), 288, 3]);
  });

  it('count a probe run once however often a run sees it', () => {
    const e = { repo: 'r', at: T0, ok: false };
    const once = addEvents(emptyRollup(T0), [e], 120, T0);
    const twice = addEvents(once, [e], 120, T0 + 60_000);
    expect(twice.days).toEqual(once.days);
    expect(twice.recent).toEqual(once.recent);
  });

  it('start afresh, logged at ERROR, when the stored rollup has the wrong shape', async () => {
    const store = new MemoryStore();
    const { logger, lines } = recordingLogger();
    await store.put(rollupKey('mybinder.org'), { v: 1, days: 'not rows' }, null);
    const now = T0 + 5 * DAY_MS;
    const read = await readRollup(store, 'mybinder.org', now, logger);
    expect(read).toEqual(emptyRollup(now));
    expect(lines.filter((l) => l.severity === 'ERROR')).toHaveLength(1);
    const written = await recordEvents(store, 'mybinder.org', [{ repo: 'r', at: now, ok: true, launchS: 30 }], {
      slowAfterS: 120,
      now,
      logger,
    });
    expect(written.since).toBe(now);
    expect(written.days).toEqual([[Math.floor(now / DAY_MS), 1, 0, 0, [0, 0, 0, 0, 1]]]);
    expect((await readRollup(store, 'mybinder.org', now, logger))?.days).toEqual(written.days);
  });
});
