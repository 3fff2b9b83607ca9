import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { PARTYKIT_HUB_PARTY } from "../protocol/protocol";
import { LauncherError } from "./errors";
import { checkedObject, parseJsonConfig } from "./wranglerConfig";

/** The config file names `partykit dev` looks for, in its own order of preference. */
export const PARTYKIT_CONFIG_NAMES = ["partykit.json", "partykit.json5", "partykit.jsonc"] as const;

/** A partykit.json as parsed: an open record, since the launcher copies what it does not understand. */
export type PartykitConfig = Record<string, unknown>;

/** One party of the project: the main one, or an entry of `parties`. */
export interface PartySource {
  /** `main`, or the key in `parties`. */
  party: string;
  /** Absolute path of the module that default-exports the party's class. */
  module: string;
  /** The same, relative to the project folder (for `hello`, CodeLens and messages). */
  source: string;
  /** The namespace PartyKit binds the party's Durable Object to. */
  binding: string;
}

export interface LoadedPartykitConfig {
  path: string;
  dir: string;
  config: PartykitConfig;
  /** The main party first, then the others in the config's order. */
  parties: PartySource[];
}

/** Finds the config: the one named by `--config`, else the first of `PARTYKIT_CONFIG_NAMES` in `cwd`. */
export function findPartykitConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) throw new LauncherError("no-config", `no partykit config at ${p} (from --config)`);
    return p;
  }
  for (const name of PARTYKIT_CONFIG_NAMES) {
    const p = resolve(cwd, name);
    if (existsSync(p)) return p;
  }
  throw new LauncherError(
    "no-config",
    `no partykit config in ${cwd}: expected one of ${PARTYKIT_CONFIG_NAMES.join(", ")} (or pass --config FILE, or --cwd DIR)`,
  );
}

/** A module path as PartyKit resolves it: relative to the config file's folder. */
function moduleOf(dir: string, configPath: string, value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") {
    throw new LauncherError("unsupported-config", `${configPath} has no ${what}: the inspector wraps the class it exports, so it needs one`);
  }
  const p = isAbsolute(value) ? value : resolve(dir, value);
  if (!existsSync(p)) throw new LauncherError("bad-config", `${what} in ${configPath} points to ${p}, which does not exist`);
  return p;
}

/**
 * Reads a partykit config (JSON with comments; a JSON5 file that uses more than that is refused with a clear line)
 * and lists its parties. PartyKit's own rules are checked where they decide whether the generated config works.
 */
export function loadPartykitConfig(path: string): LoadedPartykitConfig {
  const json5 = path.endsWith(".json5") ? " (the inspector reads JSON with comments, not every JSON5 form: quote the keys)" : "";
  const record: PartykitConfig = checkedObject(parseJsonConfig(readFileSync(path, "utf8"), path, json5), path);
  const dir = dirname(path);
  const source = (module: string) => relative(dir, module).split("\\").join("/");
  const main = moduleOf(dir, path, record.main, `"main"`);
  const parties: PartySource[] = [{ party: "main", module: main, source: source(main), binding: "PARTYKIT_DURABLE" }];
  const extra = record.parties;
  if (extra !== undefined && (typeof extra !== "object" || extra === null || Array.isArray(extra))) {
    throw new LauncherError("bad-config", `"parties" in ${path} must be an object of party name → module path`);
  }
  for (const [party, modulePath] of Object.entries((extra ?? {}) as Record<string, unknown>)) {
    if (party === PARTYKIT_HUB_PARTY) {
      throw new LauncherError("unsupported-config", `${path} declares a party named "${PARTYKIT_HUB_PARTY}", the name the inspector's own party needs`);
    }
    const module = moduleOf(dir, path, modulePath, `party "${party}"`);
    parties.push({ party, module, source: source(module), binding: party });
  }
  return { path, dir, config: record, parties };
}

/** The project's name: `name` from the config, else the folder's. */
export function partykitProjectName(loaded: LoadedPartykitConfig): string {
  return typeof loaded.config.name === "string" && loaded.config.name !== "" ? loaded.config.name : basename(loaded.dir);
}
