import { MAX_ALARM_RETRIES, retryWindow } from "../protocol/protocol";
import type { AlarmInfoCopy, AlarmTrigger, Command, ErrorInfo, RetryInfo } from "../protocol/protocol";
import { runControl } from "./control";
import { userEnv } from "./env";
import { ObjectProbe } from "./objectProbe";
import type { AgentRuntime } from "./runtime";
import { instrumentStorage } from "./storage";

/** The shape every Durable Object constructor has; the wrapper only relies on this. */
type DurableObjectConstructor = new (ctx: DurableObjectState, env: unknown) => object;

/** Name of the RPC method the hub calls on an instrumented object. Prefixed so it cannot clash with user methods. */
export const CONTROL_METHOD = "__alarmInspectorControl";

/** Instances → their probes. A WeakMap, so the agent adds no property the user's code could see or persist. */
const probes = new WeakMap<object, ObjectProbe>();

/**
 * Returns a subclass of the user's Durable Object class that reports what it does. The user's class is not changed:
 * the subclass has the same name (PartyKit's partyserver prints `this.constructor.name`), inherits every static
 * member, and passes every argument, return value and exception through.
 */
export function instrumentClass<T>(UserClass: T, className: string, runtime: AgentRuntime): T {
  if (typeof UserClass !== "function") {
    throw new TypeError(`alarm-inspector: export "${className}" is not a class (got ${typeof UserClass})`);
  }
  const Base = UserClass as unknown as DurableObjectConstructor;

  class Instrumented extends Base {
    constructor(ctx: DurableObjectState, env: unknown) {
      const probe = new ObjectProbe(className, ctx.id, runtime);
      runtime.record({ kind: "object.start", ...probe.base() });
      // The base class brand-checks `ctx`, so it must receive the real one; its `storage` property is replaced
      // in place (it is configurable) by the instrumented view.
      swapStorage(ctx, probe);
      trackInitialization(ctx, probe);
      super(ctx, userEnv(env));
      probes.set(this, probe);
      probe.constructorReturned();
    }
  }
  Object.defineProperty(Instrumented, "name", { value: Base.name || className });

  const userAlarm = (Base.prototype as { alarm?: unknown }).alarm;
  if (typeof userAlarm === "function") {
    // Defined only when the user's class has an alarm handler, so objects without one behave as before.
    Object.defineProperty(Instrumented.prototype, "alarm", {
      value: instrumentedAlarm(Base.prototype, runtime),
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Instrumented.prototype, CONTROL_METHOD, {
    value: function control(this: object, command: Command) {
      const probe = probes.get(this);
      if (!probe) throw new Error("alarm-inspector: this object was not constructed by the agent");
      return runControl(probe, ctxStorage(this), command);
    },
    writable: false,
    configurable: false,
  });
  return Instrumented as unknown as T;
}

/** The real storage behind an instance (control calls must not be reported as the user's own calls). */
const realStorages = new WeakMap<ObjectProbe, DurableObjectStorage>();

function ctxStorage(instance: object): DurableObjectStorage {
  const probe = probes.get(instance);
  const storage = probe && realStorages.get(probe);
  if (!storage) throw new Error("alarm-inspector: storage of this object is unknown");
  return storage;
}

function swapStorage(ctx: DurableObjectState, probe: ObjectProbe): void {
  const real = ctx.storage;
  realStorages.set(probe, real);
  Object.defineProperty(ctx, "storage", { value: instrumentStorage(real, probe), configurable: true, enumerable: false });
}

/**
 * `setAlarm` from a constructor is the documented way to clobber a pending alarm, and constructors usually do their
 * async set-up in `blockConcurrencyWhile`; calls made there count as "in the constructor" too.
 */
function trackInitialization(ctx: DurableObjectState, probe: ObjectProbe): void {
  const real = ctx.blockConcurrencyWhile;
  if (typeof real !== "function") return;
  const wrapped = function blockConcurrencyWhile(this: unknown, ...args: unknown[]): unknown {
    if (!probe.constructing || typeof args[0] !== "function") return Reflect.apply(real, ctx, args);
    const callback = args[0] as () => unknown;
    probe.beginInit();
    const settle = () => probe.endInit();
    const result = Reflect.apply(real, ctx, [
      async () => {
        try {
          return await callback();
        } finally {
          settle();
        }
      },
      ...args.slice(1),
    ]);
    return result;
  };
  Object.defineProperty(ctx, "blockConcurrencyWhile", { value: wrapped, configurable: true, writable: true });
}

/** Copies the host `AlarmInvocationInfo` into plain data (the original cannot be structured-cloned). */
export function copyAlarmInfo(info: unknown): AlarmInfoCopy | null {
  if (!info || typeof info !== "object") return null;
  const src = info as { retryCount?: unknown; isRetry?: unknown; scheduledTime?: unknown };
  const copy: AlarmInfoCopy = {
    retryCount: typeof src.retryCount === "number" ? src.retryCount : 0,
    isRetry: src.isRetry === true,
  };
  const scheduled = src.scheduledTime instanceof Date ? src.scheduledTime.getTime() : src.scheduledTime;
  if (typeof scheduled === "number") copy.scheduledTime = scheduled;
  return copy;
}

export function describeError(e: unknown, injected: boolean): ErrorInfo {
  if (e instanceof Error) {
    const info: ErrorInfo = { name: e.name, message: e.message };
    if (typeof e.stack === "string") info.stack = e.stack.slice(0, 4000);
    if (injected) info.injected = true;
    return info;
  }
  let message: string;
  try {
    message = String(e);
  } catch {
    message = "<unprintable value>";
  }
  return { name: typeof e, message, ...(injected ? { injected } : {}) };
}

/** Marks errors the inspector threw on purpose, without adding a visible property to them. */
const injectedErrors = new WeakSet<object>();

function injectedFailure(probe: ObjectProbe): Error {
  const custom = probe.memory.failMessage;
  const error = new Error(
    `Injected by Alarm Inspector (failNext)${custom ? `: ${custom}` : ""}. Your alarm() handler did not run for this attempt.`,
  );
  error.name = "InjectedFailure";
  injectedErrors.add(error);
  return error;
}

function retryAfterFailure(info: AlarmInfoCopy | null, probe: ObjectProbe, endedAt: number): RetryInfo {
  const attempt = probe.attempt;
  if (attempt?.setCalled) return { willRetry: "replaced" };
  const retryCount = info?.retryCount ?? probe.memory.inferredRetryCount;
  if (retryCount >= MAX_ALARM_RETRIES) return { willRetry: "no" };
  const next = retryCount + 1;
  const window = retryWindow(endedAt, next);
  return { willRetry: attempt?.deleteCalled ? "maybe" : "yes", nextRetryCount: next, ...window };
}

function triggerOf(info: AlarmInfoCopy | null, probe: ObjectProbe): AlarmTrigger {
  if (info?.isRetry || (!info && probe.memory.lastAttemptFailed)) return "retry";
  if (probe.memory.fireNowPending) return "fireNow";
  return "scheduled";
}

function instrumentedAlarm(parentPrototype: object, runtime: AgentRuntime) {
  return async function alarm(this: object, ...args: unknown[]): Promise<unknown> {
    const parentAlarm = (parentPrototype as { alarm: (...a: unknown[]) => unknown }).alarm;
    const probe = probes.get(this);
    if (!probe) return Reflect.apply(parentAlarm, this, args);
    const memory = probe.memory;
    const info = copyAlarmInfo(args[0]);
    if (!info && memory.lastAttemptFailed) {
      // No alarmInfo (PartyKit-style runtimes): a call after a failure with no new setAlarm is a retry.
      memory.inferredRetryCount++;
    } else if (!info) memory.inferredRetryCount = 0;
    const trigger = triggerOf(info, probe);
    memory.fireNowPending = false;
    const inject = memory.failNext > 0;
    if (inject) memory.failNext--;
    probe.attempt = { setCalled: false, deleteCalled: false };
    const startedAt = Date.now();
    runtime.record({ kind: "alarm.start", ...probe.base(startedAt), alarmInfo: info, trigger, injectedFailure: inject });
    try {
      if (inject) throw injectedFailure(probe);
      const result = await Reflect.apply(parentAlarm, this, args);
      const endedAt = Date.now();
      runtime.record({ kind: "alarm.end", ...probe.base(endedAt), outcome: "ok", durationMs: endedAt - startedAt, alarmInfo: info });
      memory.lastAttemptFailed = false;
      return result;
    } catch (e) {
      const endedAt = Date.now();
      const isInjected = typeof e === "object" && e !== null && injectedErrors.has(e);
      runtime.record({
        kind: "alarm.end",
        ...probe.base(endedAt),
        outcome: "error",
        durationMs: endedAt - startedAt,
        alarmInfo: info,
        error: describeError(e, isInjected),
        retry: retryAfterFailure(info, probe, endedAt),
      });
      memory.lastAttemptFailed = !probe.attempt?.setCalled;
      throw e;
    } finally {
      probe.attempt = null;
    }
  };
}
