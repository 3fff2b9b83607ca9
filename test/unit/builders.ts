/**
 * Typed builders for agent events. An `EventBuilder` is a little agent: it numbers events (`seq`) and stamps them with
 * its clock (`at`), which tests move with `tick`, so a test reads as the sequence of things that happened.
 */
import { PROTOCOL_VERSION } from "../../protocol/protocol";
import type {
  AlarmDeleteEvent,
  AlarmEndEvent,
  AlarmInfoCopy,
  AlarmSetEvent,
  AlarmStartEvent,
  AlarmTrigger,
  ClassInfo,
  DroppedEvent,
  ErrorInfo,
  HelloMessage,
  ObjectHandlerEvent,
  ObjectRef,
  ObjectStartEvent,
  Origin,
  RetryInfo,
  StorageDeleteEvent,
  StoragePutEvent,
  StorageSqlEvent,
} from "../../protocol/protocol";

/** 2026-11-23 09:00:00 UTC: the start of every test clock. */
export const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

let idCounter = 0;

/** A fresh 64-hex-character id whose first 8 characters differ from every other one made here. */
export function hexId(): string {
  idCounter++;
  return idCounter.toString(16).padStart(8, "0") + "ab".repeat(28);
}

/** An object reference: a fresh id unless given, and a name when given. */
export function obj(className = "Room", options: { id?: string; name?: string } = {}): ObjectRef {
  const ref: ObjectRef = { className, id: options.id ?? hexId() };
  if (options.name !== undefined) ref.name = options.name;
  return ref;
}

/** A `hello` from worker `app`, session started at T0, unless overridden. */
export function hello(overrides: Partial<HelloMessage> = {}): HelloMessage {
  const classes: ClassInfo[] = [
    { className: "Room", binding: "ROOMS", sqlite: true },
    { className: "Scheduler", binding: "SCHEDULER", sqlite: false },
  ];
  return {
    type: "hello",
    protocol: PROTOCOL_VERSION,
    worker: "app",
    classes,
    agentVersion: "0.1.0",
    sessionStartedAt: T0,
    bufferSize: 1000,
    ...overrides,
  };
}

export interface SetOptions {
  previous?: number | null;
  origin?: Origin;
  inHandler?: boolean;
  inConstructor?: boolean;
}

export interface StartOptions {
  retryCount?: number;
  trigger?: AlarmTrigger;
  injectedFailure?: boolean;
  /** `alarmInfo.scheduledTime`; defaults to the builder's clock. */
  scheduledTime?: number;
  /** Pass null for a start without alarmInfo (PartyKit's onAlarm style). */
  alarmInfo?: AlarmInfoCopy | null;
}

export interface EndOptions {
  outcome?: "ok" | "error";
  /** Defaults to the time since this object's last start. */
  durationMs?: number;
  error?: ErrorInfo;
  retry?: RetryInfo;
  /** Defaults to the alarmInfo of this object's last start. */
  alarmInfo?: AlarmInfoCopy | null;
}

/** Builds the events of one agent session. */
export class EventBuilder {
  /** The last seq handed out. */
  seq: number;
  /** The clock stamped on the next event. */
  at: number;
  private readonly lastStart = new Map<string, AlarmStartEvent>();

  constructor(start: number = T0, firstSeq = 1) {
    this.at = start;
    this.seq = firstSeq - 1;
  }

  /** Moves the clock forward. */
  tick(ms: number): this {
    this.at += ms;
    return this;
  }

  private base(object: ObjectRef): { seq: number; at: number; object: ObjectRef } {
    return { seq: ++this.seq, at: this.at, object };
  }

  wake(object: ObjectRef): ObjectStartEvent {
    return { ...this.base(object), kind: "object.start" };
  }

  handler(object: ObjectRef, handler: ObjectHandlerEvent["handler"], reason?: string): ObjectHandlerEvent {
    return { ...this.base(object), kind: "object.handler", handler, ...(reason === undefined ? {} : { reason }) };
  }

  set(object: ObjectRef, scheduledTime: number, o: SetOptions = {}): AlarmSetEvent {
    return {
      ...this.base(object),
      kind: "alarm.set",
      scheduledTime,
      previous: o.previous ?? null,
      origin: o.origin ?? "user",
      inHandler: o.inHandler ?? false,
      inConstructor: o.inConstructor ?? false,
    };
  }

  del(object: ObjectRef, o: Omit<SetOptions, "inConstructor"> = {}): AlarmDeleteEvent {
    return { ...this.base(object), kind: "alarm.delete", previous: o.previous ?? null, origin: o.origin ?? "user", inHandler: o.inHandler ?? false };
  }

  start(object: ObjectRef, o: StartOptions = {}): AlarmStartEvent {
    const retryCount = o.retryCount ?? 0;
    const alarmInfo = o.alarmInfo !== undefined ? o.alarmInfo : { retryCount, isRetry: retryCount > 0, scheduledTime: o.scheduledTime ?? this.at };
    const e: AlarmStartEvent = {
      ...this.base(object),
      kind: "alarm.start",
      alarmInfo,
      trigger: o.trigger ?? (retryCount > 0 ? "retry" : "scheduled"),
      injectedFailure: o.injectedFailure ?? false,
    };
    this.lastStart.set(object.id, e);
    return e;
  }

  end(object: ObjectRef, o: EndOptions = {}): AlarmEndEvent {
    const start = this.lastStart.get(object.id);
    const outcome = o.outcome ?? "ok";
    const e: AlarmEndEvent = {
      ...this.base(object),
      kind: "alarm.end",
      outcome,
      durationMs: o.durationMs ?? (start ? this.at - start.at : 0),
      alarmInfo: o.alarmInfo !== undefined ? o.alarmInfo : (start?.alarmInfo ?? null),
    };
    if (outcome === "error") e.error = o.error ?? { name: "Error", message: "boom" };
    if (o.retry) e.retry = o.retry;
    return e;
  }

  put(object: ObjectRef, key: string, value: unknown = null, o: { inHandler?: boolean } = {}): StoragePutEvent {
    return {
      ...this.base(object),
      kind: "storage.put",
      entries: [{ key, value: { kind: "json", text: JSON.stringify(value), truncated: false } }],
      omitted: 0,
      origin: "user",
      inHandler: o.inHandler ?? false,
    };
  }

  remove(object: ObjectRef, keys: string[], o: { inHandler?: boolean } = {}): StorageDeleteEvent {
    return { ...this.base(object), kind: "storage.delete", keys, omitted: 0, origin: "user", inHandler: o.inHandler ?? false };
  }

  sql(object: ObjectRef, query: string, o: { inHandler?: boolean } = {}): StorageSqlEvent {
    return { ...this.base(object), kind: "storage.sql", query, bindings: 0, inHandler: o.inHandler ?? false };
  }

  dropped(count: number): DroppedEvent {
    return { seq: ++this.seq, at: this.at, kind: "dropped", count, object: { className: "", id: "" } };
  }
}

/** The retry the runtime announces after failed attempt number `attempt` (1-based) that ended at `at`. */
export function retryYes(attempt: number, at: number): RetryInfo {
  const base = 1000 * 2 ** attempt;
  return { willRetry: "yes", nextRetryCount: attempt, earliest: at + base, latest: at + Math.ceil(base * 1.25) + 500 };
}
