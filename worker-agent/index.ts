/**
 * The worker agent: runs inside workerd, bundled by wrangler (or by `partykit dev`) into the user's Worker from the
 * entry the launcher generates. Users who prefer to wrap by hand import the same functions:
 *
 *   import { createAgent } from "do-alarm-inspector/agent";
 *   const agent = createAgent({ token, worker: "my-worker", classes: [{ className: "Room", binding: "ROOMS", sqlite: true }] });
 *   export const Room = agent.instrument(MyRoom, "Room");
 *   export const AlarmInspectorHub = agent.Hub;          // bound as __ALARM_INSPECTOR_HUB
 *   export default agent.entry(myHandlers);
 *
 * The bundle imports nothing from `cloudflare:*`, so the same file serves both runtimes.
 */
import { wrapEntry } from "./entry";
import { createHubClass } from "./hub";
import { instrumentClass } from "./instrument";
import { createPartyHubClass } from "./partyHub";
import { instrumentPartyClass } from "./partyRoom";
import type { PartyDescriptor } from "./partyRoom";
import { AgentRuntime } from "./runtime";
import type { AgentOptions } from "./runtime";

export type { AgentOptions } from "./runtime";
export type { PartyDescriptor } from "./partyRoom";
export { HUB_BINDING } from "./runtime";
export { AGENT_VERSION } from "./hub";

/** The agent of one Worker under `wrangler dev` (partyserver rooms included: they are Durable Objects). */
export interface Agent {
  /** Wraps one Durable Object class; export the result under the same name. */
  instrument<T>(UserClass: T, className: string): T;
  /** The hub Durable Object class; export it as `AlarmInspectorHub`. */
  readonly Hub: ReturnType<typeof createHubClass>;
  /** Wraps the Worker's default export (handlers object or WorkerEntrypoint class, or undefined). */
  entry(userDefault: unknown): unknown;
}

export function createAgent(options: AgentOptions): Agent {
  const runtime = new AgentRuntime(options);
  return {
    instrument: (UserClass, className) => instrumentClass(UserClass, className, runtime),
    Hub: createHubClass(runtime),
    entry: (userDefault) => wrapEntry(userDefault, runtime),
  };
}

/** The agent of one classic PartyKit project under `partykit dev`. */
export interface PartyKitAgent {
  /** Wraps the `Party.Server` class a party's module default-exports; default-export the result in its place. */
  party<T>(UserClass: T, descriptor: PartyDescriptor): T;
  /** The hub, a `Party.Server` class: default-export it from the module of the `__alarm_inspector` party. */
  readonly Hub: ReturnType<typeof createPartyHubClass>;
}

/**
 * `classes` starts empty: each party's class is registered when its module is wrapped, at start-up, before any
 * request (PartyKit imports every party's module into one Worker).
 */
export function createPartyKitAgent(options: Omit<AgentOptions, "classes" | "runtime">): PartyKitAgent {
  const runtime = new AgentRuntime({ ...options, classes: [], runtime: "partykit" });
  return {
    party: (UserClass, descriptor) => instrumentPartyClass(UserClass, descriptor, runtime),
    Hub: createPartyHubClass(runtime),
  };
}

/** The agent under `vite dev` (`@cloudflare/vite-plugin`): one per session, kept across edits of the Worker (HMR). */
export { viteAgent } from "./viteAgent";
