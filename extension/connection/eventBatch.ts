import type { WireEvent } from "../../protocol/protocol";

/** Most events handed to the model at once: a catch-up of thousands still leaves the extension host turns to breathe. */
export const MAX_BATCH_EVENTS = 1_000;

/**
 * Joins the events of frames that arrive together before the model sees them. The hub sends a frame per moment with
 * activity, often of one or two events; the model's work per call (change sets, the views' notification, retention)
 * is the same for one event as for a thousand, so frames that reach the extension host in one turn of its event loop
 * (a burst, a reconnect's replay, a host busy for a moment) go to the model as one call. A lone frame waits only until
 * the end of the current turn (`setImmediate`), well under a millisecond.
 */
export class EventBatch {
  private pending: WireEvent[] = [];
  private scheduled = false;

  constructor(
    private readonly deliver: (events: WireEvent[]) => void,
    private readonly schedule: (flush: () => void) => void = (f) => void setImmediate(f),
  ) {}

  add(events: readonly WireEvent[]): void {
    if (events.length === 0) return;
    for (let i = 0; i < events.length; i++) this.pending.push(events[i]!);
    if (this.pending.length >= MAX_BATCH_EVENTS) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Hands what is waiting to the model now (before a hello or a result, so the model sees events in order). */
  flush(): void {
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.deliver(events);
  }

  /** Forgets what is waiting (the connection is gone and its listeners with it). */
  clear(): void {
    this.pending = [];
  }
}
