/**
 * The export format: the model as one plain JSON document, and back.
 *
 * Runs and recent storage refer to history records by position in the object's `history`, because the same record
 * is shared by the history, an attempt and the recent list: writing it once keeps the file small and an import
 * restores that sharing exactly, so an import followed by an export gives the same document.
 */
import { EVENT_KINDS, isAgentEvent, PROTOCOL_VERSION } from "../../protocol/protocol";
import type { AlarmInfoCopy, AlarmTrigger, ClassInfo, ErrorInfo, ObjectRef, RetryInfo } from "../../protocol/protocol";
import { array, bool, index, isRecord, JsonShapeError, num, numOrNull, oneOf, optString, record, string } from "./jsonCheck";
import type { JsonRecord } from "./jsonCheck";
import { objectKey } from "./objectEntry";
import type { AttemptState, ObjectEntry, RunState, StoredRecord } from "./objectEntry";
import type {
  AlarmCallEvent,
  AlarmOrigin,
  Attempt,
  AttemptOutcome,
  CurrentAlarm,
  EventRecord,
  HandlerNote,
  ModelStats,
  ObjectCounts,
  ObjectEvent,
  Run,
  SessionInfo,
  StorageEvent,
} from "./types";

/** Value of `type` in every export. */
export const SNAPSHOT_TYPE = "alarmInspector.model";
/** Version of the export format; bumped on any change an older reader would misread. */
export const SNAPSHOT_FORMAT = 1;

/** An attempt in an export: storage and alarm calls as positions in the object's `history`. */
export interface AttemptSnapshot extends Omit<Attempt, "storage" | "alarmCalls"> {
  storage: number[];
  alarmCalls: number[];
}

export interface RunSnapshot extends Omit<Run, "attempts"> {
  attempts: AttemptSnapshot[];
}

/** One object in an export. */
export interface ObjectSnapshot {
  worker: string;
  ref: ObjectRef;
  seenLive: boolean;
  lastWake: number | null;
  lastActivity: number | null;
  currentAlarm: CurrentAlarm;
  counts: ObjectCounts;
  pendingFailNext: number | null;
  droppedEvents: number;
  /** Absent when null (and in exports made before the field). */
  handler?: HandlerNote;
  history: EventRecord[];
  /** Positions in `history`. */
  recentStorage: number[];
  runs: RunSnapshot[];
}

/** The whole model as a JSON document. */
export interface ModelSnapshot {
  type: typeof SNAPSHOT_TYPE;
  format: typeof SNAPSHOT_FORMAT;
  /** Protocol version of the events inside. */
  protocol: number;
  /** When the export was made (ms since epoch), when the caller said. */
  exportedAt: number | null;
  stats: ModelStats;
  /** Oldest first. */
  sessions: SessionInfo[];
  workers: { name: string; classes: ClassInfo[] }[];
  /** Least recently active first, so an import restores the eviction order. */
  objects: ObjectSnapshot[];
}

// ───────────────────────────── encode ─────────────────────────────

/** The object as plain data. Event objects are shared with the model, not copied: treat them as read-only. */
export function encodeObject(entry: ObjectEntry): ObjectSnapshot {
  const position = new Map<StoredRecord, number>();
  entry.history.forEach((r, i) => position.set(r, i));
  // Every referenced record is in history (trimming keeps it so); -1 would mean a bug, and fails the import loudly.
  const at = (r: StoredRecord): number => position.get(r) ?? -1;
  return {
    worker: entry.worker,
    ref: { ...entry.ref },
    seenLive: entry.seenLive,
    lastWake: entry.lastWake,
    lastActivity: entry.lastActivity,
    currentAlarm: { ...entry.currentAlarm },
    counts: { ...entry.counts },
    pendingFailNext: entry.pendingFailNext,
    droppedEvents: entry.droppedEvents,
    ...(entry.handler ? { handler: { ...entry.handler } } : {}),
    history: entry.history.map((r) => ({ session: r.session, event: r.event })),
    recentStorage: entry.recentStorage.map(at),
    runs: entry.runs.map((run) => ({
      id: run.id,
      scheduledTime: run.scheduledTime,
      trigger: run.trigger,
      partial: run.partial,
      superseded: run.superseded,
      attempts: run.attempts.map((a) => encodeAttempt(a, at)),
    })),
  };
}

