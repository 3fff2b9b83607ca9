// One figure of `npm run bench`, as printed and as written for tools: {name, value, unit, goal, met, method}.
// Each bench script appends its rows (one JSON object per line) to the file named by BENCH_ROWS, when set;
// scripts/bench.mjs gathers them into bench-results.json and prints the table.
import { appendFileSync } from "node:fs";

const SYMBOL = { "<=": "≤", ">=": "≥" };

/** A figure measured against a goal: `op` is "<=" or ">=". */
export function goalRow(name, value, unit, op, target, method) {
  const met = Number.isFinite(value) && (op === "<=" ? value <= target : value >= target);
  return { name, value: round(value), unit, goal: `${SYMBOL[op]} ${target.toLocaleString("en")} ${unit}`, met, method };
}

/** A figure that explains others: no goal, no verdict. */
export function infoRow(name, value, unit, method) {
  return { name, value, unit, goal: null, met: null, method };
}

/** Prints a row and, when BENCH_ROWS is set, appends it there. */
export function printRow(row) {
  const verdict = row.met === null ? "" : row.met ? "  met" : "  MISSED";
  const goal = row.goal ? `  (goal ${row.goal})` : "";
  console.log(`  ${row.name}: ${format(row.value)} ${row.unit}${goal}${verdict}\n      ${row.method}`);
  if (process.env.BENCH_ROWS) appendFileSync(process.env.BENCH_ROWS, `${JSON.stringify(row)}\n`);
}

export function format(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en");
  return Number(value.toPrecision(3)).toString();
}

function round(value) {
  return Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function median(values) {
  return percentile(values, 50);
}

/**
 * The lowest and highest of per-round ratios, as text ("0.81–0.95"): how far one round can land from another on this
 * machine, which says how much a median a few hundredths off its goal means.
 */
export function ratioSpread(ratios) {
  return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
