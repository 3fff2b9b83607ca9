import type { AlarmHandlerShape } from "../protocol/protocol";

/**
 * Where an object's `alarm` handler lives, and how the agent puts its reporting wrapper in front of it.
 *
 * workerd takes an object's handlers from the instance once its constructor has returned (measured: a handler
 * defined on the instance later is refused by `setAlarm` and never runs). So every handler the runtime can call is
 * visible at the end of the constructor, in one of these places:
 * - on the class's prototype chain, as a method (the ordinary case) or behind a getter;
 * - on the instance itself, defined by the constructor (the Agents SDK's `Lifecycle.install(this)` defines `alarm`
 *   as an own property when the class has none, after testing `"alarm" in this` — which is why the agent must never
 *   add an `alarm` to a class that has none).
 * What the agent cannot wrap (an own handler that is not configurable, or an object that is not an instance of the
 * instrumented class because the constructor returned another one) is reported as unobserved, with the reason, so
 * the views never imply an alarm did not run because no run was seen.
 */

/** Wraps one handler function for the object whose `alarm` it is; `self` is that object. */
export type WrapHandler = (handler: Function, self: object) => Function;

/** The nearest own descriptor of `key` on `start` or its prototype chain (below `Object.prototype`). */
export function findDescriptor(start: object | null, key: PropertyKey): { holder: object; descriptor: PropertyDescriptor } | undefined {
  for (let o = start; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(o, key);
    if (descriptor) return { holder: o, descriptor };
  }
  return undefined;
}

/**
 * Puts the wrapper in front of a handler on the user's class, on the instrumented prototype (which the user's code
 * never sees as its own). Returns the shape it found: a method, a getter, or none on the prototype chain (there may
 * still be one on each instance).
 */
export function wrapPrototypeHandler(userPrototype: object, instrumentedPrototype: object, wrap: WrapHandler): AlarmHandlerShape {
  const found = findDescriptor(userPrototype, "alarm");
  if (!found) return "none";
  const { descriptor } = found;
  if ("value" in descriptor) {
    if (typeof descriptor.value !== "function") return "none";
    const handler = descriptor.value as Function;
    Object.defineProperty(instrumentedPrototype, "alarm", {
      value: function alarm(this: object, ...args: unknown[]) {
        return Reflect.apply(wrap(handler, this), this, args);
      },
      writable: true,
      configurable: true,
    });
    return "prototype";
  }
  const get = descriptor.get;
  const set = descriptor.set;
  Object.defineProperty(instrumentedPrototype, "alarm", {
    // The getter runs with the instance as `this`, exactly as the user's would; what it returns is wrapped.
    get: get
      ? function alarm(this: object) {
          const handler: unknown = Reflect.apply(get, this, []);
          return typeof handler === "function" ? wrap(handler, this) : handler;
        }
      : undefined,
    set: set
      ? function alarm(this: object, value: unknown) {
          Reflect.apply(set, this, [value]);
        }
      : undefined,
    configurable: true,
  });
  return "accessor";
}

/** What the end of the constructor found on the instance. */
export type InstanceHandler = { shape: "instance" } | { shape: "unobserved"; reason: string } | undefined;

/**
 * At the end of the constructor: wraps a handler the constructor defined on the instance itself, keeping the
 * property's attributes. Returns undefined when the prototype's handler (already wrapped) or none is in effect.
 */
export function wrapInstanceHandler(instance: object, instrumentedPrototype: object, wrap: WrapHandler): InstanceHandler {
  const own = Object.getOwnPropertyDescriptor(instance, "alarm");
  if (!own) {
    if (isInstanceOf(instance, instrumentedPrototype)) return undefined;
    // The constructor returned an object of another class: the runtime calls that object's handler, not ours.
    return findDescriptor(instance, "alarm")
      ? { shape: "unobserved", reason: "its constructor returns another object, whose alarm() the inspector does not wrap" }
      : undefined;
  }
  if (!own.configurable) {
    return { shape: "unobserved", reason: "its alarm handler is a non-configurable property of the instance, which the inspector cannot wrap" };
  }
  if ("value" in own) {
    if (typeof own.value !== "function") return undefined;
    Object.defineProperty(instance, "alarm", { ...own, value: wrap(own.value as Function, instance) });
    return { shape: "instance" };
  }
  const get = own.get;
  if (!get) return undefined;
  Object.defineProperty(instance, "alarm", {
    ...own,
    get: function alarm(this: object) {
      const handler: unknown = Reflect.apply(get, this, []);
      return typeof handler === "function" ? wrap(handler, instance) : handler;
    },
  });
  return { shape: "instance" };
}

function isInstanceOf(instance: object, prototype: object): boolean {
  for (let o = Object.getPrototypeOf(instance) as object | null; o; o = Object.getPrototypeOf(o) as object | null) {
    if (o === prototype) return true;
  }
  return false;
}
