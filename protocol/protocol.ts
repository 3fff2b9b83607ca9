/**
 * Wire protocol v1 between the worker agent (inside workerd) and the extension (VS Code host).
 *
 * This file is compiled into all three worlds (workerd, Node, webview), so it uses nothing but the language: no DOM,
 * no Node, no workers types. Every message is a plain JSON object with a `type`; every guard narrows an `unknown`
 * that came off a socket. The reference for humans is `docs/protocol.md`; keep the two in step.
 */

/** The protocol version spoken by this build. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Path of the inspector WebSocket on the Worker's own origin. */
export const INSPECTOR_PATH = "/__alarm_inspector/v1";

/** Path of the unauthenticated health probe (says only that the agent is up, and which protocol it speaks). */
export const HEALTH_PATH = "/__alarm_inspector/health";

/** Every route the agent owns starts with this; all other requests reach the user's Worker untouched. */
export const ROUTE_PREFIX = "/__alarm_inspector/";

/**
 * Classic PartyKit routes only `/parties/<party>/<room>` to rooms, so there the agent is an extra party of this name:
 * the inspector socket is `PARTYKIT_INSPECTOR_PATH` and the health probe `PARTYKIT_HEALTH_PATH`. The launcher's ready
 * line always names the socket to use.
 */
export const PARTYKIT_HUB_PARTY = "__alarm_inspector";

/** The inspector WebSocket under classic PartyKit. */
export const PARTYKIT_INSPECTOR_PATH = `/parties/${PARTYKIT_HUB_PARTY}/v1`;

/** The health probe under classic PartyKit (answered without waking any room). */
export const PARTYKIT_HEALTH_PATH = `/parties/${PARTYKIT_HUB_PARTY}/health`;

/** Largest frame the agent accepts from a client, in bytes. Commands are small; anything bigger is refused. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** Retries the runtime makes after a failed alarm attempt before it abandons the alarm (Cloudflare documents 6). */
export const MAX_ALARM_RETRIES = 6;

// ───────────────────────────── identities ─────────────────────────────

/** Which Durable Object an event is about. */
export interface ObjectRef {
  /** The exported class name as written in the user's code and wrangler config. */
  className: string;
  /** The object's id as a hex string (`ctx.id.toString()`). */
  id: string;
  /**
   * The name it was addressed by (`getByName` / `idFromName`), when the runtime knows it. For a PartyKit room (its
   * class has a `party` in `hello`) this is the room name: from `ctx.id.name`, else the name partyserver stored, else
   * (classic PartyKit) the `room.id` the agent saw in an earlier request to the room.
   */
  name?: string;
}

/** Where in the user's code an event came from: the raw stack, as the runtime printed it, bounded. */
export interface CallSite {
  /** Stack frames below the agent's own, one per line, at most 8. */
  stack: string;
}

/** A bounded, printable preview of a stored value. The value itself never leaves the object. */
export interface ValuePreview {
  /** `json` for structured-cloneable plain data, `binary` for bytes, `other` for what JSON cannot show. */
  kind: "json" | "binary" | "other" | "undefined";
  /** Text shown to the user; truncated to `MAX_PREVIEW_CHARS` characters. */
  text: string;
  /** True when `text` was cut short. */
  truncated: boolean;
  /** Size in bytes for binary values. */
  bytes?: number;
}

/** A plain copy of the runtime's `AlarmInvocationInfo` (the host object cannot be cloned). */
export interface AlarmInfoCopy {
  /** How many times this alarm has been retried before this attempt. */
  retryCount: number;
  /** True when this attempt is a retry. */
  isRetry: boolean;
  /** The time the alarm was scheduled for, when the runtime says (ms since epoch). */
  scheduledTime?: number;
}

/** What made an alarm attempt run. */
export type AlarmTrigger = "scheduled" | "retry" | "fireNow";

/** An error thrown by an alarm handler (or injected by the inspector). */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** True when the inspector threw it on purpose (`failNext`). */
  injected?: boolean;
}

/** What the runtime is expected to do after a failed attempt. */
export interface RetryInfo {
  /** `yes`: a retry will run; `no`: the alarm is abandoned; `replaced`: the handler set a new alarm, which runs
   *  instead; `maybe`: the handler called `deleteAlarm()`, which stops retries only on a best-effort basis. */
  willRetry: "yes" | "no" | "replaced" | "maybe";
  /** The retry number of the next attempt (1–6), when one is expected. */
  nextRetryCount?: number;
  /** Earliest expected start of the next attempt (ms since epoch). */
  earliest?: number;
  /** Latest expected start of the next attempt (ms since epoch), backoff plus jitter. */
  latest?: number;
}

/** Who issued a storage or alarm call: the user's code, or the inspector on the user's behalf. */
export type Origin = "user" | "inspector";

