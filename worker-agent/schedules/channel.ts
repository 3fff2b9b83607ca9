import type { ObjectProbe } from "../objectProbe";
import type { AgentRuntime } from "../runtime";
import { beginRun, endAttempt, schedulesOf } from "./tracker";

/**
 * The Agents SDK's own signals: it publishes `schedule:execute`, `schedule:retry {attempt, maxAttempts}`,
 * `schedule:error {error, attempts}` and `schedule:cancel` on the `agents:schedule` diagnostics channel, each with
 * the agent's class (`agent`) and name (`name`). They are what tells a failed callback from a good one: the SDK
 * catches the error, so the alarm attempt itself ends ok.
 *
 * The channel is reached through `process.getBuiltinModule`, which workerd provides with `nodejs_compat` (which the SDK
 * requires): importing `node:diagnostics_channel` would break the build of Workers without that flag.
 */

interface ChannelModule {
  subscribe(name: string, onMessage: (message: unknown, name: string | symbol) => void): void;
}

interface SdkEvent {
  type: string;
  agent?: string;
  name?: string;
  payload: { id?: unknown; callback?: unknown; attempt?: unknown; maxAttempts?: unknown; error?: unknown; attempts?: unknown };
}

const SCHEDULE_CHANNEL = "agents:schedule";
/** Live Agents objects by class and name, so a signal finds the object it is about. */
const probes = new Map<string, ObjectProbe>();
const MAX_PROBES = 10_000;
let subscribed: boolean | undefined;

function channelModule(): ChannelModule | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.("node:diagnostics_channel") as ChannelModule | undefined;
    return mod && typeof mod.subscribe === "function" ? mod : undefined;
  } catch {
    return undefined;
  }
}

function probeKey(className: string, name: string | undefined): string {
  return `${className}\u0000${name ?? ""}`;
}

/**
 * Remembers a probe whose object keeps Agents SDK schedules, and subscribes to the SDK's channel on first use.
 * Returns whether the SDK's signals are available (else runs are told from storage only, outcome unknown).
 */
export function listenToSdk(probe: ObjectProbe, runtime: AgentRuntime): boolean {
  if (subscribed === undefined) {
    const mod = channelModule();
    subscribed = mod !== undefined;
    mod?.subscribe(SCHEDULE_CHANNEL, (message) => onSdkEvent(message as SdkEvent, runtime));
  }
  const k = probeKey(probe.ref.className, probe.ref.name);
  if (probes.get(k) !== probe) {
    probes.delete(k);
    if (probes.size >= MAX_PROBES) {
      const oldest = probes.keys().next().value;
      if (oldest !== undefined) probes.delete(oldest);
    }
    probes.set(k, probe);
  }
  return subscribed;
}

function findProbe(event: SdkEvent): ObjectProbe | undefined {
  if (typeof event.agent === "string") {
    const exact = probes.get(probeKey(event.agent, event.name));
    if (exact) return exact;
  }
  // The class's export name may differ from its constructor's name: fall back to the name alone when it is unique.
  let found: ObjectProbe | undefined;
  for (const p of probes.values()) {
    if (p.ref.name !== event.name) continue;
    if (found) return undefined;
    found = p;
  }
  return found;
}

function onSdkEvent(event: SdkEvent, runtime: AgentRuntime): void {
  // Cost with no editor: one comparison per schedule signal.
  if (runtime.clients === 0 || typeof event !== "object" || event === null || !event.payload) return;
  const { id, callback } = event.payload;
  if (typeof id !== "string" || typeof callback !== "string") return;
  const probe = findProbe(event);
  if (!probe) return;
  const row = { id, callback };
  const open = schedulesOf(probe).runs.get(id);
  switch (event.type) {
    case "schedule:execute":
      beginRun(probe, { ...row, ...(open?.maxAttempts !== undefined ? { maxAttempts: open.maxAttempts } : {}) }, "agents", 1);
      break;
    case "schedule:retry": {
      const attempt = typeof event.payload.attempt === "number" ? event.payload.attempt : (open?.attempt ?? 1) + 1;
      const maxAttempts = typeof event.payload.maxAttempts === "number" ? event.payload.maxAttempts : open?.maxAttempts;
      // The SDK retries without saying why the attempt failed; it gives the message with its last attempt.
      const error = { name: "Error", message: `attempt ${attempt - 1} failed (the SDK reports the error with its last attempt)` };
      endAttempt(probe, row, "agents", "error", { error, final: false });
      beginRun(probe, { ...row, ...(maxAttempts !== undefined ? { maxAttempts } : {}) }, "agents", attempt);
      break;
    }
    case "schedule:error": {
      const sdkMessage = typeof event.payload.error === "string" ? event.payload.error : "the callback failed";
      const error = { name: "Error", message: sdkMessage };
      endAttempt(probe, row, "agents", "error", { error, final: true });
      break;
    }
    default:
      // schedule:create and schedule:cancel are told from storage, which also sees them when the channel is missing.
      break;
  }
}
