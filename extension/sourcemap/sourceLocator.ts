/**
 * Puts the model's events where the user's code is: every event that carries a call site (`alarm.set`,
 * `alarm.delete`, storage writes) and every failed attempt's error is mapped, through the source maps wrangler wrote
 * for its bundle, to the first frame of the user's own source. No `vscode`: CodeLens, hovers, diagnostics, the tree
 * and the timeline read the result.
 *
 * Events are located as they arrive, while the bundle they were recorded against is still on disk: wrangler rewrites
 * it on a hot reload and removes it when it stops.
 */
import type { AlarmModel } from "../model/alarmModel";
import { Emitter } from "../model/events";
import type { IDisposable } from "../common/lifecycle";
import type { Event } from "../model/events";
import type { EventRecord, ModelChange, ObjectKey } from "../model/types";
import { generatedFiles, mapFrame, mapStack } from "./mapFrame";
import type { MappedStack, SourceLocation } from "./mapFrame";
import type { SourceMapStore } from "./mapStore";
import { localPath } from "./localPath";

/** An event of the model, placed in the user's source. */
export interface LocatedEvent {
  /** `session#seq`: unique across sessions. */
  readonly key: string;
  readonly objectKey: ObjectKey;
  readonly record: EventRecord;
  /** The call site (the first frame of the user's code), or for a failed attempt the line that threw. */
  readonly location: SourceLocation;
}

/** What a batch of locating changed. */
export interface LocatorChange {
  /** Source files (absolute paths) whose located events changed. */
  readonly files: readonly string[];
}

/** What the locator reads from the model. */
export type LocatorModel = Pick<AlarmModel, "onDidChange" | "getObject" | "objects">;

/** The key of a record, unique across sessions. */
export function recordKey(rec: EventRecord): string {
  return `${rec.session}#${rec.event.seq}`;
}

/** The stack an event carries: the call site of a user call, or the error of a failed attempt. */
export function stackOf(rec: EventRecord): string | undefined {
  const e = rec.event;
  if (e.kind === "alarm.end") return e.error?.stack;
  if (e.kind === "object.start" || e.kind === "object.handler" || e.kind === "alarm.start") return undefined;
  return e.callSite?.stack;
}

/**
 * Where an event is in the source. An attempt's start has no call site of its own (the runtime called the handler),
 * so for an `alarm.start` the attempt's own events stand in: the line that threw, else its first call.
 */
export function attemptAwareLocation(
  history: readonly EventRecord[],
  session: string,
  seq: number,
  locate: (rec: EventRecord) => SourceLocation | undefined,
): SourceLocation | undefined {
  const at = history.findIndex((r) => r.session === session && r.event.seq === seq);
  const rec = history[at];
  if (!rec) return undefined;
  const own = locate(rec);
  if (own || rec.event.kind !== "alarm.start") return own;
  let first: SourceLocation | undefined;
  for (const r of history.slice(at + 1)) {
    if (r.session !== session || r.event.kind === "alarm.start") break;
    const loc = locate(r);
    if (r.event.kind === "alarm.end") return loc ?? first;
    first ??= loc;
  }
  return first;
}

interface ObjectSlot {
  readonly located: Map<string, LocatedEvent>;
  /** Records whose stack named no frame of the user's code (injected failures, inspector calls): not retried. */
  readonly unlocatable: Set<string>;
  /**
   * The object's history as this slot last read it, oldest first (the same records, by identity). The model only
   * appends to a history and trims it from the front, so a batch reads the new records from the end back to the last
   * one seen, and the dropped ones from the front up to the model's oldest, instead of walking all of it (up to 500
   * records and their keys per object per batch: the largest cost of the extension's own code while 1,000 events/s
   * streamed, in the extension host bench's profile).
   */
  seen: EventRecord[];
}

/** Most distinct stack texts remembered (see `SourceLocator.stacks`). */
const MAX_STACKS = 5_000;

/**
 * What the locator knows of one stack text: the generated files it names, and its site in the user's code (null:
 * none; undefined: not mapped yet under the current maps).
 */
interface StackEntry {
  readonly files: readonly string[];
  site: SourceLocation | null | undefined;
}

/** An event with a stack, waiting to be mapped. */
interface Work {
  objectKey: ObjectKey;
  rec: EventRecord;
  key: string;
  stack: string;
}

/** Maps events to source locations as they arrive, and answers where they are. */
export class SourceLocator implements IDisposable {
  private readonly changeEmitter = new Emitter<LocatorChange>();
  /** Fires after a batch of events was located (or forgotten). */
  readonly onDidChange: Event<LocatorChange> = this.changeEmitter.event;