// ───────────────────────────── events ─────────────────────────────

interface EventBase {
  /** Monotonic sequence number within one agent session (one Worker isolate); gaps mean dropped events. */
  seq: number;
  /** When it happened, ms since epoch (workerd's clock, which advances on I/O). */
  at: number;
  object: ObjectRef;
}

/**
 * A step of waking up. Without `phase` (or with `constructor`): the object was constructed, because it was asleep (or
 * never existed) and something woke it. With `phase: "onStart"`: a PartyKit room's `onStart()` began, which both
 * PartyKit runtimes run after the constructor and before the handler that woke the room (its alarm included).
 */
export interface ObjectStartEvent extends EventBase {
  kind: "object.start";
  /** Which step of the wake; absent means `constructor` (agents before PartyKit support never send it). */
  phase?: "constructor" | "onStart";
  /** `onStart` only: true when the room woke for its alarm, so `onAlarm` runs next. */
  forAlarm?: boolean;
}

/**
 * A handler the agent found on the instance when the constructor returned, where the class's own entry in `hello`
 * (`alarmHandler`) said something else: sent once per construction, only then.
 */
export interface ObjectHandlerEvent extends EventBase {
  kind: "object.handler";
  /**
   * `instance`: the constructor defined `alarm` on the object itself (the Agents SDK's `Lifecycle.install(this)`); its
   * runs are reported like any other. `unobserved`: the object has a handler the agent cannot wrap, so its runs are
   * **not** reported: never conclude from a missing `alarm.start` that an alarm did not run.
   */
  handler: "instance" | "unobserved";
  /** Why the runs are unobserved (with `unobserved`), for a person. */
  reason?: string;
}

/** `setAlarm` was accepted by the runtime: sent only once the call has resolved, never for a refused call. */
export interface AlarmSetEvent extends EventBase {
  kind: "alarm.set";
  scheduledTime: number;
  /** The alarm this one replaced, or null when none was pending. */
  previous: number | null;
  origin: Origin;
  /** True when called while the object's `alarm()` handler was running. */
  inHandler: boolean;
  /** True when called from the object's constructor. */
  inConstructor: boolean;
  callSite?: CallSite;
  /** Present when a scheduler library made the call for its own bookkeeping, not the user's code (see `SchedulerCall`). */
  scheduler?: SchedulerCall;
}

/** `deleteAlarm` was accepted by the runtime: sent only once the call has resolved. */
export interface AlarmDeleteEvent extends EventBase {
  kind: "alarm.delete";
  previous: number | null;
  origin: Origin;
  inHandler: boolean;
  callSite?: CallSite;
  /** As on `alarm.set`. */
  scheduler?: SchedulerCall;
}

/** An alarm attempt began. */
export interface AlarmStartEvent extends EventBase {
  kind: "alarm.start";
  /** Null when the runtime passed no info (PartyKit's `onAlarm` style). */
  alarmInfo: AlarmInfoCopy | null;
  trigger: AlarmTrigger;
  /** True when this attempt will throw an injected failure before the user's handler runs. */
  injectedFailure: boolean;
  /**
   * Present only when `alarmInfo` is null (classic PartyKit calls `onAlarm()` with nothing): the agent's own estimate,
   * where a failed attempt followed by another with no `setAlarm`/`deleteAlarm` in between counts as a retry. Show it
   * as inferred, never as the runtime's word; `trigger` is inferred the same way.
   */
  inferred?: AlarmInfoCopy;
}

/** An alarm attempt ended. */
export interface AlarmEndEvent extends EventBase {
  kind: "alarm.end";
  outcome: "ok" | "error";
  durationMs: number;
  alarmInfo: AlarmInfoCopy | null;
  error?: ErrorInfo;
  /** Present when `outcome` is `error`. */
  retry?: RetryInfo;
  /** The estimate of `alarm.start`'s `inferred`, when `alarmInfo` is null; `retry` was computed from it. */
  inferred?: AlarmInfoCopy;
}

export interface StoragePutEvent extends EventBase {
  kind: "storage.put";
  entries: { key: string; value: ValuePreview }[];
  /** Entries left out of `entries` because the call wrote more than the agent reports. */
  omitted: number;
  origin: Origin;
  inHandler: boolean;
  callSite?: CallSite;
}

export interface StorageDeleteEvent extends EventBase {
  kind: "storage.delete";
  keys: string[];
  omitted: number;
  origin: Origin;
  inHandler: boolean;
  callSite?: CallSite;
}

export interface StorageDeleteAllEvent extends EventBase {
  kind: "storage.deleteAll";
  origin: Origin;
  inHandler: boolean;
  callSite?: CallSite;
}

