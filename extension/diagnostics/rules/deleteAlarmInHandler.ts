/**
 * DOA006: `deleteAlarm()` inside the alarm handler.
 *
 * Cloudflare: "Calling deleteAlarm() inside the alarm() handler may prevent retries on a best-effort basis, but is
 * not guaranteed." Code that deletes its alarm in the handler to stop retries (or expects the runtime to keep
 * retrying after it) relies on behaviour the platform does not promise. Static, from the class's text.
 */
import type { ClassOutline } from "../../editor/outline";
import { atSpan } from "../finding";
import type { Finding, RuleInfo, StaticRule } from "../finding";

export const DELETE_ALARM_IN_HANDLER: RuleInfo = {
  code: "DOA006",
  title: "deleteAlarm inside the alarm handler",
  docUrl: "https://developers.cloudflare.com/durable-objects/api/alarms/#deletealarm",
  severity: "information",
};

export const deleteAlarmInHandler: StaticRule = {
  info: DELETE_ALARM_IN_HANDLER,
  check(file: string, classes: readonly ClassOutline[]): Finding[] {
    const out: Finding[] = [];
    for (const c of classes) {
      const handler = c.handler?.name;
      if (!handler) continue;
      for (const call of c.calls) {
        if (call.kind !== "deleteAlarm" || call.member !== handler) continue;
        out.push({
          rule: DELETE_ALARM_IN_HANDLER,
          ...atSpan(file, call.span),
          message:
            `deleteAlarm() inside ${c.name}.${handler}(): if the handler then throws, the runtime may still retry it ` +
            "(deleting stops retries on a best-effort basis only). To stop for good, catch the error and return; to " +
            "retry on your own terms, catch it and call setAlarm().",
        });
      }
    }
    return out;
  },
};
