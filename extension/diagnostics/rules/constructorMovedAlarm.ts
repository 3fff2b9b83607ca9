/**
 * DOA003: at run time, a constructor that moved a pending alarm.
 *
 * The runtime counterpart of DOA002, and proof of it: the object woke (for a request, or for the alarm) while an
 * alarm was pending, and the constructor's `setAlarm` replaced it with another time. Found wherever the call is,
 * also in a method the constructor calls or a `blockConcurrencyWhile` callback. The finding stays while the newest
 * constructor set from that line (for some object) still moved a pending alarm.
 */
import type { AlarmSetEvent } from "../../../protocol/protocol";
import type { EventRecord, ObjectView } from "../../model/types";
import type { SourceLocation } from "../../sourcemap/mapFrame";
import { andMore, ByLine, objectName, replacedSetPlace, shift, times, when } from "../evidence";
import { fromCurrentSession, lineKey } from "../finding";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";

export const CONSTRUCTOR_MOVED_ALARM: RuleInfo = {
  code: "DOA003",
  title: "the constructor moved a pending alarm",
  docUrl: "https://developers.cloudflare.com/durable-objects/api/alarms/#setalarm",
  severity: "warning",
};

/** True for a constructor set that replaced a pending alarm with another time. */
export function movedPending(e: AlarmSetEvent): boolean {
  return e.inConstructor && e.previous !== null && e.previous !== e.scheduledTime;
}

interface Evidence {
  obj: ObjectView;
  newest: EventRecord<AlarmSetEvent>;
  count: number;
}

export const constructorMovedAlarm: RuntimeRule = {
  info: CONSTRUCTOR_MOVED_ALARM,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = new ByLine<Evidence>();
    for (const obj of ctx.objects) {
      const perLine = new Map<string, { location: SourceLocation; newest: EventRecord<AlarmSetEvent>; count: number }>();
      for (const rec of obj.history) {
        if (!fromCurrentSession(ctx, rec.session)) continue;
        const e = rec.event;
        if (e.kind !== "alarm.set" || e.origin !== "user" || !e.inConstructor) continue;
        const location = ctx.locate(rec, obj.key);
        if (!location) continue;
        const key = lineKey(location);
        const slot = perLine.get(key) ?? { location, newest: rec as EventRecord<AlarmSetEvent>, count: 0 };
        slot.newest = rec as EventRecord<AlarmSetEvent>;
        if (movedPending(e)) slot.count++;
        perLine.set(key, slot);
      }
      for (const slot of perLine.values()) {
        if (movedPending(slot.newest.event)) byLine.add(slot.location, { obj, newest: slot.newest, count: slot.count });
      }
    }
    return byLine.entries().map(({ location, items }) => {
      const [first] = items as [Evidence, ...Evidence[]];
      const e = first.newest.event;
      const previous = e.previous ?? e.scheduledTime;
      const later = e.scheduledTime > previous;
      const related = replacedSetPlace(first.obj, first.newest, ctx);
      return {
        rule: CONSTRUCTOR_MOVED_ALARM,
        location,
        message:
          `The constructor moved a pending alarm when ${objectName(first.obj)} woke: it was due at ${when(previous, ctx.now)}, ` +
          `now ${when(e.scheduledTime, ctx.now)} (${shift(previous, e.scheduledTime)}${later ? ": that wake-up is lost" : ""}); ` +
          `${times(first.count)} so far${andMore(items.length - 1)}. Check getAlarm() before setting an alarm in the constructor.`,
        ...(related ? { related: [related] } : {}),
      };
    });
  },
};
