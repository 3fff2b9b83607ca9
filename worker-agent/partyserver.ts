import type { ClassInfo } from "../protocol/protocol";
import type { ObjectProbe } from "./objectProbe";

/**
 * What the agent knows about partyserver (PartyKit's rooms as plain Durable Objects under `wrangler dev`), learned
 * from its published behaviour rather than by importing it: the user's Worker brings its own copy.
 *
 * - `Server.alarm()` runs `onStart()` if the room is not started yet and then `onAlarm()` with no arguments, so only
 *   the Durable Object's own `alarm(alarmInfo)` (the agent's wrapper) sees the runtime's `alarmInfo`.
 * - The room name is `ctx.id.name`; when that is missing (an alarm waking a room after a wrangler restart), partyserver
 *   reads the name it stored under `__ps_name`. `this.name` throws until then, so the agent never reads it.
 * - Routing maps `/parties/<kebab-case binding>/<room>` to the binding's namespace.
 */

/** The storage key partyserver keeps the room name under (read only, never written by the agent). */
export const PARTYSERVER_NAME_KEY = "__ps_name";

/** The methods only a partyserver `Server` has, all together. */
const SERVER_METHODS = ["onStart", "onAlarm", "onConnect", "onRequest", "getConnectionTags", "broadcast", "getConnections"];

/** True when `UserClass` extends partyserver's `Server` (directly or not). */
export function isPartyServer(UserClass: Function): boolean {
  const proto: unknown = UserClass.prototype;
  if (!proto || typeof proto !== "object") return false;
  return SERVER_METHODS.every((m) => typeof (proto as Record<string, unknown>)[m] === "function");
}

/**
 * True when the class's alarms reach the user as `onAlarm()`: the nearest `alarm` in its prototype chain is
 * partyserver's own, which calls `onAlarm`. A subclass that overrides `alarm()` (as the Agents SDK does) handles
 * alarms itself.
 */
export function usesOnAlarm(UserClass: Function): boolean {
  for (let proto: unknown = UserClass.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (!Object.hasOwn(proto as object, "alarm")) continue;
    const alarmSource = String((proto as { alarm: unknown }).alarm);
    return /\bonAlarm\s*\(/.test(alarmSource);
  }
  return false;
}

/** partyserver's own mapping from a binding name to the party in URLs (`ChatRoom` → `chat-room`, `MY_ROOM` → `my-room`). */
export function partyOfBinding(binding: string): string {
  if (binding === binding.toUpperCase() && binding !== binding.toLowerCase()) return binding.toLowerCase().replace(/_/g, "-");
  let kebab = binding.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  kebab = kebab.startsWith("-") ? kebab.slice(1) : kebab;
  return kebab.replace(/_/g, "-").replace(/-$/, "");
}

/** Marks a class's entry in `hello` as a party, with the handler its users write. */
export function describePartyClass(info: ClassInfo, UserClass: Function): void {
  info.party = partyOfBinding(info.binding);
  if (usesOnAlarm(UserClass)) info.alarmMethod = "onAlarm";
}

/**
 * Names a room woken without `ctx.id.name` from the name partyserver stored, by a plain read of the real storage
 * (nothing is written, and the user's code sees no extra call). A failed read leaves the room unnamed.
 */
export async function learnStoredRoomName(probe: ObjectProbe, storage: DurableObjectStorage): Promise<void> {
  if (probe.ref.name !== undefined) return;
  try {
    const stored: unknown = await storage.get(PARTYSERVER_NAME_KEY);
    if (typeof stored === "string") probe.learnName(stored);
  } catch {
    // The room's own start-up reads the same key and reports its own error; the inspector only loses the name.
  }
}
