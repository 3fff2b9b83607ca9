/**
 * Schedules behind the alarm: the one entry point the rest of the agent calls. An object has one alarm, so real
 * applications keep a queue of schedules in storage and point the alarm at the earliest (the Agents SDK, the docs'
 * "many events, one alarm" pattern). This module reports those logical schedules as `schedule.*` events and runs the
 * per-schedule commands. With no editor connected every hook returns after one comparison.
 */
import type { ScheduleCommand, ScheduleCommandResult } from "../../protocol/protocol";
import type { ObjectProbe } from "../objectProbe";
import { hasCallback, registerClass } from "./callbacks";
import { listenToSdk } from "./channel";
import { runScheduleCommand as run } from "./commands";
import { DEFAULT_PATTERNS, observeDelete, observePut } from "./pattern";
import type { SchedulePattern } from "./pattern";
import { readSchedules, sdkTableOf } from "./tables";
import { reconcile, schedulesOf } from "./tracker";

export type { SchedulePattern } from "./pattern";
export { schedulerFrameOf } from "./sdkFrames";
export { schedulerCallOf } from "./bookkeeping";
export { DEFAULT_PATTERNS } from "./pattern";

/** Called by `instrumentClass` once per class, so schedules can be checked against the class's methods. */
export function registerScheduledClass(className: string, userPrototype: object): void {
  registerClass(className, userPrototype);
}

/** Objects with a read of their SDK table pending in this turn (writes come in bursts; one read serves a burst). */
const pending = new WeakSet<ObjectProbe>();

/**
 * A write statement ran through the object's `sql.exec`. When it touched the SDK's schedule tables, the rows are
 * read back once the SDK's synchronous burst of statements is over (a microtask later, after it consumed its cursor)
 * and diffed against the last read.
 */
export function observeSqlWrite(probe: ObjectProbe, query: string, sql: SqlStorage): void {
  const source = sdkTableOf(query);
  if (!source) return;
  if (probe.runtime.clients === 0) {
    // Nobody listens: forget what was read, so the next editor gets a fresh list instead of a stale diff.
    schedulesOf(probe).tables.delete(source);
    return;
  }
  if (pending.has(probe)) return;
  pending.add(probe);
  const sdkSignals = listenToSdk(probe, probe.runtime);
  queueMicrotask(() => {
    pending.delete(probe);
    const rows = readSchedules(sql, source);
    if (!rows) {
      // The table is gone (0.3x's migration dropped 0.2x's): its rows live on in the new table.
      schedulesOf(probe).tables.delete(source);
      return;
    }
    reconcile(probe, source, rows, sdkSignals, (callback) => hasCallback(probe.ref.className, callback));
  });
}

function patternsOf(probe: ObjectProbe): readonly SchedulePattern[] {
  return probe.runtime.options.schedules ?? DEFAULT_PATTERNS;
}

/** `put(key, value)` or `put(entries)` on the object's storage (async KV API), after the real call. */
export function observeKvPut(probe: ObjectProbe, args: unknown[]): void {
  if (probe.runtime.clients === 0) return;
  const patterns = patternsOf(probe);
  if (patterns.length === 0) return;
  if (typeof args[0] === "string") observePut(probe, patterns, [[args[0], args[1]]]);
  else if (args[0] && typeof args[0] === "object") observePut(probe, patterns, Object.entries(args[0] as Record<string, unknown>));
}

/** `delete(key)` or `delete(keys)`, after the real call. */
export function observeKvDelete(probe: ObjectProbe, args: unknown[]): void {
  if (probe.runtime.clients === 0) return;
  const patterns = patternsOf(probe);
  if (patterns.length === 0) return;
  observeDelete(probe, patterns, Array.isArray(args[0]) ? (args[0] as unknown[]).map(String) : [String(args[0])]);
}

/** Runs a schedule command inside its object (`instance` is the user's object, for the SDK's own API). */
export function runScheduleCommand(probe: ObjectProbe, storage: DurableObjectStorage, instance: object, command: ScheduleCommand): Promise<ScheduleCommandResult> {
  return run(probe, storage, instance, command, patternsOf(probe));
}