/** A statement that writes, run through `ctx.storage.sql.exec`. Reads are not reported. */
export interface StorageSqlEvent extends EventBase {
  kind: "storage.sql";
  /** The statement text, truncated. */
  query: string;
  /** How many bindings were passed (their values are not sent). */
  bindings: number;
  inHandler: boolean;
  callSite?: CallSite;
}

/** The agent's buffer was full and dropped events, oldest first. */
export interface DroppedEvent {
  kind: "dropped";
  seq: number;
  at: number;
  /** How many events were lost since the previous `dropped` marker. */
  count: number;
  /** The marker is about the agent, not an object; kept for a uniform shape. */
  object: ObjectRef;
}

// ───────────────────────────── schedules (issue 12) ─────────────────────────────
// Logical schedules that a framework keeps behind an object's one alarm: the Agents SDK (`agents`), and hand-written
// schedulers of the documented "many events, one alarm" pattern described to the agent. Kept in one block so that it
// merges apart from the alarm events above. Older clients skip these kinds (unknown kinds are ignored).

/**
 * Who keeps the schedule: the Agents SDK (0.3x `cf_agents_jobs`, or 0.2x `cf_agents_schedules`), `@cloudflare/actors`
 * (`_actor_alarms`), or a described pattern.
 */
export type ScheduleSource = "agents" | "agents-legacy" | "actors" | "pattern";

/**
 * An alarm call the scheduler made for its own bookkeeping, told by the call stack (the SDK's own methods at the top):
 * `fallback`, the wake it arms 30 s out before running due schedules (0.3x's `armStartupFallback` and job driver), so a
 * crash mid-run still wakes the object; `rearm`, pointing the alarm at the earliest schedule, or deleting it when none
 * is left (0.3x `rearmAlarm`, 0.2x `_scheduleNextAlarm`). The event's `origin` stays `user` (the call came from the
 * user's Worker), so older clients read it as before.
 */
export interface SchedulerCall {
  source: ScheduleSource;
  reason: "fallback" | "rearm";
  /**
   * The schedules it serves, as the agent last read them: for a fallback the ones due (about to run); for a re-arm
   * the ones at the time it arms; empty for a delete or when the agent has not read the schedules.
   */
  scheduleIds: string[];
}

/** How a schedule's time was given: after a delay, at a date, by a cron expression, or every N seconds. */
export type ScheduleKind = "delayed" | "date" | "cron" | "interval";

interface ScheduleEventBase extends EventBase {
  /** The schedule's id in its scheduler (the SDK's row id, or the pattern's id field / key). */
  scheduleId: string;
  /** The method the scheduler calls (the SDK's callback name; for a pattern, the key). */
  callback: string;
  source: ScheduleSource;
}

/** A schedule was created, or its time or payload changed. */
export interface ScheduleSetEvent extends ScheduleEventBase {
  kind: "schedule.set";
  change: "created" | "changed";
  scheduleKind: ScheduleKind;
  /** Next run, ms since epoch. */
  time: number;
  /** The time it had before, for `changed`. */
  previousTime?: number;
  /** Bounded preview of the payload the callback will receive. */
  payload: ValuePreview;
  cron?: string;
  intervalSeconds?: number;
  delaySeconds?: number;
  /** Attempts the SDK makes per run (its retry policy), when known. */
  maxAttempts?: number;
  /** True when the object's class has no method named `callback`: when due, the SDK logs an error and drops it. */
  missingCallback?: boolean;
  /** `inspector` when a schedule command wrote it. */
  origin: Origin;
}

/** One attempt of a schedule's callback began (inside the alarm attempt that runs it). */
export interface ScheduleStartEvent extends ScheduleEventBase {
  kind: "schedule.start";
  /** 1 for the first attempt of this run; the SDK retries inside the same alarm attempt. */
  attempt: number;
  maxAttempts?: number;
}

/** One attempt of a schedule's callback ended. */
export interface ScheduleEndEvent extends ScheduleEventBase {
  kind: "schedule.end";
  attempt: number;
  maxAttempts?: number;
  /** `unknown` when the agent saw the run only through storage (no SDK signal, no wrapped callback). */
  outcome: "ok" | "error" | "unknown";
  error?: ErrorInfo;
  durationMs?: number;
  /** For an error: true when the SDK gave up (its retries are exhausted, or it does not retry). */
  final?: boolean;
  /** When the run is over: the schedule's next time (cron, interval), or null when it is done and removed. */
  next?: number | null;
}

/** A schedule was removed before it ran (the SDK's `cancelSchedule`, or its key deleted). */
export interface ScheduleCancelEvent extends ScheduleEventBase {
  kind: "schedule.cancel";
  origin: Origin;
}

