/**
 * Reads the alarms that wrangler's local state holds on disk, without waking any object and without writing.
 *
 * Layout and semantics, as verified against wrangler 4.164 / workerd 1.20261117:
 * - `<stateDir>/v3/do/<worker>-<ClassName>/metadata.sqlite` (miniflare's `uniqueKey` is `${scriptName}-${className}`,
 *   used verbatim, so a worker named `alarm-examples` gives `alarm-examples-Reminder`). wrangler creates the folder
 *   and the table for every bound class at start-up, whether or not an object was ever created.
 * - Table `_cf_ALARM(actor_id TEXT PRIMARY KEY, scheduled_time INTEGER, actor_name TEXT) WITHOUT ROWID`, one row per
 *   object with a pending alarm. `actor_id` is the 64-hex-digit id `ctx.id.toString()` gives (the same id the agent
 *   reports); `actor_name` is the name given to `getByName` / `idFromName`; `scheduled_time` is in NANOseconds since
 *   the epoch (about 1.8e18, beyond `Number.MAX_SAFE_INTEGER`, so it must be read as a BigInt).
 * - A row is removed when the alarm is deleted or has run successfully. While a failed alarm waits for a retry, its
 *   row keeps the original (now past) time: the retry schedule lives only in workerd's memory.
 * - The database is in WAL mode, and most of its content usually sits in `metadata.sqlite-wal` (which stays, with
 *   its `-shm`, after wrangler exits), so the file must be opened through SQLite, never parsed by hand.
 */
import { copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PersistedAlarm as ModelPersistedAlarm } from "../model/types";

/** One alarm found on disk. Assignable to the model's `PersistedAlarm` (for `AlarmModel.applyPersisted`). */
export interface PersistedAlarm extends ModelPersistedAlarm {
  /** The script (worker) name whose state folder it was found in. */
  readonly worker: string;
}

/** Result of a read: the alarms found, or why nothing could be read at all. */
export type PersistedRead =
  | {
      ok: true;
      /** Every alarm found, by class in the order asked for, then by time. */
      alarms: PersistedAlarm[];
      /** `Date.now()` just before the first file was opened: the disk state is at least this recent. */
      readAt: number;
      /** Classes whose file could not be read (corrupt, unexpected schema, …), one message each; they are skipped. */
      warnings: string[];
    }
  | { ok: false; reason: string };

/** The part of `node:sqlite` this module uses (the real module satisfies it; tests may pass a stand-in). */
export type SqliteModule = Pick<typeof import("node:sqlite"), "DatabaseSync">;

/** Options of `readPersistedAlarms`, for tests: production callers pass none. */
export interface ReadOptions {
  /** Loads `node:sqlite`; defaults to a dynamic import. A rejection means "this Node has none". */
  loadSqlite?: () => Promise<SqliteModule>;
  /** The Node.js version to judge (default `process.version`), for the read-only check and the message. */
  nodeVersion?: string;
}

const TABLE = "_cf_ALARM";
const NS_PER_MS = 1_000_000n;

/**
 * Lists the alarms wrangler's local state holds for `worker`'s `classes`, read-only.
 *
 * `stateDir` is the persist folder (default `<project>/.wrangler/state`, or what `--persist-to` names); `worker` the
 * script name; `classes` the class names to look for. A missing folder is not an error (nothing ran yet, or the
 * class has no alarm): the result is ok with fewer alarms. A file that cannot be read skips its class with a warning.
 * Never throws.
 */
