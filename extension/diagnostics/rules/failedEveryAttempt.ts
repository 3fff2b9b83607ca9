/**
 * DOA005: a handler that failed in every attempt of a run.
 *
 * The newest run of an object in which no attempt succeeded: still retrying after two or more failures, or over
 * with no retry to come (the handler set a new alarm, or deleted its own). An abandoned run is DOA004's. One failed
 * attempt with a retry pending is the normal retry path, not yet a pattern. The finding goes once a later run of the
 * object (or a retry) succeeds. Runs that failed only by injection (`failNext`) are left out.
 */
import { runState } from "../../model/runs";
import type { Attempt, ObjectView, Run } from "../../model/types";
import { andMore, ByLine, failurePlace, objectName, onlyInjectedFailures } from "../evidence";
import { fromCurrentSession } from "../finding";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";

export const FAILED_EVERY_ATTEMPT: RuleInfo = {
  code: "DOA005",
  title: "alarm handler failed in every attempt of a run",
  docUrl: "https://developers.cloudflare.com/durable-objects/api/alarms/#alarm",
  severity: "warning",
};

/** True when the run has failed in every attempt so far, in a way worth reporting (see the module comment). */
export function failedThroughout(run: Run): boolean {
  const state = runState(run);
  if (state === "abandoned" || state === "running" || state === "succeeded" || state === "interrupted") return false;
  if (!run.attempts.every((a) => a.outcome === "error")) return false;
  return state === "retrying" ? run.attempts.length >= 2 : true;
}

export const failedEveryAttempt: RuntimeRule = {
  info: FAILED_EVERY_ATTEMPT,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = new ByLine<{ obj: ObjectView; run: Run; last: Attempt }>();
    for (const obj of ctx.objects) {
      const run = obj.runs[obj.runs.length - 1];
      const last = run?.attempts[run.attempts.length - 1];
      if (!run || !last || !fromCurrentSession(ctx, last.session) || !failedThroughout(run) || onlyInjectedFailures(run)) continue;
      const place = failurePlace(obj, last, ctx);
      if (place) byLine.add(place, { obj, run, last });
    }
    return byLine.entries().map(({ location, items }) => {
      const [{ obj, run, last }] = items as [{ obj: ObjectView; run: Run; last: Attempt }, ...unknown[]];
      const n = run.attempts.length;
      const state = runState(run);
      const next =
        state === "retrying"
          ? `the runtime retries it (attempt ${n + 1} next)`
          : state === "replaced"
            ? "the handler set a new alarm, which runs instead of a retry"
            : "no retry is coming";
      const error = last.error ? `${last.error.name}: ${last.error.message}` : "an error";
      return {
        rule: FAILED_EVERY_ATTEMPT,
        location,
        message:
          `${objectName(obj)}'s alarm handler failed in every attempt of this run (${n} of ${n}, last with ${error}); ` +
          `${next}${andMore(items.length - 1)}.`,
      };
    });
  },
};
