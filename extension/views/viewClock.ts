/**
 * The one clock every view's relative words ("fires in 12s", "9s ago", "3 pending") are computed against. Before it,
 * the tree, the status bar and the CodeLens each ran their own one-second interval, started at different moments,
 * so for up to a second they disagreed (a class row at 4 pending beside a status bar at 3; an attempt "20s ago"
 * beside storage rows of the same moment at "33s ago"). Now each tick hands every subscriber the same `now`, and the
 * ticks fall just after each wall-clock second, when second-resolution words change. Pure (no `vscode`).
 */
import { toDisposable } from "../common/lifecycle";
import type { IDisposable } from "../common/lifecycle";

/** After the second boundary, so `floor((t - now) / 1000)` has moved by the time a subscriber reads it. */
const PAST_SECOND_MS = 5;

export class ViewClock implements IDisposable {
  private readonly listeners = new Set<(now: number) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Calls `fn(now)` on every tick, with the same `now` for all subscribers of that tick. */
  onTick(fn: (now: number) => void): IDisposable {
    this.listeners.add(fn);
    if (this.timer === undefined && !this.disposed) this.arm();
    return toDisposable(() => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    });
  }

  private arm(): void {
    const now = this.clock();
    this.timer = setTimeout(() => this.tick(), 1000 - (now % 1000) + PAST_SECOND_MS);
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.clock();
    for (const fn of [...this.listeners]) fn(now);
    if (this.listeners.size > 0 && !this.disposed) this.arm();
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.stop();
  }
}
