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
import { anyBefore, lastAttempt, newObjectEntry, openAttempt } from "./objectEntry";
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
  evicted: readonly ObjectKey[];
}

/** Shared by every `touch` that evicted nothing (nearly all of them), so that the common case allocates no array. */
const NONE: readonly ObjectKey[] = Object.freeze([]);
const NO_ENTRIES: readonly ObjectEntry[] = Object.freeze([]);

/** The store's bookkeeping for one object. Kept apart from the entry, which views see. */
interface Slot {
  readonly entry: ObjectEntry;
  /** When the object was last active, as a count of activity in the store: larger is more recent. */
  stamp: number;
  /** Removed from the store (and still in `order` until the next `settle`). */
  removed: boolean;
  /** The next object of the same worker whose id has the same fingerprint (see `fingerprint`). */
  nextInBucket: Slot | null;
}

/** The objects, in least-recently-active order, within `Bounds`. */
export class ObjectStore {
  private readonly byKey = new Map<ObjectKey, Slot>();
  /**
   * The same slots by worker, then by the fingerprint of their id (slots sharing one chained by `nextInBucket`).
   * Every event names its object by worker, class and id, in fresh strings: a Map keyed by the joined key, or by the
   * id, hashes all of its characters for every event, which was the largest part of the cost of finding the object.
   */
  private readonly byId = new Map<string, Map<number, Slot>>();
  /** The last worker looked up, and its ids: the events of one batch all come from one worker. */
  private lastWorker: string | null = null;
  private lastIds: Map<number, Slot> | undefined;
  /**
   * Recency: each event stamps its object, and `order` is sorted by stamp only when someone asks for the order
   * (`values`, eviction, `maxTotalEvents`), which is rare next to events. Keeping a list in order at every event
   * (re-inserting into a Map, or relinking a list) cost each event writes to two other objects' state.
   */
  private order: Slot[] = [];
  /** False when a stamp changed since `order` was sorted. */
  private sorted = true;
  /** `order[0, orderStart)` are removed slots: eviction takes from the front, and this steps over what it took. */
  private orderStart = 0;
  /** Slots removed since `order` was last rebuilt (some may be before `orderStart`). */
  private removedInOrder = 0;
  private clock = 0;
  private nextOrdinal = 1;
  private total = 0;
  /** Events dropped to stay within the bounds. */
  droppedEvents = 0;
  /** Objects evicted to stay within `maxObjects`. */
  evictedObjects = 0;
  /**
   * Objects that learned their name from a later event (counted, never reset): a name moves the object within its
   * class (objects sort by name) and changes its label, so the model reports it as a structural change.
   */
  namesLearned = 0;

  constructor(readonly bounds: Bounds) {}

  /** Objects kept. */
  get size(): number {
    return this.byKey.size;
  }

  /** Events held in all histories. */
  get totalEvents(): number {
    return this.total;
  }

  /** The object with this key, if kept. */
  get(key: ObjectKey): ObjectEntry | undefined {
    return this.byKey.get(key)?.entry;
  }

  /** Least recently active first. Removing objects while iterating is safe (removed ones are skipped). */
  *values(): IterableIterator<ObjectEntry> {
    const order = this.settle();
    for (let i = this.orderStart; i < order.length; i++) {
      const slot = order[i] as Slot;
      if (!slot.removed) yield slot.entry;
    }
  }

  /**
   * The kept object `ref` of `worker`, marked most recently active, as `touch` with `bump` does; undefined when it is
   * not kept (create it with `touch`). Live events come here first: finding an object allocates nothing.
   */
  activate(worker: string, ref: ObjectRef): ObjectEntry | undefined {
    const slot = this.find(worker, ref);
    if (!slot) return undefined;
    this.bump(slot, ref);
    return slot.entry;
  }

  /**
   * Finds or creates the object. `bump` marks it most recently active (live events do; a re-read of persisted state
   * does not, or it would shield quiet objects from eviction).
   */
  touch(worker: string, ref: ObjectRef, options: { seenLive: boolean; bump: boolean }): TouchResult {
    const existing = this.find(worker, ref);
    if (existing) {
      if (options.bump) this.bump(existing, ref);
      else this.learnName(existing.entry, ref);
      return { entry: existing.entry, created: false, evicted: NONE };
    }
    const evicted = this.evictDownTo(this.bounds.maxObjects - 1);
    const entry = newObjectEntry(worker, ref, options.seenLive);
    this.add(entry);
    return { entry, created: true, evicted: evicted.length > 0 ? evicted : NONE };
  }

  /** Inserts an object restored from an export, as the most recently active. */
  insert(entry: ObjectEntry): void {
    this.remove(entry.key);
    this.add(entry);
    this.total += entry.history.length;
  }

