import { HUB_BINDING } from "./runtime";

/** The env the user's code sees: the Worker's env without the hub binding the launcher added. Cached per env. */
const views = new WeakMap<object, object>();

export function userEnv<T>(env: T): T {
  if (!env || typeof env !== "object" || !Object.hasOwn(env, HUB_BINDING)) return env;
  let view = views.get(env);
  if (!view) {
    view = {};
    for (const key of Reflect.ownKeys(env)) {
      if (key === HUB_BINDING) continue;
      const desc = Reflect.getOwnPropertyDescriptor(env, key);
      if (desc) Object.defineProperty(view, key, desc);
    }
    views.set(env, view);
  }
  return view as T;
}
