/**
 * The user's classes, by export name, so the agent can tell whether a schedule's callback exists on its class (a
 * schedule whose method was renamed or removed never runs: the SDK logs and drops it).
 *
 * Why the agent does not wrap callbacks to capture each attempt's stack: the Agents SDK keys its `@callable()`
 * registry by the method's function object, so any wrapper seen through `this[name]` would make a callable method
 * refuse its clients. The SDK's own signals give the attempt numbers and the last error's message; that is reported.
 */
const classes = new Map<string, object>();

/** Called once per instrumented class. */
export function registerClass(className: string, userPrototype: object): void {
  classes.set(className, userPrototype);
}

/** True when the user's class has the method; undefined when the class is unknown. */
export function hasCallback(className: string, callback: string): boolean | undefined {
  const proto = classes.get(className);
  if (!proto) return undefined;
  try {
    return typeof Reflect.get(proto, callback) === "function";
  } catch {
    return undefined;
  }
}