/**
 * A hand-written scheduler of the docs' "many events, one alarm" pattern, described to the agent (from
 * `alarm-inspector.json` beside the wrangler config): one storage key per event, holding its run time.
 */
export interface SchedulePattern {
  /** Only objects of this class (default: every class). */
  className?: string;
  /** Keys of the events start with this (e.g. `event:`). */
  prefix: string;
  /** Field of the stored value holding the next run time, ms since epoch (e.g. `runAt`). */
  timeField: string;
  /** Field naming the event (default: the key without the prefix). */
  idField?: string;
  /** Field with the period of a repeating event in ms, or null for a one-shot. */
  repeatField?: string;
}

export type ScheduleEvent = ScheduleSetEvent | ScheduleStartEvent | ScheduleEndEvent | ScheduleCancelEvent;

/** Kinds of schedule events, for guards and for clients that group them. */
export const SCHEDULE_EVENT_KINDS: readonly ScheduleEvent["kind"][] = ["schedule.set", "schedule.start", "schedule.end", "schedule.cancel"];

/**
 * Everything the agent records. Schedule events are kept out of `AgentEvent` on purpose: code written against the
 * alarm events (the timeline, session files) keeps its exhaustive switches, and reads schedule events only where it
 * asks for them with `isScheduleEvent`.
 */
export type WireEvent = AgentEvent | ScheduleEvent | HoldEvent;

/** True for a well-formed schedule event off the wire. */
export function isScheduleEvent(v: unknown): v is ScheduleEvent {
  if (!isRecord(v) || typeof v.kind !== "string" || !(SCHEDULE_EVENT_KINDS as readonly string[]).includes(v.kind)) return false;
  return (
    typeof v.seq === "number" &&
    typeof v.at === "number" &&
    isObjectRef(v.object) &&
    typeof v.scheduleId === "string" &&
    typeof v.callback === "string" &&
    typeof v.source === "string"
  );
}

/** Commands on one schedule: make it due and fire the alarm, cancel it through its scheduler, or move it. */
export type ScheduleCommandOp = "scheduleRunNow" | "scheduleCancel" | "scheduleReschedule";

export const SCHEDULE_COMMAND_OPS: readonly ScheduleCommandOp[] = ["scheduleRunNow", "scheduleCancel", "scheduleReschedule"];

export interface ScheduleCommandBase<Op extends ScheduleCommandOp> {
  type: "command";
  id: CommandId;
  op: Op;
  target: CommandTarget;
  scheduleId: string;
}
export type ScheduleRunNowCommand = ScheduleCommandBase<"scheduleRunNow">;
export type ScheduleCancelCommand = ScheduleCommandBase<"scheduleCancel">;
export interface ScheduleRescheduleCommand extends ScheduleCommandBase<"scheduleReschedule"> {
  /** New time of the schedule, ms since epoch. */
  time: number;
}
export type ScheduleCommand = ScheduleRunNowCommand | ScheduleCancelCommand | ScheduleRescheduleCommand;

/** `value` of a successful schedule command: what the agent wrote, said in words, and the schedule's new time. */
export interface ScheduleCommandResult {
  scheduleId: string;
  /** Null after a cancel. */
  time: number | null;
  /** Each write the command made, e.g. `UPDATE cf_agents_jobs SET time = 1765000000000 WHERE id = 'abc'`, `setAlarm(now)`. */
  wrote: string[];
}

export function isScheduleCommand(c: { op: string }): c is ScheduleCommand {
  return (SCHEDULE_COMMAND_OPS as readonly string[]).includes(c.op);
}

/** Checks the fields a schedule command adds; the common ones are checked by `checkCommand`. */
function checkScheduleCommand(v: Record<string, unknown>, id: CommandId, target: CommandTarget): CommandCheck {
  const scheduleId = v.scheduleId;
  if (typeof scheduleId !== "string" || scheduleId === "" || scheduleId.length > 512) {
    return { ok: false, id, error: "\"scheduleId\" must be the id of a schedule (a non-empty string)" };
  }
  switch (v.op) {
    case "scheduleReschedule": {
      const time = v.time;
      if (typeof time !== "number" || !Number.isFinite(time) || time < 0 || time > 8.64e15) {
        return { ok: false, id, error: "\"time\" must be a time in ms since the epoch" };
      }
      return { ok: true, command: { type: "command", id, op: "scheduleReschedule", target, scheduleId, time: Math.trunc(time) } };
    }
    case "scheduleRunNow":
    case "scheduleCancel":
      return { ok: true, command: { type: "command", id, op: v.op, target, scheduleId } };
    default:
      return { ok: false, id, error: `unknown op ${JSON.stringify(v.op)}` };
  }
}

