import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parse as parseJsonc, printParseErrorCode } from "jsonc-parser";
import type { ParseError } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import type { ClassInfo } from "../protocol/protocol";
import { LauncherError } from "./errors";
import { envSection, workerNameIn } from "./wranglerEnv";

/** The config file names wrangler looks for, in its own order of preference. */
export const CONFIG_NAMES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

/** A wrangler config as parsed: an open record, since the launcher copies what it does not understand. */
export type WranglerConfig = Record<string, unknown>;

export interface LoadedConfig {
  path: string;
  dir: string;
  config: WranglerConfig;
}

/** Finds the config: the one named by `--config`, else the first of `CONFIG_NAMES` in `cwd`. */
export function findConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) throw new LauncherError("no-config", `no wrangler config at ${p} (from --config)`);
    return p;
  }
  for (const name of CONFIG_NAMES) {
    const p = resolve(cwd, name);
    if (existsSync(p)) return p;
  }
  throw new LauncherError(
    "no-config",
    `no wrangler config in ${cwd}: expected one of ${CONFIG_NAMES.join(", ")} (or pass --config FILE, or --cwd DIR)`,
  );
}

/** Reads a config with the real parser for its format (JSONC for .json/.jsonc, TOML for .toml). */
export function loadConfig(path: string): LoadedConfig {
  const text = readFileSync(path, "utf8");
  let config: unknown;
  if (path.endsWith(".toml")) {
    try {
      config = parseToml(text);
    } catch (e) {
      throw new LauncherError("bad-config", `${basename(path)} is not valid TOML: ${(e as Error).message.split("\n")[0]}`);
    }
  } else config = parseJsonConfig(text, path);
  return { path, dir: dirname(path), config: checkedObject(config, path) };
}

/**
 * JSON with comments and trailing commas, as wrangler and PartyKit read their configs; a parse error is one line with
 * its line number. `hint` is added to that line.
 */
export function parseJsonConfig(text: string, path: string, hint = ""): unknown {
  const errors: ParseError[] = [];
  const config: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const first = errors[0]!;
    const line = text.slice(0, first.offset).split("\n").length;
    throw new LauncherError("bad-config", `${basename(path)} is not valid JSON: ${printParseErrorCode(first.error)} at line ${line}${hint}`);
  }
  return config;
}

/** The parsed config as an open record, or one clear line when it is not an object. */
export function checkedObject(config: unknown, path: string): Record<string, unknown> {
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new LauncherError("bad-config", `${basename(path)} does not hold a config object`);
  }
  return config as Record<string, unknown>;
}

interface DurableObjectBinding {
  name: string;
  class_name: string;
  script_name?: string;
}

function bindingsOf(section: unknown): DurableObjectBinding[] {
  if (!section || typeof section !== "object") return [];
  const dobj = (section as { durable_objects?: { bindings?: unknown } }).durable_objects;
  const list = dobj?.bindings;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (b): b is DurableObjectBinding =>
      !!b && typeof b === "object" && typeof (b as DurableObjectBinding).name === "string" && typeof (b as DurableObjectBinding).class_name === "string",
  );
}

/** Every section that can declare bindings: the top level and each `[env.NAME]`. */
export function sections(config: WranglerConfig): WranglerConfig[] {
  const envs = config.env && typeof config.env === "object" ? Object.values(config.env as Record<string, WranglerConfig>) : [];
  return [config, ...envs.filter((e) => e && typeof e === "object")];
}

function sqliteClasses(...configs: WranglerConfig[]): Set<string> {
  const out = new Set<string>();
  const migrations = configs.flatMap((c) => (Array.isArray(c.migrations) ? (c.migrations as unknown[]) : []));
  for (const m of migrations as Record<string, unknown>[]) {
    for (const c of Array.isArray(m?.new_sqlite_classes) ? m.new_sqlite_classes : []) if (typeof c === "string") out.add(c);
    for (const r of Array.isArray(m?.renamed_classes) ? m.renamed_classes : []) {
      const rename = r as { from?: unknown; to?: unknown };
      if (typeof rename.from === "string" && typeof rename.to === "string" && out.has(rename.from)) out.add(rename.to);
    }
  }
  return out;
}

/**
 * The Durable Object classes this Worker defines (bindings without a `script_name` pointing at another Worker),
 * one entry per class: those of the environment `env` runs when one is selected (wrangler does not inherit bindings
 * from the top level), else across the top level and every environment.
 */
export function durableObjectClasses(config: WranglerConfig, env?: string): ClassInfo[] {
  const own = typeof config.name === "string" ? config.name : undefined;
  const section = envSection(config, env);
  const sqlite = sqliteClasses(config, section);
  const byClass = new Map<string, ClassInfo>();
  for (const section of env === undefined ? sections(config) : [envSection(config, env)]) {
    for (const b of bindingsOf(section)) {
      if (b.script_name && b.script_name !== own) continue;
      if (!byClass.has(b.class_name)) byClass.set(b.class_name, { className: b.class_name, binding: b.name, sqlite: sqlite.has(b.class_name) });
    }
  }
  return [...byClass.values()];
}

/** The Worker's name as wrangler runs it (in environment `env`, when one is selected). */
export function workerName(loaded: LoadedConfig, env?: string): string {
  return workerNameIn(loaded.config, basename(loaded.dir), env);
}
