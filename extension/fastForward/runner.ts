/**
 * Runs a fast-forward plan through the real scheduler: each step sets the alarm (or the schedule) to now with the
 * same commands the tree uses (`fireNow`, `scheduleRunNow`), and the next step starts only once that attempt has
 * ended, so the runtime runs them one after another in the plan's order. No `vscode`: the runtime tests drive it.
 */
import type { ErrorInfo, WireEvent } from "../../protocol/protocol";
import type { CommandRequest } from "../connection/inspectorClient";
import type { FastForwardPlan, PendingItem } from "./plan";

/** What the runner needs from a connection. */
export interface FastForwardPort {
  send(request: CommandRequest): Promise<unknown>;
  /** The highest event sequence number received so far. */
  lastSeq(): number;
  /** Resolves with the first event after `afterSeq` that `match` accepts, or undefined after `timeoutMs`. */
  nextEvent(afterSeq: number, match: (e: WireEvent) => boolean, timeoutMs: number): Promise<WireEvent | undefined>;
}

export interface StepResult {
  readonly item: PendingItem;
  /** `ok`/`error`: the attempt's outcome; `timeout`: no end seen in time (a held or slow attempt); `refused`: the command failed. */
  readonly outcome: "ok" | "error" | "timeout" | "refused";
  readonly error?: string;
  /** The runtime will retry the failed attempt (it is left pending). */
  readonly willRetry?: boolean;
}

/** How long one step may take before the runner moves on. */
export const STEP_TIMEOUT_MS = 30_000;

export async function runFastForward(
  plan: FastForwardPlan,
  port: FastForwardPort,
  options: { stepTimeoutMs?: number; onStep?: (done: number, result: StepResult) => void; cancelled?: () => boolean } = {},
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const item of plan.steps) {
    if (options.cancelled?.()) break;
    const result = await runStep(item, port, options.stepTimeoutMs ?? STEP_TIMEOUT_MS);
    results.push(result);
    options.onStep?.(results.length, result);
  }
  return results;
}

async function runStep(item: PendingItem, port: FastForwardPort, timeoutMs: number): Promise<StepResult> {
  const before = port.lastSeq();
  try {
    if (item.scheduleId !== undefined) await port.send({ op: "scheduleRunNow", target: item.target, scheduleId: item.scheduleId });
    else await port.send({ op: "fireNow", target: item.target });
  } catch (e) {
    return { item, outcome: "refused", error: (e as Error).message };
  }
  const end = await port.nextEvent(before, (e) => e.kind === "alarm.end" && sameObject(e.object, item), timeoutMs);
  if (!end || end.kind !== "alarm.end") return { item, outcome: "timeout" };
  if (end.outcome === "ok") return { item, outcome: "ok" };
  return { item, outcome: "error", error: errorLine(end.error), willRetry: end.retry?.willRetry === "yes" };
}

function sameObject(object: { className: string; id: string; name?: string }, item: PendingItem): boolean {
  return object.className === item.target.className && object.id === item.objectId;
}

function errorLine(error: ErrorInfo | undefined): string {
  return error ? `${error.name}: ${error.message}` : "failed";
}
