/**
 * PartyKit's "expiring unused room storage" pattern, recognised in an object's events so it can be shown as what it
 * is, not as noise: every write (or, in the guide's variant, every connection) pushes the room's one alarm further
 * into the future with `setAlarm(Date.now() + PERIOD)`, so the alarm only rings once the room has been left alone for
 * a whole period, and then clears its storage. Each such `setAlarm` replaces a pending alarm with a later one, which
 * DOA001 would otherwise report as a lost wake-up on every write, and a timeline would show as a wall of overwrites.
 *
 * Pure: reads the model's events only.
 */
import type { AlarmSetEvent } from "../../../protocol/protocol";
import { formatDuration } from "../../model/timeInput";
import type { EventRecord, ObjectView } from "../../model/types";

/** How far two delays (scheduled time minus call time) may differ and still be "the same period". */
const SAME_PERIOD_TOLERANCE = { ratio: 0.05, ms: 1000 };

function isUserSetOutsideHandlers(e: AlarmSetEvent): boolean {
  // The Agents SDK's re-arm after a schedule change is its own bookkeeping, not an expiry the user's code extends.
  return e.origin === "user" && !e.inHandler && !e.inConstructor && e.scheduler === undefined;
}

function samePeriod(a: AlarmSetEvent, b: AlarmSetEvent): boolean {
  const da = a.scheduledTime - a.at;
  const db = b.scheduledTime - b.at;
  if (da <= 0 || db <= 0) return false;
  return Math.abs(da - db) <= Math.max(SAME_PERIOD_TOLERANCE.ms, Math.max(da, db) * SAME_PERIOD_TOLERANCE.ratio);
}

/**
 * True when the `alarm.set` at `index` of `history` extends an expiry: the user's code, outside any handler and
 * outside the constructor, replaced a pending alarm with a later one, and either
 * - a storage write of the object came right before it (no other alarm event in between): "extend on every write", or
 * - the alarm it replaced had been set the same way, for the same period from its own call: "extend on every read".
 */
export function isExpiryExtension(history: readonly EventRecord[], index: number): boolean {
  const e = history[index]?.event;
  if (e?.kind !== "alarm.set" || !isUserSetOutsideHandlers(e) || e.previous === null || e.previous >= e.scheduledTime) return false;
  for (let i = index - 1; i >= 0; i--) {
    const before = history[i]!.event;
    if (before.kind === "storage.put" || before.kind === "storage.delete" || before.kind === "storage.sql") {
      if (!before.inHandler) return true;
      continue;
    }
    if (before.kind === "alarm.set" && before.scheduledTime === e.previous) {
      return isUserSetOutsideHandlers(before) && samePeriod(before, e);
    }
    if (before.kind === "alarm.set" || before.kind === "alarm.delete" || before.kind === "alarm.start" || before.kind === "alarm.end") return false;
  }
  return false;
}

/** The sets of an object that extend an expiry, oldest first. */
export function expiryExtensions(obj: ObjectView): EventRecord<AlarmSetEvent>[] {
  const out: EventRecord<AlarmSetEvent>[] = [];
  obj.history.forEach((rec, i) => {
    if (isExpiryExtension(obj.history, i)) out.push(rec as EventRecord<AlarmSetEvent>);
  });
  return out;
}

/** "expiry extended: due 30d after this write (pushed 2m later)": how a timeline or a hover can name one extension. */
export function expiryExtensionText(e: AlarmSetEvent): string {
  const pushed = e.previous === null ? "" : ` (pushed ${formatDuration(e.scheduledTime - e.previous)} later)`;
  return `expiry extended: due ${formatDuration(e.scheduledTime - e.at)} after this call${pushed}`;
}
