/**
 * DOA003: at run time, a constructor that moved a pending alarm.
 *
 * The runtime counterpart of DOA002, and proof of it: the object woke (for a request, or for the alarm) while an
 * alarm was pending, and the constructor's `setAlarm` replaced it with another time. Found wherever the call is,
 * also in a method the constructor calls or a `blockConcurrencyWhile` callback. The finding stays while the newest
 * constructor set from that line (for some object) still moved a pending alarm.
 */
import type { AlarmSetEvent } from "../../../protocol/protocol";
import { andMore, objectName, replacedSetPlace, shift, times, userSetsByLine, when } from "../evidence";
import type { SetEvidence } from "../evidence";
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


export const constructorMovedAlarm: RuntimeRule = {
  info: CONSTRUCTOR_MOVED_ALARM,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = userSetsByLine(ctx, (e) => e.inConstructor, movedPending);
    return byLine.entries().map(({ location, items }) => {
      const [first] = items as [SetEvidence, ...SetEvidence[]];
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