function encodeAttempt(a: AttemptState, at: (r: StoredRecord) => number): AttemptSnapshot {
  const out: AttemptSnapshot = {
    number: a.number,
    session: a.session,
    startSeq: a.startSeq,
    startedAt: a.startedAt,
    trigger: a.trigger,
    alarmInfo: a.alarmInfo,
    injectedFailure: a.injectedFailure,
    outcome: a.outcome,
    endedAt: a.endedAt,
    durationMs: a.durationMs,
    startMissed: a.startMissed,
    omittedEvents: a.omittedEvents,
    storage: a.storage.map(at),
    alarmCalls: a.alarmCalls.map(at),
    // Absent rather than undefined, so the document survives JSON unchanged.
    ...(a.error ? { error: a.error } : {}),
    ...(a.retry ? { retry: a.retry } : {}),
    ...(a.expected ? { expected: a.expected } : {}),
  };
  return out;
}

// ───────────────────────────── decode ─────────────────────────────

/** What an import yields: everything but the objects is plain data; objects come back as model entries. */
export interface DecodedSnapshot {
  exportedAt: number | null;
  stats: ModelStats;
  sessions: SessionInfo[];
  classes: Map<string, ClassInfo[]>;
  /** Least recently active first. */
  entries: ObjectEntry[];
}

const TRIGGERS: readonly AlarmTrigger[] = ["scheduled", "retry", "fireNow"];
const OUTCOMES: readonly AttemptOutcome[] = ["running", "ok", "error", "interrupted"];
const ORIGINS: readonly AlarmOrigin[] = ["user", "inspector", "persisted", "runtime", "unknown"];
const WILL_RETRY: readonly RetryInfo["willRetry"][] = ["yes", "no", "replaced", "maybe"];

/**
 * Reads an export. Throws `JsonShapeError` with a message for a person: what the file is not, or where it is wrong.
 * `takeOrdinal` numbers the restored records in arrival order.
 */
export function decodeSnapshot(doc: unknown, takeOrdinal: () => number): DecodedSnapshot {
  if (!isRecord(doc) || doc.type !== SNAPSHOT_TYPE) {
    throw new JsonShapeError(`This is not an Alarm Inspector export: it lacks "type": "${SNAPSHOT_TYPE}".`);
  }
  if (typeof doc.format !== "number") throw new JsonShapeError(`This export has no "format" version number.`);
  if (doc.format > SNAPSHOT_FORMAT) {
    throw new JsonShapeError(`This export is format ${doc.format}, newer than this extension reads (${SNAPSHOT_FORMAT}): update the extension to open it.`);
  }
  if (doc.format !== SNAPSHOT_FORMAT) throw new JsonShapeError(`Export format ${doc.format} is not one this extension reads (${SNAPSHOT_FORMAT}).`);
  if (typeof doc.protocol === "number" && doc.protocol > PROTOCOL_VERSION) {
    throw new JsonShapeError(`This export holds protocol ${doc.protocol} events, newer than this extension understands (${PROTOCOL_VERSION}).`);
  }
  const stats = record(doc.stats, "stats");
  const classes = new Map<string, ClassInfo[]>();
  array(doc.workers, "workers").forEach((w, i) => {
    const wr = record(w, `workers[${i}]`);
    classes.set(
      string(wr.name, `workers[${i}].name`),
      array(wr.classes, `workers[${i}].classes`).map((c, j) => decodeClassInfo(c, `workers[${i}].classes[${j}]`)),
    );
  });
  return {
    exportedAt: numOrNull(doc.exportedAt ?? null, "exportedAt"),
    stats: {
      droppedByAgent: num(stats.droppedByAgent, "stats.droppedByAgent"),
      droppedByModel: num(stats.droppedByModel, "stats.droppedByModel"),
      evictedObjects: num(stats.evictedObjects, "stats.evictedObjects"),
      duplicates: num(stats.duplicates, "stats.duplicates"),
      ignored: num(stats.ignored, "stats.ignored"),
    },
    sessions: array(doc.sessions, "sessions").map((s, i) => decodeSession(s, `sessions[${i}]`)),
    classes,
    entries: array(doc.objects, "objects").map((o, i) => decodeObject(o, `objects[${i}]`, takeOrdinal)),
  };
}

