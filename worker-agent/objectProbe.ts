import type { ObjectRef, Origin, UnsequencedEvent } from "../protocol/protocol";
import { AlarmTracker } from "./alarmTracker";
import type { AgentRuntime, ObjectMemory } from "./runtime";

/** What the probe knows about the alarm attempt that is running, if any. */
export interface AttemptState {
  /** The handler called `setAlarm`: the new alarm runs instead of a retry. */
  setCalled: boolean;
  /** The handler called `deleteAlarm`: retries stop on a best-effort basis only. */
  deleteCalled: boolean;
}

/** An event, or one whose details (the replaced alarm time) arrive later; `null` means "nothing to record". */
export type PendingEvent = UnsequencedEvent | Promise<UnsequencedEvent | null>;

/** Where instrumented storage sends its events: straight to the buffer, or held until a transaction commits. */
export type EventSink = (event: PendingEvent) => void;

/**
 * The agent's view of one live Durable Object instance. It is kept beside the instance (in a WeakMap, never as a
 * property the user's code could see) and shared by the storage wrapper, the `alarm()` wrapper and control calls.
 */
export class ObjectProbe {
  /** Replaced (never mutated) when the object's name is learned late, so events already recorded keep theirs. */
  ref: ObjectRef;
  readonly memory: ObjectMemory;
  /** True until the constructor and any `blockConcurrencyWhile` it started have finished. */
  constructing = true;
  private initCallbacks = 0;
  private superReturned = false;
  attempt: AttemptState | null = null;
  /**
   * False when the object has no alarm handler at all (set once its constructor has returned): the runtime refuses
   * `setAlarm` on it, so inspector commands that set the alarm say why instead of trying.
   */
  hasAlarmHandler = true;
  /** The pending alarm as this instance last saw it (saves a `getAlarm()` read before each alarm call). */
  readonly alarm = new AlarmTracker();
  /** Events held by `transactionSync` until it returns; discarded if it throws. */
  private syncTxnBuffers: PendingEvent[][] = [];

  constructor(
    ref: ObjectRef,
    readonly runtime: AgentRuntime,
  ) {
    this.ref = ref;
    this.memory = runtime.memory(ref.className, ref.id);
  }

  /**
   * Names the object from now on, when its name was not known at construction (a PartyKit room woken by its alarm
   * learns it from storage or from a later request). A name already known is kept.
   */
  learnName(name: string | undefined): void {
    if (name === undefined || name === "" || this.ref.name !== undefined) return;
    this.ref = { ...this.ref, name };
  }

  get inHandler(): boolean {
    return this.attempt !== null;
  }

  /** Common fields of every event about this object. */
  base(at: number = Date.now()): { at: number; object: ObjectRef } {
    return { at, object: this.ref };
  }

  readonly sink: EventSink = (event) => {
    const buffer = this.syncTxnBuffers[this.syncTxnBuffers.length - 1];
    if (buffer) buffer.push(event);
    else this.deliver(event);
  };

  /**
   * Records the object's events in the order they happened. An alarm call is reported only once the runtime has
   * accepted it (its event is a promise until then), so everything the object does after it waits behind it: an
   * `alarm.end` never overtakes the `setAlarm` its handler made. While nothing is pending, events go straight to the
   * buffer.
   */
  deliver(event: PendingEvent): void {
    if (this.pending === null && !(event instanceof Promise)) {
      this.runtime.record(event);
      return;
    }
    const link = (this.pending ?? Promise.resolve())
      .then(() => event)
      .then(
        (e) => {
          if (e) this.runtime.record(e);
        },
        () => undefined,
      )
      .then(() => {
        if (this.pending === link) this.pending = null;
      });
    this.pending = link;
  }

  /** The tail of the events waiting for an earlier one to settle, or null when none wait. */
  private pending: Promise<void> | null = null;

  /** True inside `transactionSync`, whose writes (an alarm call among them) a throw rolls back. */
  get inSyncTransaction(): boolean {
    return this.syncTxnBuffers.length > 0;
  }

  /** Runs `fn` (the runtime's `transactionSync`), keeping its events only if it commits. */
  withSyncTransaction<T>(fn: () => T): T {
    const held: PendingEvent[] = [];
    this.syncTxnBuffers.push(held);
    let committed = false;
    try {
      const result = fn();
      committed = true;
      return result;
    } finally {
      this.syncTxnBuffers.pop();
      if (committed) for (const e of held) this.sink(e);
    }
  }

  /**
   * A `setAlarm`/`deleteAlarm` succeeded. A user call replaces an inspector `fireNow` that has not started yet; any
   * call outside a handler replaces a retry the runtime was about to make, so the next attempt is not a retry (what
   * retry counts are inferred from when the runtime gives no `alarmInfo`).
   */
  noteAlarmChange(origin: Origin): void {
    if (origin === "user") this.memory.fireNowPending = false;
    if (!this.inHandler) this.memory.lastAttemptFailed = false;
  }

  beginInit(): void {
    this.initCallbacks++;
  }

  endInit(): void {
    this.initCallbacks--;
    this.settleConstruction();
  }

  constructorReturned(): void {
    this.superReturned = true;
    this.settleConstruction();
  }

  private settleConstruction(): void {
    if (this.superReturned && this.initCallbacks <= 0) this.constructing = false;
  }
}

/** The reference of a Durable Object by its id: `ctx.id.name` is only set when it was addressed by name. */
export function refOf(className: string, id: DurableObjectId): ObjectRef {
  const name = readName(id);
  return name === undefined ? { className, id: id.toString() } : { className, id: id.toString(), name };
}

function readName(id: DurableObjectId): string | undefined {
  try {
    const name = (id as { name?: unknown }).name;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    // Reading it never throws in workerd today; an odd host object must not break the user's constructor.
    return undefined;
  }
}
