import type { ScheduleCommand, ScheduleCommandResult, ScheduleSource } from "../../protocol/protocol";
import type { ObjectProbe } from "../objectProbe";
import { trackedSetAlarm } from "../storage";
import { observePut } from "./pattern";
import type { SchedulePattern } from "./pattern";
import { ACTORS_TABLE } from "./actors";
import { JOBS_TABLE, LEGACY_TABLE, readSchedules } from "./tables";
import { reconcile, schedulesOf } from "./tracker";

/**
 * Commands on one schedule, run inside its object. They change what the scheduler itself reads, then let the
 * scheduler do its own work: *Run now* makes the schedule due and sets the alarm to now (the real scheduler fires it,
 * and the SDK's own driver runs the callback with its retries); *Cancel* calls the SDK's own `cancelSchedule`; each
 * result lists every write, in words, because these are the only writes the inspector makes into user storage.
 */

interface Located {
  source: ScheduleSource;
  time: number;
  /** For a pattern event: its stored value and the pattern that describes it. */
  value?: Record<string, unknown>;
  pattern?: SchedulePattern;
}

function sqlOf(storage: DurableObjectStorage): SqlStorage | undefined {
  try {
    return storage.sql;
  } catch {
    // Not SQLite-backed: only pattern schedulers (KV) can live here.
    return undefined;
  }
}

async function locate(storage: DurableObjectStorage, scheduleId: string, patterns: readonly SchedulePattern[], className: string): Promise<Located | undefined> {
  const sql = sqlOf(storage);
  if (sql) {
    for (const source of ["agents", "agents-legacy", "actors"] as const) {
      const row = readSchedules(sql, source)?.find((r) => r.id === scheduleId);
      if (row) return { source, time: row.time };
    }
  }
  for (const pattern of patterns) {
    if (pattern.className !== undefined && pattern.className !== className) continue;
    if (!scheduleId.startsWith(pattern.prefix)) continue;
    const value: unknown = await storage.get(scheduleId);
    if (typeof value === "object" && value !== null && typeof (value as Record<string, unknown>)[pattern.timeField] === "number") {
      return { source: "pattern", time: (value as Record<string, number>)[pattern.timeField]!, value: value as Record<string, unknown>, pattern };
    }
  }
  return undefined;
}

/** Moves a schedule to `time` in its own storage; returns the write said in words. */
async function retime(probe: ObjectProbe, storage: DurableObjectStorage, scheduleId: string, found: Located, time: number): Promise<string> {
  if (found.source === "agents") {
    sqlOf(storage)!.exec(`UPDATE ${JOBS_TABLE} SET time = ? WHERE id = ? AND capability = 'scheduler'`, time, scheduleId);
    return `UPDATE ${JOBS_TABLE} SET time = ${time} WHERE id = '${scheduleId}'`;
  }
  if (found.source === "agents-legacy") {
    // 0.2x keeps seconds; flooring keeps the schedule due when `time` is now.
    const seconds = Math.floor(time / 1000);
    sqlOf(storage)!.exec(`UPDATE ${LEGACY_TABLE} SET time = ? WHERE id = ?`, seconds, scheduleId);
    return `UPDATE ${LEGACY_TABLE} SET time = ${seconds} WHERE id = '${scheduleId}'`;
  }
  if (found.source === "actors") {
    // @cloudflare/actors keeps seconds too.
    const seconds = Math.floor(time / 1000);
    sqlOf(storage)!.exec(`UPDATE ${ACTORS_TABLE} SET time = ? WHERE id = ?`, seconds, scheduleId);
    return `UPDATE ${ACTORS_TABLE} SET time = ${seconds} WHERE id = '${scheduleId}'`;
  }
  const field = found.pattern!.timeField;
  const value = { ...found.value, [field]: time };
  await storage.put(scheduleId, value);
  // Written through the real storage (not the user's view): told here, so the event's next run is known to be due.
  observePut(probe, [found.pattern!], [[scheduleId, value]], "inspector");
  return `put("${scheduleId}", { …, ${field}: ${time} })`;
}

export async function runScheduleCommand(
  probe: ObjectProbe,
  storage: DurableObjectStorage,
  instance: object,
  command: ScheduleCommand,
  patterns: readonly SchedulePattern[],
): Promise<ScheduleCommandResult> {
  const { scheduleId } = command;
  const found = await locate(storage, scheduleId, patterns, probe.ref.className);
  if (!found) throw new Error(`no schedule "${scheduleId}" in this object (it may have run or been cancelled already)`);
  const state = schedulesOf(probe);
  const refresh = () => {
    const sql = sqlOf(storage);
    const rows = sql && found.source !== "pattern" ? readSchedules(sql, found.source) : undefined;
    if (rows) reconcile(probe, found.source, rows, true);
  };
  switch (command.op) {
    case "scheduleCancel": {
      if (found.source === "pattern") {
        await storage.delete(scheduleId);
        probe.sink({ kind: "schedule.cancel", ...probe.base(), scheduleId, callback: scheduleId.slice(found.pattern!.prefix.length), source: "pattern", origin: "inspector" });
        return { scheduleId, time: null, wrote: [`delete("${scheduleId}")`] };
      }
      // @cloudflare/actors keeps its API on `this.alarms`; the Agents SDK on the agent itself.
      const owner: unknown = found.source === "actors" ? Reflect.get(instance, "alarms") : instance;
      const cancel: unknown = typeof owner === "object" && owner !== null ? Reflect.get(owner, "cancelSchedule") : undefined;
      if (typeof cancel !== "function") throw new Error("this object has no cancelSchedule(): is it an Agent from the agents package?");
      // The SDK's own API: it deletes the row, re-arms the alarm and publishes schedule:cancel, as for the user's call.
      state.inspectorWrite = true;
      const ok: unknown = await Reflect.apply(cancel, owner, [scheduleId]);
      if (ok === false) throw new Error(`cancelSchedule("${scheduleId}") returned false: the SDK did not find it`);
      return { scheduleId, time: null, wrote: [`cancelSchedule("${scheduleId}") (the SDK's own API)`] };
    }
    case "scheduleRunNow":
    case "scheduleReschedule": {
      const now = Date.now();
      const time = command.op === "scheduleRunNow" ? now : command.time;
      state.inspectorWrite = true;
      const wrote = [await retime(probe, storage, scheduleId, found, time)];
      if (found.source !== "pattern") refresh();
      else state.inspectorWrite = false;
      // The alarm must be due no later than the schedule, else the scheduler would not look before its old time.
      const alarm = await storage.getAlarm();
      if (alarm === null || time < alarm) {
        await trackedSetAlarm(storage, [time], probe, probe.sink, "inspector", runScheduleCommand);
        wrote.push(`setAlarm(${time})`);
      }
      return { scheduleId, time, wrote };
    }
  }
}
