/**
 * Timing hooks for `npm run bench`. The first draw with data leaves a `timeline:first-draw` performance mark (one
 * mark, harmless in a real panel); per-frame draw times are kept only on a page that opts in with
 * `<html data-bench>`, which the bench's test page does and VS Code's never does.
 */

/** What the bench page reads back. */
export interface BenchStats {
  /** Milliseconds spent in each draw, in order. */
  draws: number[];
}

declare global {
  interface Window {
    __timelineBench?: BenchStats;
  }
}

let firstDrawMarked = false;

/** Marks the first frame that showed data. */
export function markFirstDraw(): void {
  if (firstDrawMarked) return;
  firstDrawMarked = true;
  performance.mark("timeline:first-draw");
}

/** Records one draw's duration on a bench page. */
export function benchDraw(ms: number): void {
  if (document.documentElement.dataset.bench === undefined) return;
  const stats = (window.__timelineBench ??= { draws: [] });
  stats.draws.push(ms);
}
