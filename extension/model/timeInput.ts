/**
 * Times as people type and read them: the Reschedule input box, and the relative and absolute times in views.
 * Durations are written by shared/format.ts, which the timeline webview compiles too.
 */
import { formatDuration, twoUnits } from "../shared/format";

export { formatDuration };

/** Result of parsing what the user typed. `message` is shown as the input box's validation message. */
export type ParsedTime = { ok: true; time: number } | { ok: false; message: string };

/** How far from now a typed time may be. Further is almost certainly a typo (or seconds read as ms). */
export const MAX_DISTANCE_MS = 10 * 365.25 * 24 * 3600 * 1000;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const HINT = "use +30s, +5m, +2h, a date like 2026-11-23T10:00, or an epoch in ms";

/** Quotes user input in a message, shortened so that a pasted paragraph does not fill the input box. */
function quote(input: string): string {
  return `“${input.length > 40 ? `${input.slice(0, 39)}…` : input}”`;
}

/**
 * Parses a time typed for Reschedule, relative to `now`:
 * - `now`;
 * - a duration from now: `+30s`, `+5m`, `+2h`, `+1d`, `+1500ms`, combined as `+1m30s` (the `+` may be left out);
 * - a date-time: `2026-11-23T10:00` or `2026-11-23 10:00:30` in local time, or with `Z` or an offset (`+02:00`);
 * - an epoch: 13 digits in ms, 10 digits in seconds.
 * Times more than 10 years from now are refused. A time in the past is accepted: the runtime runs it at once.
 */
export function parseWhen(input: string, now: number): ParsedTime {
  const text = input.trim();
  if (text === "") return { ok: false, message: `Type when the alarm should run: ${HINT}` };
  if (!Number.isFinite(now)) return { ok: false, message: "The current time is unknown; try again" };
  const result = parseText(text, now);
  if (!result.ok) return result;
  if (!Number.isFinite(result.time)) return { ok: false, message: `${quote(text)} is not a time: ${HINT}` };
  if (Math.abs(result.time - now) > MAX_DISTANCE_MS) {
    const years = Math.round(Math.abs(result.time - now) / (365.25 * 86_400_000));
    const hint = /^\d+$/.test(text) ? " (an epoch needs 13 digits in ms, or 10 in seconds)" : "";
    return { ok: false, message: `${quote(text)} is ${years} years ${result.time > now ? "ahead" : "ago"}: pick a time within 10 years of now${hint}` };
  }
  return { ok: true, time: Math.round(result.time) };
}

function parseText(text: string, now: number): ParsedTime {
  if (/^now$/i.test(text)) return { ok: true, time: now };
  if (/^[+-]/.test(text) || /^\d+(\.\d+)?\s*[a-z]/i.test(text)) return parseDuration(text, now);
  if (/^\d{4}-\d{1,2}-\d{1,2}/.test(text)) return parseDateTime(text);
  if (/^\d+$/.test(text)) return parseEpoch(text);
  return { ok: false, message: `${quote(text)} is not a time: ${HINT}` };
}

function parseDuration(text: string, now: number): ParsedTime {
  if (text.startsWith("-")) return { ok: false, message: `${quote(text)} counts back from now: durations count forward, like +30s; to run it at once, type now` };
  const body = text.replace(/^\+\s*/, "");
  const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)(?![a-z])\s*/giy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(body); m !== null; m = part.exec(body)) {
    total += Number(m[1]) * (UNIT_MS[(m[2] ?? "").toLowerCase()] ?? Number.NaN);
    consumed = part.lastIndex;
  }
  if (body === "" || consumed !== body.length) {
    const bare = /^\d+(\.\d+)?$/.test(body) ? ` (add a unit: ${body}s, ${body}m…)` : "";
    return { ok: false, message: `${quote(text)} is not a duration${bare}: ${HINT}` };
  }
  return { ok: true, time: now + total };
}

const DATE_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function parseDateTime(text: string): ParsedTime {
  const m = DATE_TIME.exec(text);
  if (!m) {
    return { ok: false, message: `${quote(text)} is not a date-time: write it as 2026-11-23T10:00 (local), with :ss seconds, Z or an offset like +02:00 if needed` };
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const millis = Number((m[7] ?? "0").padEnd(3, "0"));
  if (month < 1 || month > 12) return { ok: false, message: `${quote(text)} has month ${month}: months run from 01 to 12` };
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return { ok: false, message: `${quote(text)} has day ${day}, but that month has ${daysInMonth} days` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, message: `${quote(text)} is not a time of day: hours run 00–23, minutes and seconds 00–59` };
  const zone = m[8];
  if (zone === undefined) {
    // No zone: local time, as the user reads clocks. Built from parts, not Date.parse, whose handling varies.
    const d = new Date(year, month - 1, day, hour, minute, second, millis);
    // Years 0–99 would be read as 1900–1999 by the Date constructor.
    d.setFullYear(year);
    return { ok: true, time: d.getTime() };
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (/^z$/i.test(zone)) return { ok: true, time: utc };
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  const offsetMin = z ? (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) : Number.NaN;
  if (!(Math.abs(offsetMin) <= 18 * 60)) return { ok: false, message: `${quote(text)} has offset ${zone}: offsets run from -18:00 to +18:00` };
  return { ok: true, time: utc - offsetMin * 60_000 };
}

function parseEpoch(text: string): ParsedTime {
  if (text.length === 13) return { ok: true, time: Number(text) };
  if (text.length === 10) return { ok: true, time: Number(text) * 1000 };
  return { ok: false, message: `${quote(text)} is not a time: an epoch needs 13 digits (ms) or 10 digits (seconds)` };
}

/**
 * A time relative to now, from `deltaMs = time − now`, in whole seconds: `in 2m 10s`, `3s ago`, `now` within half a
 * second. With `past: "overdue"`, a past time reads `overdue by 5s`, for alarms that should have run.
 */
export function formatRelative(deltaMs: number, options: { past?: "ago" | "overdue" } = {}): string {
  if (!Number.isFinite(deltaMs)) return "—";
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  if (seconds === 0) return "now";
  const span = twoUnits(seconds);
  if (deltaMs > 0) return `in ${span}`;
  return options.past === "overdue" ? `overdue by ${span}` : `${span} ago`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * A time in local time, to the second: `10:00:05` when it falls on the same local day as `now` (when given),
 * else `2026-11-23 10:00:05`. Fixed format rather than `toLocaleString`, so that views and tests agree everywhere.
 */
export function formatAbsolute(time: number, now?: number): string {
  if (!Number.isFinite(time)) return "—";
  const d = new Date(time);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (now !== undefined && Number.isFinite(now)) {
    const n = new Date(now);
    if (n.getFullYear() === d.getFullYear() && n.getMonth() === d.getMonth() && n.getDate() === d.getDate()) return clock;
  }
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

/** A time as `2026-11-23T10:00:05` in local time: what the Reschedule box offers to edit, and `parseWhen` reads back. */
export function formatInputTime(time: number): string {
  return formatAbsolute(time).replace(" ", "T");
}
