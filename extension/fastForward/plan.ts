/**
 * What a fast-forward fires: every alarm and schedule due within the window, in time order, as the model knows them
 * when it starts. Pure: no `vscode`, no socket.
 *
 * An object that keeps schedules behind its alarm (the Agents SDK, the docs' "many events, one alarm" pattern) gets
 * one step per due schedule, fired with `scheduleRunNow`, instead of one for its alarm: its alarm is only the time of
 * its earliest schedule, and firing it would run only what is due by the real clock.
 *
 * The plan is fixed when it starts: what the steps set (a re-armed alarm, a retry, a new schedule) is reported as left
 * pending, never fired in the same fast-forward, so a handler that re-arms itself cannot make it run forever.
 */
import type { CommandTarget } from "../../protocol/protocol";

/** One alarm or schedule the model knows is pending. */
export interface PendingItem {
  /** The model's object key. */
  readonly key: string;
  readonly target: CommandTarget;
  /** The object's id (events name an object woken by its alarm by id only). */
  readonly objectId: string;
  /** For people: `Reminder "r1"` or `Reminder "r1" · schedule remind`. */
  readonly label: string;
  /** When it is due, ms since epoch. */
  readonly time: number;
  /** Present for a schedule behind the object's alarm. */
  readonly scheduleId?: string;
}

export interface FastForwardPlan {
  /** Due within the window, soonest first (ties: by label, so the order is the same run to run). */
  readonly steps: readonly PendingItem[];
  /** Due after the window: not fired. */
  readonly later: readonly PendingItem[];
  readonly until: number;
}

export function planFastForward(pending: readonly PendingItem[], now: number, windowMs: number): FastForwardPlan {
  const until = now + windowMs;
  const withSchedules = new Set(pending.filter((p) => p.scheduleId !== undefined).map((p) => p.key));
  const items = pending.filter((p) => p.scheduleId !== undefined || !withSchedules.has(p.key));
  const byTime = (a: PendingItem, b: PendingItem) => a.time - b.time || a.label.localeCompare(b.label);
  return {
    steps: items.filter((p) => p.time <= until).sort(byTime),
    later: items.filter((p) => p.time > until).sort(byTime),
    until,
  };
}