export type AgentEvent =
  | ObjectStartEvent
  | ObjectHandlerEvent
  | AlarmSetEvent
  | AlarmDeleteEvent
  | AlarmStartEvent
  | AlarmEndEvent
  | StoragePutEvent
  | StorageDeleteEvent
  | StorageDeleteAllEvent
  | StorageSqlEvent
  | DroppedEvent;

export type EventKind = AgentEvent["kind"];

export const EVENT_KINDS: readonly EventKind[] = [
  "object.start",
  "object.handler",
  "alarm.set",
  "alarm.delete",
  "alarm.start",
  "alarm.end",
  "storage.put",
  "storage.delete",
  "storage.deleteAll",
  "storage.sql",
  "dropped",
];

/** Events as they are recorded, before the buffer numbers them. */
export type UnsequencedEvent = WireEvent extends infer E ? (E extends WireEvent ? Omit<E, "seq"> : never) : never;

// ───────────────────────────── server → client ─────────────────────────────

/** One Durable Object class the Worker defines and the agent instruments. */
export interface ClassInfo {
  className: string;
  /** The binding name in the user's config (`env.<binding>`); for classic PartyKit, the namespace PartyKit generates. */
  binding: string;
  /** True when the class is SQLite-backed (declared in `new_sqlite_classes`). */
  sqlite: boolean;
  /**
   * PartyKit rooms only: the party as it appears in URLs (`/parties/<party>/<room>`; classic PartyKit's main party is
   * `main`). Its objects are rooms, and their `name` is the room name.
   */
  party?: string;
  /**
   * The method of the user's class that handles alarms, when it is not `alarm(alarmInfo)`: PartyKit rooms implement
   * `onAlarm()`, which gets no `alarmInfo`. For CodeLens and diagnostics.
   */
  alarmMethod?: "onAlarm";
  /** Classic PartyKit only: the module that defines the class (from partykit.json), relative to the project folder. */
  source?: string;
  /**
   * Where the class's alarm handler is, as the agent found it on the prototype chain: a method (`prototype`), behind a
   * getter (`accessor`), or nowhere (`none`: the runtime refuses `setAlarm` on its objects, unless an object defines
   * its own handler, which an `object.handler` event then says). Absent from agents before this field.
   */
  alarmHandler?: AlarmHandlerShape;
  /**
   * False when the class does not extend `DurableObject` from `cloudflare:workers` (an old-style class): its objects
   * cannot be reached by RPC, which every command needs. Absent from older agents and for classic PartyKit: assume
   * reachable.
   */
  rpc?: boolean;
}

/** Where a class's alarm handler is found on its prototype chain. */
export type AlarmHandlerShape = "prototype" | "accessor" | "none";

/** Which local runtime serves the Worker. */
export type RuntimeKind = "wrangler" | "partykit";

/** First message on every connection. */
export interface HelloMessage {
  type: "hello";
  protocol: number;
  /** The Worker's `name` from its config. */
  worker: string;
  classes: ClassInfo[];
  /** Version of the agent package. */
  agentVersion: string;
  /** When this agent session (Worker isolate) started, ms since epoch; changes after every reload. */
  sessionStartedAt: number;
  /** Capacity of the agent's event buffer. */
  bufferSize: number;
  /** The local runtime; absent from agents before PartyKit support, which only ran under wrangler. */
  runtime?: RuntimeKind;
  /**
   * False when the runtime forgets pending alarms whenever it restarts or reloads the Worker (classic `partykit dev`
   * keeps storage in `.partykit/state/` but not alarms): an alarm still pending in an earlier session (an earlier
   * `sessionStartedAt`) will not fire. Absent: alarms persist, as under wrangler.
   */
  alarmsPersist?: boolean;
}

export interface EventsMessage {
  type: "events";
  /** Alarm and storage events, and (from agents with schedule support) schedule events, in `seq` order. */
  events: WireEvent[];
}

/**
 * An `events` frame on a connection opened with `?objects=indexed` (see objectIndex.ts): each event's `object` is a
 * number, and `objects` describes the numbers this frame introduces. The client turns it into an `EventsMessage`.
 */
export interface IndexedEventsMessage {
  type: "events";
  events: IndexedEvent[];
  /** The references this frame introduces, by number; absent when it introduces none. */
  objects?: Record<string, ObjectRef>;
}

/** An event as it travels on an indexed connection: its `object` is a number. */
export type IndexedEvent = { readonly object: number } & Readonly<Record<string, unknown>>;

/** Reply to one command. */
export type ResultMessage =
  | { type: "result"; id: CommandId; ok: true; value?: unknown }
  | { type: "result"; id: CommandId; ok: false; error: string };

/** A frame the agent could not take (malformed, oversized, unknown type); the connection stays open. */
export interface ErrorMessage {
  type: "error";
  error: string;
}

