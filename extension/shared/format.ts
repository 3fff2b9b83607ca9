/**
 * How times and durations read in the timeline. Shared by the host (marker labels) and the webview (axis, detail), so
 * both say the same thing the same way; it uses nothing but the language, so it compiles in both worlds. Durations
 * read as they do in the tree (`formatDuration` of the model).
 */
import { formatDuration } from "../model/timeInput";

export { formatDuration };

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Local wall-clock time with milliseconds, `09:00:05.123`: alarm timing is about seconds and their fractions. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time, `2026-11-23 09:00:05.123`, for times that may be on another day than today. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(ms)}`;
}

/** `+2.4s` / `−300ms`: an offset from a reference time. */
export function formatOffset(ms: number): string {
  return `${ms < 0 ? "−" : "+"}${formatDuration(ms)}`;
}
