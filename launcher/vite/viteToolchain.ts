import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LauncherError } from "../errors";

import { VITE_CONFIG_NAMES } from "./detect";

export { usesCloudflarePlugin, VITE_CONFIG_NAMES } from "./detect";

/** Major versions of `@cloudflare/vite-plugin` whose entry (`virtual:cloudflare/user-entry`) the agent wraps. */
export const SUPPORTED_PLUGIN_MAJOR = 1;
/** The plugin's options type gained `config` customisers and auxiliary Workers in 1.0; tested with 1.64. */
const TESTED_PLUGIN = "1.64.0";

/** A package folder as Node would find it from `fromDir` (exports maps may hide `package.json` from require.resolve). */
export function findPackageDir(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", ...name.split("/"));
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function readPackage(dir: string): { version: string; main?: string; exports?: unknown; bin?: unknown } {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
}

/** The Vite config of the project: `--config FILE` if given, else the first of Vite's own names. */
export function findViteConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) throw new LauncherError("no-config", `${p} does not exist (given with --config)`);
    return p;
  }
  for (const name of VITE_CONFIG_NAMES) {
    const p = join(cwd, name);
    if (existsSync(p)) return p;
  }
  throw new LauncherError("no-config", `no Vite config (vite.config.ts, .js, .mjs, …) in ${cwd}: run from your project's folder or pass --config`);
}

export interface ViteTools {
  /** Vite's CLI script. */
  viteBin: string;
  viteVersion: string;
  /** The Cloudflare plugin's ESM entry, as the user's config imports it. */
  pluginEntry: string;
  pluginVersion: string;
}

/** The project's own Vite and Cloudflare plugin (the versions its config was written for), checked. */
export function findViteTools(projectDir: string): ViteTools {
  const viteDir = findPackageDir(projectDir, "vite");
  if (!viteDir) throw new LauncherError("no-vite", `vite is not installed in ${projectDir}: run \`npm install --save-dev vite\` there`);
  const vite = readPackage(viteDir);
  const viteBin = join(viteDir, "bin", "vite.js");
  if (!existsSync(viteBin)) throw new LauncherError("no-vite", `${viteDir} has no bin/vite.js: reinstall vite (\`npm install --save-dev vite\`)`);
  const pluginDir = findPackageDir(projectDir, "@cloudflare/vite-plugin");
  if (!pluginDir) {
    throw new LauncherError("no-vite-plugin", `@cloudflare/vite-plugin is not installed in ${projectDir}: run \`npm install --save-dev @cloudflare/vite-plugin\` there`);
  }
  const plugin = readPackage(pluginDir);
  const major = Number(plugin.version.split(".")[0]);
  if (major !== SUPPORTED_PLUGIN_MAJOR) {
    throw new LauncherError(
      "unsupported-vite-plugin",
      `@cloudflare/vite-plugin ${plugin.version} is not one the inspector can wrap (it supports ${SUPPORTED_PLUGIN_MAJOR}.x, tested with ${TESTED_PLUGIN}): install \`@cloudflare/vite-plugin@^${TESTED_PLUGIN}\`, or use \`alarm-inspector dev\` (wrangler dev)`,
    );
  }
  const entry = pluginImportEntry(plugin);
  const pluginEntry = join(pluginDir, entry);
  if (!existsSync(pluginEntry)) throw new LauncherError("unsupported-vite-plugin", `@cloudflare/vite-plugin ${plugin.version} has no ${entry}: reinstall it`);
  // Node (and Vite, when it bundles the user's config) resolve the plugin to its real path, through any symlink.
  return { viteBin, viteVersion: vite.version, pluginEntry: realpathSync(pluginEntry), pluginVersion: plugin.version };
}

/** `exports["."].import` (a string or `{ default }`), else `main`. */
function pluginImportEntry(pkg: { main?: string; exports?: unknown }): string {
  const dot = (pkg.exports as Record<string, unknown> | undefined)?.["."];
  const imp = typeof dot === "object" && dot !== null ? (dot as Record<string, unknown>).import : dot;
  if (typeof imp === "string") return imp;
  if (typeof imp === "object" && imp !== null && typeof (imp as Record<string, unknown>).default === "string") return (imp as Record<string, string>).default!;
  return pkg.main ?? "dist/index.mjs";
}
