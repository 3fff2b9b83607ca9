/**
 * Object references sent once per connection instead of in every event.
 *
 * Every event names its object (`{className, id, name?}`, a 64-digit id): about a third of an event's bytes, and more
 * than half of the agent's cost to serialize a frame (500 storage writes: 0.60 ms with the references, 0.26 ms with
 * numbers, in Node's V8). A client that connects with `?objects=indexed` gets each object's reference once, in the
 * `objects` field of the frame that first names it, and then only its number in the events' `object` field. The
 * client puts the references back before anything else reads the events (`ObjectTable.expand`), so everything past
 * the socket sees the events exactly as before. A client that does not ask gets the references in full, as always.
 *
 * Both sides are here, one per connection each: `ObjectIndexer` in the agent, `ObjectTable` in the client.
 */
import { isObjectRef } from "./protocol";
import type { IndexedEvent, IndexedEventsMessage, ObjectRef } from "./protocol";

/** The inspector URL's query parameter, and its value, by which a client asks for numbered objects. */
export const OBJECTS_PARAM = "objects";
export const OBJECTS_INDEXED = "indexed";

/**
 * Most objects numbered on one connection at a time. Before a frame that could pass it, the agent starts again from 0,
 * redefining each number as it uses it again, so that neither side's table grows with a long session's objects (each
 * wake of an object makes a new reference in the agent, so the count is of instances, not of objects).
 */
export const MAX_INDEXED_OBJECTS = 4096;

/** `url` with the query parameter that asks for numbered objects. */
export function withIndexedObjects(url: string): string {
  const u = new URL(url);
  u.searchParams.set(OBJECTS_PARAM, OBJECTS_INDEXED);
  return u.toString();
}

/** True when the inspector request asks for numbered objects. */
export function wantsIndexedObjects(url: string): boolean {
  return new URL(url).searchParams.get(OBJECTS_PARAM) === OBJECTS_INDEXED;
}

/** What `ObjectIndexer.encode` makes of a frame's events: an `IndexedEventsMessage` but for its type. */
export type IndexedFrame = Omit<IndexedEventsMessage, "type">;

/** The reference a number stands for, as it was sent: compared field by field before the number is used again. */
interface Sent {
  readonly number: number;
  readonly className: string;
  readonly id: string;
  readonly name: string | undefined;
}

/**
 * The agent's side, one per client. References are looked up by identity (the agent gives every event of one object
 * instance the same reference object, and makes a new one when it learns the object's name), and checked field by
 * field, so that a reference changed in place is sent again rather than trusted.
 */
export class ObjectIndexer {
  private readonly sent = new Map<ObjectRef, Sent>();
  private next = 0;

  /**
   * The events with their objects numbered, and the references the client has not had. `events` are not changed.
   * The references count as sent from here on: call `forget` when the frame could not be sent.
   */
  encode(events: readonly { readonly object: ObjectRef }[]): IndexedFrame {
    // Numbering starts again only between frames: the client takes a frame's definitions before its events, so a
    // number given anew within a frame would also change the events before it in the same frame.
    if (this.next + events.length > MAX_INDEXED_OBJECTS) this.forget();
    const out: IndexedEvent[] = new Array<IndexedEvent>(events.length);
    let objects: Record<string, ObjectRef> | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as { readonly object: ObjectRef };
      const ref = e.object;
      let s = this.sent.get(ref);
      if (s === undefined || s.className !== ref.className || s.id !== ref.id || s.name !== ref.name) {
        s = this.define(ref);
        (objects ??= {})[s.number] = s.name === undefined ? { className: s.className, id: s.id } : { className: s.className, id: s.id, name: s.name };
      }
      out[i] = { ...e, object: s.number };
    }
    return objects === undefined ? { events: out } : { events: out, objects };
  }

  /** Starts numbering again: every number used from now on is defined again in the frame that first uses it. */
  forget(): void {
    this.sent.clear();
    this.next = 0;
  }

  private define(ref: ObjectRef): Sent {
    const s: Sent = { number: this.next++, className: ref.className, id: ref.id, name: ref.name };
    this.sent.set(ref, s);
    return s;
  }
}

/**
 * The client's side, one per connection: puts the references back into the events of each frame. Events of one
 * object then share one reference object, which the model would otherwise find equal field by field.
 */
export class ObjectTable {
  private readonly refs = new Map<number, ObjectRef>();

  /**
   * Takes the frame's `objects`, then replaces every numbered `object` of its `events`, in place (the events were just
   * parsed, and nothing else holds them yet). Returns a sentence for a person when the frame could not be read in
   * full: an event whose number was never defined keeps it, and the model then ignores that event as malformed.
   */
  expand(frame: { readonly events: readonly unknown[]; readonly objects?: unknown }): string | undefined {
    let problem: string | undefined;
    const objects = frame.objects;
    if (objects !== undefined) {
      if (typeof objects !== "object" || objects === null || Array.isArray(objects)) {
        problem = "the agent sent an `objects` field that is not a map of numbers to object references";
      } else {
        for (const [key, ref] of Object.entries(objects as Record<string, unknown>)) {
          const n = Number(key);
          if (Number.isInteger(n) && n >= 0 && n < MAX_INDEXED_OBJECTS && isObjectRef(ref)) this.refs.set(n, ref);
          else problem ??= `the agent described object #${key.slice(0, 20)} in a form this extension cannot read`;
        }
      }
    }
    const events = frame.events;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (typeof e !== "object" || e === null) continue;
      const n = (e as { object?: unknown }).object;
      if (typeof n !== "number") continue;
      const ref = this.refs.get(n);
      if (ref !== undefined) (e as { object: ObjectRef }).object = ref;
      else problem ??= `the agent named object #${n} without describing it first; its events are ignored`;
    }
    return problem;
  }
}