  /** The next arrival number, for records built outside `record` (imports). */
  takeOrdinal(): number {
    return this.nextOrdinal++;
  }

  /** Evicts objects until at most `count` remain; returns their keys. */
  evictDownTo(count: number): ObjectKey[] {
    const evicted: ObjectKey[] = [];
    while (this.byKey.size > Math.max(0, count)) {
      const victim = this.pickVictim();
      this.remove(victim.key);
      this.evictedObjects++;
      evicted.push(victim.key);
    }
    return evicted;
  }

  private pickVictim(): ObjectEntry {
    let first: ObjectEntry | undefined;
    const order = this.settle();
    for (let i = this.orderStart; i < order.length; i++) {
      const slot = order[i] as Slot;
      if (slot.removed) continue;
      first ??= slot.entry;
      if (isQuiet(slot.entry)) return slot.entry;
    }
    // Unreachable: callers only evict from a non-empty store.
    if (!first) throw new Error("no object to evict");
    return first;
  }

  /** Removes an object; its kept events count as dropped. */
  remove(key: ObjectKey): boolean {
    const slot = this.byKey.get(key);
    if (!slot) return false;
    const e = slot.entry;
    this.droppedEvents += e.history.length;
    this.total -= e.history.length;
    this.byKey.delete(key);
    const ids = this.byId.get(e.worker);
    const print = fingerprint(e.ref.id);
    const first = ids?.get(print);
    if (ids && first === slot) {
      if (slot.nextInBucket) ids.set(print, slot.nextInBucket);
      else ids.delete(print);
      if (ids.size === 0) {
        // An empty map goes too, so that a long session of short-lived workers leaves nothing behind.
        this.byId.delete(e.worker);
        if (this.lastWorker === e.worker) this.lastWorker = null;
      }
    } else {
      for (let s = first ?? null; s; s = s.nextInBucket) {
        if (s.nextInBucket === slot) {
          s.nextInBucket = slot.nextInBucket;
          break;
        }
      }
    }
    slot.nextInBucket = null;
    slot.removed = true;
    // A removed slot still holds its entry: clean up before they add up to much (O(1) amortized per removal).
    if (++this.removedInOrder > 16 + this.order.length / 8) this.dropRemoved();
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
    // One at a time, as it usually is: shift() moves the array's start, where splice() also builds an array of what it removes.
    if (excess === 1) entry.recentStorage.shift();
    else if (excess > 0) entry.recentStorage.splice(0, excess);
  }

  /** Drops the object's oldest events beyond `maxEventsPerObject` (or `keep`, when given). */
  trim(entry: ObjectEntry, keep: number = this.bounds.maxEventsPerObject): void {
    const excess = entry.history.length - Math.max(0, keep);
    if (excess <= 0) return;
    entry.droppedEvents += excess;
    this.droppedEvents += excess;
    this.total -= excess;
    if (excess === 1) {
      // The usual case for an object at its bound: one event at a time. shift() moves the array's start, where
      // splice() also builds an array of what it removes.
      const gone = entry.history.shift() as StoredRecord;
      // Recent storage and the attempts' lists hold storage writes and alarm calls, each also in history: the one
      // record gone is the only one they can hold that went, and only if it is one of those (which it checks by
      // identity, without reading each record they hold).
      const minOrdinal = entry.history[0]?.ordinal ?? this.nextOrdinal;
      if (isListed(gone.event)) {
        if (entry.recentStorage.includes(gone as StoredRecord<StorageEvent>)) entry.recentStorage = entry.recentStorage.filter((r) => r !== gone);
        trimRuns(entry, minOrdinal, gone);
      } else {
        trimRuns(entry, minOrdinal, null);
      }
      return;
    }
    entry.history.splice(0, excess);
    if (entry.history.length === 0) {
      // All of it (`maxTotalEvents` drops whole histories): the lists lose everything, without reading each record.
      if (entry.recentStorage.length > 0) entry.recentStorage = [];
      trimRuns(entry, this.nextOrdinal, "all");
      return;
    }
    const minOrdinal = (entry.history[0] as StoredRecord).ordinal;
    // Recent storage must stay a subset of history, so that an export can refer to it by position.
    if (anyBefore(entry.recentStorage, minOrdinal)) entry.recentStorage = entry.recentStorage.filter((r) => r.ordinal >= minOrdinal);
    trimRuns(entry, minOrdinal);
  }

  /** Applies `maxTotalEvents`; returns the objects whose history was dropped. */
  enforceTotal(): readonly ObjectEntry[] {
    // Called after every batch: the common answer allocates nothing.
    if (this.total <= this.bounds.maxTotalEvents) return NO_ENTRIES;
    const target = Math.floor(this.bounds.maxTotalEvents * 0.9);
    const changed: ObjectEntry[] = [];
    const order = this.settle();
    for (let i = this.orderStart; i < order.length; i++) {
      const slot = order[i] as Slot;
      if (this.total <= target) break;
      const e = slot.entry;
      if (slot.removed || e.history.length === 0) continue;
      this.trim(e, 0);
      changed.push(e);
    }
    return changed;
  }

