import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { LauncherError } from "./errors";
import { VITE_CONFIG_NAMES } from "./vite/detect";
import type { LoadedConfig } from "./wranglerConfig";

/**
 * What the launcher supports, said before anything starts: the wrangler major it is built and tested against, and
 * configs that `wrangler dev` itself cannot run.
 */

/** The wrangler major the inspector is tested with (and the version this package pins). */
export const SUPPORTED_WRANGLER_MAJOR = 4;

/** The version in the `package.json` beside wrangler's `bin/wrangler.js`, when it can be read. */
export function wranglerVersion(wranglerBin: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(wranglerBin), "..", "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line for a wrangler other than the supported major, or undefined. Only a warning: wrangler 3 runs the agent
 * too (seen on real projects), it is simply not what the tests run.
 */
export function wranglerWarning(version: string | undefined, wranglerBin: string): string | undefined {
  const major = version === undefined ? Number.NaN : Number(version.split(".")[0]);
  if (major === SUPPORTED_WRANGLER_MAJOR) return undefined;
  const found = version === undefined ? `a wrangler of unknown version (${wranglerBin})` : `wrangler ${version}`;
  return `warning: ${found} found; the inspector is built and tested for wrangler ${SUPPORTED_WRANGLER_MAJOR}. It may work; if it does not, run \`npm install --save-dev wrangler@${SUPPORTED_WRANGLER_MAJOR}\` in your project.`;
}

/** The project's Vite config, if it has one. */
export function viteConfigOf(projectDir: string): string | undefined {
  return VITE_CONFIG_NAMES.map((name) => join(projectDir, name)).find((p) => existsSync(p));
}

/**
 * Refuses a config only the Cloudflare Vite plugin can run: `assets` without a `directory` is filled in by the plugin
 * from Vite's build, and `wrangler dev` stops on it with its own message (which said nothing about Vite).
 */
export function refuseViteOnlyConfig(loaded: LoadedConfig, viteCommand: string): void {
  const assets = loaded.config.assets;
  if (!assets || typeof assets !== "object" || typeof (assets as { directory?: unknown }).directory === "string") return;
  const vite = viteConfigOf(loaded.dir);
  const built = vite ? `it is built by Vite (${basename(vite)})` : "its assets are built by another tool (such as Vite)";
  throw new LauncherError(
    "unsupported-config",
    `${basename(loaded.path)} has "assets" without a "directory", which \`wrangler dev\` cannot run: ${built}. ${viteCommand}`,
  );
}
