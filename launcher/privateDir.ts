import { chmodSync, mkdirSync } from "node:fs";

/**
 * Creates `dir` (and its parents) and makes it readable by its user only: the launcher's folders hold the session
 * token, in session.json and the generated entry, and the runtime bundles that entry (token included) below them.
 * A folder made by an older launcher, with the umask's mode, is tightened too.
 */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
