import type { TableSnapshot, ValuePreview } from "../protocol/protocol";
import { previewValue } from "./preview";

/** Most tables a snapshot lists. */
export const SNAPSHOT_TABLES = 20;
/** Most rows shown per table. */
export const SNAPSHOT_ROWS = 10;
/** Most columns shown per table. */
export const SNAPSHOT_COLUMNS = 20;

/**
 * Tables that are the runtime's bookkeeping, not the user's: SQLite's own, the runtime's (`_cf_KV` holds the key-value
 * API's entries, which the snapshot lists as keys already), and miniflare's (`__miniflare_do_name`).
 */
const RUNTIME_TABLE = /^(sqlite_|_cf_|__miniflare_)/;

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The user's SQLite tables with bounded row previews: frameworks keep their state there (the Agents SDK's
 * `cf_agents_jobs`), so a snapshot of a SQLite-backed object without them hides most of it. Reads only, through the
 * real `sql` (never the instrumented one, so nothing is reported as the user's). Undefined for a key-value-backed
 * object, whose storage has no `sql`.
 */
export function snapshotTables(storage: DurableObjectStorage): { tables: TableSnapshot[]; truncated: boolean } | undefined {
  let sql: SqlStorage;
  let all: string[];
  try {
    sql = storage.sql;
    all = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .toArray()
      .map((r) => r.name);
  } catch {
    return undefined; // key-value-backed: `sql` is missing, or its first statement says SQL is not enabled
  }
  const names = all.filter((name) => typeof name === "string" && !RUNTIME_TABLE.test(name));
  const tables = names.slice(0, SNAPSHOT_TABLES).map((name) => snapshotTable(sql, name));
  return { tables, truncated: names.length > SNAPSHOT_TABLES };
}

function snapshotTable(sql: SqlStorage, name: string): TableSnapshot {
  const table = quoteIdentifier(name);
  try {
    const count = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    const cursor = sql.exec(`SELECT * FROM ${table} LIMIT ${SNAPSHOT_ROWS}`);
    // Read once, before the rows: older workerd (wrangler 3's) refuses `columnNames` once the cursor is consumed.
    const allColumns = cursor.columnNames;
    const rows: ValuePreview[][] = [];
    for (const raw of cursor.raw()) rows.push(raw.slice(0, SNAPSHOT_COLUMNS).map((cell) => previewValue(cell)));
    return { name, columns: allColumns.slice(0, SNAPSHOT_COLUMNS), rowCount: count, rows, omittedColumns: Math.max(0, allColumns.length - SNAPSHOT_COLUMNS) };
  } catch (e) {
    // A virtual table whose module is missing, say: show the table, with why its rows are not.
    return { name, columns: [], rowCount: 0, rows: [], omittedColumns: 0, error: e instanceof Error ? e.message : String(e) };
  }
}
