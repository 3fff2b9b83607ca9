/**
 * The model's state as views see it: read-only shapes, plain data (so a snapshot is just these objects as JSON).
 */
import type {
  AgentEvent,
  AlarmDeleteEvent,
  AlarmInfoCopy,
  AlarmSetEvent,
  AlarmTrigger,
  ClassInfo,
  DroppedEvent,
  ErrorInfo,
  ObjectRef,
  Origin,
  RetryInfo,
  SchedulerCall,
  StorageDeleteAllEvent,
  StorageDeleteEvent,
  StoragePutEvent,
  StorageSqlEvent,
} from "../../protocol/protocol";

/** The extension's link to one agent. `since` and `attempt` let a view say "reconnecting (3) for 12 s". */
export type ConnectionState =
  | { kind: "disconnected" }
  | { kind: "connecting" }
  | { kind: "connected"; url: string }
  | { kind: "reconnecting"; attempt: number; since: number };

/** Identifies one object across workers: `worker/className/id`. Stable, so views may use it as a tree item id. */
export type ObjectKey = string;

/** An agent event about an object (everything but the agent-level `dropped` marker). */
export type ObjectEvent = Exclude<AgentEvent, DroppedEvent>;

/** The storage writes the agent reports. */
export type StorageEvent = StoragePutEvent | StorageDeleteEvent | StorageDeleteAllEvent | StorageSqlEvent;

/** `setAlarm` / `deleteAlarm` calls. */
export type AlarmCallEvent = AlarmSetEvent | AlarmDeleteEvent;

/**
 * One event as the model keeps it: the event unchanged, plus the agent session it came from, because `seq` restarts
 * with every Worker reload and is only unique within a session.
 */
export interface EventRecord<E extends ObjectEvent = ObjectEvent> {
  /** Id of the agent session (see `SessionInfo.id`). */
  readonly session: string;
  readonly event: E;
}

/** One agent session: a Worker isolate from start to reload. */
export interface SessionInfo {
  /** `worker@sessionStartedAt`. */
  readonly id: string;
  readonly worker: string;
  readonly sessionStartedAt: number;
  readonly agentVersion: string;
  readonly protocol: number;
  /** Capacity of the agent's event buffer, as it said in `hello`. */
  readonly bufferSize: number;
  /** When the extension first received this session's `hello` (extension clock). */
  readonly firstHelloAt: number;
  /** When it last received it: later than `firstHelloAt` after a reconnection to the same isolate. */
  readonly lastHelloAt: number;
}

/** Who set the current alarm: the user's code, the inspector, wrangler's local state on disk, or nobody known. */
export type AlarmOrigin = Origin | "persisted" | "runtime" | "unknown";

/**
 * The object's alarm as last known. `scheduledTime: null` means none is pending; `setAt` says when that became known
 * (the `alarm.set` / `alarm.delete` / `alarm.start` time), `null` when nothing was ever observed for this object.
 */
export interface CurrentAlarm {
  readonly scheduledTime: number | null;
  readonly setAt: number | null;
  /** `runtime`: cleared by the runtime because the alarm started; `unknown`: never observed. */
  readonly origin: AlarmOrigin;
  /** The alarm this one replaced: the one overwritten, deleted, or (origin `runtime`) the one that started. */
  readonly replaced: number | null;
  /** True when set from the object's constructor (the "clobber a pending alarm" pitfall when `replaced` is set). */
  readonly inConstructor: boolean;
  /** True when set or deleted from inside the `alarm()` handler. */
  readonly inHandler: boolean;
  /** Set or deleted by the scheduler's own bookkeeping (the Agents SDK's fallback or re-arm), not the user's code. */
  readonly scheduler?: SchedulerCall;
}

/** How an attempt ended. `interrupted`: its Worker reloaded (or a newer attempt started) before it reported an end. */
export type AttemptOutcome = "running" | "ok" | "error" | "interrupted";

