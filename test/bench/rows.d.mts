// Types of rows.mjs, so the TypeScript benches report through the same code as the JavaScript ones.

/** One figure as printed and as written to BENCH_ROWS; `goal` and `met` are null for figures that explain others. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  goal: string | null;
  met: boolean | null;
  method: string;
}

export function goalRow(name: string, value: number, unit: string, op: "<=" | ">=", target: number, method: string): BenchRow;
export function infoRow(name: string, value: number, unit: string, method: string): BenchRow;
export function printRow(row: BenchRow): void;
export function format(value: number): string;
export function percentile(values: readonly number[], p: number): number;
export function median(values: readonly number[]): number;
export function ratioSpread(ratios: readonly number[]): string;
export function sleep(ms: number): Promise<void>;