function decodeClassInfo(v: unknown, path: string): ClassInfo {
  const r = record(v, path);
  return { className: string(r.className, `${path}.className`), binding: string(r.binding, `${path}.binding`), sqlite: bool(r.sqlite, `${path}.sqlite`) };
}

function decodeSession(v: unknown, path: string): SessionInfo {
  const r = record(v, path);
  return {
    id: string(r.id, `${path}.id`),
    worker: string(r.worker, `${path}.worker`),
    sessionStartedAt: num(r.sessionStartedAt, `${path}.sessionStartedAt`),
    agentVersion: string(r.agentVersion, `${path}.agentVersion`),
    protocol: num(r.protocol, `${path}.protocol`),
    bufferSize: num(r.bufferSize, `${path}.bufferSize`),
    firstHelloAt: num(r.firstHelloAt, `${path}.firstHelloAt`),
    lastHelloAt: num(r.lastHelloAt, `${path}.lastHelloAt`),
  };
}

function decodeRef(v: unknown, path: string): ObjectRef {
  const r = record(v, path);
  const ref: ObjectRef = { className: string(r.className, `${path}.className`), id: string(r.id, `${path}.id`) };
  const name = optString(r.name, `${path}.name`);
  if (name !== undefined) ref.name = name;
  return ref;
}

/** Checks the fields views read, beyond what `isAgentEvent` checks, so a hand-edited file cannot crash a view. */
function decodeEvent(v: unknown, path: string): ObjectEvent {
  if (!isAgentEvent(v) || v.kind === "dropped") {
    throw new JsonShapeError(`${path} should be an agent event (one of ${EVENT_KINDS.filter((k) => k !== "dropped").join(", ")})`);
  }
  const r = v as unknown as JsonRecord;
  switch (v.kind) {
    case "alarm.set":
      num(r.scheduledTime, `${path}.scheduledTime`);
      numOrNull(r.previous, `${path}.previous`);
      break;
    case "alarm.delete":
      numOrNull(r.previous, `${path}.previous`);
      break;
    case "alarm.start":
      oneOf(r.trigger, TRIGGERS, `${path}.trigger`);
      bool(r.injectedFailure, `${path}.injectedFailure`);
      break;
    case "alarm.end":
      oneOf(r.outcome, ["ok", "error"], `${path}.outcome`);
      num(r.durationMs, `${path}.durationMs`);
      break;
    case "storage.put":
      array(r.entries, `${path}.entries`);
      break;
    case "storage.delete":
      array(r.keys, `${path}.keys`);
      break;
    case "storage.sql":
      string(r.query, `${path}.query`);
      break;
    case "object.start":
    case "storage.deleteAll":
      break;
  }
  return v;
}

function decodeAlarmInfo(v: unknown, path: string): AlarmInfoCopy | null {
  if (v === null) return null;
  const r = record(v, path);
  const info: AlarmInfoCopy = { retryCount: num(r.retryCount, `${path}.retryCount`), isRetry: bool(r.isRetry, `${path}.isRetry`) };
  if (r.scheduledTime !== undefined) info.scheduledTime = num(r.scheduledTime, `${path}.scheduledTime`);
  return info;
}

