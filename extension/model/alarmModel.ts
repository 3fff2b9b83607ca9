/**
 * The inspector's model: agent events in, state out. It imports nothing from `vscode`; views subscribe to
 * `onDidChange` and read the state back, holding none of their own.
 */
import { isAgentEvent, isHoldEvent, isScheduleEvent, PROTOCOL_VERSION } from "../../protocol/protocol";
import type { HoldEvent, HoldResult, ScheduleEvent, WireEvent } from "../../protocol/protocol";
import { ScheduleBook } from "./schedules";
import { HoldBook } from "./holds";
import type {
  AgentEvent,
  AlarmDeleteEvent,
  AlarmEndEvent,
  AlarmSetEvent,
  AlarmStartEvent,
  ClassInfo,
  CommandTarget,
  DroppedEvent,
  HelloMessage,
  ObjectHandlerEvent,
  ObjectStartEvent,
} from "../../protocol/protocol";
import { Emitter } from "./events";
import type { IDisposable } from "../common/lifecycle";
import type { Event } from "./events";
import type { ObjectEntry, StoredRecord } from "./objectEntry";
import { objectKey } from "./objectEntry";
import { ObjectStore } from "./objectStore";
import type { Bounds } from "./objectStore";
import { attachAlarmCall, attachStorage, beginAttempt, endAttempt, interruptAttempt } from "./runs";
import { SessionRegistry } from "./sessions";
import { EventSharing } from "./sharing";
import { decodeSnapshot, encodeObject, SNAPSHOT_FORMAT, SNAPSHOT_TYPE } from "./snapshot";
import type { ModelSnapshot } from "./snapshot";
import { DEFAULT_OVERDUE_GRACE_MS, objectStatus, pendingDue } from "./status";
import type {
  ChangeReason,
  ClassView,
  ConnectionState,
  ModelChange,
  ModelStats,
  ObjectEvent,
  ObjectKey,
  ObjectView,
  PendingAlarm,
  PersistedAlarm,
  SessionInfo,
  StatusInfo,
  StorageEvent,
  WorkerView,
} from "./types";

/** Tuning of the model; every field has a default. */
export interface AlarmModelOptions {
  /** Events kept per object (older ones are dropped first). Default 500. */
  maxEventsPerObject?: number;
  /** Objects kept (the least recently active are evicted). Default 5000. */
  maxObjects?: number;
  /** Events kept across all objects. Default 100 000 (200 full histories; tens of MB at most). */
  maxTotalEvents?: number;
  /** Storage events listed in each object's `recentStorage`. Default 50. */
  maxRecentStorage?: number;
  /** How late a scheduled alarm may start before it is `overdue`. Default 1500 ms. */
  overdueGraceMs?: number;
}

/** The defaults of `AlarmModelOptions`. */
export const DEFAULT_MODEL_OPTIONS: Readonly<Required<AlarmModelOptions>> = Object.freeze({
  maxEventsPerObject: 500,
  maxObjects: 5000,
  maxTotalEvents: 100_000,
  maxRecentStorage: 50,
  overdueGraceMs: DEFAULT_OVERDUE_GRACE_MS,
});

/** How live events touch their object: seen live, and now the most recently active. One object for every event. */
const LIVE = Object.freeze({ seenLive: true, bump: true });

/** Who an object is for `notePendingFailNext`: a command target, optionally narrowed to one worker. */
export type ObjectTarget = CommandTarget & { worker?: string };

/** Collects what a batch changed, so that one batch fires one notification. */
class ChangeSet {
  /** Changed objects, each once, in the order they first changed. */
  readonly entries: ObjectEntry[] = [];
  /**
   * The same as a set, built only once there are many: live, the agent sends events as they happen, a few per
   * batch, and comparing a few references costs less than a set made for every batch.
   */
  private index: Set<ObjectEntry> | null = null;
  structural = false;
  other = false;

  add(entry: ObjectEntry): void {
    const entries = this.entries;
    if (this.index) {
      if (this.index.has(entry)) return;
      this.index.add(entry);
    } else {
      if (entries.includes(entry)) return;
      if (entries.length >= 16) this.index = new Set(entries).add(entry);
    }
    entries.push(entry);
  }

  get empty(): boolean {
    return this.entries.length === 0 && !this.structural && !this.other;
  }
}

