/**
 * A run (a scheduled alarm and its retries) as the timeline draws it: one chain of attempt bars joined by the backoff
 * gaps, and, while a retry is awaited, the window the next attempt is expected to start in.
 */
import { runState } from "../model/runs";
import type { Attempt, Run, StatusInfo } from "../model/types";
import type { AttemptBar, BackoffGap, RunChain, WindowVerdict } from "../shared/timelineMessages";

/** Where `startedAt` fell against a predicted window. */
export function windowVerdict(startedAt: number, window: { earliest: number; latest: number }): WindowVerdict {
  if (startedAt < window.earliest) return "early";
  if (startedAt > window.latest) return "late";
  return "inWindow";
}

/** One attempt as a bar. */
export function attemptBar(a: Attempt, index: number): AttemptBar {
  const bar: AttemptBar = {
    index,
    number: a.number,
    start: a.startedAt,
    end: a.endedAt,
    outcome: a.outcome,
    trigger: a.trigger,
    injected: a.injectedFailure,
  };
  if (a.expected) bar.expected = { earliest: a.expected.earliest, latest: a.expected.latest };
  return bar;
}

/** The waits between consecutive attempts: from one attempt's end (its start, if it never ended) to the next start. */
export function backoffGaps(attempts: readonly Attempt[]): BackoffGap[] {
  const gaps: BackoffGap[] = [];
  for (let i = 1; i < attempts.length; i++) {
    const prev = attempts[i - 1] as Attempt;
    const next = attempts[i] as Attempt;
    const gap: BackoffGap = { from: prev.endedAt ?? prev.startedAt, to: next.startedAt };
    if (next.expected) gap.verdict = windowVerdict(next.startedAt, next.expected);
    gaps.push(gap);
  }
  return gaps;
}

/**
 * The retry window a run is waiting on, from the object's status: only the object's newest run can be waiting, and
 * only while the status says a retry is still coming (`retrying`, or `overdue` for one), which already accounts for a
 * `deleteAlarm`/`setAlarm` since the failure and for another alarm having run instead.
 */
export function waitingWindow(run: Run, isNewestRun: boolean, status: StatusInfo): RunChain["waiting"] {
  if (!isNewestRun || status.window === null) return null;
  if (status.status !== "retrying" && status.status !== "overdue") return null;
  const last = run.attempts[run.attempts.length - 1];
  if (last?.outcome !== "error") return null;
  return { earliest: status.window.earliest, latest: status.window.latest, retryCount: last.retry?.nextRetryCount ?? null };
}

/**
 * The full chain of a run. `now` ends the bar of an attempt still running; `waiting` (see `waitingWindow`) extends the
 * chain to the end of the awaited window.
 */
export function runChain(run: Run, now: number, waiting: RunChain["waiting"]): RunChain {
  const attempts = run.attempts.map(attemptBar);
  const first = run.attempts[0];
  const start = first ? first.startedAt : (run.scheduledTime ?? now);
  let end = start;
  for (const a of run.attempts) end = Math.max(end, a.endedAt ?? (a.outcome === "running" ? now : a.startedAt));
  if (waiting) end = Math.max(end, waiting.latest);
  return {
    id: run.id,
    state: runState(run),
    start,
    end,
    scheduledTime: run.scheduledTime,
    attempts,
    gaps: backoffGaps(run.attempts),
    waiting,
  };
}
