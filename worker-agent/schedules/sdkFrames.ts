import type { CallSite, SchedulerCall, ScheduleSource } from "../../protocol/protocol";

/**
 * Tells the Agents SDK's own alarm calls from the user's, by the first named frame of the call's stack. Pure (no
 * Workers types), so it is unit tested. Verified on the installed releases under `wrangler dev` (the bundle keeps
 * method names; V8 keeps the async frames):
 * - 0.32 `JobDriver.armStartupFallback` (first thing in `alarm()`: max(next, now + 30 s)),
 *   `JobDriver._driveDueJobs` (now + 30 s before the due jobs run), `Lifecycle.rearmAlarm` (after the jobs and after
 *   every queue change: the earliest job, or `deleteAlarm`; the write itself runs in an anonymous closure, so the
 *   first *named* frame is `async Lifecycle.rearmAlarm`);
 * - 0.20 `Agent._scheduleNextAlarm` / `_scheduleNextAlarmBody` (the earliest schedule, or `deleteAlarm`).
 * esbuild may suffix a module-level function on a name clash (`_driveDueJobs2`), hence the digits.
 */
const SDK_FRAMES: readonly { name: RegExp; source: ScheduleSource; reason: SchedulerCall["reason"] }[] = [
  { name: /^(?:armStartupFallback|_driveDueJobs\d*)$/, source: "agents", reason: "fallback" },
  { name: /^rearmAlarm$/, source: "agents", reason: "rearm" },
  { name: /^_scheduleNextAlarm(?:Body)?$/, source: "agents-legacy", reason: "rearm" },
];

/** `    at async Type.method (file:…)` → `method`; frames without a name (`    at file:…`) give undefined. */
const FRAME = /^\s*at (?:async )?(?:new )?([^\s(]+) \(/;

export type SchedulerFrame = Pick<SchedulerCall, "source" | "reason">;

/** The same call site is seen on every run of a job: classify each one once. */
const classified = new WeakMap<CallSite, SchedulerFrame | null>();

/** Whether the call whose stack is `site` was made by the SDK's scheduler, and why. Undefined for the user's code. */
export function schedulerFrameOf(site: CallSite | undefined): SchedulerFrame | undefined {
  if (!site) return undefined;
  const known = classified.get(site);
  if (known !== undefined) return known ?? undefined;
  let found: SchedulerFrame | null = null;
  for (const line of site.stack.split("\n")) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const method = m[1]!.slice(m[1]!.lastIndexOf(".") + 1);
    const hit = SDK_FRAMES.find((f) => f.name.test(method));
    if (hit) found = { source: hit.source, reason: hit.reason };
    // Only the first named frame decides: a user's setAlarm called from deep inside anything else stays the user's.
    break;
  }
  classified.set(site, found);
  return found ?? undefined;
}

/** Slack when matching a re-arm to a schedule's time: 0.2x keeps seconds and never arms earlier than now + 1 ms. */
const SLACK_MS = 1000;

/**
 * The schedules a scheduler call serves, from the rows as last read (read when the call settles, so a re-arm after a
 * job's row changed sees the change): a fallback guards the due ones; a re-arm points at the ones at its time.
 */
export function servedBy(rows: Iterable<{ id: string; time: number }> | undefined, frame: SchedulerFrame, at: number, scheduledTime: number | null): SchedulerCall {
  const ids: string[] = [];
  if (rows && !(frame.reason === "rearm" && scheduledTime === null)) {
    for (const r of rows) {
      const serves = frame.reason === "fallback" ? r.time <= at : Math.abs(r.time - (scheduledTime as number)) <= SLACK_MS;
      if (serves) ids.push(r.id);
    }
  }
  return { source: frame.source, reason: frame.reason, scheduleIds: ids };
}
