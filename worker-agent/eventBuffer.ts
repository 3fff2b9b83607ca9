import type { AgentEvent, DroppedEvent, UnsequencedEvent } from "../protocol/protocol";

/**
 * A fixed-capacity ring of events, shared by every object of one Worker isolate (workerd runs a Worker's Durable
 * Objects in the Worker's own isolate, so module state is common to them and to the hub).
 *
 * Memory is bounded: when full, the oldest event is overwritten. Readers keep a cursor (the last `seq` they saw);
 * a reader that fell behind the oldest retained event gets a `dropped` marker counting what it missed, so loss is
 * always visible, never silent.
 */
export class EventBuffer {
  private readonly ring: (AgentEvent | undefined)[];
  private nextSeq = 1;
  /** Bumped on every record; the hub compares it with what it last sent to learn there is something new. */
  version = 0;
  /** Resolvers of `changedSince` promises, settled (and forgotten) by the next record. */
  private waiters: (() => void)[] = [];

  constructor(readonly capacity: number) {
    this.ring = new Array<AgentEvent | undefined>(capacity);
  }

  /** Numbers and stores an event. Never throws. */
  record(event: UnsequencedEvent): void {
    const seq = this.nextSeq++;
    this.ring[seq % this.capacity] = { ...event, seq } as AgentEvent;
    this.version++;
    if (this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Resolves once the buffer holds something recorded after `version` (at once if it already does).
   *
   * This is how the hub hears of an event without polling and without the object calling it: the promise is
   * created in the hub's request, and workerd (`handle_cross_request_promise_resolution`, the default since
   * compatibility date 2024-10-14) runs its continuation back in that request when an object settles it from its
   * own. The object pays one function call; it makes no call to the hub and holds nothing of it.
   */
  changedSince(version: number): Promise<void> {
    if (this.version !== version) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The sequence number the next event will get; a reader starting now uses `lastSeq` as its cursor. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** The oldest sequence number still held. */
  get oldestSeq(): number {
    return Math.max(1, this.nextSeq - this.capacity);
  }

  /**
   * Events after `cursor`, at most `limit` of them, preceded by a `dropped` marker when some were overwritten
   * before this reader saw them. Returns the new cursor.
   */
  readSince(cursor: number, limit: number, now: number): { events: AgentEvent[]; cursor: number } {
    const events: AgentEvent[] = [];
    let from = cursor + 1;
    if (from < this.oldestSeq) {
      const marker: DroppedEvent = {
        kind: "dropped",
        seq: this.oldestSeq - 1,
        at: now,
        count: this.oldestSeq - from,
        object: { className: "", id: "" },
      };
      events.push(marker);
      from = this.oldestSeq;
    }
    let seq = from;
    for (; seq <= this.lastSeq && events.length < limit; seq++) {
      const e = this.ring[seq % this.capacity];
      if (e && e.seq === seq) events.push(e);
    }
    return { events, cursor: seq - 1 };
  }
}
