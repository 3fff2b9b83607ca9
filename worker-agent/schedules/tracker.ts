import type { ErrorInfo, Origin, ScheduleEndEvent, ScheduleSource, UnsequencedEvent } from "../../protocol/protocol";
import type { ObjectProbe } from "../objectProbe";
import type { ObjectMemory } from "../runtime";
import type { ScheduleRow } from "./tables";

/** A run of one schedule that has begun and not yet been reported over. */
interface OpenRun {
  attempt: number;
  maxAttempts?: number;
  startedAt: number;
  /** The end of its latest attempt was already reported (a final error). */
  ended: boolean;
}

/** What the agent knows of one object's schedules. Lives beside the object's memory, so it outlives evictions. */
export interface ObjectSchedules {
  /**
   * Schedules by id per SDK table, as last read; absent until read while an editor listened (then the first read
   * reports every row as known). Per table, so the 0.3x migration's copy of 0.2x rows is not a cancel and a create.
   */
  tables: Map<ScheduleSource, Map<string, ScheduleRow>>;
  runs: Map<string, OpenRun>;
  /** Writes the agent makes for a schedule command; the next reconcile reports them as the inspector's. */
  inspectorWrite: boolean;
}

const states = new WeakMap<ObjectMemory, ObjectSchedules>();

export function schedulesOf(probe: ObjectProbe): ObjectSchedules {
  let s = states.get(probe.memory);
  if (!s) {
    s = { tables: new Map(), runs: new Map(), inspectorWrite: false };
    states.set(probe.memory, s);
  }
  return s;
}

function emit(probe: ObjectProbe, event: UnsequencedEvent): void {
  probe.sink(event);
}

function head(probe: ObjectProbe, row: { id: string; callback: string }, source: ScheduleSource) {
  return { ...probe.base(), scheduleId: row.id, callback: row.callback, source };
}

export function reportSet(
  probe: ObjectProbe,
  row: ScheduleRow,
  source: ScheduleSource,
  change: "created" | "changed" | "known",
  origin: Origin,
  previousTime?: number,
  callbackExists?: (callback: string) => boolean | undefined,
): void {
  emit(probe, {
    kind: "schedule.set",
    ...head(probe, row, source),
    change: change === "known" ? "created" : change,
    scheduleKind: row.kind,
    time: row.time,
    ...(previousTime !== undefined ? { previousTime } : {}),
    payload: row.payload,
    ...(row.cron !== undefined ? { cron: row.cron } : {}),
    ...(row.intervalSeconds !== undefined ? { intervalSeconds: row.intervalSeconds } : {}),
    ...(row.delaySeconds !== undefined ? { delaySeconds: row.delaySeconds } : {}),
    ...(row.maxAttempts !== undefined ? { maxAttempts: row.maxAttempts } : {}),
    ...(callbackExists?.(row.callback) === false ? { missingCallback: true } : {}),
    origin,
  });
}

/** A run (attempt 1) began, seen in storage (the SDK marks the row running) or through the SDK's own signal. */
export function beginRun(probe: ObjectProbe, row: { id: string; callback: string; maxAttempts?: number }, source: ScheduleSource, attempt = 1): void {
  const state = schedulesOf(probe);
  const open = state.runs.get(row.id);
  if (open && open.attempt >= attempt) return;
  const at = Date.now();
  state.runs.set(row.id, { attempt, ...(row.maxAttempts !== undefined ? { maxAttempts: row.maxAttempts } : {}), startedAt: at, ended: false });
  emit(probe, {
    kind: "schedule.start",
    ...head(probe, row, source),
    attempt,
    ...(row.maxAttempts !== undefined ? { maxAttempts: row.maxAttempts } : {}),
  });
}

