import { createAgent } from "./index";
import type { Agent } from "./index";
import type { AgentOptions } from "./runtime";

/**
 * The agent under `vite dev` with `@cloudflare/vite-plugin`.
 *
 * There the user's modules run through Vite's module runner, and an edit of the Worker's source (HMR) evaluates the
 * entry again without restarting the isolate. Two things follow:
 * - The agent must outlive the entry module: it is kept on `globalThis` per session token, so the event buffer, the
 *   objects' memory and the hub class stay the same. The plugin's Durable Object wrapper builds a new instance only
 *   when the exported class changes, so an unchanged hub class keeps the editor's socket open across the edit.
 * - After an edit the wrapper constructs the user's new class on the same `ctx`, whose `storage` and
 *   `blockConcurrencyWhile` the previous instance's agent already replaced: they are put back as the runtime made
 *   them before the new instance is instrumented, so nothing is reported twice.
 */

const AGENTS = Symbol.for("alarm-inspector.viteAgents");
type Registry = Map<string, Agent>;

/** The agent of this session (one per token), created on first use and kept across module re-evaluation. */
export function viteAgent(options: AgentOptions): Agent {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  const agents = (holder[AGENTS] ??= new Map());
  let agent = agents.get(options.token);
  if (!agent) {
    const inner = createAgent(options);
    agent = {
      instrument<T>(UserClass: T, className: string): T {
        return reloadable(inner.instrument(UserClass, className));
      },
      Hub: inner.Hub,
      entry: (userDefault: unknown) => inner.entry(userDefault),
    };
    agents.set(options.token, agent);
  }
  return agent;
}

/** The `ctx` properties the agent replaces on each instance. */
const REPLACED = ["storage", "blockConcurrencyWhile"] as const;

/** Each `ctx` as the runtime made it: its own property descriptors (undefined: the property lives on the prototype). */
const pristine = new WeakMap<object, Map<string, PropertyDescriptor | undefined>>();

function restore(ctx: object): void {
  const saved = pristine.get(ctx);
  if (!saved) {
    pristine.set(ctx, new Map(REPLACED.map((key) => [key, Object.getOwnPropertyDescriptor(ctx, key)])));
    return;
  }
  for (const [key, desc] of saved) {
    if (desc) Object.defineProperty(ctx, key, desc);
    else Reflect.deleteProperty(ctx, key);
  }
}

type Constructor = new (ctx: object, env: unknown) => object;

function reloadable<T>(Instrumented: T): T {
  const Base = Instrumented as unknown as Constructor;
  class Reloadable extends Base {
    constructor(ctx: object, env: unknown) {
      restore(ctx);
      super(ctx, env);
    }
  }
  Object.defineProperty(Reloadable, "name", { value: Base.name });
  return Reloadable as unknown as T;
}
