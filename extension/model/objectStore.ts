/**
 * Holds the objects and keeps memory bounded.
 *
 * What is dropped, and how it is counted:
 * - Per object, `history` keeps the newest `maxEventsPerObject` events; older ones are dropped first. Runs that began
 *   before the oldest kept event go with them, except the newest run (the status depends on it), from which only the
 *   dropped storage and alarm-call records are removed (counted in that attempt's `omittedEvents`).
 * - Across objects, when the histories together exceed `maxTotalEvents`, whole histories of the least recently active
 *   objects are dropped until the total is back under 90 % of the cap (the slack keeps this from running per event).
 * - Past `maxObjects`, the least recently active object is evicted, preferring one with no pending alarm, no running
 *   attempt and no retry awaited, because those are what the user is watching.
 * Every dropped event (including those of evicted objects) counts once in `droppedEvents`, and per object in its own
 * `droppedEvents`; evictions count in `evictedObjects`. Summaries (current alarm, counts, last wake) are never trimmed.
 */
import type { ObjectRef } from "../../protocol/protocol";
import { lastAttempt, newObjectEntry, objectKey, openAttempt } from "./objectEntry";
import type { ObjectEntry, StoredRecord } from "./objectEntry";
import { trimRuns } from "./runs";
import type { ObjectEvent, ObjectKey, StorageEvent } from "./types";

/** The model's memory bounds. */
export interface Bounds {
  readonly maxEventsPerObject: number;
  readonly maxObjects: number;
  readonly maxTotalEvents: number;
  readonly maxRecentStorage: number;
}

/** What `touch` did. */
export interface TouchResult {
  entry: ObjectEntry;
  created: boolean;
  /** Objects evicted to make room. */
  evicted: ObjectKey[];
}

/** The objects, in least-recently-active order, within `Bounds`. */
export class ObjectStore {
  // Map iteration follows insertion order: re-inserting on activity keeps the least recently active first.
  private readonly map = new Map<ObjectKey, ObjectEntry>();
  private nextOrdinal = 1;
  private total = 0;
  /** Events dropped to stay within the bounds. */
  droppedEvents = 0;
  /** Objects evicted to stay within `maxObjects`. */
  evictedObjects = 0;

  constructor(readonly bounds: Bounds) {}

  /** Objects kept. */
  get size(): number {
    return this.map.size;
  }

  /** Events held in all histories. */
  get totalEvents(): number {
    return this.total;
  }

  /** The object with this key, if kept. */
  get(key: ObjectKey): ObjectEntry | undefined {
    return this.map.get(key);
  }

  /** Least recently active first. */
  values(): IterableIterator<ObjectEntry> {
    return this.map.values();
  }

  /**
   * Finds or creates the object. `bump` marks it most recently active (live events do; a re-read of persisted state
   * does not, or it would shield quiet objects from eviction).
   */
  touch(worker: string, ref: ObjectRef, options: { seenLive: boolean; bump: boolean }): TouchResult {
    const key = objectKey(worker, ref.className, ref.id);
    const existing = this.map.get(key);
    if (existing) {
      if (options.bump) {
        this.map.delete(key);
        this.map.set(key, existing);
      }
      if (ref.name !== undefined && existing.ref.name === undefined) existing.ref = { ...existing.ref, name: ref.name };
      return { entry: existing, created: false, evicted: [] };
    }
    const evicted = this.evictDownTo(this.bounds.maxObjects - 1);
    const entry = newObjectEntry(worker, ref, options.seenLive);
    this.map.set(key, entry);
    return { entry, created: true, evicted };
  }

  /** Inserts an object restored from an export, as the most recently active. */
  insert(entry: ObjectEntry): void {
    this.remove(entry.key);
    this.map.set(entry.key, entry);
    this.total += entry.history.length;
  }

  /** The next arrival number, for records built outside `record` (imports). */
  takeOrdinal(): number {
    return this.nextOrdinal++;
  }

  /** Evicts objects until at most `count` remain; returns their keys. */
  evictDownTo(count: number): ObjectKey[] {
    const evicted: ObjectKey[] = [];
    while (this.map.size > Math.max(0, count)) {
      const victim = this.pickVictim();
      this.remove(victim.key);
      this.evictedObjects++;
      evicted.push(victim.key);
    }
    return evicted;
  }

  private pickVictim(): ObjectEntry {
    let first: ObjectEntry | undefined;
    for (const e of this.map.values()) {
      first ??= e;
      if (isQuiet(e)) return e;
    }
    // Unreachable: callers only evict from a non-empty map.
    if (!first) throw new Error("no object to evict");
    return first;
  }

  /** Removes an object; its kept events count as dropped. */
  remove(key: ObjectKey): boolean {
    const e = this.map.get(key);
    if (!e) return false;
    this.droppedEvents += e.history.length;
    this.total -= e.history.length;
    this.map.delete(key);
    return true;
  }

  /** Appends an event to the object's history. Call `trim` once the record has been attributed. */
  record<E extends ObjectEvent>(entry: ObjectEntry, session: string, event: E): StoredRecord<E> {
    const rec: StoredRecord<E> = { session, event, ordinal: this.nextOrdinal++ };
    entry.history.push(rec);
    this.total++;
    return rec;
  }

  /** Adds a storage record to the object's recent list, newest last, bounded by `maxRecentStorage`. */
  addRecentStorage(entry: ObjectEntry, rec: StoredRecord<StorageEvent>): void {
    entry.recentStorage.push(rec);
    const excess = entry.recentStorage.length - this.bounds.maxRecentStorage;
    if (excess > 0) entry.recentStorage.splice(0, excess);
  }

  /** Drops the object's oldest events beyond `maxEventsPerObject` (or `keep`, when given). */
  trim(entry: ObjectEntry, keep: number = this.bounds.maxEventsPerObject): void {
    const excess = entry.history.length - Math.max(0, keep);
    if (excess <= 0) return;
    entry.history.splice(0, excess);
    entry.droppedEvents += excess;
    this.droppedEvents += excess;
    this.total -= excess;
    const minOrdinal = entry.history[0]?.ordinal ?? this.nextOrdinal;
    // Recent storage must stay a subset of history, so that an export can refer to it by position.
    entry.recentStorage = entry.recentStorage.filter((r) => r.ordinal >= minOrdinal);
    trimRuns(entry, minOrdinal);
  }

  /** Applies `maxTotalEvents`; returns the objects whose history was dropped. */
  enforceTotal(): ObjectKey[] {
    if (this.total <= this.bounds.maxTotalEvents) return [];
    const target = Math.floor(this.bounds.maxTotalEvents * 0.9);
    const changed: ObjectKey[] = [];
    for (const e of this.map.values()) {
      if (this.total <= target) break;
      if (e.history.length === 0) continue;
      this.trim(e, 0);
      changed.push(e.key);
    }
    return changed;
  }

  /** Forgets every object and resets the counters. */
  clear(): void {
    this.map.clear();
    this.total = 0;
    this.droppedEvents = 0;
    this.evictedObjects = 0;
  }
}

/** Nothing pending, running or awaited: the object can go without the user losing sight of an alarm. */
function isQuiet(e: ObjectEntry): boolean {
  if (e.currentAlarm.scheduledTime !== null || openAttempt(e)) return false;
  const a = lastAttempt(e);
  return !(a?.outcome === "error" && (a.retry?.willRetry === "yes" || a.retry?.willRetry === "maybe"));
}