export type ServerMessage = HelloMessage | EventsMessage | IndexedEventsMessage | ResultMessage | ErrorMessage;

// ───────────────────────────── client → server ─────────────────────────────

export type CommandId = string | number;

/** Which object a command is for: by id (hex) or by name; `className` picks the namespace. */
export interface CommandTarget {
  className: string;
  id?: string;
  name?: string;
}

export type CommandOp = "fireNow" | "setAlarm" | "deleteAlarm" | "failNext" | "snapshot";

export const COMMAND_OPS: readonly CommandOp[] = ["fireNow", "setAlarm", "deleteAlarm", "failNext", "snapshot"];

export interface CommandBase<Op extends CommandOp> {
  type: "command";
  id: CommandId;
  op: Op;
  target: CommandTarget;
}

/** Schedule the alarm for now, inside the object: the real scheduler runs it with real `alarmInfo` and retries. */
export type FireNowCommand = CommandBase<"fireNow">;
export interface SetAlarmCommand extends CommandBase<"setAlarm"> {
  /** ms since epoch. */
  scheduledTime: number;
}
export type DeleteAlarmCommand = CommandBase<"deleteAlarm">;
/** Make the next `count` attempts throw before the user's handler runs. `count: 0` clears it. */
export interface FailNextCommand extends CommandBase<"failNext"> {
  count: number;
  message?: string;
}
export type SnapshotCommand = CommandBase<"snapshot">;

export type Command = FireNowCommand | SetAlarmCommand | DeleteAlarmCommand | FailNextCommand | SnapshotCommand;

/** `value` of a successful `fireNow` / `setAlarm` / `deleteAlarm`. */
export interface AlarmChangeResult {
  previous: number | null;
  scheduledTime: number | null;
}

/** `value` of a successful `failNext`. */
export interface FailNextResult {
  /** Attempts that will now fail. */
  pending: number;
}

/** `value` of a successful `snapshot`. */
export interface SnapshotResult {
  object: ObjectRef;
  alarm: number | null;
  /** Injected failures still pending. */
  failNext: number;
  storage: { key: string; value: ValuePreview }[];
  /** True when the object holds more keys than `storage` lists. */
  truncated: boolean;
  /**
   * SQLite-backed objects only: the object's own tables (not the runtime's bookkeeping), at most 20, each with at most
   * 10 rows. Absent for key-value-backed objects and from agents before this field.
   */
  tables?: TableSnapshot[];
  /** True when the object has more tables than `tables` lists. */
  tablesTruncated?: boolean;
}

/** One SQLite table in a `snapshot`: its first rows as previews. */
export interface TableSnapshot {
  name: string;
  /** Column names, in the table's order (at most 20). */
  columns: string[];
  /** Rows in the whole table. */
  rowCount: number;
  /** The first rows, one preview per column. */
  rows: ValuePreview[][];
  /** Columns left out of `columns` and `rows`. */
  omittedColumns: number;
  /** Why the rows could not be read, when they could not. */
  error?: string;
}

// ───────────────────────────── guards ─────────────────────────────

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isObjectRef(v: unknown): v is ObjectRef {
  return (
    isRecord(v) &&
    typeof v.className === "string" &&
    typeof v.id === "string" &&
    (v.name === undefined || typeof v.name === "string")
  );
}

/** True for a well-formed event of a known kind (unknown kinds from a newer agent are skipped by callers). */
export function isAgentEvent(v: unknown): v is AgentEvent {
  return (
    isRecord(v) &&
    typeof v.seq === "number" &&
    typeof v.at === "number" &&
    typeof v.kind === "string" &&
    (EVENT_KINDS as readonly string[]).includes(v.kind) &&
    isObjectRef(v.object)
  );
}

export function isHello(v: unknown): v is HelloMessage {
  return (
    isRecord(v) &&
    v.type === "hello" &&
    typeof v.protocol === "number" &&
    typeof v.worker === "string" &&
    Array.isArray(v.classes)
  );
}

export function isEventsMessage(v: unknown): v is EventsMessage {
  return isRecord(v) && v.type === "events" && Array.isArray(v.events);
}

export function isResultMessage(v: unknown): v is ResultMessage {
  return (
    isRecord(v) &&
    v.type === "result" &&
    (typeof v.id === "string" || typeof v.id === "number") &&
    typeof v.ok === "boolean"
  );
}

export function isErrorMessage(v: unknown): v is ErrorMessage {
  return isRecord(v) && v.type === "error" && typeof v.error === "string";
}

/** The outcome of checking a client frame: a command, or a sentence saying what is wrong with it. */
export type CommandCheck = { ok: true; command: Command | ScheduleCommand | HoldCommand } | { ok: false; id?: CommandId; error: string };

