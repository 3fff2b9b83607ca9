/**
 * Groups an object's alarm attempts into runs: a scheduled (or fired-now) alarm and the retries the runtime makes
 * after it fails, up to 1 + MAX_ALARM_RETRIES attempts.
 */
import { MAX_ALARM_RETRIES, retryWindow } from "../../protocol/protocol";
import type { AlarmEndEvent, AlarmStartEvent, RetryInfo } from "../../protocol/protocol";
import { anyBefore, last, openAttempt } from "./objectEntry";
import type { AttemptState, ObjectEntry, RunState, StoredRecord } from "./objectEntry";
import type { AlarmCallEvent, Run, RunState as RunStateName, RetryExpectation, StorageEvent } from "./types";

/** True when the failed attempt leaves a retry to wait for. `maybe` counts: the runtime may still retry. */
function expectsRetry(a: AttemptState | undefined): boolean {
  return a?.outcome === "error" && (a.retry?.willRetry === "yes" || a.retry?.willRetry === "maybe");
}

/**
 * Records an `alarm.start`. `pendingScheduledTime` is the alarm the model believed pending just before, used as the
 * run's scheduled time when the runtime gave no `alarmInfo.scheduledTime`.
 */
export function beginAttempt(entry: ObjectEntry, rec: StoredRecord<AlarmStartEvent>, pendingScheduledTime: number | null): AttemptState {
  const e = rec.event;
  return openNewAttempt(entry, rec, e.alarmInfo, e.trigger, e.injectedFailure, e.at, false, pendingScheduledTime);
}

/** Opens an attempt (the fields as in `AttemptState`), in the run it continues or in a new one. */
function openNewAttempt(
  entry: ObjectEntry,
  rec: StoredRecord,
  info: AlarmStartEvent["alarmInfo"],
  trigger: AlarmStartEvent["trigger"],
  injectedFailure: boolean,
  startedAt: number,
  startMissed: boolean,
  pendingScheduledTime: number | null,
): AttemptState {
  const run = last(entry.runs);
  const previous = last(run?.attempts);
  // The runtime runs one alarm at a time per object: an attempt still open when another starts lost its end.
  if (previous?.outcome === "running") previous.outcome = "interrupted";

  // Without alarmInfo (PartyKit's onAlarm style) the only evidence of a retry is the trigger or a failure awaiting one.
  const isRetry = info ? info.isRetry : trigger === "retry" || expectsRetry(previous);
  const continues = isRetry && run !== undefined && previous !== undefined && previous.outcome !== "ok";
  const number = info ? info.retryCount + 1 : continues && previous ? previous.number + 1 : 1;

  const attempt: AttemptState = {
    number,
    session: rec.session,
    startSeq: rec.event.seq,
    startedAt,
    trigger,
    alarmInfo: info,
    injectedFailure,
    outcome: "running",
    endedAt: null,
    durationMs: null,
    startMissed,
    storage: [],
    alarmCalls: [],
    omittedEvents: 0,
    firstOrdinal: rec.ordinal,
  };
  if (continues && previous?.retry?.earliest !== undefined && previous.retry.latest !== undefined) {
    attempt.expected = { earliest: previous.retry.earliest, latest: previous.retry.latest };
  }

  if (continues && run) {
    run.attempts.push(attempt);
  } else {
    // A new alarm ran while the previous run waited for a retry: that retry will not come.
    if (run && expectsRetry(previous)) run.superseded = true;
    const newRun: RunState = {
      id: `${rec.session}#${rec.event.seq}`,
      scheduledTime: info?.scheduledTime ?? pendingScheduledTime,
      trigger,
      attempts: [attempt],
      partial: number > 1,
      superseded: false,
    };
    entry.runs.push(newRun);
  }
  return attempt;
}

/** Records an `alarm.end` on the attempt it closes; synthesizes the attempt when its start was never seen. */
export function endAttempt(entry: ObjectEntry, rec: StoredRecord<AlarmEndEvent>): AttemptState {
  const e = rec.event;
  let attempt = openAttempt(entry);
  if (!attempt || attempt.session !== rec.session) {
    attempt = openNewAttempt(entry, rec, e.alarmInfo, e.alarmInfo?.isRetry ? "retry" : "scheduled", e.error?.injected === true, e.at - e.durationMs, true, null);
  }
  attempt.outcome = e.outcome;
  attempt.endedAt = e.at;
  attempt.durationMs = e.durationMs;
  if (e.error) attempt.error = e.error;
  if (e.alarmInfo && !attempt.alarmInfo) attempt.alarmInfo = e.alarmInfo;
  if (e.outcome === "error" && e.retry) attempt.retry = withWindow(e.retry, e.at, attempt.number);
  return attempt;
}

/**
 * Completes a retry expectation with the window `retryWindow()` predicts, when the agent sent none, so that every
 * expected retry can be shown with the times it should start between.
 */
