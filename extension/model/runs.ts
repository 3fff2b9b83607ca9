/**
 * Groups an object's alarm attempts into runs: a scheduled (or fired-now) alarm and the retries the runtime makes
 * after it fails, up to 1 + MAX_ALARM_RETRIES attempts.
 */
import { MAX_ALARM_RETRIES, retryWindow } from "../../protocol/protocol";
import type { AlarmEndEvent, AlarmStartEvent, RetryInfo } from "../../protocol/protocol";
import { lastAttempt, openAttempt } from "./objectEntry";
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
  return openNewAttempt(entry, rec, {
    alarmInfo: e.alarmInfo,
    trigger: e.trigger,
    injectedFailure: e.injectedFailure,
    startedAt: e.at,
    startMissed: false,
    pendingScheduledTime,
  });
}

interface AttemptSeed {
  alarmInfo: AlarmStartEvent["alarmInfo"];
  trigger: AlarmStartEvent["trigger"];
  injectedFailure: boolean;
  startedAt: number;
  startMissed: boolean;
  pendingScheduledTime: number | null;
}

function openNewAttempt(entry: ObjectEntry, rec: StoredRecord, seed: AttemptSeed): AttemptState {
  const previous = lastAttempt(entry);
  // The runtime runs one alarm at a time per object: an attempt still open when another starts lost its end.
  if (previous?.outcome === "running") previous.outcome = "interrupted";

  const info = seed.alarmInfo;
  // Without alarmInfo (PartyKit's onAlarm style) the only evidence of a retry is the trigger or a failure awaiting one.
  const isRetry = info ? info.isRetry : seed.trigger === "retry" || expectsRetry(previous);
  const run = entry.runs[entry.runs.length - 1];
  const continues = isRetry && run !== undefined && previous !== undefined && previous.outcome !== "ok";
  const number = info ? info.retryCount + 1 : continues && previous ? previous.number + 1 : 1;

  const attempt: AttemptState = {
    number,
    session: rec.session,
    startSeq: rec.event.seq,
    startedAt: seed.startedAt,
    trigger: seed.trigger,
    alarmInfo: info,
    injectedFailure: seed.injectedFailure,
    outcome: "running",
    endedAt: null,
    durationMs: null,
    startMissed: seed.startMissed,
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
      scheduledTime: info?.scheduledTime ?? seed.pendingScheduledTime,
      trigger: seed.trigger,
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
    attempt = openNewAttempt(entry, rec, {
      alarmInfo: e.alarmInfo,
      trigger: e.alarmInfo?.isRetry ? "retry" : "scheduled",
      injectedFailure: e.error?.injected === true,
      startedAt: e.at - e.durationMs,
      startMissed: true,
      pendingScheduledTime: null,
    });
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

/** Adds a storage write or alarm call to the attempt running in the same session, if one is. */
export function attachToOpenAttempt(entry: ObjectEntry, rec: StoredRecord<StorageEvent> | StoredRecord<AlarmCallEvent>): boolean {
  const attempt = openAttempt(entry);
  if (!attempt || attempt.session !== rec.session) return false;
  if (rec.event.kind === "alarm.set" || rec.event.kind === "alarm.delete") {
    attempt.alarmCalls.push(rec as StoredRecord<AlarmCallEvent>);
  } else {
    attempt.storage.push(rec as StoredRecord<StorageEvent>);
  }
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
 */
export function trimRuns(entry: ObjectEntry, minOrdinal: number): void {
  let drop = 0;
  while (drop < entry.runs.length - 1 && (entry.runs[drop]?.attempts[0]?.firstOrdinal ?? Infinity) < minOrdinal) drop++;
  if (drop > 0) entry.runs.splice(0, drop);
  for (const run of entry.runs) {
    if ((run.attempts[0]?.firstOrdinal ?? Infinity) >= minOrdinal) break;
    for (const a of run.attempts) {
      const storage = a.storage.filter((r) => r.ordinal >= minOrdinal);
      const alarmCalls = a.alarmCalls.filter((r) => r.ordinal >= minOrdinal);
      a.omittedEvents += a.storage.length - storage.length + a.alarmCalls.length - alarmCalls.length;
      a.storage = storage;
      a.alarmCalls = alarmCalls;
    }
  }
}

/** Where a run stands, from its newest attempt. */
export function runState(run: Run): RunStateName {
  const a = run.attempts[run.attempts.length - 1];
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
