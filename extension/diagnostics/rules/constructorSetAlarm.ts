/**
 * DOA002: `setAlarm` in a constructor with no `getAlarm` before it.
 *
 * Cloudflare: "If you wish to call setAlarm inside the constructor of a Durable Object, ensure that you are first
 * checking whether an alarm has already been set": the constructor also runs when the object wakes for a request
 * (or for the alarm itself), so a blind `setAlarm` there moves an alarm that is already pending. Static: the class's
 * text is enough, no session needed. Callbacks count (`blockConcurrencyWhile(async () => …)` is where constructors
 * do their async set-up); calls through other methods are caught at run time by DOA003.
 */
import type { ClassOutline } from "../../editor/outline";
import { atSpan } from "../finding";
import type { Finding, RuleInfo, StaticRule } from "../finding";

export const CONSTRUCTOR_SET_ALARM: RuleInfo = {
  code: "DOA002",
  title: "setAlarm in the constructor without getAlarm",
  docUrl: "https://developers.cloudflare.com/durable-objects/api/alarms/#setalarm",
  severity: "warning",
};

export const constructorSetAlarm: StaticRule = {
  info: CONSTRUCTOR_SET_ALARM,
  check(file: string, classes: readonly ClassOutline[]): Finding[] {
    const out: Finding[] = [];
    for (const c of classes) {
      const inCtor = c.calls.filter((call) => call.member === "constructor");
      const firstGet = inCtor.find((call) => call.kind === "getAlarm");
      for (const call of inCtor) {
        if (call.kind !== "setAlarm" || (firstGet && firstGet.offset < call.offset)) continue;
        out.push({
          rule: CONSTRUCTOR_SET_ALARM,
          ...atSpan(file, call.span),
          message:
            `${c.name}'s constructor calls setAlarm() without checking getAlarm() first. The constructor runs every time the ` +
            "object wakes (for a request, or for the alarm itself), so this replaces an alarm that is already pending. " +
            "Set it only when `await storage.getAlarm()` is null.",
        });
      }
    }
    return out;
  },
};
