import { HOLD_LIMIT_MS, MAX_ALARM_RETRIES } from "../protocol/protocol";
import type { AlarmInfoCopy, AlarmTrigger, HoldCommand, HoldDecision, HoldMode, HoldResult, ReleasedBy } from "../protocol/protocol";
import type { ObjectProbe } from "./objectProbe";
import type { AgentRuntime } from "./runtime";

/**
 * The gate an alarm attempt passes between its `alarm.start` and the user's handler: where a hold armed from the
 * editor stops it until the editor decides (continue, fail, skip), and where *Debug Next Attempt* runs a `debugger`
 * statement with the attempt in scope. One gate per isolate: the hub (which sees the editor leave) and every object
 * live in the same isolate under wrangler dev and the Vite plugin, so a disconnect can let every held attempt go.
 *
 * A held attempt waits by looking at its own state every `LOOK_MS`, from a timer of its own request, rather than on
 * a promise the command's request resolves: a promise settled from another request's context is only delivered to
 * the right one on compatibility dates that have workerd's cross-request promise handling, and user code awaiting
 * `fetch()` after a wrongly-delivered continuation would fail. The timer keeps the object awake only while held.
 */

/** How often a held attempt looks whether it was let go. */
const LOOK_MS = 50;

/** The editor's decision, as the held attempt finds it. */
interface Release {
  decision: HoldDecision;
  by: ReleasedBy;
  message?: string;
}

interface Held {
  mode: HoldMode;
  since: number;
  release?: Release;
}

/** What the gate tells the attempt to do. */
export type GateOutcome = { pass: "run" } | { pass: "skip" } | { pass: "fail"; error: Error } | { pass: "debug"; attempt: DebugAttempt };

/** What the Variables view shows of a paused attempt (`attempt`). */
export interface DebugAttempt {
  object: ObjectProbe["ref"];
  alarmInfo: AlarmInfoCopy | null;
  trigger: AlarmTrigger;
  retryCount: number;
  retry: string;
}

class AttemptGate {
  private readonly armed = new Map<string, HoldMode>();
  private readonly held = new Map<string, Held>();

  constructor(private readonly runtime: AgentRuntime) {}

  state(key: string): HoldResult {
    const mode = this.armed.get(key) ?? this.held.get(key)?.mode;
    return { armed: this.armed.has(key), held: this.held.has(key), ...(mode ? { mode } : {}) };
  }

  command(probe: ObjectProbe, command: HoldCommand): HoldResult {
    const key = keyOf(probe);
    if (command.op === "holdNext") {
      if (command.armed === false) this.armed.delete(key);
      else {
        if (this.runtime.clients === 0) throw new Error("no editor is connected, and a hold is only kept while one is");
        this.armed.set(key, command.mode ?? "hold");
      }
      return this.state(key);
    }
    const held = this.held.get(key);
    if (!held || held.release) {
      throw new Error(`${probe.ref.className} has no attempt held: arm a hold with Hold Next Attempt, then wait for its alarm (or Fire Now)`);
    }
    held.release = { decision: command.decision, by: "editor", ...(command.message !== undefined ? { message: command.message } : {}) };
    return this.state(key);
  }

  /** The last editor left: nothing stays held or armed, since nobody could let it go. */
  releaseAll(): void {
    this.armed.clear();
    for (const held of this.held.values()) held.release ??= { decision: "continue", by: "disconnect" };
  }

  /** True when a hold (or a debugger pause) waits for this object's next attempt: one map lookup. */
  armedFor(probe: ObjectProbe): boolean {
    return this.armed.size > 0 && this.armed.has(keyOf(probe));
  }

  /** Called by an attempt `armedFor` said is armed, before it runs the user's handler. */
  async pass(probe: ObjectProbe, info: AlarmInfoCopy | null, trigger: AlarmTrigger, retryCount: number): Promise<GateOutcome> {
    if (this.armed.size === 0) return { pass: "run" };
    const key = keyOf(probe);
    const mode = this.armed.get(key);
    if (mode === undefined) return { pass: "run" };
    this.armed.delete(key);
    if (this.runtime.clients === 0) return { pass: "run" };
    if (mode === "debug") return { pass: "debug", attempt: { object: probe.ref, alarmInfo: info, trigger, retryCount, retry: `${retryCount} of ${MAX_ALARM_RETRIES}` } };
    const held: Held = { mode, since: Date.now() };
    this.held.set(key, held);
    probe.deliver({ kind: "alarm.held", ...probe.base(held.since), mode, alarmInfo: info, trigger });
    try {
      while (!held.release) {
        await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
        if (Date.now() - held.since >= HOLD_LIMIT_MS) held.release ??= { decision: "continue", by: "limit" };
      }
    } finally {
      this.held.delete(key);
    }
    const release = held.release;
    const at = Date.now();
    probe.deliver({ kind: "alarm.released", ...probe.base(at), decision: release.decision, by: release.by, heldMs: at - held.since });
    if (release.decision === "skip") return { pass: "skip" };
    if (release.decision === "fail") return { pass: "fail", error: heldFailure(release.message) };
    return { pass: "run" };
  }
}

/**
 * Stops an attached JavaScript debugger (a no-op without one) with the attempt in a local, so the Variables view
 * shows it, then calls the user's handler from the next line: Step Into reaches it. Synchronous up to the call, so
 * no `await` lies between the pause and the handler.
 */
export function pauseBeforeHandler(attempt: DebugAttempt, callHandler: () => unknown): unknown {
  // Paused by Alarm Inspector (Debug Next Attempt): `attempt` is this alarm attempt. Step Into (F11) three times to enter
  // your alarm() handler.
  // Read once so the parameter is kept (and shown) rather than optimised away as unused; before the pause, so that
  // nothing but the call lies between the pause and the handler.
  void attempt;
  // eslint-disable-next-line no-debugger
  debugger;
  return callHandler();
}

/** The error a held attempt failed from the editor throws instead of running the handler. */
function heldFailure(message: string | undefined): Error {
  const error = new Error(
    `Failed from a hold by Alarm Inspector${message ? `: ${message}` : ""}. Your handler did not run for this attempt.`,
  );
  error.name = "InjectedFailure";
  return error;
}

function keyOf(probe: ObjectProbe): string {
  return `${probe.ref.className}\u0000${probe.ref.id}`;
}

const gates = new WeakMap<AgentRuntime, AttemptGate>();

/** The isolate's gate. */
export function gateOf(runtime: AgentRuntime): AttemptGate {
  let gate = gates.get(runtime);
  if (!gate) {
    gate = new AttemptGate(runtime);
    gates.set(runtime, gate);
  }
  return gate;
}

export type { AttemptGate };
