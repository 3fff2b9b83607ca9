/**
 * The visible window of the timeline, and how panning, zooming, scrolling and following move it. Plain functions of
 * plain data, so the keyboard, the mouse and the follow timer all move the view the same way.
 */

/** What is on screen. */
export interface View {
  /** Visible time range, ms since the epoch. */
  start: number;
  end: number;
  /** Vertical scroll of the lanes, in CSS pixels. */
  scrollY: number;
  /** Keep "now" in sight as time passes. */
  follow: boolean;
}

/** Narrowest time span shown: 20 ms, about what one attempt's start and end need to be told apart. */
export const MIN_SPAN_MS = 20;
/** Widest time span shown: 60 days. */
export const MAX_SPAN_MS = 60 * 86_400_000;
/** While following, "now" sits this far from the right edge, as a fraction of the span: room for pending alarms. */
export const FOLLOW_RIGHT_ROOM = 0.15;

function clampSpan(span: number): number {
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span));
}

/** Moves the time range by `deltaMs` (positive: later). */
export function pan(v: View, deltaMs: number): View {
  return { ...v, start: v.start + deltaMs, end: v.end + deltaMs };
}

/** Zooms by `factor` (< 1 zooms in) keeping the time at `anchor` (a fraction 0–1 of the width) where it is. */
export function zoom(v: View, factor: number, anchor = 0.5): View {
  const span = v.end - v.start;
  const next = clampSpan(span * factor);
  const at = v.start + span * anchor;
  return { ...v, start: at - next * anchor, end: at - next * anchor + next };
}

/** Shows `[start, end]` with a little room each side. */
export function fit(v: View, start: number, end: number, room = 0.05): View {
  const span = clampSpan(Math.max(end - start, MIN_SPAN_MS) * (1 + 2 * room));
  const mid = (start + end) / 2;
  return { ...v, start: mid - span / 2, end: mid + span / 2 };
}

/** The view that keeps `now` in sight at the same span: "now" near the right edge. */
export function followNow(v: View, now: number): View {
  const span = v.end - v.start;
  const end = now + span * FOLLOW_RIGHT_ROOM;
  return { ...v, start: end - span, end };
}

/** Scrolls the lanes to `scrollY`, kept within the content. */
export function scrollTo(v: View, scrollY: number, contentHeight: number, viewportHeight: number): View {
  const max = Math.max(0, contentHeight - viewportHeight);
  return { ...v, scrollY: Math.min(max, Math.max(0, scrollY)) };
}

/** Centres `t` horizontally if it is outside the middle 80 % of the view. */
export function reveal(v: View, t: number): View {
  const span = v.end - v.start;
  if (t >= v.start + span * 0.1 && t <= v.end - span * 0.1) return v;
  return { ...v, start: t - span / 2, end: t + span / 2 };
}