function decodeObject(v: unknown, path: string, takeOrdinal: () => number): ObjectEntry {
  const r = record(v, path);
  const worker = string(r.worker, `${path}.worker`);
  const ref = decodeRef(r.ref, `${path}.ref`);
  // One ordinal before the history, for attempts whose own start record had already been trimmed.
  const before = takeOrdinal();
  const history: StoredRecord[] = array(r.history, `${path}.history`).map((h, i) => {
    const hr = record(h, `${path}.history[${i}]`);
    return { session: string(hr.session, `${path}.history[${i}].session`), event: decodeEvent(hr.event, `${path}.history[${i}].event`), ordinal: takeOrdinal() };
  });
  const storageAt = (x: unknown, p: string): StoredRecord<StorageEvent> => {
    const rec = history[index(x, history.length, p)];
    if (!rec || !rec.event.kind.startsWith("storage.")) throw new JsonShapeError(`${p} should point at a storage event in history`);
    return rec as StoredRecord<StorageEvent>;
  };
  const callAt = (x: unknown, p: string): StoredRecord<AlarmCallEvent> => {
    const rec = history[index(x, history.length, p)];
    if (!rec || (rec.event.kind !== "alarm.set" && rec.event.kind !== "alarm.delete")) throw new JsonShapeError(`${p} should point at an alarm.set or alarm.delete in history`);
    return rec as StoredRecord<AlarmCallEvent>;
  };
  const ordinalOf = (session: string, seq: number): number =>
    history.find((h) => h.session === session && h.event.seq === seq)?.ordinal ?? before;

  const runs: RunState[] = array(r.runs, `${path}.runs`).map((x, i) => {
    const p = `${path}.runs[${i}]`;
    const rr = record(x, p);
    return {
      id: string(rr.id, `${p}.id`),
      scheduledTime: numOrNull(rr.scheduledTime, `${p}.scheduledTime`),
      trigger: oneOf(rr.trigger, TRIGGERS, `${p}.trigger`),
      partial: bool(rr.partial, `${p}.partial`),
      superseded: bool(rr.superseded, `${p}.superseded`),
      attempts: array(rr.attempts, `${p}.attempts`).map((y, j) => decodeAttempt(y, `${p}.attempts[${j}]`, storageAt, callAt, ordinalOf)),
    };
  });
  const ca = record(r.currentAlarm, `${path}.currentAlarm`);
  const counts = record(r.counts, `${path}.counts`);
  const count = (k: keyof ObjectCounts): number => num(counts[k], `${path}.counts.${k}`);
  return {
    key: objectKey(worker, ref.className, ref.id),
    worker,
    ref,
    seenLive: bool(r.seenLive, `${path}.seenLive`),
    lastWake: numOrNull(r.lastWake, `${path}.lastWake`),
    lastActivity: numOrNull(r.lastActivity, `${path}.lastActivity`),
    currentAlarm: {
      scheduledTime: numOrNull(ca.scheduledTime, `${path}.currentAlarm.scheduledTime`),
      setAt: numOrNull(ca.setAt, `${path}.currentAlarm.setAt`),
      origin: oneOf(ca.origin, ORIGINS, `${path}.currentAlarm.origin`),
      replaced: numOrNull(ca.replaced, `${path}.currentAlarm.replaced`),
      inConstructor: bool(ca.inConstructor, `${path}.currentAlarm.inConstructor`),
      inHandler: bool(ca.inHandler, `${path}.currentAlarm.inHandler`),
    },
    counts: {
      wakes: count("wakes"),
      sets: count("sets"),
      overwrites: count("overwrites"),
      constructorOverwrites: count("constructorOverwrites"),
      deletes: count("deletes"),
      attempts: count("attempts"),
      failures: count("failures"),
      storageWrites: count("storageWrites"),
    },
    pendingFailNext: numOrNull(r.pendingFailNext, `${path}.pendingFailNext`),
    droppedEvents: num(r.droppedEvents, `${path}.droppedEvents`),
    handler: r.handler === undefined ? null : decodeHandler(r.handler, `${path}.handler`),
    history,
    recentStorage: array(r.recentStorage, `${path}.recentStorage`).map((x, i) => storageAt(x, `${path}.recentStorage[${i}]`)),
    runs,
  };
}

