/**
 * How an object is named in views. Ids are 64 hex characters: too long for a tree row, so a row shows the name the
 * object was addressed by when the runtime knows it, else the start of the id; the full id is always in the tooltip.
 */
import type { ObjectRef } from "../../protocol/protocol";

/** Hex characters shown of an unnamed object's id: enough to tell objects apart at a glance, and to search by. */
export const SHORT_ID_LENGTH = 8;

/** The first `SHORT_ID_LENGTH` characters of an id and "…", or the id itself when it is that short. */
export function shortId(id: string): string {
  return id.length > SHORT_ID_LENGTH ? `${id.slice(0, SHORT_ID_LENGTH)}…` : id;
}

/** The row label: the name when known, else the short id. */
export function objectLabel(ref: Pick<ObjectRef, "id" | "name">): string {
  return ref.name !== undefined && ref.name !== "" ? ref.name : shortId(ref.id);
}

/**
 * Plain tooltip text: class and name, then the full id, then the worker when given, one per line. Plain text (not
 * Markdown) so that any view can use it; ids and names are shown as they are.
 */
export function objectTooltip(ref: ObjectRef, worker?: string): string {
  const lines = [ref.name !== undefined && ref.name !== "" ? `${ref.className} “${ref.name}”` : `${ref.className} (unnamed)`, `id ${ref.id}`];
  if (worker !== undefined) lines.push(`worker ${worker}`);
  return lines.join("\n");
}
