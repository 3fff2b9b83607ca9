import { MAX_ALARM_RETRIES, retryWindow } from "../protocol/protocol";
import type { AlarmInfoCopy, AlarmTrigger, ErrorInfo, RetryInfo } from "../protocol/protocol";
import { gateOf, pauseBeforeHandler } from "./attemptGate";
import type { ObjectProbe } from "./objectProbe";
import { nameFrames } from "./preview";

/**
 * One alarm attempt, reported as `alarm.start` … `alarm.end`, around whatever runs the user's handler: a Durable
 * Object's `alarm(alarmInfo)`, or a PartyKit room's `onAlarm()`. Shared by every kind of wrapper so that injected
 * failures, retry expectations and inferred retry counts mean the same thing everywhere.
 */

/** Copies the host `AlarmInvocationInfo` into plain data (the original cannot be structured-cloned). */
export function copyAlarmInfo(info: unknown): AlarmInfoCopy | null {
  if (!info || typeof info !== "object") return null;
  const src = info as { retryCount?: unknown; isRetry?: unknown; scheduledTime?: unknown };
  const copy: AlarmInfoCopy = {
    retryCount: typeof src.retryCount === "number" ? src.retryCount : 0,
    isRetry: src.isRetry === true,
  };
  const scheduled = src.scheduledTime instanceof Date ? src.scheduledTime.getTime() : src.scheduledTime;
  if (typeof scheduled === "number") copy.scheduledTime = scheduled;
  return copy;
}

/**
 * A thrown value as the protocol's `ErrorInfo`; never throws itself, whatever was thrown. The stack is a copy, with
 * the frames of the object's methods named after `className` (the error itself is the user's, and left as it is).
 */
export function describeError(e: unknown, injected: boolean, className: string): ErrorInfo {
  if (e instanceof Error) {
    const info: ErrorInfo = { name: e.name, message: e.message };
    if (typeof e.stack === "string") info.stack = nameFrames(e.stack.slice(0, 4000), className);
    if (injected) info.injected = true;
    return info;
  }
  let message: string;
  try {
    message = String(e);
  } catch {
    message = "<unprintable value>";
  }
  return { name: typeof e, message, ...(injected ? { injected } : {}) };
}

/** Marks errors the inspector threw on purpose, without adding a visible property to them. */
const injectedErrors = new WeakSet<object>();

function injectedFailure(probe: ObjectProbe, handler: string): Error {
  const custom = probe.memory.failMessage;
  const error = new Error(
    `Injected by Alarm Inspector (failNext)${custom ? `: ${custom}` : ""}. Your ${handler} handler did not run for this attempt.`,
  );
  error.name = "InjectedFailure";
  injectedErrors.add(error);
  return error;
}

function retryAfterFailure(retryCount: number, probe: ObjectProbe, endedAt: number): RetryInfo {
  const attempt = probe.attempt;
  if (attempt?.setCalled) return { willRetry: "replaced" };
  if (retryCount >= MAX_ALARM_RETRIES) return { willRetry: "no" };
  const next = retryCount + 1;
  const window = retryWindow(endedAt, next);
  return { willRetry: attempt?.deleteCalled ? "maybe" : "yes", nextRetryCount: next, ...window };
}

/**
 * Without `alarmInfo` (classic PartyKit) the only evidence of a retry is ours: the previous attempt of this object
 * failed and nothing set or deleted the alarm since (see `ObjectProbe.noteAlarmChange`), so the runtime is retrying.
 */
function inferInfo(probe: ObjectProbe): AlarmInfoCopy {
  const memory = probe.memory;
  memory.inferredRetryCount = memory.lastAttemptFailed ? memory.inferredRetryCount + 1 : 0;
  return { retryCount: memory.inferredRetryCount, isRetry: memory.inferredRetryCount > 0 };
}

function triggerOf(isRetry: boolean, probe: ObjectProbe): AlarmTrigger {
  if (isRetry) return "retry";
  if (probe.memory.fireNowPending) return "fireNow";
  return "scheduled";
}

/**
 * Runs `call` (the user's handler) as one reported attempt. `rawInfo` is what the runtime passed, if anything;
 * `handler` names the user's method in the message of an injected failure. Returns or throws exactly what `call`
 * does (or the injected failure, before `call` runs).
 */
export async function runAlarmAttempt(probe: ObjectProbe, rawInfo: unknown, handler: string, call: () => unknown): Promise<unknown> {
  const memory = probe.memory;
  const info = copyAlarmInfo(rawInfo);
  const inferred = info ? undefined : inferInfo(probe);
  const estimate = info ?? inferred!;
  const trigger = triggerOf(estimate.isRetry, probe);
  memory.fireNowPending = false;
  const inject = memory.failNext > 0;
  if (inject) memory.failNext--;
  probe.attempt = { setCalled: false, deleteCalled: false };
  // Only a run the runtime started (it passes alarmInfo) has taken the alarm; a handler the user's code calls
  // itself, or a runtime that passes nothing, leaves the agent unsure what is pending.
  if (info) probe.alarm.runStarted();
  else probe.alarm.forget();
  const startedAt = Date.now();
  const inferredField = inferred ? { inferred } : {};
  probe.deliver({ kind: "alarm.start", ...probe.base(startedAt), alarmInfo: info, trigger, injectedFailure: inject, ...inferredField });
  try {
    if (inject) throw injectedFailure(probe, handler);
    // An attempt failed on purpose passes no gate, so Fail Next k and a hold stop at retry k.
    // Without an armed hold nothing is awaited: the handler starts in the same turn as it would without the agent.
    const gates = gateOf(probe.runtime);
    const gate = gates.armedFor(probe) ? await gates.pass(probe, info, trigger, estimate.retryCount) : ({ pass: "run" } as const);
    if (gate.pass === "fail") {
      injectedErrors.add(gate.error);
      throw gate.error;
    }
    const result = gate.pass === "skip" ? undefined : gate.pass === "debug" ? await pauseBeforeHandler(gate.attempt, call) : await call();
    const endedAt = Date.now();
    probe.deliver({ kind: "alarm.end", ...probe.base(endedAt), outcome: "ok", durationMs: endedAt - startedAt, alarmInfo: info, ...inferredField });
    memory.lastAttemptFailed = false;
    if (info) probe.alarm.runEnded(true);
    else probe.alarm.forget();
    return result;
  } catch (e) {
    const endedAt = Date.now();
    const isInjected = typeof e === "object" && e !== null && injectedErrors.has(e);
    probe.deliver({
      kind: "alarm.end",
      ...probe.base(endedAt),
      outcome: "error",
      durationMs: endedAt - startedAt,
      alarmInfo: info,
      error: describeError(e, isInjected, probe.ref.className),
      retry: retryAfterFailure(estimate.retryCount, probe, endedAt),
      ...inferredField,
    });
    memory.lastAttemptFailed = !probe.attempt?.setCalled;
    probe.alarm.runEnded(false);
    throw e;
  } finally {
    probe.attempt = null;
  }
}
