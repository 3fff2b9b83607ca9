/**
 * Agent sessions and de-duplication. A session is one Worker isolate: `seq` numbers restart with each, so an event is
 * identified by (session, seq), and the same seq in two sessions are two different events.
 */
import type { ClassInfo, HelloMessage } from "../../protocol/protocol";
import type { SessionInfo } from "./types";

/**
 * The seqs seen in one session, in bounded memory. After a reconnection the agent replays its buffer, so repeats are
 * at most `bufferSize` behind the newest seq.
 *
 * Seqs arrive in order, with a gap where the agent dropped events: what was seen is a few runs of consecutive numbers,
 * kept as ranges. An event in order only extends the last range (no hashing, no allocation), a replayed one is found
 * by binary search. Only a stream with gaps everywhere makes many ranges; past `capacity` of them the oldest are
 * folded into `floor` ("everything up to here counts as seen"), as far behind the newest seq as a replay can reach.
 */
class SeqWindow {
  private floor = Number.NEGATIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  /** Seen integer seqs above `floor`: sorted, disjoint, non-adjacent ranges, flattened as lo0, hi0, lo1, hi1, … */
  private ranges: number[] = [];
  /** Seen seqs that are not integers, which ranges cannot hold (the agent sends none; a malformed frame might). */
  private readonly odd = new Set<number>();

  constructor(private readonly capacity: number) {}

  /** Records `seq`; false when it was seen already. */
  add(seq: number): boolean {
    if (seq <= this.floor) return false;
    if (!Number.isSafeInteger(seq)) {
      if (this.odd.has(seq)) return false;
      this.odd.add(seq);
      this.saw(seq);
      return true;
    }
    const r = this.ranges;
    const last = r.length - 1;
    const hi = last > 0 ? (r[last] as number) : Number.NEGATIVE_INFINITY;
    if (seq === hi + 1) {
      // In order: the common case extends the last range, and makes no new one that could need pruning.
      r[last] = seq;
      if (seq > this.max) this.max = seq;
      return true;
    }
    if (seq > hi) r.push(seq, seq);
    else if (!this.insert(seq)) return false;
    this.saw(seq);
    return true;
  }

  /** Folds everything seen into the floor: for a session that has ended (or was imported), nothing newer is missing. */
  seal(): void {
    this.floor = Math.max(this.floor, this.max);
    this.ranges = [];
    this.odd.clear();
  }

  /** Adds a seq below the newest range's end; false when a range already holds it. */
  private insert(seq: number): boolean {
    const r = this.ranges;
    // The first range whose end is at or after seq (one exists: the last range ends after it).
    let a = 0;
    let b = r.length / 2 - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if ((r[2 * mid + 1] as number) < seq) a = mid + 1;
      else b = mid;
    }
    const lo = r[2 * a] as number;
    if (lo <= seq) return false;
    const joinsPrevious = a > 0 && r[2 * a - 1] === seq - 1;
    const joinsNext = lo === seq + 1;
    if (joinsPrevious && joinsNext) r.splice(2 * a - 1, 2);
    else if (joinsPrevious) r[2 * a - 1] = seq;
    else if (joinsNext) r[2 * a] = seq;
    else r.splice(2 * a, 0, seq, seq);
    return true;
  }

  /** Notes the newest seq, and bounds the memory held when gaps have made too many ranges. */
  private saw(seq: number): void {
    if (seq > this.max) this.max = seq;
    // With slack (twice the capacity) so that the O(n) sweep runs once per `capacity` ranges, not for each one.
    if (this.ranges.length / 2 + this.odd.size <= 2 * this.capacity) return;
    this.floor = this.max - this.capacity;
    let keep = 0;
    while (keep < this.ranges.length && (this.ranges[keep + 1] as number) <= this.floor) keep += 2;
    this.ranges.splice(0, keep);
    for (const s of this.odd) if (s <= this.floor) this.odd.delete(s);
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

  /**
   * The seqs seen in a session: `add(seq)` records one and is false when it was seen already. Looked up once per
   * batch, not once per event.
   */
  seqsOf(sessionId: string): { add(seq: number): boolean } | undefined {
    return this.slots.get(sessionId)?.window;
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
