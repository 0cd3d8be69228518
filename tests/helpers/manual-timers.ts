// A clock that moves only when the test moves it: deadlines fire on `advance`, in
// order, and never because the machine was slow. Starts at 0.
import type { Timers } from '../../shared/timers.ts';

export class ManualTimers implements Timers {
  private time = 0;
  private readonly pending = new Set<{ at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn };
    this.pending.add(timer);
    return () => this.pending.delete(timer);
  }

  /** Moves time on by `ms`, firing every timer due by then, earliest first. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = [...this.pending].filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.pending.delete(next);
      this.time = next.at;
      next.fn();
    }
    this.time = until;
  }
}
