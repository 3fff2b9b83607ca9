/**
 * Shares what repeats between the events the model keeps.
 *
 * Events come off the socket as fresh objects, and the model keeps the newest of them (100 000 by default). Much of
 * each is the same from one event to the next: the object's identity (a 64-character id, a class name, often a name)
 * and, for every user call, a call site of several stack frames. Kept as they arrive, these copies were most of the
 * model's memory, and most of what the garbage collector copied (every kept event survives a young collection, and is
 * copied twice on its way to the old generation). Replacing each by an equal value already held costs a lookup
 * and leaves the copy to die young.
 *
 * Only values are shared, never identity that anything relies on: an event after sharing is deeply equal to what it
 * was. The parts shared are read-only for everyone (views get the model's state read-only).
 */
import { EVENT_KINDS } from "../../protocol/protocol";
import type { AgentEvent, AlarmEndEvent, CallSite, ObjectRef, StorageSqlEvent } from "../../protocol/protocol";
import type { AlarmCallEvent, ObjectEvent, StorageEvent } from "./types";

/**
 * Texts longer than this are not shared: a call site of 8 frames is shorter, and the bound keeps what is remembered
 * small (at most PER_LENGTH texts of each length: some MB in the worst case, far less in practice).
 */
const MAX_SHARED_LENGTH = 2048;
/** Texts remembered per length: most repeated texts have a length of their own, and a miss costs this many compares. */
const PER_LENGTH = 4;

/**
 * Texts (or things named by a text) found by length, then by comparing content. Hashing a long text to look it up in
 * a `Map` reads all of it; comparing it with the few remembered texts of its length usually stops at the first
 * character that differs, or finds it equal.
 */
class TextTable<T> {
  private readonly byLength: (T[] | undefined)[] = [];

  constructor(private readonly textOf: (value: T) => string) {}

  /** The remembered value whose text equals `text`, if any; otherwise remembers `value` (whose text is `text`). */
  intern(text: string, value: T): T {
    const n = text.length;
    if (n > MAX_SHARED_LENGTH) return value;
    let list = this.byLength[n];
    if (!list) this.byLength[n] = list = [];
    for (let i = 0; i < list.length; i++) {
      const known = list[i] as T;
      if (this.textOf(known) === text) return known;
    }
    // Newest first: a text seen once recently is likelier to come again than one remembered long ago.
    if (list.length >= PER_LENGTH) list.pop();
    list.unshift(value);
    return value;
  }
}

/**
 * The event kinds, as this module's own strings. `JSON.parse` gives each event a fresh `kind` string when it is
 * longer than a few characters ("storage.put", "alarm.start"): every comparison with a kind then compares characters.
 * Once `kind` is one of these, comparing it with a literal is comparing two pointers, and nothing is kept per event.
 */
const KINDS_BY_LENGTH: ReadonlyMap<number, readonly AgentEvent["kind"][]> = (() => {
  const m = new Map<number, AgentEvent["kind"][]>();
  for (const kind of EVENT_KINDS) m.set(kind.length, [...(m.get(kind.length) ?? []), kind]);
  return m;
})();

/** Equal values for repeated parts of events. */
export class EventSharing {
  private readonly callSites = new TextTable<CallSite>((site) => site.stack);
  private readonly texts = new TextTable<string>((text) => text);

  /**
   * Replaces `event.kind` by the equal constant, when it is a known kind. Takes what came off the socket, before it
   * is checked, so that the check compares kinds as constants too.
   */
  kind(event: unknown): void {
    if (typeof event !== "object" || event === null) return;
    const kind: unknown = (event as { kind?: unknown }).kind;
    if (typeof kind !== "string") return;
    const candidates = KINDS_BY_LENGTH.get(kind.length);
    if (!candidates) return;
    for (const k of candidates) {
      if (k === kind) {
        // Equal strings: the assignment changes which copy is referenced, not the value.
        (event as { kind: string }).kind = k;
        return;
      }
    }
  }

  /**
   * Replaces parts of `event` (of kind `kind`) by equal ones already held: its `object` by the ref of `entry` (the
   * object the store found for it, by class and id) when the names agree too, its call site, SQL text and error
   * stack by ones seen before.
   */
  share(event: ObjectEvent, kind: ObjectEvent["kind"], entry: { readonly ref: ObjectRef }): void {
    const object = event.object;
    const ref = entry.ref;
    if (object !== ref && sameName(object, ref)) event.object = ref;
    switch (kind) {
      case "storage.sql": {
        const e = event as StorageSqlEvent;
        e.query = this.texts.intern(e.query, e.query);
        this.shareCallSite(e);
        break;
      }
      case "storage.put":
      case "storage.delete":
      case "storage.deleteAll":
      case "alarm.set":
      case "alarm.delete":
        this.shareCallSite(event as StorageEvent | AlarmCallEvent);
        break;
      case "alarm.end": {
        const error = (event as AlarmEndEvent).error;
        if (error?.stack !== undefined) error.stack = this.texts.intern(error.stack, error.stack);
        break;
      }
    }
  }

  private shareCallSite(event: { callSite?: CallSite }): void {
    const site = event.callSite;
    // Only a plain `{ stack }` can stand for another: anything more (a newer agent's extra field) is kept as sent.
    if (site !== undefined && onlyStack(site)) event.callSite = this.callSites.intern(site.stack, site);
  }
}

/**
 * Refs of one object (same class and id) that are equal: the same name, or none on both sides (an absent name and an
 * explicit `undefined` differ to deep equality).
 */
function sameName(a: ObjectRef, b: ObjectRef): boolean {
  return a.name === b.name && (a.name !== undefined || ("name" in a) === ("name" in b)) && onlyRefFields(a);
}

/** True when `ref` has nothing but the fields of an `ObjectRef` (a newer agent's extra field is kept as sent). */
function onlyRefFields(ref: ObjectRef): boolean {
  for (const key in ref) if (key !== "className" && key !== "id" && key !== "name") return false;
  return true;
}

/** True for an object whose one enumerable property is `stack`. */
function onlyStack(site: CallSite): boolean {
  let n = 0;
  for (const key in site) if (key !== "stack" || ++n > 1) return false;
  return n === 1;
}
