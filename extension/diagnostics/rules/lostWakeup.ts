/**
 * DOA001: a `setAlarm` that replaced a pending alarm which was due earlier than the new one: the earlier wake-up is
 * lost (one alarm per object: "If you call setAlarm when there is already one scheduled, it will override the
 * existing alarm").
 *
 * From recorded events, at the call site of the overwrite. Sets from the constructor are DOA003's. The finding
 * stays while the newest set from that line (for some object) still replaced an earlier alarm, and goes once it
 * no longer does. Information, not a warning: pushing an alarm later is sometimes the point (a session that expires
 * after the last write); the evidence says which alarm was lost, and the reader decides.
 */
import type { AlarmSetEvent } from "../../../protocol/protocol";
import { andMore, objectName, replacedSetPlace, shift, times, userSetsByLine, when } from "../evidence";
import type { SetEvidence } from "../evidence";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";

export const LOST_WAKEUP: RuleInfo = {
  code: "DOA001",
  title: "setAlarm replaced an earlier pending alarm (lost wake-up)",
  docUrl: "https://developers.cloudflare.com/durable-objects/api/alarms/#setalarm",
  severity: "information",
};

/** True for a set that moved a pending alarm later. */
export function replacedEarlier(e: AlarmSetEvent): boolean {
  return e.previous !== null && e.previous < e.scheduledTime;
}


export const lostWakeup: RuntimeRule = {
  info: LOST_WAKEUP,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = userSetsByLine(ctx, (e) => !e.inConstructor, replacedEarlier);
    return byLine.entries().map(({ location, items }) => {
      const [first] = items as [SetEvidence, ...SetEvidence[]];
      const e = first.newest.event;
      const previous = e.previous ?? e.scheduledTime;
      const related = replacedSetPlace(first.obj, first.newest, ctx);
      return {
        rule: LOST_WAKEUP,
        location,
        message:
          `setAlarm() replaced a pending alarm that was due earlier: ${objectName(first.obj)}'s alarm for ${when(previous, ctx.now)} ` +
          `was moved ${shift(previous, e.scheduledTime)}, to ${when(e.scheduledTime, ctx.now)}, so the earlier wake-up is lost ` +
          `(${times(first.count)} from this line${andMore(items.length - 1)}). If the earlier alarm must still run, ` +
          "check getAlarm() and keep the sooner time.",
        ...(related ? { related: [related] } : {}),
      };
    });
  },
};
