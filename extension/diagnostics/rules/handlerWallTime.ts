/**
 * DOA007: an alarm handler that ran longer than the platform allows.
 *
 * Cloudflare's Workers limits (https://developers.cloudflare.com/workers/platform/limits/#duration) give a 15 min
 * duration (wall-clock) limit for Cron Triggers, Durable Object Alarms and Queue Consumers. `wrangler dev` does not
 * enforce it, so a handler that runs longer locally would be cut off in production. From the object's newest run
 * (an attempt still running counts from its start), shown at the class's `alarm(` handler.
 */
import { formatDuration } from "../../model/timeInput";
import type { Attempt, ObjectView } from "../../model/types";
import { andMore, ByLine, failurePlace, objectName } from "../evidence";
import { fromCurrentSession } from "../finding";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";

/** The documented wall-time limit of an alarm invocation: 15 minutes (Workers limits, "Duration"). */
export const ALARM_WALL_TIME_LIMIT_MS = 15 * 60_000;

export const HANDLER_WALL_TIME: RuleInfo = {
  code: "DOA007",
  title: "alarm handler ran longer than the 15 min wall-time limit",
  docUrl: "https://developers.cloudflare.com/workers/platform/limits/#duration",
  severity: "warning",
};

/** How long an attempt ran (or has run so far, when it still runs). */
export function ranFor(a: Attempt, now: number): number {
  return a.durationMs ?? (a.outcome === "running" ? now - a.startedAt : 0);
}

export const handlerWallTime: RuntimeRule = {
  info: HANDLER_WALL_TIME,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = new ByLine<{ obj: ObjectView; attempt: Attempt; ms: number }>();
    for (const obj of ctx.objects) {
      const run = obj.runs[obj.runs.length - 1];
      if (!run) continue;
      let longest: { attempt: Attempt; ms: number } | undefined;
      for (const attempt of run.attempts) {
        if (!fromCurrentSession(ctx, attempt.session)) continue;
        const ms = ranFor(attempt, ctx.now);
        if (ms > ALARM_WALL_TIME_LIMIT_MS && (!longest || ms > longest.ms)) longest = { attempt, ms };
      }
      if (!longest) continue;
      // The handler's own line; a thrown error's line would point at where it stopped, not at what ran long.
      const place = ctx.handlerOf(obj.ref.className) ?? failurePlace(obj, longest.attempt, ctx);
      if (place) byLine.add(place, { obj, ...longest });
    }
    return byLine.entries().map(({ location, items }) => {
      const [{ obj, attempt, ms }] = items as [{ obj: ObjectView; attempt: Attempt; ms: number }, ...unknown[]];
      const verb = attempt.outcome === "running" ? "has been running for" : "ran for";
      return {
        rule: HANDLER_WALL_TIME,
        location,
        message:
          `${objectName(obj)}'s alarm handler ${verb} ${formatDuration(ms)} (attempt ${attempt.number}); Cloudflare stops an ` +
          `alarm invocation after 15 min of wall time, which wrangler dev does not enforce${andMore(items.length - 1)}. ` +
          "Split the work across alarms (do a batch, setAlarm() for the rest).",
      };
    });
  },
};
