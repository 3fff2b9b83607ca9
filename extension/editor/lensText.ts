/**
 * The words of the CodeLenses, from the model's state. Pure (no `vscode`), so what a lens says is unit tested, and
 * the provider can compare texts to refresh only when one would change.
 */
import { MAX_ALARM_RETRIES } from "../../protocol/protocol";
import type { AlarmSetEvent } from "../../protocol/protocol";
import { objectLabel } from "../model/objectLabel";
import type { ScheduleView } from "../model/schedules";
import { runState } from "../model/runs";
import { formatAbsolute, formatDuration, formatRelative } from "../model/timeInput";
import type { EventRecord, ObjectView, Run, StatusInfo } from "../model/types";
import { MAX_ATTEMPTS } from "../views/describe";

/** Title of the lens that fires the class's alarm. */
export const FIRE_NOW_TITLE = "$(zap) Fire now";

/** Title of the lens that runs the soonest pending schedule a `this.schedule(…)` call made. */
export const SCHEDULE_RUN_NOW_TITLE = "$(zap) Run now";

/** "next in 2m 10s", "next: retry in 4s", "running now", "overdue by 3s", "no alarm pending" (for a class's objects). */
export function nextText(objects: readonly ObjectView[], statusOf: (o: ObjectView) => StatusInfo, now: number): string {
  let soonest: { obj: ObjectView; s: StatusInfo; due: number } | undefined;
  let running = 0;
  for (const obj of objects) {
    const s = statusOf(obj);
    if (s.status === "running") running++;
    if (s.dueAt === null || !(s.status === "scheduled" || s.status === "retrying" || s.status === "overdue")) continue;
    if (!soonest || s.dueAt < soonest.due) soonest = { obj, s, due: s.dueAt };
  }
  const whose = (obj: ObjectView) => (objects.length > 1 ? ` (${objectLabel(obj.ref)})` : "");
  if (running > 0 && !soonest) return running > 1 ? `${running} running now` : "running now";
  if (!soonest) return "no alarm pending";
  const { obj, s, due } = soonest;
  if (s.status === "overdue") return `next overdue by ${formatDuration(s.overdueBy ?? now - due)}${whose(obj)}`;
  // Within the overdue grace an alarm is still "scheduled" with its time just past: that reads as "now".
  const wait = formatRelative(Math.max(0, due - now));
  return s.status === "retrying" ? `next: retry ${wait}${whose(obj)}` : `next ${wait}${whose(obj)}`;
}

/** The newest run among the objects (by when its newest attempt started), with its object. */
export function newestRun(objects: readonly ObjectView[]): { obj: ObjectView; run: Run } | undefined {
  let best: { obj: ObjectView; run: Run; at: number } | undefined;
  for (const obj of objects) {
    const run = obj.runs[obj.runs.length - 1];
    const at = run?.attempts[run.attempts.length - 1]?.startedAt;
    if (run && at !== undefined && (!best || at > best.at)) best = { obj, run, at };
  }
  return best && { obj: best.obj, run: best.run };
}

/** "last: ok", "last: failed, retry 2 of 6", "last: abandoned after 7 attempts", "not run yet". */
export function lastText(objects: readonly ObjectView[]): string {
  const newest = newestRun(objects);
  if (!newest) return "not run yet";
  const { run } = newest;
  const a = run.attempts[run.attempts.length - 1];
  const n = a?.number ?? 1;
  switch (runState(run)) {
    case "running":
      return `last: running, attempt ${n} of ${MAX_ATTEMPTS}`;
    case "succeeded":
      return n > 1 ? `last: ok on attempt ${n}` : "last: ok";
    case "retrying":
      return `last: failed, retry ${a?.retry?.nextRetryCount ?? n} of ${MAX_ALARM_RETRIES}`;
    case "abandoned":
      return `last: abandoned after ${MAX_ATTEMPTS} attempts`;
    case "replaced":
      return "last: failed, replaced by a new alarm";
    case "interrupted":
      return "last: interrupted by a reload";
    case "failed":
      return "last: failed";
  }
}

/** The status lens above a handler: "next in 2m 10s · last: failed, retry 2 of 6", with a count for several objects. */
export function handlerStatusText(objects: readonly ObjectView[], statusOf: (o: ObjectView) => StatusInfo, now: number): string {
  if (objects.length === 0) return "no object seen yet";
  const count = objects.length > 1 ? `${objects.length} objects · ` : "";
  return `${count}${nextText(objects, statusOf, now)} · ${lastText(objects)}`;
}

