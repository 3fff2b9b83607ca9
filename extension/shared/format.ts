/**
 * How times and durations read. Shared by the host (tree, lenses, marker labels) and the timeline webview (axis,
 * detail), so both say the same thing the same way; it uses nothing but the language, so it compiles in both worlds.
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

/** `+2.4s` / `−300ms`: an offset from a reference time. */
export function formatOffset(ms: number): string {
  return `${ms < 0 ? "−" : "+"}${formatDuration(ms)}`;
}

/**
 * A duration as two units at most, largest first: `250ms`, `1.5s`, `45s`, `2m 10s`, `3h 5m`, `2d 4h`. Below 10 s it
 * keeps a decimal, because alarm attempts and retry delays at that scale differ by fractions of a second.
 */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (!Number.isFinite(abs)) return "—";
  if (abs < 1000) return `${Math.round(abs)}ms`;
  if (abs < 10_000) return `${(Math.floor(abs / 100) / 10).toString()}s`;
  return twoUnits(Math.round(abs / 1000));
}

/** Whole seconds as two units at most, largest first: `45s`, `2m 10s`, `3h 5m`, `2d 4h`. */
export function twoUnits(totalSeconds: number): string {
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  if (parts.length === 0) return "0s";
  // "2m 0s" reads as noise: drop a zero second unit.
  return parts.filter((p, i) => i === 0 || !/^0[a-z]$/.test(p)).join(" ");
}
