/**
 * Read-only views shared by every example object.
 *
 * Each object exposes `alarmAt()` and `storageEntries()` over RPC so the router can answer
 * `GET /:kind/:name/alarm` and `GET /:kind/:name/storage` for any kind the same way. The logic lives here, as
 * plain functions, rather than in a common base class: every example class should extend `DurableObject`
 * directly, exactly as a user's class would, so the inspector is tested against the shape it meets in the wild.
 */

import type { PendingReminder } from "./objects/reminder";
import type { ScheduledEvent } from "./objects/scheduler";

/**
 * Every kind of value the example objects keep in key-value storage, spelled out. A closed union (rather than
 * `unknown`, or a recursive JSON type) is what the RPC typings can map without giving up: `unknown` is not
 * serializable as far as they know, and a self-referencing JSON type makes the compiler's stub mapping recurse
 * past its depth limit. Extend it when an example starts storing something new.
 */
export type StoredValue = string | number | string[] | PendingReminder | ScheduledEvent;

/** One `[key, value]` pair from the object's key-value storage, in key order. */
export type StorageEntry = [string, StoredValue];

/** The pending alarm as epoch milliseconds, or `null` when none is set. */
export function alarmAt(storage: DurableObjectStorage): Promise<number | null> {
  return storage.getAlarm();
}

/**
 * The whole key-value storage as an array of pairs. A `Map` would survive RPC too, but not `JSON.stringify`,
 * and the HTTP API promises JSON. The examples keep a handful of keys, so listing everything is fine here;
 * a real object with large storage would page with `start`/`limit`.
 */
export async function storageEntries(storage: DurableObjectStorage): Promise<StorageEntry[]> {
  const map = await storage.list<StoredValue>();
  return [...map.entries()];
}
