/**
 * The model's mutable, internal form of one object. Views only ever see it through the read-only `ObjectView`.
 */
import type { ObjectRef } from "../../protocol/protocol";
import type {
  AlarmCallEvent,
  Attempt,
  CurrentAlarm,
  EventRecord,
  HandlerNote,
  ObjectCounts,
  ObjectEvent,
  ObjectKey,
  ObjectView,
  Run,
  StorageEvent,
} from "./types";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A kept event plus its arrival number. Arrival numbers grow across the whole model; trimming an object's history
 * compares them to find what references (attempt storage lists, recent storage) point at dropped records.
 */
export interface StoredRecord<E extends ObjectEvent = ObjectEvent> extends EventRecord<E> {
  readonly ordinal: number;
}

/** An attempt as the model mutates it. */
export interface AttemptState extends Mutable<Omit<Attempt, "storage" | "alarmCalls">> {
  storage: StoredRecord<StorageEvent>[];
  alarmCalls: StoredRecord<AlarmCallEvent>[];
  /** Arrival number of the record that opened the attempt. */
  firstOrdinal: number;
}

/** A run as the model mutates it. */
export interface RunState extends Mutable<Omit<Run, "attempts">> {
  attempts: AttemptState[];
}

/** An object as the model mutates it; handed out as the read-only `ObjectView`. */
export interface ObjectEntry extends ObjectView {
  readonly key: ObjectKey;
  readonly worker: string;
  ref: ObjectRef;
  seenLive: boolean;
  lastWake: number | null;
  lastActivity: number | null;
  currentAlarm: CurrentAlarm;
  runs: RunState[];
  recentStorage: StoredRecord<StorageEvent>[];
  history: StoredRecord[];
  counts: Mutable<ObjectCounts>;
  pendingFailNext: number | null;
  droppedEvents: number;
  handler: HandlerNote | null;
}

/** `worker/className/id`: worker names and class names cannot contain `/`, ids are hex. */
export function objectKey(worker: string, className: string, id: string): ObjectKey {
  return `${worker}/${className}/${id}`;
}

/** The alarm of an object nothing has been observed about. */
export const UNKNOWN_ALARM: CurrentAlarm = Object.freeze({
  scheduledTime: null,
  setAt: null,
  origin: "unknown",
  replaced: null,
  inConstructor: false,
  inHandler: false,
});

/** A new object with nothing known but its identity. */
export function newObjectEntry(worker: string, ref: ObjectRef, seenLive: boolean): ObjectEntry {
  const cleanRef: ObjectRef = { className: ref.className, id: ref.id };
  if (ref.name !== undefined) cleanRef.name = ref.name;
  return {
    key: objectKey(worker, ref.className, ref.id),
    worker,
    ref: cleanRef,
    seenLive,
    lastWake: null,
    lastActivity: null,
    currentAlarm: UNKNOWN_ALARM,
    runs: [],
    recentStorage: [],
    history: [],
    counts: { wakes: 0, sets: 0, overwrites: 0, constructorOverwrites: 0, deletes: 0, attempts: 0, failures: 0, storageWrites: 0 },
    pendingFailNext: null,
    droppedEvents: 0,
    handler: null,
  };
}

/** The newest attempt of the newest run, if any. */
export function lastAttempt(entry: ObjectEntry): AttemptState | undefined {
  return last(last(entry.runs)?.attempts);
}

/** The attempt still running, if any. */
export function openAttempt(entry: ObjectEntry): AttemptState | undefined {
  const a = lastAttempt(entry);
  return a?.outcome === "running" ? a : undefined;
}

/** True when a record of `records` arrived before `minOrdinal`. */
export function anyBefore(records: readonly { readonly ordinal: number }[], minOrdinal: number): boolean {
  for (const r of records) if (r.ordinal < minOrdinal) return true;
  return false;
}

/**
 * The last element of `list`, if any. Reading `list[list.length - 1]` of an empty array asks for the property "-1",
 * which is not an index: the engine then treats every such read site as a generic property lookup, slow for all
 * arrays, and this one runs for every event.
 */
export function last<T>(list: readonly T[] | undefined): T | undefined {
  return list !== undefined && list.length > 0 ? list[list.length - 1] : undefined;
}
