/**
 * What the detail panel shows for one attempt of a run: its `alarmInfo`, trigger, timing, outcome, error with stack
 * frames, and the storage it changed, each key as before → after.
 */
import type { ValuePreview } from "../../protocol/protocol";
import { objectLabel } from "../model/objectLabel";
import { schedulerCallText } from "../model/schedules";
import { runState } from "../model/runs";
import type { Attempt, EventRecord, ObjectEvent, ObjectView, Run } from "../model/types";
import type { StepDetail, StorageChange, ValueState } from "../shared/timelineMessages";
import { windowVerdict } from "./runChains";
import { parseStack } from "../common/stackTrace";

const UNKNOWN: ValueState = Object.freeze({ state: "unknown" });
const ABSENT: ValueState = Object.freeze({ state: "absent" });

function valueOf(preview: ValuePreview): ValueState {
  return { state: "value", value: preview };
}

/**
 * What is known of an object's key-value storage from the events seen: per key its last value or its deletion, and
 * whether a `deleteAll()` was seen, after which every key not written since is known to be absent.
 */
export class KnownStorage {
  private readonly keys = new Map<string, ValueState>();
  private cleared = false;

  /** The key's state, `unknown` when no event told it. */
  get(key: string): ValueState {
    return this.keys.get(key) ?? (this.cleared ? ABSENT : UNKNOWN);
  }

  /** Keys with a known present value. */
  presentKeys(): string[] {
    return [...this.keys].filter(([, v]) => v.state === "value").map(([k]) => k);
  }

  /** Folds one event in; events that are not key-value writes change nothing. */
  apply(e: ObjectEvent): void {
    switch (e.kind) {
      case "storage.put":
        for (const entry of e.entries) this.keys.set(entry.key, valueOf(entry.value));
        break;
      case "storage.delete":
        for (const key of e.keys) this.keys.set(key, ABSENT);
        break;
      case "storage.deleteAll":
        this.keys.clear();
        this.cleared = true;
        break;
      default:
        break;
    }
  }
}

/** True for the record that opened the attempt (its `alarm.start`, or its `alarm.end` when the start was missed). */
function opensAttempt(r: EventRecord, a: Attempt): boolean {
  return r.session === a.session && r.event.seq === a.startSeq && (r.event.kind === "alarm.start" || r.event.kind === "alarm.end");
}

/** Storage as known just before the attempt: every key-value write in the object's history before its start. */
export function storageBefore(object: ObjectView, attempt: Attempt): KnownStorage {
  const known = new KnownStorage();
  const own = new Set<ObjectEvent>(attempt.storage.map((r) => r.event));
  for (const r of object.history) {
    // History is in arrival order; the attempt's own start (or first write) ends "earlier". When the start was
    // trimmed away, so was everything before it, and the time test stops at once.
    if (opensAttempt(r, attempt) || own.has(r.event) || r.event.at > attempt.startedAt) break;
    known.apply(r.event);
  }
  return known;
}

/** What the attempt did to storage: key-value changes before → after, `deleteAll` calls, SQL writes, omissions. */
export function storageDiff(object: ObjectView, attempt: Attempt): Pick<StepDetail, "storage" | "deleteAll" | "sql" | "omittedWrites"> {
  const before = storageBefore(object, attempt);
  const changes = new Map<string, StorageChange>();
  const touch = (key: string, after: ValueState): void => {
    const c = changes.get(key);
    if (c) {
      c.after = after;
      c.writes++;
    } else {
      changes.set(key, { key, before: before.get(key), after, writes: 1 });
    }
  };
  let deleteAll = 0;
  let omittedWrites = attempt.omittedEvents;
  const sql: StepDetail["sql"] = [];
  for (const { event: e } of attempt.storage) {
    switch (e.kind) {
      case "storage.put":
        for (const entry of e.entries) touch(entry.key, valueOf(entry.value));
        omittedWrites += e.omitted;
        break;
      case "storage.delete":
        for (const key of e.keys) touch(key, ABSENT);
        omittedWrites += e.omitted;
        break;
      case "storage.deleteAll":
        deleteAll++;
        // Every key known to exist goes, and so does every key this attempt wrote so far.
        for (const key of before.presentKeys()) touch(key, ABSENT);
        for (const c of changes.values()) if (c.after.state !== "absent") touch(c.key, ABSENT);
        break;
      case "storage.sql":
        sql.push({ at: e.at, query: e.query, bindings: e.bindings });
        break;
    }
  }
  const storage = [...changes.values()].sort((a, b) => a.key.localeCompare(b.key));
  return { storage, deleteAll, sql, omittedWrites };
}

/** The attempt's timing against the window its retry was predicted in. */
function expectedOf(a: Attempt): StepDetail["attempt"]["expected"] {
  return a.expected ? { earliest: a.expected.earliest, latest: a.expected.latest, verdict: windowVerdict(a.startedAt, a.expected) } : null;
}

/** The run with this id on the object, if it is still held. */
export function findRun(object: ObjectView, runId: string): Run | undefined {
  return object.runs.find((r) => r.id === runId);
}

/**
 * The detail of attempt `attemptIndex` of run `runId` (clamped to the run's attempts), or undefined when the run is
 * no longer held. `row` is the object's lane row under the current filter (-1 when filtered out).
 */
export function stepDetail(object: ObjectView, runId: string, attemptIndex: number, row: number): StepDetail | undefined {
  const run = findRun(object, runId);
  if (!run || run.attempts.length === 0) return undefined;
  const index = Math.max(0, Math.min(run.attempts.length - 1, Math.floor(attemptIndex)));
  const a = run.attempts[index] as Attempt;
  const prev = index > 0 ? run.attempts[index - 1] : undefined;
  const diff = storageDiff(object, a);
  return {
    objectKey: object.key,
    objectLabel: objectLabel(object.ref),
    className: object.ref.className,
    worker: object.worker,
    row,
    run: {
      id: run.id,
      state: runState(run),
      scheduledTime: run.scheduledTime,
      trigger: run.trigger,
      attemptCount: run.attempts.length,
      partial: run.partial,
      superseded: run.superseded,
      start: run.attempts[0]?.startedAt ?? a.startedAt,
      end: Math.max(...run.attempts.map((x) => x.endedAt ?? x.startedAt)),
    },
    attemptIndex: index,
    attempt: {
      number: a.number,
      trigger: a.trigger,
      alarmInfo: a.alarmInfo,
      startedAt: a.startedAt,
      endedAt: a.endedAt,
      durationMs: a.durationMs,
      outcome: a.outcome,
      injectedFailure: a.injectedFailure,
      startMissed: a.startMissed,
      expected: expectedOf(a),
      backoffMs: prev ? a.startedAt - (prev.endedAt ?? prev.startedAt) : null,
      retry: a.retry ? { ...a.retry } : null,
    },
    error: a.error
      ? { name: a.error.name, message: a.error.message, injected: a.error.injected === true, frames: parseStack(a.error.stack) }
      : null,
    ...diff,
    alarmCalls: a.alarmCalls.map(({ event: e }) => {
      const by = e.scheduler ? { scheduler: { ...e.scheduler, scheduleIds: [...e.scheduler.scheduleIds], text: schedulerCallText(e.scheduler, e.kind === "alarm.delete") } } : {};
      return e.kind === "alarm.set"
        ? { at: e.at, kind: "set" as const, scheduledTime: e.scheduledTime, previous: e.previous, ...by }
        : { at: e.at, kind: "delete" as const, scheduledTime: null, previous: e.previous, ...by };
    }),
    historyTrimmed: object.droppedEvents > 0,
  };
}
