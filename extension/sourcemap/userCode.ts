/**
 * Which source files are the user's own. A call site is the first frame of the user's code, so frames inside the
 * inspector's agent, wrangler's generated entry and middleware, and dependencies are skipped.
 */

/** Path segments, separator-agnostic, so the rule reads the same on Windows. */
function segments(file: string): string[] {
  return file.split(/[\\/]+/);
}

/**
 * True for a file of the user's project:
 * - not under `node_modules/` (dependencies, wrangler's middleware templates, miniflare's wrappers);
 * - not under a `.wrangler/` folder (the launcher's generated entry, wrangler's bundles and facades);
 * - not the agent bundle (`dist/agent.mjs` of the inspector, which the generated entry imports by path).
 */
export function isUserSource(file: string): boolean {
  const parts = segments(file);
  if (parts.includes("node_modules") || parts.includes(".wrangler")) return false;
  const n = parts.length;
  if (n >= 2 && parts[n - 1] === "agent.mjs" && parts[n - 2] === "dist") return false;
  return true;
}
