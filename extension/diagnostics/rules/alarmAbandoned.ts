/**
 * DOA004: an alarm abandoned after its last retry.
 *
 * Cloudflare retries a failing `alarm()` up to 6 times; after that the alarm does not run again "until the next
 * time you call setAlarm", and recommends catching exceptions and rescheduling instead. From the object's newest run:
 * the finding stands at the line that threw (else the handler) until a later run of the object replaces it. Runs
 * that failed only because the inspector injected failures (`failNext`) are the user's own experiment, not a fault
 * of the code, and are left out.
 */
import { MAX_ALARM_RETRIES } from "../../../protocol/protocol";
import { runState } from "../../model/runs";
import type { Attempt, ObjectView } from "../../model/types";
import { andMore, ByLine, failurePlace, objectName, onlyInjectedFailures, when } from "../evidence";
import { fromCurrentSession } from "../finding";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";

export const ALARM_ABANDONED: RuleInfo = {
  code: "DOA004",
  title: "alarm abandoned after its last retry",
  docUrl: "https://developers.cloudflare.com/durable-objects/api/alarms/#alarm",
  severity: "error",
};

export const alarmAbandoned: RuntimeRule = {
  info: ALARM_ABANDONED,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = new ByLine<{ obj: ObjectView; last: Attempt }>();
    for (const obj of ctx.objects) {
      const run = obj.runs[obj.runs.length - 1];
      const last = run?.attempts[run.attempts.length - 1];
      if (!run || !last || !fromCurrentSession(ctx, last.session) || runState(run) !== "abandoned" || onlyInjectedFailures(run)) continue;
      const place = failurePlace(obj, last, ctx);
      if (place) byLine.add(place, { obj, last });
    }
    return byLine.entries().map(({ location, items }) => {
      const [{ obj, last }] = items as [{ obj: ObjectView; last: Attempt }, ...unknown[]];
      const error = last.error ? `${last.error.name}: ${last.error.message}` : "an error";
      return {
        rule: ALARM_ABANDONED,
        location,
        message:
          `${objectName(obj)}'s alarm was abandoned: all ${MAX_ALARM_RETRIES + 1} attempts failed (the last at ` +
          `${when(last.startedAt, ctx.now)} with ${error}), and the runtime will not run it again until the next setAlarm()` +
          `${andMore(items.length - 1)}. Catch the error in alarm() and call setAlarm() to retry on your own schedule.`,
      };
    });
  },
};