  private readonly slots = new Map<ObjectKey, ObjectSlot>();
  private readonly byFile = new Map<string, Map<string, LocatedEvent>>();
  private readonly dirty = new Set<ObjectKey>();
  private allDirty = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private readonly subscription: IDisposable;
  private disposed = false;
  /**
   * Per distinct stack text: the generated files it names, and its user's-code site under the maps of
   * `sitesGeneration` (null: none). The events of one code path carry the same stack (the model shares the string),
   * so a stream parses each distinct stack once, not twice per event: parsing was ~100 ms of the extension host in
   * 15 s of 1,000 events/s (the host-load bench's profile). Sites are dropped when the maps change.
   */
  private readonly stacks = new Map<string, StackEntry>();
  private sitesGeneration = -1;

  constructor(
    private readonly model: LocatorModel,
    private readonly store: SourceMapStore,
    /** Delay between a model change and locating its events, so a burst is handled once. Default 50 ms. */
    private readonly delayMs = 50,
  ) {
    this.subscription = model.onDidChange((change) => this.onModelChange(change));
    this.schedule();
  }

  /** Where an event happened in the user's source, once located. */
  locationOf(rec: EventRecord, objectKey?: ObjectKey): SourceLocation | undefined {
    const key = recordKey(rec);
    if (objectKey !== undefined) return this.slots.get(objectKey)?.located.get(key)?.location;
    for (const slot of this.slots.values()) {
      const hit = slot.located.get(key);
      if (hit) return hit.location;
    }
    return undefined;
  }

  /** Every located event of an object, by record key. */
  locatedOf(objectKey: ObjectKey): ReadonlyMap<string, LocatedEvent> {
    return this.slots.get(objectKey)?.located ?? new Map();
  }

  /** The located events of one source file (absolute path), in no particular order. */
  eventsIn(file: string): LocatedEvent[] {
    return [...(this.byFile.get(file)?.values() ?? [])];
  }

  /** Source files that have located events. */
  files(): string[] {
    return [...this.byFile.keys()];
  }

  /** Maps a stack with the maps loaded so far (sync). Use for stacks of events this locator has processed. */
  mapStack(stack: string | undefined): MappedStack {
    return mapStack(stack, this.store.lookup);
  }

  /**
   * Where a generated location (a bundle's file, as a stack printed it) is in the user's source, loading its map if
   * needed: for stack frames shown elsewhere (the timeline). Undefined when it is not the user's code.
   */
  async resolve(file: string, line: number, column?: number): Promise<SourceLocation | undefined> {
    const generated = localPath(file);
    if (generated !== undefined) await this.store.prepare([generated]);
    return mapFrame({ text: "", file, line, ...(column !== undefined ? { column } : {}) }, this.store.lookup);
  }

  /** Locates everything pending now (tests, and callers that need the answer before the next batch). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.running) await this.running;
    if (this.allDirty || this.dirty.size > 0) await this.run();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  private onModelChange(change: ModelChange): void {
    if (change.reason === "hello") {
      // A new session usually means wrangler rebuilt its bundle: look at every map again before trusting it.
      this.store.invalidate();
    }
    if (change.reason === "clear" || change.structural) this.allDirty = true;
    for (const key of change.objects) this.dirty.add(key);
    this.schedule();
  }

  private schedule(): void {
    if (this.disposed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        // One batch at a time; the one running picks up nothing new, so go again after it.
        void this.running.then(() => this.schedule());
        return;
      }
      void this.run();
    }, this.delayMs);
  }

  private run(): Promise<void> {
    const job = this.locate().finally(() => {
      this.running = undefined;
    });
    this.running = job;
    return job;
  }

  private async locate(): Promise<void> {
    const all = this.allDirty;
    const keys = all ? new Set<ObjectKey>([...this.slots.keys(), ...this.model.objects().map((o) => o.key)]) : new Set(this.dirty);
    this.allDirty = false;
    this.dirty.clear();
    const touched = new Set<string>();

    const work: Work[] = [];
    for (const objectKey of keys) {
      const obj = this.model.getObject(objectKey);
      const slot = this.slots.get(objectKey);
      if (!obj) {
        if (slot) this.forget(objectKey, slot, touched);
        continue;
      }
      if (slot === undefined) {
        const fresh: ObjectSlot = { located: new Map(), unlocatable: new Set(), seen: [] };
        this.slots.set(objectKey, fresh);
        this.walkAll(objectKey, fresh, obj.history, work, touched);
      } else if (all || !this.walkNew(objectKey, slot, obj.history, work, touched)) {
        this.walkAll(objectKey, slot, obj.history, work, touched);
      }
    }
    if (work.length === 0) {
      this.fire(touched);
      return;
    }

    await this.store.prepare(new Set(work.flatMap((w) => this.stackEntry(w.stack).files)));
    if (this.disposed) return;
    for (const w of work) {
      // The object may have gone while the maps loaded.
      if (!this.model.getObject(w.objectKey)) continue;
      const slot = this.slots.get(w.objectKey);
      if (!slot) continue;
      const site = this.siteOf(w.stack);
      if (!site) {
        slot.unlocatable.add(w.key);
        continue;
      }
      const located: LocatedEvent = { key: w.key, objectKey: w.objectKey, record: w.rec, location: site };
      slot.located.set(w.key, located);
      let inFile = this.byFile.get(site.file);
      if (!inFile) this.byFile.set(site.file, (inFile = new Map()));
      inFile.set(`${w.objectKey}|${w.key}`, located);
      touched.add(site.file);
    }
    this.fire(touched);
  }

  /** What is known of a stack text (see `stacks`); a new one is parsed for its files now. */
  private stackEntry(stack: string): StackEntry {
    let entry = this.stacks.get(stack);
    if (entry === undefined) {
      // Distinct stacks are few (one per code path); a Worker that makes them unbounded only costs a re-parse.
      if (this.stacks.size >= MAX_STACKS) this.stacks.clear();
      entry = { files: generatedFiles(stack), site: undefined };
      this.stacks.set(stack, entry);
    }
    return entry;
  }

