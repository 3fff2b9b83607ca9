import type { AlarmChangeResult, Command, FailNextResult, SnapshotResult, ValuePreview } from "../protocol/protocol";
import type { ObjectProbe } from "./objectProbe";
import { clipKey, previewValue } from "./preview";
import { snapshotTables } from "./sqlSnapshot";
import { trackedDeleteAlarm, trackedSetAlarm } from "./storage";

/** Most keys a snapshot lists. */
export const SNAPSHOT_KEYS = 100;

/**
 * Runs an inspector command inside the target object (the hub reaches it by RPC through its namespace, which wakes
 * it exactly as a real request would). Alarm changes go through the real storage, so the real scheduler runs them.
 */
export async function runControl(
  probe: ObjectProbe,
  storage: DurableObjectStorage,
  command: Command,
): Promise<AlarmChangeResult | FailNextResult | SnapshotResult> {
  switch (command.op) {
    case "fireNow":
    case "setAlarm":
      refuseWithoutHandler(probe);
  }
  switch (command.op) {
    case "fireNow": {
      const previous = await storage.getAlarm();
      const now = Date.now();
      // Setting the alarm to now (not calling alarm() directly) is what makes the runtime run it for real: real
      // alarmInfo, real retries, and the one-alarm-per-object rule.
      probe.memory.fireNowPending = true;
      await trackedSetAlarm(storage, [now], probe, probe.sink, "inspector", runControl);
      return { previous, scheduledTime: now };
    }
    case "setAlarm": {
      const previous = await storage.getAlarm();
      await trackedSetAlarm(storage, [command.scheduledTime], probe, probe.sink, "inspector", runControl);
      return { previous, scheduledTime: command.scheduledTime };
    }
    case "deleteAlarm": {
      const previous = await storage.getAlarm();
      await trackedDeleteAlarm(storage, [], probe, probe.sink, "inspector", runControl);
      return { previous, scheduledTime: null };
    }
    case "failNext": {
      probe.memory.failNext = command.count;
      if (command.message !== undefined) probe.memory.failMessage = command.message;
      else delete probe.memory.failMessage;
      return { pending: probe.memory.failNext };
    }
    case "snapshot": {
      const alarm = await storage.getAlarm();
      const listed = await storage.list({ limit: SNAPSHOT_KEYS + 1 });
      const entries: { key: string; value: ValuePreview }[] = [];
      for (const [key, value] of listed) {
        if (entries.length >= SNAPSHOT_KEYS) break;
        entries.push({ key: clipKey(key), value: previewValue(value) });
      }
      const sql = snapshotTables(storage);
      return {
        object: probe.ref,
        alarm,
        failNext: probe.memory.failNext,
        storage: entries,
        truncated: listed.size > SNAPSHOT_KEYS,
        ...(sql ? { tables: sql.tables, tablesTruncated: sql.truncated } : {}),
      };
    }
  }
}

/**
 * The runtime refuses `setAlarm` on an object without an alarm handler; say so in words that name the fix, rather
 * than pass on the runtime's refusal of a call the user did not write.
 */
function refuseWithoutHandler(probe: ObjectProbe): void {
  if (probe.hasAlarmHandler) return;
  throw new Error(`${probe.ref.className} has no alarm() handler, so the runtime refuses to set its alarm: add an alarm() method to the class`);
}
