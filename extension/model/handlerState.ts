import type { ClassInfo } from "../../protocol/protocol";
import type { ObjectView } from "./types";

/**
 * Whether an object's alarm runs can be seen, from what the agent said: the class's handler in `hello`
 * (`alarmHandler`) and, per object, an `object.handler` event. Views use it so that a missing run is never read as
 * "the alarm did not run", and so they offer no command the runtime will refuse.
 */
export type HandlerState =
  | { kind: "observed" }
  /** No handler at all: the runtime refuses `setAlarm`, so Fire Now and Reschedule cannot work. */
  | { kind: "none" }
  /** A handler the agent cannot wrap: runs happen, unreported. */
  | { kind: "unobserved"; reason: string };

export function handlerState(obj: ObjectView, info: ClassInfo | undefined): HandlerState {
  if (obj.handler?.shape === "unobserved") return { kind: "unobserved", reason: obj.handler.reason ?? "the agent cannot wrap its alarm handler" };
  if (obj.handler?.shape === "instance") return { kind: "observed" };
  // Agents before `alarmHandler` said nothing: assume the ordinary case, as they did.
  return info?.alarmHandler === "none" ? { kind: "none" } : { kind: "observed" };
}

/** The words a row adds for a state other than observed (empty when observed). */
export function handlerWords(state: HandlerState): string {
  switch (state.kind) {
    case "observed":
      return "";
    case "none":
      return "no alarm() handler";
    case "unobserved":
      return "alarm runs not observable";
  }
}

/** A sentence for a tooltip (empty when observed). */
export function handlerSentence(state: HandlerState, className: string): string {
  switch (state.kind) {
    case "observed":
      return "";
    case "none":
      return `${className} has no alarm() handler, so the runtime refuses setAlarm on it: Fire Now and Reschedule are not offered.`;
    case "unobserved":
      return `Alarm runs of this object are not observable: ${state.reason}. A run missing from this view may still have happened.`;
  }
}

/**
 * False when the agent said the class does not extend `DurableObject` (hello's `rpc: false`): the hub reaches an
 * object only by RPC, so no command can reach its objects. Older agents said nothing: assume reachable.
 */
export function reachable(info: ClassInfo | undefined): boolean {
  return info?.rpc !== false;
}

/** What a row and its hover say about a class its commands cannot reach. */
export const UNREACHABLE_WORDS = "commands unavailable: class does not extend DurableObject";
export function unreachableSentence(className: string): string {
  return `${className} does not extend DurableObject from "cloudflare:workers", so the inspector cannot reach its objects by RPC: Fire Now, Reschedule, Delete, Fail Next and Show Storage are not offered. Extend DurableObject to use them.`;
}