function withWindow(retry: RetryInfo, failedAt: number, attemptNumber: number): RetryExpectation {
  if (retry.willRetry !== "yes" && retry.willRetry !== "maybe") return { ...retry };
  const nextRetryCount = retry.nextRetryCount ?? Math.min(attemptNumber, MAX_ALARM_RETRIES);
  const predicted = retryWindow(failedAt, nextRetryCount);
  return {
    ...retry,
    nextRetryCount,
    earliest: retry.earliest ?? predicted.earliest,
    latest: retry.latest ?? predicted.latest,
  };
}

/** Adds a storage write to the attempt running in the same session, if one is. */
export function attachStorage(entry: ObjectEntry, rec: StoredRecord<StorageEvent>): boolean {
  const attempt = openAttempt(entry);
  if (!attempt || attempt.session !== rec.session) return false;
  attempt.storage.push(rec);
  return true;
}

/** Adds an alarm call (`setAlarm` / `deleteAlarm`) to the attempt running in the same session, if one is. */
export function attachAlarmCall(entry: ObjectEntry, rec: StoredRecord<AlarmCallEvent>): boolean {
  const attempt = openAttempt(entry);
  if (!attempt || attempt.session !== rec.session) return false;
  attempt.alarmCalls.push(rec);
  return true;
}

/** Marks the open attempt interrupted when it belongs to a session that ended (its Worker reloaded). */
export function interruptAttempt(entry: ObjectEntry, endedSessions: ReadonlySet<string>): boolean {
  const attempt = openAttempt(entry);
  if (!attempt || !endedSessions.has(attempt.session)) return false;
  attempt.outcome = "interrupted";
  return true;
}

/**
 * Forgets runs that began before `minOrdinal` (the oldest record still in the object's history), except the newest
 * run, which the status depends on; from that one only the dropped storage and alarm-call records are removed, and
 * counted in `omittedEvents`.
 *
 * `dropped` says what went, when the caller knows more than `minOrdinal`: a single record (the lists can hold
 * nothing else that went), null when that single record was neither a storage write nor an alarm call (the lists
 * hold nothing that went), or "all" when the history is now empty (the lists lose everything). Each spares reading
 * every record the lists hold.
 */
export function trimRuns(entry: ObjectEntry, minOrdinal: number, dropped?: StoredRecord | null | "all"): void {
  let drop = 0;
  while (drop < entry.runs.length - 1 && (entry.runs[drop]?.attempts[0]?.firstOrdinal ?? Infinity) < minOrdinal) drop++;
  if (drop > 0) entry.runs.splice(0, drop);
  if (dropped === null) return;
  for (const run of entry.runs) {
    if ((run.attempts[0]?.firstOrdinal ?? Infinity) >= minOrdinal) break;
    for (const a of run.attempts) {
      a.storage = keepListed(a, a.storage, minOrdinal, dropped);
      a.alarmCalls = keepListed(a, a.alarmCalls, minOrdinal, dropped);
    }
  }
}

/** What stays of one of an attempt's lists after a trim (see `trimRuns`); what goes counts in its `omittedEvents`. */
function keepListed<R extends StoredRecord>(a: AttemptState, list: R[], minOrdinal: number, dropped: StoredRecord | "all" | undefined): R[] {
  if (list.length === 0) return list;
  let kept: R[];
  if (dropped === "all") kept = [];
  // Copy the list only when something goes: this runs for each trimmed event while a long run is the newest.
  else if (dropped !== undefined) kept = list.includes(dropped as R) ? list.filter((r) => r !== dropped) : list;
  else kept = anyBefore(list, minOrdinal) ? list.filter((r) => r.ordinal >= minOrdinal) : list;
  a.omittedEvents += list.length - kept.length;
  return kept;
}

/** Where a run stands, from its newest attempt. */
export function runState(run: Run): RunStateName {
  const a = last(run.attempts);
  if (!a) return "interrupted";
  switch (a.outcome) {
    case "running":
      return "running";
    case "ok":
      return "succeeded";
    case "interrupted":
      return "interrupted";
    case "error":
      switch (a.retry?.willRetry) {
        case "yes":
          return run.superseded ? "replaced" : "retrying";
        case "no":
          return isFinalAttempt(a) ? "abandoned" : "failed";
        case "replaced":
          return "replaced";
        default:
          // "maybe" (the handler deleted its alarm) and a missing retry both leave no retry to count on.
          return "failed";
      }
  }
}

/** True for the attempt after which the runtime gives up (retry count 6, the seventh attempt). */
export function isFinalAttempt(a: { number: number; alarmInfo: { retryCount: number } | null }): boolean {
  return (a.alarmInfo?.retryCount ?? a.number - 1) >= MAX_ALARM_RETRIES;
}