/**
 * Validates a parsed client frame as a command. Every refusal says what to change, because it is shown to a person.
 */
export function checkCommand(v: unknown): CommandCheck {
  if (!isRecord(v)) return { ok: false, error: "a command must be a JSON object" };
  const id = typeof v.id === "string" || typeof v.id === "number" ? v.id : undefined;
  if (v.type !== "command") return { ok: false, id, error: `unknown message type ${JSON.stringify(v.type)}; expected "command"` };
  if (id === undefined) return { ok: false, error: "a command needs an \"id\" (string or number)" };
  if (typeof v.op !== "string" || !([...COMMAND_OPS, ...SCHEDULE_COMMAND_OPS, ...HOLD_COMMAND_OPS] as readonly string[]).includes(v.op)) {
    return { ok: false, id, error: `unknown op ${JSON.stringify(v.op)}; expected one of ${[...COMMAND_OPS, ...SCHEDULE_COMMAND_OPS, ...HOLD_COMMAND_OPS].join(", ")}` };
  }
  const t = v.target;
  if (!isRecord(t) || typeof t.className !== "string" || t.className === "") {
    return { ok: false, id, error: "\"target.className\" is required" };
  }
  const hasId = typeof t.id === "string" && t.id !== "";
  const hasName = typeof t.name === "string" && t.name !== "";
  if (hasId === hasName) return { ok: false, id, error: "\"target\" needs exactly one of \"id\" or \"name\"" };
  const target: CommandTarget = hasId ? { className: t.className, id: t.id as string } : { className: t.className, name: t.name as string };
  if (isScheduleCommand({ op: v.op })) return checkScheduleCommand(v, id, target);
  if (isHoldCommand({ op: v.op })) return checkHoldCommand(v, id, target);
  switch (v.op) {
    case "setAlarm": {
      const time = v.scheduledTime;
      if (typeof time !== "number" || !Number.isFinite(time) || time < 0 || time > 8.64e15) {
        return { ok: false, id, error: "\"scheduledTime\" must be a time in ms since the epoch" };
      }
      return { ok: true, command: { type: "command", id, op: "setAlarm", target, scheduledTime: Math.trunc(time) } };
    }
    case "failNext": {
      const count = v.count;
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > 100) {
        return { ok: false, id, error: "\"count\" must be a whole number from 0 to 100" };
      }
      if (v.message !== undefined && typeof v.message !== "string") {
        return { ok: false, id, error: "\"message\" must be a string" };
      }
      const message = typeof v.message === "string" ? v.message.slice(0, 500) : undefined;
      return { ok: true, command: { type: "command", id, op: "failNext", target, count, message } };
    }
    case "fireNow":
    case "deleteAlarm":
    case "snapshot":
      return { ok: true, command: { type: "command", id, op: v.op, target } };
    default:
      return { ok: false, id, error: `unknown op ${JSON.stringify(v.op)}` };
  }
}


// ───────────────────────────── holding an attempt ─────────────────────────────

/**
 * Holding an alarm attempt before the user's handler runs: the commands that arm and release a hold, and the events
 * that say an attempt is held and how it was let go. Kept apart from the alarm events (like the schedule events), so
 * older clients, which check kinds against `EVENT_KINDS`, skip them, and code written against `AgentEvent` keeps its
 * exhaustive switches. Added in round 2; see docs/protocol.md, "Holding an attempt".
 */

/**
 * `hold`: the attempt waits for the editor. `debug`: the same wait, with a `debugger` statement beside the attempt
 * first, so an attached JavaScript debugger stops there with the attempt in scope.
 */
export type HoldMode = "hold" | "debug";

/** What the editor decided for a held attempt. */
export type HoldDecision = "continue" | "fail" | "skip";

/**
 * Who let a held attempt go: the editor's command, the agent because no editor was left connected, or the agent's
 * own limit on how long it holds (`HOLD_LIMIT_MS`).
 */
export type ReleasedBy = "editor" | "disconnect" | "limit";

/**
 * The longest the agent holds an attempt before letting it continue by itself. Local workerd cancels an alarm handler
 * after 15 minutes of wall time, as production does (measured under wrangler 4.164.0: "Alarm exceeded its allowed
 * execution time" at 15 min 2 s, then the runtime's retry with retryCount 1; see docs/protocol.md), and counts it as
 * a failed attempt: letting it continue a minute before leaves the user's handler time to run, and a forgotten hold
 * never turns into a retry the user did not cause.
 */
export const HOLD_LIMIT_MS = 14 * 60_000;

export type HoldCommandOp = "holdNext" | "holdRelease";

export const HOLD_COMMAND_OPS: readonly HoldCommandOp[] = ["holdNext", "holdRelease"];

