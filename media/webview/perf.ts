/**
 * Timing hooks for `npm run bench`. A real panel leaves only a few performance marks (`timeline:start`,
 * `timeline:ready`, `timeline:state`, `timeline:first-slice`, `timeline:first-draw`: one each, harmless); everything per frame is kept
 * only on a page that opts in with `<html data-bench>`, which the bench's test page does and VS Code's never does.
 *
 * Per input, the bench wants the time the page spends producing the frame that input asked for: from the start of
 * the first frame that takes the input to the end of the first draw that shows the new view with data covering it (so
 * a round trip to the host for a new slice is part of it, and so is any work that held up the frame's start).
 * "The start of the frame" is its `requestAnimationFrame` timestamp: Chromium hands a wheel event to the page at the
 * start of a frame, just before the frame's callbacks, so that timestamp is a little before the handler, or, if a
 * slice was being handled when the frame was due, the moment it was due. An input handled between frames starts with
 * the next frame: the wait for the display's next frame is not the page's work. Chromium's own input pipeline before
 * the page sees the event (`timeStamp` → handler) is kept apart: it is the browser's latency, the same for any page.
 */

/** One input (a wheel event) and the frame that answered it. */
export interface BenchStep {
  /** `event.timeStamp`: when the browser created the input. */
  inputAt: number;
  /** When the page's handler started. */
  handledAt: number;
  /** Start of the first frame at or after the handler (its `requestAnimationFrame` timestamp); -1 until it runs. */
  frameAt: number;
  /** End of the first draw showing the view this input asked for with data covering it; -1 while waiting. */
  doneAt: number;
  /** Slices that arrived between the input and that draw (a round trip to the host was on the way). */
  slices: number;
}

/** What the bench page reads back. */
export interface BenchStats {
  /** Milliseconds spent in each draw, in order. */
  draws: number[];
  /** Every input since the page loaded, in order. */
  steps: BenchStep[];
}

declare global {
  interface Window {
    __timelineBench?: BenchStats;
  }
}

const once = new Set<string>();

/**
 * Leaves a performance mark the first time `name` is reached (page start, ready sent, page laid out, first state,
 * first slice, first draw).
 */
export function markOnce(name: "start" | "ready" | "laid-out" | "state" | "first-slice" | "first-draw"): void {
  if (once.has(name)) return;
  once.add(name);
  performance.mark(`timeline:${name}`);
}

/** The stats of a bench page, or undefined on a real one. */
function stats(): BenchStats | undefined {
  if (document.documentElement.dataset.bench === undefined) return undefined;
  return (window.__timelineBench ??= { draws: [], steps: [] });
}

/** Inputs not yet answered by a complete frame. */
const waiting: BenchStep[] = [];

/** An input reached the page. */
export function benchInput(e: Event): void {
  const s = stats();
  if (!s) return;
  const step: BenchStep = { inputAt: e.timeStamp, handledAt: performance.now(), frameAt: -1, doneAt: -1, slices: 0 };
  s.steps.push(step);
  waiting.push(step);
}

/** A slice arrived: inputs waiting for their frame count it (whether a round trip was on their way). */
export function benchSlice(): void {
  if (!stats()) return;
  for (const step of waiting) step.slices++;
}

/** A frame started at `time` (a `requestAnimationFrame` timestamp): the first frame of the inputs before it. */
export function benchFrame(time: number): void {
  if (waiting.length === 0) return;
  for (const step of waiting) if (step.frameAt < 0) step.frameAt = time;
}

/** A draw took `ms`; `complete` when the data drawn covers the whole view, which answers every input so far. */
export function benchDraw(ms: number, complete: boolean): void {
  const s = stats();
  if (!s) return;
  s.draws.push(ms);
  if (!complete) return;
  const at = performance.now();
  for (const step of waiting.splice(0)) step.doneAt = at;
}