  /** A stack's first frame in the user's code under the maps loaded now (after `prepare` of its files). */
  private siteOf(stack: string): SourceLocation | undefined {
    if (this.sitesGeneration !== this.store.generation) {
      for (const entry of this.stacks.values()) entry.site = undefined;
      this.sitesGeneration = this.store.generation;
    }
    const entry = this.stackEntry(stack);
    // null is a known answer (no frame of the user's code), not a missing one.
    if (entry.site === undefined) entry.site = mapStack(stack, this.store.lookup).site ?? null;
    return entry.site ?? undefined;
  }

  /** Reads an object's whole history: what is new is queued, what the model dropped is forgotten. */
  private walkAll(objectKey: ObjectKey, slot: ObjectSlot, history: readonly EventRecord[], work: Work[], touched: Set<string>): void {
    const current = new Set<string>();
    for (const rec of history) {
      const key = recordKey(rec);
      current.add(key);
      const stack = stackOf(rec);
      if (stack === undefined || slot.located.has(key) || slot.unlocatable.has(key)) continue;
      work.push({ objectKey, rec, key, stack });
    }
    // Records the model dropped from its history are dropped here too, so memory follows the model's bounds.
    for (const [key, located] of slot.located) if (!current.has(key)) this.unindex(objectKey, slot, key, located, touched);
    for (const key of slot.unlocatable) if (!current.has(key)) slot.unlocatable.delete(key);
    slot.seen = [...history];
  }

  /**
   * Reads only what changed at the two ends of an object's history since the slot last read it (see
   * `ObjectSlot.seen`). False when the history does not continue what was seen (then the caller reads all of it).
   */
  private walkNew(objectKey: ObjectKey, slot: ObjectSlot, history: readonly EventRecord[], work: Work[], touched: Set<string>): boolean {
    const seen = slot.seen;
    // The front: the records before the model's oldest were dropped by its bounds.
    let dropped = 0;
    while (dropped < seen.length && seen[dropped] !== history[0]) dropped++;
    // The end: back from the newest record to the last one seen.
    let from = history.length;
    const last = seen[seen.length - 1];
    if (dropped < seen.length) {
      while (from > 0 && history[from - 1] !== last) from--;
      if (from === 0) return false;
    } else {
      from = 0;
    }
    for (let i = 0; i < dropped; i++) {
      const rec = seen[i]!;
      if (stackOf(rec) === undefined) continue;
      const key = recordKey(rec);
      const located = slot.located.get(key);
      if (located) this.unindex(objectKey, slot, key, located, touched);
      slot.unlocatable.delete(key);
    }
    if (dropped > 0) seen.splice(0, dropped);
    for (let i = from; i < history.length; i++) {
      const rec = history[i]!;
      seen.push(rec);
      const stack = stackOf(rec);
      if (stack !== undefined) work.push({ objectKey, rec, key: recordKey(rec), stack });
    }
    return true;
  }

  private forget(objectKey: ObjectKey, slot: ObjectSlot, touched: Set<string>): void {
    for (const [key, located] of slot.located) this.unindex(objectKey, slot, key, located, touched);
    this.slots.delete(objectKey);
  }

  private unindex(objectKey: ObjectKey, slot: ObjectSlot, key: string, located: LocatedEvent, touched: Set<string>): void {
    slot.located.delete(key);
    const inFile = this.byFile.get(located.location.file);
    inFile?.delete(`${objectKey}|${key}`);
    if (inFile && inFile.size === 0) this.byFile.delete(located.location.file);
    touched.add(located.location.file);
  }

  private fire(touched: Set<string>): void {
    if (touched.size > 0 && !this.disposed) this.changeEmitter.fire({ files: [...touched] });
  }
}
