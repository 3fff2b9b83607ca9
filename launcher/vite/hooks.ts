/**
 * Node module hooks for the config `alarm-inspector vite` generates (built to `dist/vite-hooks.mjs`): the user's Vite
 * config imports `@cloudflare/vite-plugin` and calls `cloudflare({...})` with options the launcher cannot reach. The
 * hook answers that import, from anywhere but the shim itself, with a shim whose `cloudflare()` passes the user's
 * options through `withAlarmInspector()` before calling the real one. The user's files are not touched.
 */
import type { InitializeHook, ResolveHook } from "node:module";

/** The plugin's package name, as user configs import it. */
const PLUGIN = "@cloudflare/vite-plugin";

let shimUrl: string | undefined;
let pluginUrl: string | undefined;

export const initialize: InitializeHook<{ shim: string; plugin: string }> = (data) => {
  shimUrl = data.shim;
  pluginUrl = data.plugin;
};

/**
 * Vite bundles a config and rewrites its bare imports to the files they resolve to, so the hook matches either the
 * package name or the plugin's own entry file.
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (!shimUrl || context.parentURL === shimUrl) return nextResolve(specifier, context);
  if (specifier === PLUGIN) return { url: shimUrl, shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  return resolved.url === pluginUrl ? { url: shimUrl, shortCircuit: true } : resolved;
};