/** A retry the runtime is expected to make, with the window its start should fall in. */
export interface RetryExpectation extends RetryInfo {
  /** Filled from `retryWindow()` when the agent did not send one and a retry is expected. */
  readonly earliest?: number;
  readonly latest?: number;
}

/** One execution of `alarm()`. */
export interface Attempt {
  /** 1 for the first attempt, 2–7 for retries: `alarmInfo.retryCount + 1` when the runtime said. */
  readonly number: number;
  readonly session: string;
  /** `seq` of its `alarm.start` (or of its `alarm.end` when the start was never seen). */
  readonly startSeq: number;
  readonly startedAt: number;
  readonly trigger: AlarmTrigger;
  readonly alarmInfo: AlarmInfoCopy | null;
  /** The inspector made this attempt throw on purpose (`failNext`). */
  readonly injectedFailure: boolean;
  readonly outcome: AttemptOutcome;
  readonly endedAt: number | null;
  readonly durationMs: number | null;
  readonly error?: ErrorInfo;
  /** What the runtime was expected to do next, for a failed attempt. */
  readonly retry?: RetryExpectation;
  /** For a retry: the window the previous attempt's failure predicted for this start. */
  readonly expected?: { readonly earliest: number; readonly latest: number };
  /** True when only the `alarm.end` was seen (the start was lost). */
  readonly startMissed: boolean;
  /** Storage writes reported between this attempt's `alarm.start` and `alarm.end`. */
  readonly storage: readonly EventRecord<StorageEvent>[];
  /** `setAlarm` / `deleteAlarm` calls made during this attempt. */
  readonly alarmCalls: readonly EventRecord<AlarmCallEvent>[];
  /** Events of this attempt no longer listed because the model's memory bounds dropped them. */
  readonly omittedEvents: number;
}

/** A scheduled alarm and its retries. */
export interface Run {
  /** `session#startSeq` of the first attempt seen: stable, usable as a view id. */
  readonly id: string;
  /** The time the alarm was scheduled for, when known. */
  readonly scheduledTime: number | null;
  /** How the first attempt was triggered (`scheduled` or `fireNow`). */
  readonly trigger: AlarmTrigger;
  readonly attempts: readonly Attempt[];
  /** True when earlier attempts of this run were not seen (the inspector connected mid-run or dropped them). */
  readonly partial: boolean;
  /** True when another alarm ran while this run still waited for a retry: the runtime will not retry it. */
  readonly superseded: boolean;
}

/** Where a run stands. */
export type RunState = "running" | "succeeded" | "retrying" | "abandoned" | "failed" | "replaced" | "interrupted";

/** Counters since the object was first seen; they survive the trimming of its history. */
export interface ObjectCounts {
  readonly wakes: number;
  readonly sets: number;
  /** `setAlarm` while one was pending. */
  readonly overwrites: number;
  /** Overwrites from the constructor: the pitfall of not checking `getAlarm()` first. */
  readonly constructorOverwrites: number;
  readonly deletes: number;
  readonly attempts: number;
  readonly failures: number;
  readonly storageWrites: number;
}

/** One Durable Object as the model knows it. */
export interface ObjectView {
  readonly key: ObjectKey;
  readonly worker: string;
  readonly ref: Readonly<ObjectRef>;
  /** False for objects known only from wrangler's local state, until an event arrives for them. */
  readonly seenLive: boolean;
  /** Last `object.start` (a wake), or null. */
  readonly lastWake: number | null;
  /** Time of the newest event for the object (or of the persisted read), or null. */
  readonly lastActivity: number | null;
  readonly currentAlarm: CurrentAlarm;
  /** Oldest first. */
  readonly runs: readonly Run[];
  /** The newest storage events still in `history`, oldest first. */
  readonly recentStorage: readonly EventRecord<StorageEvent>[];
  /** Every event still kept for this object, in arrival order (bounded: see `AlarmModelOptions`). */
  readonly history: readonly EventRecord[];
  readonly counts: ObjectCounts;
  /** Injected failures still pending in the agent, when known (from a `failNext` or `snapshot` result). */
  readonly pendingFailNext: number | null;
  /** Events of this object dropped from `history` by the model's bounds. */
  readonly droppedEvents: number;
  /**
   * Where its alarm handler was found when it was last constructed, when the agent said so (`object.handler`): on
   * the instance (reported as usual), or somewhere the agent cannot wrap, so its runs are not observed. Null when the
   * class's own entry in `hello` tells the whole story.
   */
  readonly handler: HandlerNote | null;
}

