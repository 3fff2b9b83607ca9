import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, printParseErrorCode } from "jsonc-parser";
import type { ParseError } from "jsonc-parser";
import type { SchedulePattern } from "../protocol/protocol";
import { LauncherError } from "./errors";

/** The file, beside the wrangler config, that describes hand-written schedulers to the inspector. */
export const SCHEDULE_CONFIG_FILE = "alarm-inspector.json";

const FIELDS = new Set(["className", "prefix", "timeField", "idField", "repeatField"]);

/**
 * Reads `alarm-inspector.json` from the project folder: `{ "schedules": [{ "prefix": "event:", "timeField": "runAt",
 * … }] }`. Absent file: undefined (the agent then recognises the examples' `Scheduler` layout). Every mistake is one
 * line naming the file and the field, and nothing is guessed.
 */
export function readScheduleConfig(projectDir: string): SchedulePattern[] | undefined {
  const path = join(projectDir, SCHEDULE_CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  return parseScheduleConfig(readFileSync(path, "utf8"), path);
}

export function parseScheduleConfig(text: string, path: string): SchedulePattern[] {
  const errors: ParseError[] = [];
  const doc: unknown = parse(text, errors, { allowTrailingComma: true });
  const bad = (what: string) => new LauncherError("bad-config", `${path}: ${what}`);
  if (errors.length > 0) throw bad(`not valid JSON (${printParseErrorCode(errors[0]!.error)} at offset ${errors[0]!.offset})`);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw bad('expected an object like { "schedules": [...] }');
  const list = (doc as Record<string, unknown>).schedules;
  if (!Array.isArray(list)) throw bad('"schedules" must be a list of { "prefix", "timeField", … }');
  return list.map((entry: unknown, i) => {
    const at = `schedules[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw bad(`${at} must be an object`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!FIELDS.has(k)) throw bad(`${at} has an unknown field "${k}"; known: ${[...FIELDS].join(", ")}`);
    for (const k of FIELDS) if (e[k] !== undefined && (typeof e[k] !== "string" || e[k] === "")) throw bad(`${at}.${k} must be a non-empty string`);
    if (e.prefix === undefined) throw bad(`${at}.prefix is required (the start of the events' keys, e.g. "event:")`);
    if (e.timeField === undefined) throw bad(`${at}.timeField is required (the field holding the run time in ms, e.g. "runAt")`);
    return e as unknown as SchedulePattern;
  });
}
