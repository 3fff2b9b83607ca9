/**
 * Where a file printed in a stack is on this machine. (Reading the stack itself is common/stackTrace.ts.)
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The local path a printed file denotes: `file://` URLs are converted, absolute paths kept, anything else (another
 * scheme, a bare relative name) has no path on this machine.
 */
export function localPath(file: string): string | undefined {
  if (/^file:\/\//i.test(file)) {
    try {
      return fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(file)) return undefined;
  return path.isAbsolute(file) ? path.normalize(file) : undefined;
}
