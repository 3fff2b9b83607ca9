import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { LauncherError } from "./errors";

/** wrangler 4 refuses older Node versions. */
export const MIN_NODE = [22, 12] as const;

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

function versionOf(nodeBin: string): string | undefined {
  const r = spawnSync(nodeBin, ["-p", "process.versions.node"], { encoding: "utf8", timeout: 15_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * A Node that can run wrangler: `ALARM_INSPECTOR_NODE` if set, else the one running the launcher, else a `node`
 * package installed in the project or beside the launcher (npm's `node@22` puts a real Node 22 there).
 */
export function findNode(projectDir: string, packageDir: string): string {
  const forced = process.env.ALARM_INSPECTOR_NODE;
  const candidates = forced ? [forced] : [process.execPath, ...[projectDir, packageDir].map((d) => join(d, "node_modules", "node", "bin", "node"))];
  const seen: string[] = [];
  for (const c of candidates) {
    if (c !== process.execPath && !existsSync(c)) continue;
    const v = c === process.execPath ? process.versions.node : versionOf(c);
    if (!v) continue;
    if (atLeast(v, MIN_NODE)) return c;
    seen.push(`${v} (${c})`);
  }
  throw new LauncherError(
    "node-too-old",
    `wrangler needs Node.js ${MIN_NODE.join(".")} or newer, found ${seen.join(", ") || "none"}: install Node 22 (or run \`npm install --save-dev node@22\` in your project)`,
  );
}

/** wrangler's CLI script: `ALARM_INSPECTOR_WRANGLER`, else the project's own, else the one this package depends on. */
export function findWrangler(projectDir: string, packageDir: string): string {
  const forced = process.env.ALARM_INSPECTOR_WRANGLER;
  if (forced) {
    if (!existsSync(forced)) throw new LauncherError("no-wrangler", `ALARM_INSPECTOR_WRANGLER points to ${forced}, which does not exist`);
    return forced;
  }
  for (const base of [projectDir, packageDir]) {
    try {
      const pkg = require.resolve("wrangler/package.json", { paths: [base] });
      const bin = join(dirname(pkg), "bin", "wrangler.js");
      if (existsSync(bin)) return bin;
    } catch {
      // not installed there; try the next place
    }
  }
  throw new LauncherError("no-wrangler", `wrangler is not installed in ${projectDir}: run \`npm install --save-dev wrangler\` there`);
}

/**
 * PartyKit's CLI script (`dist/bin.mjs`): `ALARM_INSPECTOR_PARTYKIT`, else the project's own `partykit` package (the
 * version the project was written for), else the one beside the launcher.
 */
export function findPartykit(projectDir: string, packageDir: string): string {
  const forced = process.env.ALARM_INSPECTOR_PARTYKIT;
  if (forced) {
    if (!existsSync(forced)) throw new LauncherError("no-partykit", `ALARM_INSPECTOR_PARTYKIT points to ${forced}, which does not exist`);
    return forced;
  }
  for (const base of [projectDir, packageDir]) {
    // partykit's package.json `exports` hide its own package.json from require.resolve: look the way Node does, up
    // the folders' node_modules.
    for (let dir = base; ; dir = dirname(dir)) {
      const bin = join(dir, "node_modules", "partykit", "dist", "bin.mjs");
      if (existsSync(bin)) return bin;
      if (dirname(dir) === dir) break;
    }
  }
  throw new LauncherError("no-partykit", `partykit is not installed in ${projectDir}: run \`npm install --save-dev partykit\` there`);
}
