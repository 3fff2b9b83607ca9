/**
 * What is wrong with a schedule, from what the agent reported: pure, so the tree and any later Problems-view rule say
 * the same thing. Each problem is one sentence with its evidence.
 */
import type { ScheduleView } from "./schedules";

export type ScheduleProblemCode = "missing-callback" | "starved" | "failing-every-run" | "retries-exhausted";

export interface ScheduleProblem {
  readonly code: ScheduleProblemCode;
  readonly message: string;
}

/** How long past due a pending schedule may be before it counts as starved (an alarm takes a moment to run). */
export const STARVED_GRACE_MS = 5000;

/** Runs in a row, all failed, before a recurring schedule counts as failing every run. */
export const FAILING_RUNS = 2;

export function scheduleProblems(s: ScheduleView, alarm: number | null, now: number): ScheduleProblem[] {
  const out: ScheduleProblem[] = [];
  if (s.missingCallback && (s.status === "pending" || s.status === "running")) {
    out.push({
      code: "missing-callback",
      message: `the class has no method ${s.callback}(): when this schedule is due the SDK logs "callback ${s.callback} not found" and drops the run`,
    });
  }
  if (s.status === "pending" && s.time !== null && s.time + STARVED_GRACE_MS < now && (alarm === null || alarm > s.time + STARVED_GRACE_MS)) {
    out.push({
      code: "starved",
      message:
        alarm === null
          ? "due, but no alarm is set: nothing will run it until something sets the alarm"
          : "due, but the alarm is set for later: it runs only then (was the alarm moved later, or only set when sooner?)",
    });
  }
  const recurring = s.kind === "cron" || s.kind === "interval";
  const finished = s.runs.filter((r) => r.outcome !== "running");
  if (recurring && finished.length >= FAILING_RUNS && finished.every((r) => r.outcome === "error")) {
    out.push({ code: "failing-every-run", message: `failed in every run seen (${finished.length} of ${finished.length})` });
  }
  const last = finished[finished.length - 1];
  const lastAttempt = last?.attempts[last.attempts.length - 1];
  if (last?.outcome === "error" && lastAttempt?.final === true) {
    const max = lastAttempt.maxAttempts ?? lastAttempt.attempt;
    out.push({
      code: "retries-exhausted",
      message: `the SDK gave up after ${max} attempt${max === 1 ? "" : "s"}${lastAttempt.error ? ` (${lastAttempt.error.message})` : ""}${recurring ? "; it tries again at the next run" : "; the run is lost"}`,
    });
  }
  return out;
}