/**
 * The lens above a `setAlarm(` call: how often it ran in this session and when last, from the `alarm.set` events
 * located at its line (any object). Absolute times, so the text does not change while nothing happens.
 */
export function setAlarmLensText(sets: readonly EventRecord<AlarmSetEvent>[], now: number): string {
  if (sets.length === 0) return "setAlarm: not called this session";
  const newest = sets.reduce((a, b) => (b.event.at > a.event.at ? b : a));
  const replaced = sets.filter((r) => r.event.previous !== null).length;
  const over = replaced > 0 ? ` (${replaced} replaced a pending alarm)` : "";
  const n = sets.length;
  return `setAlarm ran ${n === 1 ? "once" : `${n}×`} this session${over} · last at ${formatAbsolute(newest.event.at, now)} for ${formatAbsolute(newest.event.scheduledTime, now)}`;
}

/** A schedule a `this.schedule(…)` call site made, with the object that keeps it. */
export interface SiteSchedule {
  readonly objectKey: string;
  readonly schedule: ScheduleView;
}

/**
 * The schedules a `this.schedule(…)` call site made: those of the class's objects whose callback is the one the call
 * names (the SDK stores the callback's name, which is all that ties a schedule to its call).
 */
export function schedulesOfCallSite(objectKeys: readonly string[], schedulesOf: (key: string) => readonly ScheduleView[], callback: string): SiteSchedule[] {
  const out: SiteSchedule[] = [];
  for (const objectKey of objectKeys) for (const schedule of schedulesOf(objectKey)) if (schedule.callback === callback) out.push({ objectKey, schedule });
  return out;
}

/** The pending schedule of a call site that runs first: what its Run now lens runs. */
export function soonestPending(sites: readonly SiteSchedule[]): SiteSchedule | undefined {
  let best: SiteSchedule | undefined;
  for (const s of sites) {
    if (s.schedule.status !== "pending" || s.schedule.time === null) continue;
    if (!best || s.schedule.time < (best.schedule.time as number)) best = s;
  }
  return best;
}

/** "last: ok", "last: failed (attempt 3 of 3): explode: always", "last: running": the newest run among the sites. */
function lastRunText(sites: readonly SiteSchedule[]): string {
  let newest: ScheduleView["runs"][number] | undefined;
  for (const s of sites) {
    const run = s.schedule.runs[s.schedule.runs.length - 1];
    if (run && (!newest || run.startedAt > newest.startedAt)) newest = run;
  }
  if (!newest) return "not run yet";
  const a = newest.attempts[newest.attempts.length - 1];
  const of = a ? ` (attempt ${a.attempt}${a.maxAttempts !== undefined ? ` of ${a.maxAttempts}` : ""})` : "";
  switch (newest.outcome) {
    case "running":
      return `last: running${of}`;
    case "ok":
      return a && a.attempt > 1 ? `last: ok on attempt ${a.attempt}` : "last: ok";
    case "unknown":
      return "last: ran (outcome unknown)";
    case "error": {
      const message = a?.error?.message ?? "";
      return `last: failed${of}${message ? `: ${message.length > 60 ? `${message.slice(0, 60)}…` : message}` : ""}`;
    }
  }
}

/**
 * The lens above a `this.schedule(…)` call: "remind(): 2 pending · next in 4m 10s · last: failed (attempt 3 of 3)".
 * Counted down like the handler's lens; "in N objects" when the call ran in several.
 */
export function scheduleLensText(callback: string | null, sites: readonly SiteSchedule[], now: number): string {
  if (callback === null) return "schedule: callback not written as a name here, so its schedules cannot be matched";
  if (sites.length === 0) return `${callback}(): no schedule seen this session`;
  const pending = sites.filter((s) => s.schedule.status === "pending" || s.schedule.status === "running").length;
  const next = soonestPending(sites);
  const nextText = next ? `next ${formatRelative(Math.max(0, (next.schedule.time as number) - now))}` : "nothing pending";
  const objects = new Set(sites.map((s) => s.objectKey)).size;
  const where = objects > 1 ? ` in ${objects} objects` : "";
  return `${callback}(): ${pending} pending${where} · ${nextText} · ${lastRunText(sites)}`;
}
