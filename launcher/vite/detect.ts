/**
 * Whether a project runs its Worker under `vite dev`: shared by the launcher and the extension's *Start*, so both
 * decide the same way. No Node or VS Code imports.
 */

/** Names Vite looks for, in its own order. */
export const VITE_CONFIG_NAMES = ["vite.config.js", "vite.config.mjs", "vite.config.ts", "vite.config.cjs", "vite.config.mts", "vite.config.cts"] as const;

/** True when a Vite config's text imports the Cloudflare plugin. */
export function usesCloudflarePlugin(configText: string): boolean {
  return /["']@cloudflare\/vite-plugin["']/.test(configText);
}