  /** Forgets every object and resets the counters. */
  clear(): void {
    this.byKey.clear();
    this.byId.clear();
    this.lastWorker = null;
    this.order = [];
    this.orderStart = 0;
    this.sorted = true;
    this.removedInOrder = 0;
    this.total = 0;
    this.droppedEvents = 0;
    this.evictedObjects = 0;
  }

  /** Marks the object most recently active, and learns its name from `ref` when it had none. */
  private bump(slot: Slot, ref: ObjectRef): void {
    if (slot.stamp !== this.clock) {
      slot.stamp = ++this.clock;
      this.sorted = false;
    }
    this.learnName(slot.entry, ref);
  }

  private learnName(entry: ObjectEntry, ref: ObjectRef): void {
    if (ref.name !== undefined && entry.ref.name === undefined) {
      entry.ref = { ...entry.ref, name: ref.name };
      this.namesLearned++;
    }
  }

  /** The slot of the object `ref` of `worker`, if kept. */
  private find(worker: string, ref: ObjectRef): Slot | undefined {
    if (worker !== this.lastWorker) {
      this.lastWorker = worker;
      this.lastIds = this.byId.get(worker);
    }
    const id = ref.id;
    const className = ref.className;
    for (let slot = this.lastIds?.get(fingerprint(id)); slot; slot = slot.nextInBucket ?? undefined) {
      const own = slot.entry.ref;
      if (own.id === id && own.className === className) return slot;
    }
    return undefined;
  }

  /** Indexes a new entry (its key must be free) as the most recently active. */
  private add(entry: ObjectEntry): void {
    let ids = this.byId.get(entry.worker);
    if (!ids) {
      this.byId.set(entry.worker, (ids = new Map()));
      if (this.lastWorker === entry.worker) this.lastIds = ids;
    }
    const print = fingerprint(entry.ref.id);
    // The newest stamp: appending keeps `order` sorted.
    const slot: Slot = { entry, stamp: ++this.clock, removed: false, nextInBucket: ids.get(print) ?? null };
    this.byKey.set(entry.key, slot);
    ids.set(print, slot);
    this.order.push(slot);
  }

  /**
   * `order`, least recently active first, from `orderStart`. It may still hold removed slots, which callers skip. The
   * array returned is not changed afterwards except by appending new objects, so callers may iterate it while the
   * store changes.
   */
  private settle(): readonly Slot[] {
    // Rebuilding and sorting make a new array, so that an iteration in progress goes on over the old one.
    if (this.removedInOrder > 16 + this.order.length / 8) this.dropRemoved();
    if (!this.sorted) {
      this.order = this.order.slice(this.orderStart).sort((a, b) => a.stamp - b.stamp);
      this.orderStart = 0;
      this.sorted = true;
    }
    while (this.orderStart < this.order.length && (this.order[this.orderStart] as Slot).removed) this.orderStart++;
    return this.order;
  }

  private dropRemoved(): void {
    this.order = this.order.filter((slot) => !slot.removed);
    this.orderStart = 0;
    this.removedInOrder = 0;
  }
}

/** Nothing pending, running or awaited: the object can go without the user losing sight of an alarm. */
function isQuiet(e: ObjectEntry): boolean {
  if (e.currentAlarm.scheduledTime !== null || openAttempt(e)) return false;
  const a = lastAttempt(e);
  return !(a?.outcome === "error" && (a.retry?.willRetry === "yes" || a.retry?.willRetry === "maybe"));
}

/** True for the events that recent storage and attempts list: storage writes and alarm calls. */
function isListed(e: ObjectEvent): boolean {
  const kind = e.kind;
  return kind !== "object.start" && kind !== "alarm.start" && kind !== "alarm.end";
}

/**
 * A small number from some of the characters of `id`: the first and last eight, and every seventh between (all of a
 * short id). Durable Object ids are 64 random hex digits, so these tell objects apart; ids equal at all of them share
 * a bucket, and are told apart by their whole id. Reading a third of the characters costs less than hashing them all,
 * which a Map keyed by the id would do for every event (its string is new each time).
 */
export function fingerprint(id: string): number {
  const n = id.length;
  let h = n;
  if (n <= 24) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 8; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    // An odd stride, so that ids made of a repeated pattern still differ here.
    for (let i = 11; i < n - 8; i += 7) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    for (let i = n - 8; i < n; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  }
  // Small enough to be stored unboxed as a Map key.
  return h & 0x3fffffff;
}