/**
 * Arms (or, with `armed: false`, disarms) a hold on the object's next attempt. The next attempt is the next one that
 * runs the user's handler: attempts failed on purpose by `failNext` pass the gate, so *Fail Next k* and a hold stop
 * at retry k.
 */
export interface HoldNextCommand {
  type: "command";
  id: CommandId;
  op: "holdNext";
  target: CommandTarget;
  /** Default `hold`. */
  mode?: HoldMode;
  /** Default true. */
  armed?: boolean;
}

/** Lets the held attempt of the object go, as decided. */
export interface HoldReleaseCommand {
  type: "command";
  id: CommandId;
  op: "holdRelease";
  target: CommandTarget;
  decision: HoldDecision;
  /** With `fail`: added to the thrown error's message. */
  message?: string;
}

export type HoldCommand = HoldNextCommand | HoldReleaseCommand;

/** `value` of a successful hold command: the object's gate after it. */
export interface HoldResult {
  /** A hold waits for the object's next attempt. */
  armed: boolean;
  /** An attempt of the object is held now (still true right after `holdRelease`: it is let go at its next look). */
  held: boolean;
  mode?: HoldMode;
}

/** An attempt stopped before the user's handler, after its `alarm.start`, and waits for the editor. */
export interface AlarmHeldEvent {
  kind: "alarm.held";
  seq: number;
  at: number;
  object: ObjectRef;
  mode: HoldMode;
  alarmInfo: AlarmInfoCopy | null;
  trigger: AlarmTrigger;
}

/** A held attempt was let go; its `alarm.end` follows. */
export interface AlarmReleasedEvent {
  kind: "alarm.released";
  seq: number;
  at: number;
  object: ObjectRef;
  decision: HoldDecision;
  by: ReleasedBy;
  heldMs: number;
}

export type HoldEvent = AlarmHeldEvent | AlarmReleasedEvent;

export const HOLD_EVENT_KINDS: readonly HoldEvent["kind"][] = ["alarm.held", "alarm.released"];

export function isHoldCommand(c: { op: string }): c is HoldCommand {
  return (HOLD_COMMAND_OPS as readonly string[]).includes(c.op);
}

/** True for a well-formed hold event off the wire. */
export function isHoldEvent(v: unknown): v is HoldEvent {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  const object = e.object as Record<string, unknown> | null | undefined;
  return (
    typeof e.kind === "string" &&
    (HOLD_EVENT_KINDS as readonly string[]).includes(e.kind) &&
    typeof e.seq === "number" &&
    typeof e.at === "number" &&
    typeof object === "object" &&
    object !== null &&
    typeof object.className === "string" &&
    typeof object.id === "string"
  );
}

type HoldCheck = { ok: true; command: HoldCommand } | { ok: false; id?: CommandId; error: string };

/** Checks the fields a hold command adds; the common ones are checked by `checkCommand`. */
export function checkHoldCommand(v: Record<string, unknown>, id: CommandId, target: CommandTarget): HoldCheck {
  if (v.op === "holdNext") {
    if (v.mode !== undefined && v.mode !== "hold" && v.mode !== "debug") return { ok: false, id, error: "\"mode\" must be \"hold\" or \"debug\"" };
    if (v.armed !== undefined && typeof v.armed !== "boolean") return { ok: false, id, error: "\"armed\" must be true or false" };
    const mode: HoldMode = v.mode === "debug" ? "debug" : "hold";
    return { ok: true, command: { type: "command", id, op: "holdNext", target, mode, armed: v.armed !== false } };
  }
  if (v.op === "holdRelease") {
    if (v.decision !== "continue" && v.decision !== "fail" && v.decision !== "skip") {
      return { ok: false, id, error: "\"decision\" must be \"continue\", \"fail\" or \"skip\"" };
    }
    if (v.message !== undefined && typeof v.message !== "string") return { ok: false, id, error: "\"message\" must be a string" };
    const message = typeof v.message === "string" ? v.message.slice(0, 500) : undefined;
    return { ok: true, command: { type: "command", id, op: "holdRelease", target, decision: v.decision, ...(message !== undefined ? { message } : {}) } };
  }
  return { ok: false, id, error: `unknown op ${JSON.stringify(v.op)}` };
}

/**
 * The expected window of retry number `retryCount` (1–6) after a failure that ended at `failedAt`: the runtime
 * backs off 2 s, 4 s, 8 s … and adds up to 25 % jitter (measured locally: +2.4 s, +4.2 s, +9.2 s).
 */
export function retryWindow(failedAt: number, retryCount: number): { earliest: number; latest: number } {
  const base = 1000 * 2 ** retryCount;
  return { earliest: failedAt + base, latest: failedAt + Math.ceil(base * 1.25) + 500 };
}