/**
 * Agent events in, state out.
 *
 * Objects handed out (`ObjectView`, and the runs and attempts inside) are the model's live state, typed read-only:
 * they reflect later events, so a view may keep them as tree elements and re-read them on `onDidChange`. Status is
 * never stored: ask `status(object, now)` whenever the clock matters.
 */
export class AlarmModel implements IDisposable {
  private readonly changeEmitter = new Emitter<ModelChange>();
  /** Fires once per `apply…`/`set…` call that changed something. */
  readonly onDidChange: Event<ModelChange> = this.changeEmitter.event;

  private readonly options: Readonly<Required<AlarmModelOptions>>;
  private readonly store: ObjectStore;
  private readonly sessions = new SessionRegistry();
  private readonly sharing = new EventSharing();
  /** Logical schedules per object (`schedule.*` events), read by the tree. */
  readonly schedules = new ScheduleBook();
  /** Held and armed attempts (`alarm.held` / `alarm.released` events and hold command results), read by the tree. */
  readonly holds = new HoldBook();
  private connectionState: ConnectionState = { kind: "disconnected" };
  private droppedByAgentCount = 0;
  /** `store.namesLearned` as of the last change reported (see `fire`). */
  private namesReported = 0;
  private duplicateCount = 0;
  private ignoredCount = 0;

  constructor(options: AlarmModelOptions = {}) {
    const o = { ...DEFAULT_MODEL_OPTIONS, ...definedOnly(options) };
    const bounds: Bounds = {
      maxEventsPerObject: Math.max(1, Math.floor(o.maxEventsPerObject)),
      maxObjects: Math.max(1, Math.floor(o.maxObjects)),
      maxTotalEvents: Math.max(Math.floor(o.maxTotalEvents), Math.floor(o.maxEventsPerObject), 1),
      maxRecentStorage: Math.max(0, Math.floor(o.maxRecentStorage)),
    };
    this.options = Object.freeze({ ...bounds, overdueGraceMs: Math.max(0, o.overdueGraceMs) });
    this.store = new ObjectStore(bounds);
  }

  // ───────────────────────────── input ─────────────────────────────

  /**
   * Registers a `hello` received at `at`. A `sessionStartedAt` not seen before for this worker means the Worker
   * reloaded: its seqs restart, and attempts left running in the previous session are marked interrupted. Everything
   * already known is kept. Returns the session, which later `applyEvents` calls use by default.
   */
  applyHello(hello: HelloMessage, at: number): SessionInfo {
    const outcome = this.sessions.applyHello(hello, at);
    const changes = new ChangeSet();
    changes.structural = true;
    if (outcome.ended.size > 0) {
      for (const entry of this.store.values()) {
        if (entry.worker === hello.worker && interruptAttempt(entry, outcome.ended)) changes.add(entry);
      }
    }
    this.fire("hello", changes);
    return outcome.session;
  }

