/**
 * DOA011: what is wrong with a schedule behind the alarm (Agents SDK, the docs' pattern), in the Problems view: a
 * callback missing from the class, a due schedule starved by an alarm armed later (or unset), a cron/interval failing
 * every run, the SDK's retry policy exhausted. The sentences are `scheduleProblems`' (the tree row says the same).
 *
 * Where: a failure is placed at the line of the user's code that threw (the error's stack, source-mapped); anything
 * else, or a failure without a usable stack, at the class's name. The agent reports no call site for `this.schedule(`
 * (the SDK stores rows, it does not take a stack), so a finding with no place in the workspace is left out.
 */
import { scheduleProblems } from "../../model/scheduleProblems";
import type { ScheduleView } from "../../model/schedules";
import type { SourceLocation } from "../../sourcemap/mapFrame";
import { andMore, ByLine, objectName } from "../evidence";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";
import type { ObjectView } from "../../model/types";

export const SCHEDULE_PROBLEM: RuleInfo = {
  code: "DOA011",
  title: "schedule behind the alarm will not run as written",
  docUrl: "https://developers.cloudflare.com/agents/api-reference/schedule-tasks/",
  severity: "warning",
};

/** The stack of the schedule's newest failed attempt, if any. */
function lastErrorStack(s: ScheduleView): string | undefined {
  const run = s.runs[s.runs.length - 1];
  return run?.attempts[run.attempts.length - 1]?.error?.stack;
}

export const scheduleProblem: RuntimeRule = {
  info: SCHEDULE_PROBLEM,
  check(ctx: RuntimeContext): Finding[] {
    if (!ctx.schedulesOf) return [];
    const byLine = new ByLine<{ obj: ObjectView; s: ScheduleView; message: string }>();
    for (const obj of ctx.objects) {
      const alarm = obj.currentAlarm.scheduledTime;
      for (const s of ctx.schedulesOf(obj.key)) {
        for (const p of scheduleProblems(s, alarm, ctx.now)) {
          const failure = p.code === "failing-every-run" || p.code === "retries-exhausted";
          const place: SourceLocation | undefined = (failure ? ctx.locateStack(lastErrorStack(s)) : undefined) ?? ctx.classOf?.(obj.ref.className);
          if (place) byLine.add(place, { obj, s, message: p.message });
        }
      }
    }
    return byLine.entries().map(({ location, items }) => {
      const [{ obj, s, message }] = items as [{ obj: ObjectView; s: ScheduleView; message: string }, ...unknown[]];
      return { rule: SCHEDULE_PROBLEM, location, message: `${objectName(obj)}'s schedule ${s.callback}() (${s.id}): ${message}${andMore(items.length - 1)}.` };
    });
  },
};
