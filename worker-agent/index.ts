/**
 * The worker agent: runs inside workerd, bundled by wrangler into the user's Worker from the entry the launcher
 * generates. Users who prefer to wrap by hand import the same functions:
 *
 *   import { createAgent } from "do-alarm-inspector/agent";
 *   const agent = createAgent({ token, worker: "my-worker", classes: [{ className: "Room", binding: "ROOMS", sqlite: true }] });
 *   export const Room = agent.instrument(MyRoom, "Room");
 *   export const AlarmInspectorHub = agent.Hub;          // bound as __ALARM_INSPECTOR_HUB
 *   export default agent.entry(myHandlers);
 */
import { wrapEntry } from "./entry";
import { createHubClass } from "./hub";
import { instrumentClass } from "./instrument";
import { AgentRuntime } from "./runtime";
import type { AgentOptions } from "./runtime";

export type { AgentOptions } from "./runtime";
export { HUB_BINDING } from "./runtime";
export { AGENT_VERSION } from "./hub";

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