/** Ends the open attempt of a run with an outcome; `final` for an error the SDK gives up on. */
export function endAttempt(
  probe: ObjectProbe,
  row: { id: string; callback: string },
  source: ScheduleSource,
  outcome: ScheduleEndEvent["outcome"],
  extra: { error?: ErrorInfo; final?: boolean; next?: number | null },
): void {
  const state = schedulesOf(probe);
  const open = state.runs.get(row.id);
  if (!open || open.ended) return;
  const event: UnsequencedEvent = {
    kind: "schedule.end",
    ...head(probe, row, source),
    attempt: open.attempt,
    ...(open.maxAttempts !== undefined ? { maxAttempts: open.maxAttempts } : {}),
    outcome,
    durationMs: Math.max(0, Date.now() - open.startedAt),
    ...(extra.error ? { error: extra.error } : {}),
    ...(extra.final !== undefined ? { final: extra.final } : {}),
    ...(extra.next !== undefined ? { next: extra.next } : {}),
  };
  // After a non-final error the SDK retries: `beginRun` opens the next attempt over this one.
  open.ended = true;
  emit(probe, event);
}

/**
 * Diffs a fresh read of the scheduler's rows against the last one and reports what changed: new schedules, moved
 * ones, runs that began (the row marked running) and ended (unmarked, moved to the next cron/interval time, or
 * removed), and cancellations (removed while not running).
 */
export function reconcile(
  probe: ObjectProbe,
  source: ScheduleSource,
  rows: ScheduleRow[],
  sdkSignals: boolean,
  callbackExists?: (callback: string) => boolean | undefined,
): void {
  const state = schedulesOf(probe);
  const prev = state.tables.get(source);
  // A scheduler without a running flag or signals (`@cloudflare/actors`) is seen to run only afterwards: a due row
  // that went away, or moved on (cron), was run. Its outcome is unknown (the library catches and logs errors).
  const inferRuns = source === "actors";
  const now = Date.now();
  const ranWhileDue = (old: ScheduleRow) => inferRuns && old.time <= now + 1000;
  const origin: Origin = state.inspectorWrite ? "inspector" : "user";
  state.inspectorWrite = false;
  const next = new Map<string, ScheduleRow>();
  for (const row of rows) {
    next.set(row.id, row);
    const old = prev?.get(row.id);
    if (!old) {
      reportSet(probe, row, source, prev === undefined ? "known" : "created", origin, undefined, callbackExists);
      if (row.running) beginRun(probe, row, source);
      continue;
    }
    if (!old.running && row.running) {
      beginRun(probe, row, source);
      continue;
    }
    if (old.running && !row.running) {
      closeRun(probe, row, source, row.time, sdkSignals, old.time);
      continue;
    }
    if (old.time !== row.time && ranWhileDue(old)) {
      beginRun(probe, old, source);
      closeRun(probe, row, source, row.time, false, old.time);
      continue;
    }
    if (old.time !== row.time || old.payloadText !== row.payloadText) reportSet(probe, row, source, "changed", origin, old.time, callbackExists);
  }
  if (prev) {
    for (const old of prev.values()) {
      if (next.has(old.id)) continue;
      if (ranWhileDue(old)) {
        beginRun(probe, old, source);
        closeRun(probe, old, source, null, false, old.time);
      } else if (old.running || state.runs.has(old.id)) closeRun(probe, old, source, null, sdkSignals, old.time);
      else emit(probe, { kind: "schedule.cancel", ...head(probe, old, source), origin });
    }
  }
  state.tables.set(source, next);
}

/** A run is over: report its end (ok unless an error was reported), and the next time of a recurring schedule. */
function closeRun(probe: ObjectProbe, row: ScheduleRow, source: ScheduleSource, nextTime: number | null, sdkSignals: boolean, oldTime: number): void {
  const state = schedulesOf(probe);
  const open = state.runs.get(row.id);
  if (open && !open.ended) {
    endAttempt(probe, row, source, sdkSignals ? "ok" : "unknown", { next: nextTime });
  } else if (open && nextTime !== null && nextTime !== oldTime) {
    // The run already ended in error; the schedule lives on (cron, interval) at its next time.
    reportSet(probe, row, source, "changed", "user", oldTime);
  }
  state.runs.delete(row.id);
}
