/**
 * Ticks of the time axis: a step from a list of round durations, wide enough for its labels, aligned to local time so
 * that "10:00" falls on a tick.
 */
import { formatTime } from "../../extension/shared/format";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D];

/** One tick: its time and its label. */
export interface Tick {
  t: number;
  label: string;
}

/** The smallest round step at least `minPx` pixels apart at `msPerPx`. */
export function tickStep(msPerPx: number, minPx: number): number {
  for (const s of STEPS) if (s / msPerPx >= minPx) return s;
  return STEPS[STEPS.length - 1] as number;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** A tick label with only the precision the step needs. */
export function tickLabel(t: number, step: number): string {
  const d = new Date(t);
  if (step < S) return formatTime(t).slice(3); // mm:ss.mmm
  if (step < M) return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (step < D) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Ticks covering `[start, end]`, at least `minPx` apart. */
export function ticks(start: number, end: number, msPerPx: number, minPx = 90): { step: number; ticks: Tick[] } {
  const step = tickStep(msPerPx, minPx);
  // Steps of an hour and more are aligned to local midnight, not to UTC.
  const offset = step >= H ? -new Date(start).getTimezoneOffset() * M : 0;
  const first = Math.ceil((start + offset) / step) * step - offset;
  const out: Tick[] = [];
  for (let t = first; t <= end && out.length < 500; t += step) out.push({ t, label: tickLabel(t, step) });
  return { step, ticks: out };
}
