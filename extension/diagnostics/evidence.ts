/**
 * Words and lookups the runtime rules share: how an object and a time are named in a message, and where a run's
 * failure is in the source. Pure.
 */
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute, formatDuration } from "../model/timeInput";
import type { AlarmSetEvent } from "../../protocol/protocol";
import type { Attempt, EventRecord, ObjectView, Run } from "../model/types";
import type { SourceLocation } from "../sourcemap/mapFrame";
import type { RelatedPlace, RuntimeContext } from "./finding";
import { fromCurrentSession, lineKey } from "./finding";

/** "Clobber demo", as the tree names an object. */
export function objectName(obj: ObjectView): string {
  return `${obj.ref.className} ${objectLabel(obj.ref)}`;
}

/** A time in a message: the clock time, with the date when it is not today. */
export function when(time: number, now: number): string {
  return formatAbsolute(time, now);
}

/** "1h later", "10m 5s earlier": how far a set moved the alarm it replaced. */
export function shift(previous: number, next: number): string {
  return `${formatDuration(Math.abs(next - previous))} ${next > previous ? "later" : "earlier"}`;
}

/** " (and 2 more objects)" when a finding stands for several. */
export function andMore(count: number): string {
  return count > 0 ? ` (and ${count} more object${count === 1 ? "" : "s"})` : "";
}

/** "3 times", "once". */
export function times(n: number): string {
  return n === 1 ? "once" : `${n} times`;
}

/**
 * Where the alarm an overwrite replaced had been set: the newest earlier `alarm.set` of the object for that time,
 * when its call site is known.
 */
export function replacedSetPlace(obj: ObjectView, rec: EventRecord<AlarmSetEvent>, ctx: RuntimeContext): RelatedPlace | undefined {
  const previous = rec.event.previous;
  if (previous === null) return undefined;
  const index = obj.history.indexOf(rec);
  for (let i = (index < 0 ? obj.history.length : index) - 1; i >= 0; i--) {
    const r = obj.history[i];
    if (r?.event.kind !== "alarm.set" || r.event.scheduledTime !== previous) continue;
    const location = ctx.locate(r, obj.key);
    return location ? { location, message: `the replaced alarm (due ${when(previous, ctx.now)}) was set here` } : undefined;
  }
  return undefined;
}

/** Groups findings' evidence by source line, keeping the order they were added in. */
export class ByLine<T> {
  private readonly groups = new Map<string, { location: SourceLocation; items: T[] }>();

  add(location: SourceLocation, item: T): void {
    const key = lineKey(location);
    const g = this.groups.get(key);
    if (g) g.items.push(item);
    else this.groups.set(key, { location, items: [item] });
  }

  entries(): { location: SourceLocation; items: T[] }[] {
    return [...this.groups.values()];
  }
}

/** The newest user `setAlarm` from one line of an object, and how many calls from that line matched a rule. */
export interface SetEvidence {
  obj: ObjectView;
  newest: EventRecord<AlarmSetEvent>;
  count: number;
}

/**
 * The user's `setAlarm` calls of the current session that `select` keeps, grouped by the source line that made them.
 * A line counts as evidence while its newest call still `matches` (so fixing the code clears it); `count` says how many
 * of its calls matched. Shared by the rules that judge `setAlarm` calls (DOA001, DOA003).
 */
export function userSetsByLine(
  ctx: RuntimeContext,
  select: (e: AlarmSetEvent) => boolean,
  matches: (e: AlarmSetEvent) => boolean,
): ByLine<SetEvidence> {
  const byLine = new ByLine<SetEvidence>();
  for (const obj of ctx.objects) {
    const perLine = new Map<string, { location: SourceLocation; newest: EventRecord<AlarmSetEvent>; count: number }>();
    for (const rec of obj.history) {
      if (!fromCurrentSession(ctx, rec.session)) continue;
      const e = rec.event;
      // The scheduler's own calls (the Agents SDK's fallback and re-arm) are not the user's to judge.
      if (e.kind !== "alarm.set" || e.origin !== "user" || e.scheduler !== undefined || !select(e)) continue;
      const location = ctx.locate(rec, obj.key);
      if (!location) continue;
      const key = lineKey(location);
      const slot = perLine.get(key) ?? { location, newest: rec as EventRecord<AlarmSetEvent>, count: 0 };
      slot.newest = rec as EventRecord<AlarmSetEvent>;
      if (matches(e)) slot.count++;
      perLine.set(key, slot);
    }
    for (const slot of perLine.values()) {
      if (matches(slot.newest.event)) byLine.add(slot.location, { obj, newest: slot.newest, count: slot.count });
    }
  }
  return byLine;
}

/** True when every failed attempt of the run failed because the inspector injected it: the user's code never ran. */
export function onlyInjectedFailures(run: Run): boolean {
  const failed = run.attempts.filter((a) => a.outcome === "error");
  return failed.length > 0 && failed.every((a) => a.injectedFailure || a.error?.injected === true);
}

/**
 * Where a run's failure belongs in the source: the line that threw in its newest failed attempt, else the class's
 * alarm handler, else the first call site seen during the attempt.
 */
export function failurePlace(obj: ObjectView, attempt: Attempt, ctx: RuntimeContext): SourceLocation | undefined {
  const thrown = attempt.error && !attempt.error.injected ? ctx.locateStack(attempt.error.stack) : undefined;
  if (thrown) return thrown;
  const handler = ctx.handlerOf(obj.ref.className);
  if (handler) return handler;
  for (const rec of [...attempt.alarmCalls, ...attempt.storage]) {
    const loc = ctx.locate(rec, obj.key);
    if (loc) return loc;
  }
  return undefined;
}