/** What an `object.handler` event said about an object's alarm handler. */
export interface HandlerNote {
  readonly shape: "instance" | "unobserved";
  /** Why runs are not observed (with `unobserved`). */
  readonly reason?: string;
}

/** The state shown for an object at a given moment. */
export type AlarmStatus = "idle" | "scheduled" | "overdue" | "running" | "retrying" | "abandoned" | "succeeded" | "failed";

/** An object's status at `now`, with the times a view needs to describe it. */
export interface StatusInfo {
  readonly status: AlarmStatus;
  /** The last or ongoing attempt had an injected failure. */
  readonly failureInjected: boolean;
  /** When the next attempt is due: the scheduled time, or the earliest expected retry. */
  readonly dueAt: number | null;
  /** The expected retry window, while retrying (or overdue for a retry). */
  readonly window: { readonly earliest: number; readonly latest: number } | null;
  /** Number of the current or last attempt (1–7), or null. */
  readonly attempt: number | null;
  /** How late the due attempt is, in ms, when `overdue`. */
  readonly overdueBy: number | null;
}

/** An alarm (or an expected retry) that has not run yet. */
export interface PendingAlarm {
  readonly object: ObjectView;
  /** Scheduled time, or the start of the expected retry window. */
  readonly dueAt: number;
  readonly kind: "alarm" | "retry";
  readonly status: StatusInfo;
}

/** A class of objects within a worker. */
export interface ClassView {
  readonly className: string;
  /** From `hello`, when the agent declared the class. */
  readonly info: ClassInfo | null;
  readonly objects: readonly ObjectView[];
}

/** A worker and what is known of it. */
export interface WorkerView {
  readonly name: string;
  /** Its newest session, or null when known only from persisted state or an import. */
  readonly session: SessionInfo | null;
  /** Sessions seen, oldest first: more than one means the Worker reloaded. */
  readonly sessions: readonly SessionInfo[];
  readonly classes: readonly ClassView[];
}

/** What the model dropped or ignored, so a view can say that history is incomplete. */
export interface ModelStats {
  /** Events the agent reported losing (`dropped` markers). */
  readonly droppedByAgent: number;
  /** Events the model dropped from histories to stay within its bounds (including those of evicted objects). */
  readonly droppedByModel: number;
  /** Objects evicted to stay within `maxObjects`. */
  readonly evictedObjects: number;
  /** Events received twice (same session and `seq`) and ignored. */
  readonly duplicates: number;
  /** Events ignored because malformed, of an unknown kind, or received before any `hello`. */
  readonly ignored: number;
}

/** Why the model changed. */
export type ChangeReason = "hello" | "events" | "connection" | "persisted" | "failNext" | "clear" | "hold";

/** Payload of `AlarmModel.onDidChange`. */
export interface ModelChange {
  readonly reason: ChangeReason;
  /** Keys of objects whose state changed. */
  readonly objects: readonly ObjectKey[];
  /** True when objects, classes, workers or sessions were added or removed: a tree must rebuild, not just repaint. */
  readonly structural: boolean;
}

/** An alarm read from wrangler's local state (`_cf_ALARM`) without waking the object. */
export interface PersistedAlarm {
  readonly className: string;
  readonly id: string;
  readonly name?: string;
  readonly scheduledTime: number;
}
