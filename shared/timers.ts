// The clock a client's deadlines run on. Production uses the real one; a test passes
// its own and moves time itself, so a deadline fires when the test says, never
// because the machine was busy.
export interface Timers {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `fn` once `ms` have passed; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
