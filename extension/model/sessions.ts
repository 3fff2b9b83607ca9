/**
 * Agent sessions and de-duplication. A session is one Worker isolate: `seq` numbers restart with each, so an event is
 * identified by (session, seq), and the same seq in two sessions are two different events.
 */
import type { ClassInfo, HelloMessage } from "../../protocol/protocol";
import type { SessionInfo } from "./types";

/**
 * The seqs seen in one session, in bounded memory. After a reconnection the agent replays its buffer, so repeats are
 * at most `bufferSize` behind the newest seq: older seqs are folded into `floor` ("everything up to here was seen").
 */
class SeqWindow {
  private floor = Number.NEGATIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly seen = new Set<number>();

  constructor(private readonly capacity: number) {}

  /** Records `seq`; false when it was seen already. */
  add(seq: number): boolean {
    if (seq <= this.floor || this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (seq > this.max) this.max = seq;
    // Prune with slack (at twice the capacity) so that the O(n) sweep runs once per `capacity` events, not each one.
    if (this.seen.size > 2 * this.capacity) {
      this.floor = this.max - this.capacity;
      for (const s of this.seen) if (s <= this.floor) this.seen.delete(s);
    }
    return true;
  }

  /** Folds everything seen into the floor: for a session that has ended (or was imported), nothing newer is missing. */
  seal(): void {
    this.floor = Math.max(this.floor, this.max);
    this.seen.clear();
  }
}

/**
 * The agent can replay at most its buffer; keep a margin in case a reconnection overlaps two replays. A missing or
 * absurd `bufferSize` from the wire must not make the window unbounded (NaN would disable pruning).
 */
function windowFor(bufferSize: number): number {
  return Number.isFinite(bufferSize) ? Math.min(Math.max(1024, 2 * Math.floor(bufferSize)), 1_000_000) : 1024;
}

interface SessionSlot {
  info: SessionInfo;
  window: SeqWindow;
}

/** Result of a `hello`. */
export interface HelloOutcome {
  session: SessionInfo;
  /** True for a session not seen before (first connection, or the Worker reloaded). */
  isNew: boolean;
  /** Earlier sessions of the same worker, which this one replaces: their unfinished attempts were interrupted. */
  ended: ReadonlySet<string>;
}

/** Every session seen, the current one, and the classes each worker last declared. */
export class SessionRegistry {
  private readonly slots = new Map<string, SessionSlot>();
  private readonly declared = new Map<string, readonly ClassInfo[]>();
  private currentId: string | null = null;

  /** The session events are attributed to by default: the one of the newest `hello`. */
  get current(): SessionInfo | null {
    return this.currentId === null ? null : (this.slots.get(this.currentId)?.info ?? null);
  }

  /** Registers a `hello` received at `at` (extension clock) and makes its session current. */
  applyHello(hello: HelloMessage, at: number): HelloOutcome {
    const id = `${hello.worker}@${hello.sessionStartedAt}`;
    const existing = this.slots.get(id);
    const info: SessionInfo = {
      id,
      worker: hello.worker,
      sessionStartedAt: hello.sessionStartedAt,
      agentVersion: hello.agentVersion,
      protocol: hello.protocol,
      bufferSize: hello.bufferSize,
      firstHelloAt: existing?.info.firstHelloAt ?? at,
      lastHelloAt: at,
    };
    const ended = new Set<string>();
    if (existing) {
      existing.info = info;
    } else {
      for (const slot of this.slots.values()) {
        if (slot.info.worker === hello.worker) {
          ended.add(slot.info.id);
          slot.window.seal();
        }
      }
      this.slots.set(id, { info, window: new SeqWindow(windowFor(hello.bufferSize)) });
    }
    this.declared.set(hello.worker, hello.classes.map((c) => ({ ...c })));
    this.currentId = id;
    return { session: info, isNew: !existing, ended };
  }

  /** The session with this id, if seen. */
  get(id: string): SessionInfo | undefined {
    return this.slots.get(id)?.info;
  }

  /** Records (session, seq); false when the event was seen already. */
  markSeen(sessionId: string, seq: number): boolean {
    return this.slots.get(sessionId)?.window.add(seq) ?? true;
  }

  /** Sessions oldest first. */
  all(): SessionInfo[] {
    return [...this.slots.values()].map((s) => s.info).sort((a, b) => a.sessionStartedAt - b.sessionStartedAt || a.id.localeCompare(b.id));
  }

  /** The classes the worker's newest `hello` declared. */
  declaredClasses(worker: string): readonly ClassInfo[] {
    return this.declared.get(worker) ?? [];
  }

  /** Workers that sent a `hello` or were imported. */
  workers(): string[] {
    return [...this.declared.keys()];
  }

  /**
   * Restores sessions from an export. `seen` lists the (session, seq) pairs of the imported history, so that an agent
   * still running the same session does not make them count twice when it replays its buffer.
   */
  restore(sessions: readonly SessionInfo[], classes: ReadonlyMap<string, readonly ClassInfo[]>, seen: Iterable<readonly [string, number]>): void {
    for (const info of sessions) this.slots.set(info.id, { info, window: new SeqWindow(windowFor(info.bufferSize)) });
    for (const [worker, list] of classes) this.declared.set(worker, list);
    for (const [session, seq] of seen) this.slots.get(session)?.window.add(seq);
    for (const slot of this.slots.values()) slot.window.seal();
  }
}
