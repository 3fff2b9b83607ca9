import type { Command } from "../protocol/protocol";
import { runAlarmAttempt } from "./alarmAttempt";
import { runControl } from "./control";
import { userEnv } from "./env";
import { ObjectProbe, refOf } from "./objectProbe";
import { wrapInstanceHandler, wrapPrototypeHandler } from "./alarmHandler";
import type { WrapHandler } from "./alarmHandler";
import { describePartyClass, isPartyServer, learnStoredRoomName, usesOnAlarm } from "./partyserver";
import type { AgentRuntime } from "./runtime";
import { instrumentStorage } from "./storage";
import { isHoldCommand, isScheduleCommand } from "../protocol/protocol";
import type { HoldCommand, ScheduleCommand } from "../protocol/protocol";
import { gateOf } from "./attemptGate";
import { registerScheduledClass, runScheduleCommand } from "./schedules";

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
  const party = isPartyServer(Base);
  const info = runtime.options.classes.find((c) => c.className === className);
  if (party && info) describePartyClass(info, Base);

  const Instrumented = subclassOf<ObjectProbe>(Base, {
    before(ctx) {
      const probe = new ObjectProbe(refOf(className, ctx.id), runtime);
      runtime.record({ kind: "object.start", ...probe.base() });
      // The base class brand-checks `ctx`, so it must receive the real one; its `storage` property is replaced
      // in place (it is configurable) by the instrumented view.
      swapStorage(ctx, probe);
      trackInitialization(ctx, probe);
      return probe;
    },
    after: (self, probe) => constructed(self, probe),
  });
  const constructed = (self: object, probe: ObjectProbe): void => {
    probes.set(self, probe);
    const own = wrapInstanceHandler(self, Instrumented.prototype, wrapHandler);
    probe.hasAlarmHandler = own !== undefined || shape !== "none";
    if (own?.shape === "unobserved") probe.alarm.distrust();
    if (own) probe.deliver({ kind: "object.handler", ...probe.base(), handler: own.shape, ...(own.shape === "unobserved" ? { reason: own.reason } : {}) });
    probe.constructorReturned();
  };
  // V8 names a method's frame after the class that built the receiver: an anonymous class named at run time reads
  // as the user's (`Room.recordStats`, not `Instrumented.recordStats`) in stacks and call sites.
  Object.defineProperty(Instrumented, "name", { value: Base.name || className });
  registerScheduledClass(className, Base.prototype);

  const handlerLabel = party && usesOnAlarm(Base) ? "onAlarm()" : "alarm()";
  const wrapHandler: WrapHandler = (handler, self) =>
    function alarm(this: unknown, ...args: unknown[]): Promise<unknown> | unknown {
      const probe = probes.get(self);
      if (!probe) return Reflect.apply(handler, this, args);
      return runHandler(probe, self, party, handlerLabel, args[0], () => Reflect.apply(handler, this, args));
    };
  // Wrapped only where the user's class has a handler: an `alarm` added to a class without one would change what
  // `"alarm" in this` says, which is how the Agents SDK decides to install its own.
  const shape = wrapPrototypeHandler(Base.prototype as object, Instrumented.prototype, wrapHandler);
  if (info) info.alarmHandler = shape;
  if (info && !party) info.rpc = extendsDurableObject(Base);
  if (party) {
    // partyserver's Server always has onStart (a no-op by default), so the override changes nothing it calls.
    Object.defineProperty(Instrumented.prototype, "onStart", {
      value: instrumentedOnStart(Base.prototype),
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Instrumented.prototype, CONTROL_METHOD, {
    value: function control(this: object, command: Command | ScheduleCommand | HoldCommand) {
      const probe = probes.get(this);
      if (!probe) throw new Error("alarm-inspector: this object was not constructed by the agent");
      if (isScheduleCommand(command)) return runScheduleCommand(probe, ctxStorage(this), this, command);
      if (isHoldCommand(command)) return gateOf(runtime).command(probe, command);
      return runControl(probe, ctxStorage(this), command);
    },
    writable: false,
    configurable: false,
  });
  return Instrumented as unknown as T;
}

/**
 * Whether the class extends `DurableObject` from `cloudflare:workers`, which is what lets the hub call its objects
 * by RPC. Found by name on the constructor chain, so the agent needs no import of `cloudflare:workers` for it.
 */
function extendsDurableObject(Base: DurableObjectConstructor): boolean {
  for (let c: unknown = Object.getPrototypeOf(Base); typeof c === "function" && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if ((c as { name?: string }).name === "DurableObject") return true;
  }
  return false;
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
export function trackInitialization(ctx: { blockConcurrencyWhile: DurableObjectState["blockConcurrencyWhile"] }, probe: ObjectProbe): void {
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

/**
 * One reported attempt around the user's handler, with the runtime's real `alarmInfo`. For a partyserver room the
 * user's handler is `onAlarm()`, which partyserver calls with no arguments; the room name is looked up first when the
 * runtime did not give it (an alarm after a wrangler restart).
 */
async function runHandler(probe: ObjectProbe, self: object, party: boolean, label: string, info: unknown, call: () => unknown): Promise<unknown> {
  if (party) await learnStoredRoomName(probe, ctxStorage(self));
  return runAlarmAttempt(probe, info, label, call);
}

/**
 * An anonymous subclass of `Base` whose constructor runs `hooks.before`, the user's constructor (with the env the user
 * sees), then `hooks.after` on the object it built. Anonymous on purpose (see the caller): a class declared with a
 * name would lend that name to every stack frame of the user's methods.
 */
function subclassOf<S>(
  Base: DurableObjectConstructor,
  hooks: { before(ctx: DurableObjectState): S; after(self: object, state: S): void },
): DurableObjectConstructor {
  const make = (B: DurableObjectConstructor) =>
    class extends B {
      constructor(ctx: DurableObjectState, env: unknown) {
        const state = hooks.before(ctx);
        super(ctx, userEnv(env));
        hooks.after(this, state);
      }
    };
  return make(Base);
}

/**
 * A partyserver room's `onStart()`, reported as a step of the wake. Inside an alarm attempt it is the room waking
 * for its alarm: partyserver starts the room from within `alarm()`.
 */
function instrumentedOnStart(parentPrototype: object) {
  return function onStart(this: object, ...args: unknown[]): unknown {
    const parentOnStart = (parentPrototype as { onStart: (...a: unknown[]) => unknown }).onStart;
    const probe = probes.get(this);
    if (probe) {
      // partyserver has settled the name before onStart (from ctx.id.name, its stored name or the request), so its
      // getter can be read here; it throws only when the room has no name at all.
      probe.learnName(readRoomName(this));
      probe.deliver({ kind: "object.start", ...probe.base(), phase: "onStart", forAlarm: probe.inHandler });
    }
    return Reflect.apply(parentOnStart, this, args);
  };
}

function readRoomName(room: object): string | undefined {
  try {
    const name: unknown = Reflect.get(room, "name");
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}
