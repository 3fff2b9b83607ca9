/**
 * Schedule runs inside alarm attempts, for the timeline's detail panel and its stepping. The Agents SDK (and the docs'
 * "many events, one alarm" pattern) runs every due schedule from one `alarm()` call, so a schedule run belongs to the
 * alarm attempt whose window holds its start. Schedule events are kept apart from the object's history (the schedule
 * book), so time containment is the link: the agent stamps both from the same isolate's clock. Pure: no `vscode`.
 */
import { schedulerCallText } from "../model/schedules";
import type { ScheduleRun, ScheduleView } from "../model/schedules";
import type { ObjectView } from "../model/types";
import type { ScheduleFocus, SchedulerCallDetail, ScheduleStep, StepTarget } from "../shared/timelineMessages";

/** The span of an alarm attempt; a running attempt (no end) holds every later start. */
export interface AttemptWindow {
  readonly startedAt: number;
  readonly endedAt: number | null;
}

/** A run and attempt of the object's alarm, as the timeline selects them. */
export interface AttemptRef {
  readonly runId: string;
  readonly attemptIndex: number;
}

function within(t: number, w: AttemptWindow): boolean {
  return t >= w.startedAt && (w.endedAt === null || t <= w.endedAt);
}

function stepOf(s: ScheduleView, run: ScheduleRun, runIndex: number): ScheduleStep {
  const last = run.attempts[run.attempts.length - 1];
  const ended = last?.endedAt;
  return {
    scheduleId: s.id,
    callback: s.callback,
    kind: s.kind,
    runIndex,
    runCount: s.runs.length,
    startedAt: run.startedAt,
    endedAt: run.outcome === "running" || ended === undefined ? null : ended,
    outcome: run.outcome,
    attempts: run.attempts.length,
    maxAttempts: last?.maxAttempts ?? s.maxAttempts ?? null,
    error: last?.error ? { name: last.error.name, message: last.error.message } : null,
  };
}

/** Every schedule run that started inside the attempt, by start time (then callback, for a stable order). */
export function schedulesInAttempt(schedules: readonly ScheduleView[], attempt: AttemptWindow): ScheduleStep[] {
  const steps: ScheduleStep[] = [];
  for (const s of schedules) {
    s.runs.forEach((run, i) => {
      if (within(run.startedAt, attempt)) steps.push(stepOf(s, run, i));
    });
  }
  return steps.sort((a, b) => a.startedAt - b.startedAt || a.callback.localeCompare(b.callback));
}

/** The alarm attempt that ran a schedule run: the latest attempt whose window holds the run's start. */
export function attemptOfScheduleRun(object: Pick<ObjectView, "runs">, run: Pick<ScheduleRun, "startedAt">): AttemptRef | undefined {
  let found: AttemptRef | undefined;
  let foundStart = -Infinity;
  for (const r of object.runs) {
    r.attempts.forEach((a, attemptIndex) => {
      if (within(run.startedAt, a) && a.startedAt >= foundStart) {
        found = { runId: r.id, attemptIndex };
        foundStart = a.startedAt;
      }
    });
  }
  return found;
}

/** The run index a step goes to from `current`, among `count` runs. */
export function stepIndex(current: number, count: number, to: StepTarget): number {
  const last = Math.max(0, count - 1);
  switch (to) {
    case "first":
      return 0;
    case "last":
      return last;
    case "previous":
      return Math.max(0, Math.min(last, current) - 1);
    case "next":
      return Math.min(last, current + 1);
  }
}

/** Where stepping stands within one schedule's runs, for the detail panel. */
export function scheduleFocus(s: ScheduleView, runIndex: number): ScheduleFocus {
  return { scheduleId: s.id, callback: s.callback, runIndex: Math.min(runIndex, Math.max(0, s.runs.length - 1)), runCount: s.runs.length };
}

/**
 * Where a schedule focus lands: the run of `s` inside the selected attempt when there is one (the person clicked it
 * there), else its newest run; with the alarm attempt that ran it, when the model still holds that attempt.
 */
export function focusTarget(object: Pick<ObjectView, "runs">, s: ScheduleView, selected: AttemptWindow | undefined): { runIndex: number; attempt?: AttemptRef } | undefined {
  if (s.runs.length === 0) return undefined;
  let runIndex = s.runs.length - 1;
  if (selected) {
    const inside = s.runs.findIndex((r) => within(r.startedAt, selected));
    if (inside >= 0) runIndex = inside;
  }
  const run = s.runs[runIndex] as ScheduleRun;
  const attempt = attemptOfScheduleRun(object, run);
  return attempt ? { runIndex, attempt } : { runIndex };
}

/** What the timeline host reads from the model's schedule book. */
export type ScheduleSource = Pick<import("../model/schedules").ScheduleBook, "schedulesOf" | "get">;

/** The schedule a selection steps through, and which of its runs is shown. */
export interface ScheduleSelection {
  readonly id: string;
  readonly runIndex: number;
}

/**
 * The detail with the schedule runs of its attempt and where schedule stepping stands. Objects without schedules get
 * the detail unchanged, so the panel of a plain alarm looks as before.
 */
export function withSchedules<D extends { objectKey: string; attempt: AttemptWindow; alarmCalls?: readonly SchedulerCallLine[] }>(
  detail: D,
  book: ScheduleSource | undefined,
  focus: ScheduleSelection | undefined,
): D & { schedules?: ScheduleStep[]; scheduleFocus?: ScheduleFocus | null } {
  const schedules = book?.schedulesOf(detail.objectKey) ?? [];
  if (schedules.length === 0) return detail;
  const s = focus ? book?.get(detail.objectKey, focus.id) : undefined;
  const callbackOf = (id: string) => book?.get(detail.objectKey, id)?.callback;
  return {
    ...detail,
    ...(detail.alarmCalls ? { alarmCalls: detail.alarmCalls.map((c) => namedSchedulerCall(c, callbackOf)) } : {}),
    schedules: schedulesInAttempt(schedules, detail.attempt),
    scheduleFocus: s && focus ? scheduleFocus(s, focus.runIndex) : null,
  };
}

/** An alarm call line of the detail; the scheduler's own carry the schedules they serve. */
export interface SchedulerCallLine {
  readonly kind: "set" | "delete";
  readonly scheduler?: SchedulerCallDetail;
}

/** A scheduler call's text with the callbacks of the schedules it serves (the agent sends ids; the book knows names). */
export function namedSchedulerCall<C extends SchedulerCallLine>(c: C, callbackOf: (id: string) => string | undefined): C {
  if (!c.scheduler || c.scheduler.scheduleIds.length === 0) return c;
  const text = schedulerCallText(c.scheduler, c.kind === "delete", callbackOf);
  return { ...c, scheduler: { ...c.scheduler, text } };
}