function decodeHandler(v: unknown, path: string): HandlerNote {
  const h = record(v, path);
  const shape = oneOf(h.shape, ["instance", "unobserved"] as const, `${path}.shape`);
  const reason = optString(h.reason, `${path}.reason`);
  return reason === undefined ? { shape } : { shape, reason };
}

function decodeAttempt(
  v: unknown,
  p: string,
  storageAt: (x: unknown, p: string) => StoredRecord<StorageEvent>,
  callAt: (x: unknown, p: string) => StoredRecord<AlarmCallEvent>,
  ordinalOf: (session: string, seq: number) => number,
): AttemptState {
  const a = record(v, p);
  const session = string(a.session, `${p}.session`);
  const startSeq = num(a.startSeq, `${p}.startSeq`);
  const out: AttemptState = {
    number: num(a.number, `${p}.number`),
    session,
    startSeq,
    startedAt: num(a.startedAt, `${p}.startedAt`),
    trigger: oneOf(a.trigger, TRIGGERS, `${p}.trigger`),
    alarmInfo: decodeAlarmInfo(a.alarmInfo, `${p}.alarmInfo`),
    injectedFailure: bool(a.injectedFailure, `${p}.injectedFailure`),
    outcome: oneOf(a.outcome, OUTCOMES, `${p}.outcome`),
    endedAt: numOrNull(a.endedAt, `${p}.endedAt`),
    durationMs: numOrNull(a.durationMs, `${p}.durationMs`),
    startMissed: bool(a.startMissed, `${p}.startMissed`),
    omittedEvents: num(a.omittedEvents, `${p}.omittedEvents`),
    storage: array(a.storage, `${p}.storage`).map((x, i) => storageAt(x, `${p}.storage[${i}]`)),
    alarmCalls: array(a.alarmCalls, `${p}.alarmCalls`).map((x, i) => callAt(x, `${p}.alarmCalls[${i}]`)),
    firstOrdinal: ordinalOf(session, startSeq),
  };
  if (a.error !== undefined) out.error = decodeError(a.error, `${p}.error`);
  if (a.retry !== undefined) out.retry = decodeRetry(a.retry, `${p}.retry`);
  if (a.expected !== undefined) {
    const e = record(a.expected, `${p}.expected`);
    out.expected = { earliest: num(e.earliest, `${p}.expected.earliest`), latest: num(e.latest, `${p}.expected.latest`) };
  }
  return out;
}

function decodeError(v: unknown, p: string): ErrorInfo {
  const e = record(v, p);
  const out: ErrorInfo = { name: string(e.name, `${p}.name`), message: string(e.message, `${p}.message`) };
  const stack = optString(e.stack, `${p}.stack`);
  if (stack !== undefined) out.stack = stack;
  if (e.injected !== undefined) out.injected = bool(e.injected, `${p}.injected`);
  return out;
}

function decodeRetry(v: unknown, p: string): RetryInfo {
  const r = record(v, p);
  const out: RetryInfo = { willRetry: oneOf(r.willRetry, WILL_RETRY, `${p}.willRetry`) };
  if (r.nextRetryCount !== undefined) out.nextRetryCount = num(r.nextRetryCount, `${p}.nextRetryCount`);
  if (r.earliest !== undefined) out.earliest = num(r.earliest, `${p}.earliest`);
  if (r.latest !== undefined) out.latest = num(r.latest, `${p}.latest`);
  return out;
}
