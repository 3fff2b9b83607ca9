/**
 * When to hand VS Code a tree repaint, so an event's effect shows at once even while countdowns tick.
 *
 * VS Code's extension host debounces a tree's `onDidChangeTreeData` with `Event.debounce(…, 200, leading = true)`
 * (`ExtHostTreeView` in `src/vs/workbench/api/common/extHostTreeViews.ts`; in code-server 4.139.1's
 * `extensionHostProcess.js`: `be.debounce(this._onDidChangeData.event, …, 200, !0)`): a fire is applied at once only
 * when none came in the 200 ms before it, and every fire inside the window pushes the refresh 200 ms further. A tree
 * that fires once per event and once per second for its clock therefore sees a click's effect wait behind its own
 * earlier fires (measured: "fires now" 502 ms after the event on a busy machine, though the event arrived in ~5 ms).
 *
 * So the tree never fires inside VS Code's window: changes are collected for a few milliseconds (the events of one
 * action, such as alarm.start and alarm.end of a fast handler, arrive together) and then fired as one, at the
 * earliest when the previous fire's window has closed. A first event after a quiet moment is fired after
 * `COALESCE_MS`; the clock's repaints go through the same queue and never hold one back by more than a window.
 * Pure (no `vscode`): the timer functions are injectable for unit tests.
 */

/** How long changes are collected before they are fired: the events of one action arrive within a few ms. */
export const COALESCE_MS = 8;
/** VS Code's debounce of tree changes, plus a margin so the next fire lands after its window has closed. */
export const HOST_WINDOW_MS = 215;

export interface SchedulerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: SchedulerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** What one flush hands its consumer: every node asked for since the last one, or `all` for a whole-tree refresh. */
export interface Flush<N> {
  readonly all: boolean;
  readonly nodes: ReadonlySet<N>;
  /** When the oldest change in this flush was asked for (the timers' clock). */
  readonly firstAskedAt: number;
}

export class RepaintScheduler<N> {
  private nodes = new Set<N>();
  private all = false;
  private firstAskedAt: number | undefined;
  private handle: unknown;
  private lastFireAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly fire: (flush: Flush<N>) => void,
    private readonly timers: SchedulerTimers = realTimers,
  ) {}

  /** Asks for these rows (none: the whole tree) to be repainted soon. */
  request(nodes?: Iterable<N>): void {
    if (nodes === undefined) this.all = true;
    else for (const n of nodes) this.nodes.add(n);
    if (!this.all && this.nodes.size === 0) return;
    this.firstAskedAt ??= this.timers.now();
    if (this.handle !== undefined) return;
    const now = this.timers.now();
    const at = Math.max(now + COALESCE_MS, this.lastFireAt + HOST_WINDOW_MS);
    this.handle = this.timers.setTimeout(() => this.flush(), at - now);
  }

  private flush(): void {
    this.handle = undefined;
    const flush: Flush<N> = { all: this.all, nodes: this.nodes, firstAskedAt: this.firstAskedAt ?? this.timers.now() };
    this.nodes = new Set();
    this.all = false;
    this.firstAskedAt = undefined;
    this.lastFireAt = this.timers.now();
    this.fire(flush);
  }

  dispose(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
