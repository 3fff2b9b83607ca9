/**
 * How times and durations read in the timeline. Shared by the host (marker labels) and the webview (axis, detail), so
 * both say the same thing the same way; it uses nothing but the language, so it compiles in both worlds.
 */

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

/**
 * A duration as a person says it: `15 ms`, `2.4 s`, `1 min 05 s`, `2 h 03 min`, `3 d 4 h`. Negative durations keep
 * their sign (an attempt that started before its predicted window).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  const sign = ms < 0 ? "−" : "";
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 10_000) return `${sign}${(Math.floor(a / 100) / 10).toFixed(1)} s`;
  if (a < 60_000) return `${sign}${Math.floor(a / 1000)} s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)} min ${pad(Math.floor((a % 60_000) / 1000))} s`;
  if (a < 86_400_000) return `${sign}${Math.floor(a / 3_600_000)} h ${pad(Math.floor((a % 3_600_000) / 60_000))} min`;
  return `${sign}${Math.floor(a / 86_400_000)} d ${Math.floor((a % 86_400_000) / 3_600_000)} h`;
}

/** `+2.4 s` / `−300 ms`: an offset from a reference time. */
export function formatOffset(ms: number): string {
  return ms >= 0 ? `+${formatDuration(ms)}` : formatDuration(ms);
}