  /**
   * Applies events from the agent, in order. They belong to `sessionId` (by default the session of the newest
   * `hello`); events seen before in that session are ignored, as are malformed ones and any before the first `hello`.
   *
   * The events are kept, not copied. Parts equal to ones the model already holds (the object's ref, call sites, SQL
   * text, error stacks) are replaced by those, which changes no value but spares a copy per event (see `EventSharing`).
   */
  applyEvents(events: readonly (AgentEvent | WireEvent)[], sessionId?: string): void {
    const session = sessionId === undefined ? this.sessions.current : this.sessions.get(sessionId);
    if (!session) {
      this.ignoredCount += events.length;
      return;
    }
    const changes = new ChangeSet();
    const seen = this.sessions.seqsOf(session.id);
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as AgentEvent;
      this.sharing.kind(event);
      // Events come off a socket: a newer agent may send kinds this build does not know.
      if (!isAgentEvent(event as unknown)) {
        if (isScheduleEvent(event as unknown)) this.applySchedule(event as unknown as ScheduleEvent, session, seen, changes);
        else if (isHoldEvent(event as unknown)) this.applyHold(event as unknown as HoldEvent, session, seen, changes);
        else this.ignoredCount++;
        continue;
      }
      if (seen && !seen.add(event.seq)) {
        this.duplicateCount++;
        continue;
      }
      // Events come in many shapes, so each read of one of their fields is a slow, generic lookup: read the kind
      // once, and hand it on.
      const kind = event.kind;
      if (kind === "dropped") {
        this.droppedByAgentCount += (event as DroppedEvent).count;
        changes.other = true;
        continue;
      }
      const e = event as ObjectEvent;
      const at = e.at;
      let entry = this.store.activate(session.worker, e.object);
      if (entry === undefined) {
        // A new object (and perhaps evictions to make room for it).
        entry = this.store.touch(session.worker, e.object, LIVE).entry;
        changes.structural = true;
      } else if (!entry.seenLive) {
        changes.structural = true;
      }
      entry.seenLive = true;
      // Keep the event's own number rather than a new one from Math.max: storing a new one allocates it, per event.
      if (entry.lastActivity === null || at > entry.lastActivity) entry.lastActivity = at;
      this.sharing.share(e, kind, entry);
      const rec = this.store.record(entry, session.id, e);
      this.reduce(entry, rec, kind);
      this.store.trim(entry);
      changes.add(entry);
    }
    for (const trimmed of this.store.enforceTotal()) changes.add(trimmed);
    this.fire("events", changes);
  }

  /**
   * A schedule event goes to the schedule book, not to the object's event history: the alarm views and the timeline
   * keep exactly the events they know, and the tree reads schedules from `schedules`.
   */
  private applySchedule(e: ScheduleEvent, session: SessionInfo, seen: ReturnType<SessionRegistry["seqsOf"]>, changes: ChangeSet): void {
    if (seen && !seen.add(e.seq)) {
      this.duplicateCount++;
      return;
    }
    let entry = this.store.activate(session.worker, e.object);
    if (entry === undefined) {
      entry = this.store.touch(session.worker, e.object, LIVE).entry;
      changes.structural = true;
    }
    entry.seenLive = true;
    if (entry.lastActivity === null || e.at > entry.lastActivity) entry.lastActivity = e.at;
    this.schedules.apply(entry.key, e);
    changes.add(entry);
  }

  /** A hold event updates the hold book; the object's history keeps the alarm events only. */
  private applyHold(e: HoldEvent, session: SessionInfo, seen: ReturnType<SessionRegistry["seqsOf"]>, changes: ChangeSet): void {
    if (seen && !seen.add(e.seq)) {
      this.duplicateCount++;
      return;
    }
    const entry = this.store.activate(session.worker, e.object);
    if (entry === undefined) return;
    this.holds.apply(entry.key, e);
    changes.add(entry);
  }

  /** Records the gate of an object as a hold command's result reports it. Returns false when the object is unknown. */
  noteHold(target: ObjectTarget, result: HoldResult): boolean {
    const idOrName = target.id ?? target.name;
    const entry = idOrName === undefined ? undefined : this.findEntry(target.className, idOrName, target.worker);
    if (!entry) return false;
    this.holds.noteResult(entry.key, result);
    const changes = new ChangeSet();
    changes.add(entry);
    this.fire("hold", changes);
    return true;
  }

  /** Updates the connection state shown to the user. */
  setConnection(state: ConnectionState): void {
    // The agent lets held attempts go and disarms holds when its editor leaves: so does the view.
    if (state.kind !== "connected") this.holds.clear();
    this.connectionState = { ...state };
    const changes = new ChangeSet();
    changes.other = true;
    this.fire("connection", changes);
  }

  /**
   * Merges alarms read from wrangler's local state (without waking anything). `alarms` is the complete list for the
   * worker at `readAt`. Objects never seen live are created or updated (`seenLive: false`) and removed when their
   * alarm is no longer on disk; for objects seen live, disk only fills in what live events never told, because live
   * events are newer than any read of the file.
   */
  applyPersisted(worker: string, alarms: readonly PersistedAlarm[], readAt?: number): void {
    const changes = new ChangeSet();
    const listed = new Set<ObjectKey>();
    for (const p of alarms) {
      const ref = p.name === undefined ? { className: p.className, id: p.id } : { className: p.className, id: p.id, name: p.name };
      const touched = this.store.touch(worker, ref, { seenLive: false, bump: false });
      if (touched.created || touched.evicted.length > 0) changes.structural = true;
      const entry = touched.entry;
      listed.add(entry.key);
      if (diskDecides(entry) && entry.currentAlarm.scheduledTime !== p.scheduledTime) {
        entry.currentAlarm = { scheduledTime: p.scheduledTime, setAt: readAt ?? null, origin: "persisted", replaced: null, inConstructor: false, inHandler: false };
        if (readAt !== undefined) entry.lastActivity = Math.max(entry.lastActivity ?? readAt, readAt);
        changes.add(entry);
      } else if (touched.created) {
        changes.add(entry);
      }
    }
    for (const entry of [...this.store.values()]) {
      if (entry.worker !== worker || listed.has(entry.key) || !diskDecides(entry)) continue;
      if (!entry.seenLive) {
        // Known only from disk, and no longer there: its alarm ran or was deleted while nobody watched.
        this.store.remove(entry.key);
        changes.structural = true;
      } else if (entry.currentAlarm.origin === "persisted" && entry.currentAlarm.scheduledTime !== null) {
        entry.currentAlarm = { ...entry.currentAlarm, scheduledTime: null, setAt: readAt ?? null, replaced: entry.currentAlarm.scheduledTime };
        changes.add(entry);
      }
    }
    this.fire("persisted", changes);
  }

  /**
   * Records the injected failures pending in the agent for an object, as a `failNext` or `snapshot` result reports.
   * Returns false when the object is unknown.
   */
  notePendingFailNext(target: ObjectTarget, pending: number): boolean {
    const idOrName = target.id ?? target.name;
    const entry = idOrName === undefined ? undefined : this.findEntry(target.className, idOrName, target.worker);
    if (!entry) return false;
    entry.pendingFailNext = Math.max(0, Math.floor(pending));
    const changes = new ChangeSet();
    changes.add(entry);
    this.fire("failNext", changes);
    return true;
  }

  /** Forgets every object and counter; sessions stay, so events replayed by a connected agent still de-duplicate. */
  clear(): void {
    this.store.clear();
    this.droppedByAgentCount = 0;
    this.duplicateCount = 0;
    this.ignoredCount = 0;
    const changes = new ChangeSet();
    changes.structural = true;
    this.fire("clear", changes);
  }

  // ───────────────────────────── output ─────────────────────────────

  /** The connection state last set. */
  get connection(): ConnectionState {
    return this.connectionState;
  }

  /** The options in effect, defaults filled in. */
  get settings(): Readonly<Required<AlarmModelOptions>> {
    return this.options;
  }

  /** Events the agent reported losing (its buffer overflowed). */
  get droppedByAgent(): number {
    return this.droppedByAgentCount;
  }

  /** What was dropped or ignored, and why. */
  get stats(): ModelStats {
    return {
      droppedByAgent: this.droppedByAgentCount,
      droppedByModel: this.store.droppedEvents,
      evictedObjects: this.store.evictedObjects,
      duplicates: this.duplicateCount,
      ignored: this.ignoredCount,
    };
  }

  /** Events held in all histories (at most `maxTotalEvents`). */
  get totalEvents(): number {
    return this.store.totalEvents;
  }

  /** The session of the newest `hello`, or null before any. */
  get currentSession(): SessionInfo | null {
    return this.sessions.current;
  }

  /** Every session seen, oldest first. */
  allSessions(): SessionInfo[] {
    return this.sessions.all();
  }

  /** The object with this key, if known. */
  getObject(key: ObjectKey): ObjectView | undefined {
    return this.store.get(key);
  }

  /** How many objects are kept: `objects().length` without listing and sorting them. */
  get objectCount(): number {
    return this.store.size;
  }

  /** Every object, by worker, class, then name (or id when unnamed). */
  objects(): ObjectView[] {
    return [...this.store.values()].sort(compareObjects);
  }

  /** Workers → classes → objects, sorted by name. Declared classes appear even with no object yet. */
  workers(): WorkerView[] {
    const sessions = this.sessions.all();
    const byWorker = new Map<string, Map<string, ObjectView[]>>();
    const classesOf = (worker: string): Map<string, ObjectView[]> => {
      let m = byWorker.get(worker);
      if (!m) byWorker.set(worker, (m = new Map()));
      return m;
    };
    for (const w of this.sessions.workers()) {
      for (const c of this.sessions.declaredClasses(w)) if (!classesOf(w).has(c.className)) classesOf(w).set(c.className, []);
    }
    for (const s of sessions) classesOf(s.worker);
    for (const e of this.store.values()) {
      const classes = classesOf(e.worker);
      let list = classes.get(e.ref.className);
      if (!list) classes.set(e.ref.className, (list = []));
      list.push(e);
    }
    return [...byWorker.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, classes]): WorkerView => {
        const declared = new Map<string, ClassInfo>(this.sessions.declaredClasses(name).map((c) => [c.className, c]));
        const own = sessions.filter((s) => s.worker === name);
        return {
          name,
          session: own[own.length - 1] ?? null,
          sessions: own,
          classes: [...classes.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([className, objects]): ClassView => ({ className, info: declared.get(className) ?? null, objects: objects.sort(compareObjects) })),
        };
      });
  }

  /**
   * Finds an object of `className` by exact id, else exact name, else a unique id prefix (as shown in a short label,
   * a trailing "…" allowed). Prefers `worker` when given, else the current session's worker.
   */
  findObject(className: string, idOrName: string, worker?: string): ObjectView | undefined {
    return this.findEntry(className, idOrName, worker);
  }

  /** The object's status at `now` (see `objectStatus` for the rules). */
  status(object: ObjectView, now: number): StatusInfo {
    return objectStatus(object, now, this.options.overdueGraceMs);
  }

  /** Pending alarms and awaited retries, soonest first (overdue ones lead). */
  pendingAlarms(now: number): PendingAlarm[] {
    const out: PendingAlarm[] = [];
    for (const object of this.store.values()) {
      const status = this.status(object, now);
      const due = pendingDue(object, status);
      if (due) out.push({ object, ...due, status });
    }
    return out.sort((a, b) => a.dueAt - b.dueAt || a.object.key.localeCompare(b.object.key));
  }

  /**
   * The whole model as a plain JSON document (see `ModelSnapshot`). Event objects are shared with the model, not
   * copied: treat the result as read-only, or serialize it.
   */
  snapshot(exportedAt?: number): ModelSnapshot {
    const workers = this.sessions.workers().map((name) => ({ name, classes: this.sessions.declaredClasses(name).map((c) => ({ ...c })) }));
    return {
      type: SNAPSHOT_TYPE,
      format: SNAPSHOT_FORMAT,
      protocol: PROTOCOL_VERSION,
      exportedAt: exportedAt ?? null,
      stats: this.stats,
      sessions: this.sessions.all().map((s) => ({ ...s })),
      workers,
      objects: [...this.store.values()].map(encodeObject),
    };
  }

  /** `JSON.stringify(model)` writes the snapshot. */
  toJSON(): ModelSnapshot {
    return this.snapshot();
  }

  /**
   * Builds a model from an export. Throws an `Error` whose message says what is wrong with the document, for the user.
   * The imported model is disconnected; histories beyond `options`' bounds are trimmed as they would be live.
   */
  static fromJSON(doc: unknown, options: AlarmModelOptions = {}): AlarmModel {
    const model = new AlarmModel(options);
    const decoded = decodeSnapshot(doc, () => model.store.takeOrdinal());
    const seen: [string, number][] = [];
    for (const entry of decoded.entries) {
      for (const r of entry.history) seen.push([r.session, r.event.seq]);
      model.store.insert(entry);
      model.store.trim(entry);
    }
    model.sessions.restore(decoded.sessions, decoded.classes, seen);
    model.droppedByAgentCount = decoded.stats.droppedByAgent;
    model.duplicateCount = decoded.stats.duplicates;
    model.ignoredCount = decoded.stats.ignored;
    model.store.droppedEvents += decoded.stats.droppedByModel;
    model.store.evictedObjects += decoded.stats.evictedObjects;
    // The bounds may be tighter than those of the model that exported: apply them as live events would.
    model.store.evictDownTo(model.options.maxObjects);
    model.store.enforceTotal();
    return model;
  }

  /** Drops every listener. */
  dispose(): void {
    this.changeEmitter.dispose();
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** Folds one new event (of kind `kind`) into the object's summary, runs and storage lists. */
  private reduce(entry: ObjectEntry, rec: StoredRecord, kind: ObjectEvent["kind"]): void {
    const counts = entry.counts;
    // Cases cast the event by `kind`, read once by the caller, rather than narrow on `rec.event.kind` again.
    switch (kind) {
      case "object.start": {
        const e = rec.event as ObjectStartEvent;
        // A PartyKit room's onStart() is a step of the same wake, not a second one.
        if (e.phase === "onStart") break;
        entry.lastWake = e.at;
        counts.wakes++;
        break;
      }
      case "object.handler": {
        const e = rec.event as ObjectHandlerEvent;
        entry.handler = e.handler === "unobserved" ? { shape: e.handler, reason: e.reason ?? "the agent cannot wrap its alarm handler" } : { shape: e.handler };
        break;
      }
      case "alarm.set": {
        const e = rec.event as AlarmSetEvent;
        counts.sets++;
        const previous = e.previous;
        const inConstructor = e.inConstructor;
        if (previous !== null) {
          counts.overwrites++;
          if (inConstructor) counts.constructorOverwrites++;
        }
        entry.currentAlarm = { scheduledTime: e.scheduledTime, setAt: e.at, origin: e.origin, replaced: previous, inConstructor, inHandler: e.inHandler, ...(e.scheduler ? { scheduler: e.scheduler } : {}) };
        attachAlarmCall(entry, rec as StoredRecord<AlarmSetEvent>);
        break;
      }
      case "alarm.delete": {
        const e = rec.event as AlarmDeleteEvent;
        counts.deletes++;
        entry.currentAlarm = { scheduledTime: null, setAt: e.at, origin: e.origin, replaced: e.previous, inConstructor: false, inHandler: e.inHandler, ...(e.scheduler ? { scheduler: e.scheduler } : {}) };
        attachAlarmCall(entry, rec as StoredRecord<AlarmDeleteEvent>);
        break;
      }
      case "alarm.start": {
        const e = rec.event as AlarmStartEvent;
        const pending = entry.currentAlarm.scheduledTime;
        beginAttempt(entry, rec as StoredRecord<AlarmStartEvent>, pending);
        counts.attempts++;
        // The runtime clears the alarm as it starts it (getAlarm() is null in the handler until it sets a new one).
        entry.currentAlarm = { scheduledTime: null, setAt: e.at, origin: "runtime", replaced: pending, inConstructor: false, inHandler: false };
        // The agent injects a failure whenever its count is above zero, so an attempt without one means it is zero.
        if (entry.pendingFailNext !== null) entry.pendingFailNext = e.injectedFailure ? Math.max(0, entry.pendingFailNext - 1) : 0;
        break;
      }
      case "alarm.end": {
        const e = rec.event as AlarmEndEvent;
        endAttempt(entry, rec as StoredRecord<AlarmEndEvent>);
        if (e.outcome === "error") counts.failures++;
        break;
      }
      case "storage.put":
      case "storage.delete":
      case "storage.deleteAll":
      case "storage.sql": {
        const storageRec = rec as StoredRecord<StorageEvent>;
        counts.storageWrites++;
        attachStorage(entry, storageRec);
        this.store.addRecentStorage(entry, storageRec);
        break;
      }
    }
  }

  private findEntry(className: string, idOrName: string, worker?: string): ObjectEntry | undefined {
    const preferred = worker ?? this.sessions.current?.worker;
    const candidates = [...this.store.values()].filter((e) => e.ref.className === className && (worker === undefined || e.worker === worker));
    const pick = (matches: ObjectEntry[]): ObjectEntry | undefined => matches.find((e) => e.worker === preferred) ?? matches[0];
    const byKey = preferred === undefined ? undefined : this.store.get(objectKey(preferred, className, idOrName));
    if (byKey) return byKey;
    const byId = pick(candidates.filter((e) => e.ref.id === idOrName));
    if (byId) return byId;
    const byName = pick(candidates.filter((e) => e.ref.name === idOrName));
    if (byName) return byName;
    const prefix = idOrName.replace(/…$/u, "").toLowerCase();
    if (prefix.length < 4) return undefined;
    const byPrefix = candidates.filter((e) => e.ref.id.toLowerCase().startsWith(prefix));
    // A prefix that fits several objects names none of them.
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  private fire(reason: ChangeReason, changes: ChangeSet): void {
    if (this.store.namesLearned !== this.namesReported) {
      // A name changes where the object sorts: views that keep their rows between changes must lay them out again.
      this.namesReported = this.store.namesLearned;
      changes.structural = true;
    }
    if (changes.empty) return;
    this.changeEmitter.fire({ reason, objects: changes.entries.map((e) => e.key), structural: changes.structural });
  }
}

/** Disk decides the alarm of objects never seen live, or whose alarm only disk ever told. */
function diskDecides(entry: ObjectEntry): boolean {
  return !entry.seenLive || entry.currentAlarm.origin === "unknown" || entry.currentAlarm.origin === "persisted";
}

function compareObjects(a: ObjectView, b: ObjectView): number {
  return (
    a.worker.localeCompare(b.worker) ||
    a.ref.className.localeCompare(b.ref.className) ||
    (a.ref.name ?? "\uffff" + a.ref.id).localeCompare(b.ref.name ?? "\uffff" + b.ref.id)
  );
}

/** Options without the keys explicitly set to undefined, so that spreading them does not erase defaults. */
function definedOnly(options: AlarmModelOptions): AlarmModelOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as AlarmModelOptions;
}
