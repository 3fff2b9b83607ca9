/**
 * An object's status at a moment. Status depends on the clock (a scheduled alarm becomes overdue while nothing
 * happens), so it is computed from state and `now` on demand rather than stored: the tree re-asks as it ticks.
 */
import { last } from "./objectEntry";
import { runState } from "./runs";
import type { ObjectView, StatusInfo } from "./types";

/**
 * How late an alarm may start before it is called overdue. The runtime's scheduler and workerd's I/O-driven clock
 * routinely start alarms a few hundred ms late; 1.5 s avoids flagging that.
 */
export const DEFAULT_OVERDUE_GRACE_MS = 1500;

/**
 * Rules, first match wins:
 * 1. the newest attempt has not ended: `running`;
 * 2. an alarm is pending: `scheduled`, or `overdue` once `now` is past its time by more than the grace;
 * 3. the newest attempt failed and the runtime said it will retry (and nothing deleted the alarm since, nor did
 *    another alarm run instead): `retrying` within the expected window, `overdue` past its end plus the grace;
 *    failed on the last allowed retry with no retry to come: `abandoned`;
 *    any other failure (no retry, `maybe` after a `deleteAlarm` in the handler, replaced then deleted): `failed`;
 * 4. the newest attempt succeeded: `succeeded`;
 * 5. otherwise (nothing ran, or the newest attempt was interrupted by a reload): `idle`.
 */
export function objectStatus(obj: ObjectView, now: number, graceMs: number = DEFAULT_OVERDUE_GRACE_MS): StatusInfo {
  const run = last(obj.runs);
  const attempt = last(run?.attempts);
  const base = { failureInjected: attempt?.injectedFailure ?? false, attempt: attempt?.number ?? null };
  const idle: StatusInfo = { ...base, status: "idle", dueAt: null, window: null, overdueBy: null };

  if (attempt?.outcome === "running") return { ...idle, status: "running" };

  const scheduled = obj.currentAlarm.scheduledTime;
  if (scheduled !== null) {
    const late = now - scheduled;
    return late > graceMs
      ? { ...idle, status: "overdue", dueAt: scheduled, overdueBy: late }
      : { ...idle, status: "scheduled", dueAt: scheduled };
  }

  if (run && attempt?.outcome === "error") {
    const r = attempt.retry;
    const window = r?.earliest !== undefined && r.latest !== undefined ? { earliest: r.earliest, latest: r.latest } : null;
    // A deleteAlarm after the failure cancels the pending retry (the alarm row it lives in is gone).
    const setAt = obj.currentAlarm.setAt;
    const deletedSince = setAt !== null && attempt.endedAt !== null && setAt > attempt.endedAt;
    const state = runState(run);
    if (state === "retrying" && !deletedSince) {
      if (window && now - window.latest > graceMs) {
        return { ...idle, status: "overdue", dueAt: window.earliest, window, overdueBy: now - window.latest };
      }
      return { ...idle, status: "retrying", dueAt: window?.earliest ?? null, window };
    }
    if (state === "abandoned") return { ...idle, status: "abandoned", window };
    return { ...idle, status: "failed", window };
  }

  if (attempt?.outcome === "ok") return { ...idle, status: "succeeded" };
  return idle;
}

/**
 * When something is still to come for the object: its pending alarm, or the retry the runtime will make. The one rule
 * for "pending" that the status bar's count, the class rows' counts and the pending list share, so they never
 * disagree.
 */
export function pendingDue(obj: ObjectView, status: StatusInfo): { dueAt: number; kind: "alarm" | "retry" } | null {
  const scheduled = obj.currentAlarm.scheduledTime;
  if (scheduled !== null) return { dueAt: scheduled, kind: "alarm" };
  if ((status.status === "retrying" || status.status === "overdue") && status.dueAt !== null) return { dueAt: status.dueAt, kind: "retry" };
  return null;
}
