import { HEALTH_PATH, ROUTE_PREFIX } from "../protocol/protocol";
import { userEnv } from "./env";
import { healthResponse } from "./hubClients";
import { HUB_BINDING } from "./runtime";
import type { AgentRuntime } from "./runtime";

/** What workerd says when a Worker without a fetch handler gets a request; kept so behaviour matches. */
const NO_FETCH = "Handler does not export a fetch() function.";

type Handler = (...args: unknown[]) => unknown;

/** The agent's own routes: a health probe, and the inspector socket (forwarded to the hub). */
function handleInspectorRoute(request: Request, env: unknown, runtime: AgentRuntime): Promise<Response> | Response {
  const url = new URL(request.url);
  if (url.pathname === HEALTH_PATH) return healthResponse(runtime, request);
  const ns = (env as Record<string, DurableObjectNamespace | undefined>)[HUB_BINDING];
  if (!ns) return new Response("alarm-inspector: hub binding missing; start with `alarm-inspector dev`\n", { status: 500 });
  return ns.get(ns.idFromName("hub")).fetch(request);
}

function isInspectorRoute(request: Request): boolean {
  // Cheap prefix test on the raw URL first: this runs on every request of the user's Worker.
  return request.url.includes(ROUTE_PREFIX) && new URL(request.url).pathname.startsWith(ROUTE_PREFIX);
}

/**
 * Wraps the user's default export so `/__alarm_inspector/…` reaches the agent and everything else reaches the
 * user's handler untouched (same `this`, same arguments, env without the hub binding). Works for an object of
 * handlers, a `WorkerEntrypoint` class, and a Worker with no default export or no `fetch`.
 */
export function wrapEntry(userDefault: unknown, runtime: AgentRuntime): unknown {
  if (typeof userDefault === "function") return wrapEntrypointClass(userDefault as new (...a: unknown[]) => object, runtime);
  const handlers = (userDefault && typeof userDefault === "object" ? userDefault : {}) as Record<string, unknown>;
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(handlers)) {
    const value = handlers[key];
    wrapped[key] =
      typeof value === "function"
        ? function handler(event: unknown, env: unknown, ...rest: unknown[]) {
            return Reflect.apply(value as Handler, handlers, [event, userEnv(env), ...rest]);
          }
        : value;
  }
  const userFetch = handlers.fetch;
  wrapped.fetch = function fetch(request: Request, env: unknown, ...rest: unknown[]) {
    if (isInspectorRoute(request)) return handleInspectorRoute(request, env, runtime);
    if (typeof userFetch !== "function") throw new Error(NO_FETCH);
    return Reflect.apply(userFetch as Handler, handlers, [request, userEnv(env), ...rest]);
  };
  return wrapped;
}

function wrapEntrypointClass(UserEntry: new (...a: unknown[]) => object, runtime: AgentRuntime): unknown {
  const fullEnvs = new WeakMap<object, unknown>();
  class Entry extends UserEntry {
    constructor(ctx: unknown, env: unknown, ...rest: unknown[]) {
      super(ctx, userEnv(env), ...rest);
      fullEnvs.set(this, env);
    }
    fetch(request: Request): unknown {
      if (isInspectorRoute(request)) return handleInspectorRoute(request, fullEnvs.get(this), runtime);
      const userFetch: unknown = Reflect.get(UserEntry.prototype, "fetch");
      if (typeof userFetch !== "function") throw new Error(NO_FETCH);
      return Reflect.apply(userFetch as Handler, this, [request]);
    }
  }
  Object.defineProperty(Entry, "name", { value: UserEntry.name });
  return Entry;
}
