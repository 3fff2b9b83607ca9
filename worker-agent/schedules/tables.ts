import type { ScheduleKind, ScheduleSource, ValuePreview } from "../../protocol/protocol";
import { previewValue } from "../preview";
import { ACTORS_TABLE, readActors } from "./actors";

/**
 * The Agents SDK's schedule tables, read back through the object's own (uninstrumented) SQL handle. Reading the rows
 * after a write, instead of decoding the SDK's statements and bindings, keeps the agent correct across SDK releases:
 * only the column names below are relied on, and both layouts are known.
 */

/** One schedule as the agent last saw it in storage. */
export interface ScheduleRow {
  id: string;
  callback: string;
  /** Next run, ms since epoch. */
  time: number;
  kind: ScheduleKind;
  /** The payload's JSON text as stored, compared to tell a changed payload; previewed, never sent whole. */
  payloadText: string;
  payload: ValuePreview;
  running: boolean;
  cron?: string;
  intervalSeconds?: number;
  delaySeconds?: number;
  maxAttempts?: number;
}

/** Tables the SDK keeps its schedules in, by release: 0.3x and later, and 0.2x (times in seconds). */
export const JOBS_TABLE = "cf_agents_jobs";
export const LEGACY_TABLE = "cf_agents_schedules";

/** Which SDK table a write statement touches, if any (a substring test: it runs on every SQL write). */
export function sdkTableOf(query: string): ScheduleSource | undefined {
  if (query.includes(ACTORS_TABLE)) return "actors";
  if (!query.includes("cf_agents_")) return undefined;
  if (query.includes(JOBS_TABLE)) return "agents";
  if (query.includes(LEGACY_TABLE)) return "agents-legacy";
  return undefined;
}

/** The SDK's word for a kind → the protocol's (`scheduled` is a date). */
function kindOf(type: unknown): ScheduleKind {
  switch (type) {
    case "cron":
      return "cron";
    case "interval":
      return "interval";
    case "scheduled":
      return "date";
    default:
      return "delayed";
  }
}

function parseJson(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function tableExists(sql: SqlStorage, table: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table).toArray().length > 0;
}

/** Rows of `cf_agents_jobs` owned by the scheduler (`capability = 'scheduler'`), times in ms. */
function readJobs(sql: SqlStorage): ScheduleRow[] {
  const rows = sql
    .exec("SELECT id, fn, time, payload, retry_options, running FROM cf_agents_jobs WHERE capability = 'scheduler'")
    .toArray();
  return rows.map((r) => {
    const job = parseJson(r.payload) ?? {};
    const retry = parseJson(r.retry_options);
    const payloadText = JSON.stringify(job.payload ?? null);
    return compact({
      id: String(r.id),
      callback: String(r.fn),
      time: Number(r.time),
      kind: kindOf(job.type),
      payloadText,
      payload: previewValue(job.payload),
      running: r.running === 1,
      cron: str(job.cron),
      intervalSeconds: num(job.intervalSeconds),
      delaySeconds: num(job.delayInSeconds),
      maxAttempts: num(retry?.maxAttempts),
    });
  });
}

/** Rows of 0.2x's `cf_agents_schedules`: `callback`, `time` in epoch seconds, the payload as JSON text. */
function readLegacy(sql: SqlStorage): ScheduleRow[] {
  const rows = sql.exec("SELECT * FROM cf_agents_schedules").toArray();
  return rows.map((r) => {
    const payloadText = typeof r.payload === "string" ? r.payload : "null";
    const retry = parseJson(r.retry_options);
    return compact({
      id: String(r.id),
      callback: String(r.callback),
      time: Number(r.time) * 1000,
      kind: kindOf(r.type),
      payloadText,
      payload: previewValue(parseJson(`{"v":${payloadText}}`)?.v),
      running: r.running === 1,
      cron: str(r.cron),
      intervalSeconds: num(r.intervalSeconds),
      delaySeconds: num(r.delayInSeconds),
      maxAttempts: num(retry?.maxAttempts),
    });
  });
}

/** Drops undefined fields so events carry only what is known. */
function compact(row: ScheduleRow): ScheduleRow {
  for (const k of Object.keys(row) as (keyof ScheduleRow)[]) if (row[k] === undefined) delete row[k];
  return row;
}

/**
 * The schedules in the SDK's table of `source`, or undefined when the table does not exist (not created yet, or
 * dropped by the 0.3x migration). Never throws: a read that fails must not reach the user's code.
 */
export function readSchedules(sql: SqlStorage, source: ScheduleSource): ScheduleRow[] | undefined {
  try {
    if (source === "agents") return tableExists(sql, JOBS_TABLE) ? readJobs(sql) : undefined;
    if (source === "agents-legacy") return tableExists(sql, LEGACY_TABLE) ? readLegacy(sql) : undefined;
    if (source === "actors") return tableExists(sql, ACTORS_TABLE) ? readActors(sql) : undefined;
    return undefined;
  } catch {
    return undefined;
  }
}
