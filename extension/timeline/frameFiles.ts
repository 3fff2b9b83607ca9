/**
 * Where a stack frame's file is in the workspace. Stacks name files as the runtime saw them: a `file://` URL, an
 * absolute path, or a path relative to the project. Only files inside a workspace folder are offered, so a frame can
 * never open an arbitrary file on the machine.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** True when `file` is `folder` or inside it (no `..` escape). */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * The absolute paths `file` may denote, inside one of `folders` (absolute paths of the workspace folders), in the order
 * to try them. Empty when it cannot be in the workspace.
 */
export function frameFileCandidates(file: string, folders: readonly string[]): string[] {
  let p = file.trim();
  if (p === "") return [];
  if (/^file:\/\//i.test(p)) {
    try {
      p = fileURLToPath(p);
    } catch {
      return [];
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(p)) {
    // Another scheme (http:, webpack:, …): not a file of this workspace.
    return [];
  }
  if (path.isAbsolute(p)) {
    const abs = path.normalize(p);
    return folders.some((f) => isInside(f, abs)) ? [abs] : [];
  }
  const out: string[] = [];
  for (const f of folders) {
    const abs = path.resolve(f, p);
    if (isInside(f, abs) && !out.includes(abs)) out.push(abs);
  }
  return out;
}