export async function readPersistedAlarms(stateDir: string, worker: string, classes: readonly string[], options: ReadOptions = {}): Promise<PersistedRead> {
  if (!isSafeSegment(worker)) return { ok: false, reason: `"${worker}" is not a usable worker name for a state folder` };
  const nodeVersion = options.nodeVersion ?? process.version;
  const consequence = "alarms from earlier sessions are not shown until the objects wake";
  let sqlite: SqliteModule;
  try {
    sqlite = await (options.loadSqlite ?? loadNodeSqlite)();
  } catch {
    // Node < 22.5 has no such module; 22.5 to 22.12 have it only behind --experimental-sqlite.
    return { ok: false, reason: `this VS Code's Node.js (${nodeVersion}) has no node:sqlite; ${consequence}` };
  }
  // Before 22.12 (and in 23.0) `readOnly` is silently ignored: the file would be opened read-write, and closing the
  // last connection could checkpoint wrangler's WAL. Better to show nothing than to write to the user's state.
  if (!supportsReadOnly(nodeVersion)) return { ok: false, reason: `this VS Code's Node.js (${nodeVersion}) has no read-only node:sqlite; ${consequence}` };

  const readAt = Date.now();
  const alarms: PersistedAlarm[] = [];
  const warnings: string[] = [];
  for (const className of classes) {
    if (!isSafeSegment(className)) {
      warnings.push(`${className}: not a usable class name for a state folder; skipped`);
      continue;
    }
    const file = join(stateDir, "v3", "do", `${worker}-${className}`, "metadata.sqlite");
    try {
      const rows = await readAlarmTable(sqlite, file);
      if (rows === undefined) continue;
      const found: PersistedAlarm[] = [];
      for (const row of rows) {
        const alarm = toAlarm(worker, className, row);
        if (typeof alarm === "string") warnings.push(`${className}: ${alarm}`);
        else if (alarm !== undefined) found.push(alarm);
      }
      found.sort((a, b) => a.scheduledTime - b.scheduledTime || (a.id < b.id ? -1 : 1));
      alarms.push(...found);
    } catch (e) {
      warnings.push(`${className}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { ok: true, alarms, readAt, warnings };
}

/** The module once loaded; a failed load is not remembered, so that the reason is reported again on the next read. */
let loaded: SqliteModule | undefined;

/** Default loader: a dynamic import, so that a host without the module fails here, inside a try, not at load time. */
async function loadNodeSqlite(): Promise<SqliteModule> {
  loaded ??= await import("node:sqlite");
  return loaded;
}

/** True when this Node version honours `DatabaseSync`'s `readOnly` option (added in 22.12.0 and 23.1.0). */
function supportsReadOnly(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return true; // unknown format: let the import decide rather than refuse a future Node
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 22) return minor >= 12;
  if (major === 23) return minor >= 1;
  return major > 23;
}

/** A class or worker name can only become one folder-name segment: refuse separators and dot names. */
function isSafeSegment(s: string): boolean {
  return s.length > 0 && !/[\\/\0]/.test(s) && s !== "." && s !== "..";
}

type Row = Record<string, unknown>;

/**
 * The rows of `_cf_ALARM`, or undefined when the file does not exist.
 *
 * Usually the database sits with its `-wal` and `-shm` files, and is opened in place, read-only, with SQLite's
 * `readonly_shm=1`: a reader then never writes the `-shm` index either (a plain read-only connection rewrites it when
 * no other process has the database open, for example after wrangler stopped). While workerd runs, SQLite's POSIX
 * locks (which workerd takes too) keep the read consistent with its writes; when it does not, SQLite rebuilds the
 * index in memory from the WAL. Verified: tens of thousands of reads during writes, no error, no byte changed.
 *
 * When the `-wal` or the `-shm` is missing (wrangler not running), opening in place would create them (even
 * read-only), so the files that exist are copied to a temporary folder and read there; with no writer, the copy
 * cannot race.
 */
async function readAlarmTable(sqlite: SqliteModule, file: string): Promise<Row[] | undefined> {
  if (!(await exists(file))) return undefined;
  const hasWal = await exists(`${file}-wal`);
  if (hasWal && (await exists(`${file}-shm`))) return queryAlarms(sqlite, `${pathToFileURL(file).href}?readonly_shm=1`);
  const dir = await mkdtemp(join(tmpdir(), "alarm-inspector-readstate-"));
  try {
    const copy = join(dir, "metadata.sqlite");
    await copyFile(file, copy);
    if (hasWal) await copyFile(`${file}-wal`, `${copy}-wal`);
    return queryAlarms(sqlite, copy);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the one query. `location` is a path or a `file:` URI (node:sqlite hands both to SQLite, which parses URIs). */
function queryAlarms(sqlite: SqliteModule, location: string): Row[] {
  const db = new sqlite.DatabaseSync(location, { readOnly: true });
  try {
    // workerd may hold a lock for a moment: wait briefly instead of failing. A pragma, not the `timeout` option,
    // because that option only exists in newer Node versions.
    db.exec("PRAGMA busy_timeout = 2000");
    const statement = db.prepare(`SELECT actor_id, scheduled_time, actor_name FROM ${TABLE}`);
    // Nanosecond times exceed 2^53: without BigInts node:sqlite throws ERR_OUT_OF_RANGE on every row.
    statement.setReadBigInts(true);
    return statement.all();
  } finally {
    db.close();
  }
}

/** One row as an alarm; undefined for a row with no time (nothing pending); a string says what was wrong. */
function toAlarm(worker: string, className: string, row: Row): PersistedAlarm | string | undefined {
  const { actor_id: id, scheduled_time: ns, actor_name: name } = row;
  if (typeof id !== "string" || id.length === 0) return `a row has no usable actor_id (${typeof id})`;
  if (ns === null) return undefined;
  if (typeof ns !== "bigint") return `actor ${id} has a non-integer scheduled_time (${typeof ns})`;
  // Whole milliseconds stay exact; the sub-millisecond remainder (if a caller ever set one) is kept as a fraction.
  const scheduledTime = Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
  const alarm: PersistedAlarm =
    typeof name === "string" && name.length > 0 ? { worker, className, id, name, scheduledTime } : { worker, className, id, scheduledTime };
  return alarm;
}

/** True when `path` exists; false when it or a parent is missing. Other errors (permissions, …) propagate. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw e;
  }
}
