import type { SnapshotResult, ValuePreview } from "../../protocol/protocol";
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute, formatRelative } from "../model/timeInput";

/**
 * A `snapshot` result as plain text, for a read-only document: key-value entries and, for SQLite-backed objects,
 * each table with its first rows. Plain text on purpose: stored values are untrusted, and a text document renders
 * nothing they hold.
 */
export function storageText(snap: SnapshotResult, worker: string, now: number): string {
  const lines: string[] = [];
  const name = objectLabel(snap.object);
  lines.push(`${snap.object.className} ${name} — Worker ${worker}`);
  lines.push(`id ${snap.object.id}`);
  lines.push(`snapshot taken ${formatAbsolute(now, now)}`);
  lines.push("");
  lines.push(`Alarm: ${snap.alarm === null ? "none pending" : `${formatAbsolute(snap.alarm, now)} (${formatRelative(snap.alarm - now, { past: "overdue" })})`}`);
  if (snap.failNext > 0) lines.push(`Injected failures pending: ${snap.failNext}`);
  lines.push("");
  lines.push(`Key-value entries (${snap.storage.length}${snap.truncated ? "+, the first shown" : ""})`);
  if (snap.storage.length === 0) lines.push("  (none)");
  for (const { key, value } of snap.storage) lines.push(`  ${oneLine(key)} = ${previewText(value)}`);
  if (snap.tables !== undefined) {
    lines.push("");
    lines.push(`SQLite tables (${snap.tables.length}${snap.tablesTruncated ? "+, the first shown" : ""})`);
    if (snap.tables.length === 0) lines.push("  (none of the object's own)");
    for (const table of snap.tables) {
      lines.push("");
      const shown = table.rows.length < table.rowCount ? `, the first ${table.rows.length} shown` : "";
      lines.push(`  ${oneLine(table.name)} — ${table.rowCount} row${table.rowCount === 1 ? "" : "s"}${shown}`);
      if (table.error !== undefined) {
        lines.push(`    rows could not be read: ${oneLine(table.error)}`);
        continue;
      }
      const more = table.omittedColumns > 0 ? ` | (+${table.omittedColumns} more columns)` : "";
      lines.push(`    ${table.columns.map(oneLine).join(" | ")}${more}`);
      for (const row of table.rows) lines.push(`    ${row.map(previewText).join(" | ")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function previewText(v: ValuePreview): string {
  return oneLine(v.text) + (v.truncated ? "…" : "");
}

/** Keeps a value on its line: a stored newline must not fake a row of its own. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, "⏎");
}
