import type { CallSite, Origin, UnsequencedEvent, ValuePreview } from "../protocol/protocol";
import type { EventSink, ObjectProbe, PendingEvent } from "./objectProbe";
import { callSite, clipKey, MAX_ENTRIES_PER_EVENT, MAX_QUERY_CHARS, previewValue } from "./preview";
import { observeKvDelete, observeKvPut, observeSqlWrite, schedulerCallOf, schedulerFrameOf } from "./schedules";

/**
 * Instrumented views of `ctx.storage` and of the transaction objects it hands out.
 *
 * Rules that keep the user's code seeing exactly what it would without the agent:
 * - every call goes to the real method with the same `this` (the host object) and the same arguments, and its
 *   return value (the very same promise) or synchronous exception comes back unchanged;
 * - synchronous APIs (`sql.exec`, `kv.*`, `transactionSync`) stay synchronous;
 * - nothing is written to the user's storage; the only extra call is a `getAlarm()` read issued *before* a
 *   `setAlarm`/`deleteAlarm` (in the same order), to report which alarm was replaced, and only when the agent does
 *   not already know it (the first alarm call after a wake; see `AlarmTracker`);
 * - an alarm call is reported only once the runtime has accepted it, so a refused call is never shown as done.
 */

/** The alarm methods common to `DurableObjectStorage` and `DurableObjectTransaction`. */
interface AlarmStore {
  getAlarm(options?: DurableObjectGetAlarmOptions): Promise<number | null>;
  setAlarm(scheduledTime: number | Date, options?: DurableObjectSetAlarmOptions): Promise<void>;
  deleteAlarm(options?: DurableObjectSetAlarmOptions): Promise<void>;
}

/** Host methods must be called on the host object, so pass-through functions are bound once and cached. */
function passThrough(target: object, prop: PropertyKey, cache: Map<PropertyKey, unknown>): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  if (typeof value !== "function") return value;
  let bound = cache.get(prop);
  if (!bound) {
    bound = (value as (...a: unknown[]) => unknown).bind(target);
    cache.set(prop, bound);
  }
  return bound;
}

function scheduledTimeOf(arg: unknown): number {
  if (arg instanceof Date) return arg.getTime();
  return typeof arg === "number" ? arg : Number(arg);
}

/** Swallows a rejection we created ourselves, so it never surfaces as an unhandled rejection in the user's Worker. */
function quiet<T>(make: () => Promise<T>): Promise<T | undefined> {
  try {
    return make().catch(() => undefined);
  } catch {
    return Promise.resolve(undefined);
  }
}

/**
 * The alarm in effect before a call about to be issued: the tracked value when the agent knows it, else a read
 * issued now (before the call, so the runtime answers with the state the call replaces). Outside the object's own
 * storage (a transaction's, whose rollback would undo the call) nothing is tracked.
 */
function previousAlarm(store: AlarmStore, probe: ObjectProbe, tracked: boolean): number | null | Promise<number | null | undefined> {
  const known = tracked ? probe.alarm.current() : undefined;
  return known !== undefined ? known : quiet(() => store.getAlarm());
}

/** Whether an alarm call made through `sink` can be tracked: on the object's storage, outside any transaction. */
function trackable(probe: ObjectProbe, sink: EventSink): boolean {
  return sink === probe.sink && !probe.inSyncTransaction;
}

/**
 * Follows an issued alarm call in the tracker: `apply` records what it did, a refusal (sync or async) forgets.
 * Returns the call's own promise, untouched.
 */
function follow(probe: ObjectProbe, tracked: boolean, call: () => Promise<void>, apply: () => void): Promise<void> {
  let result: Promise<void>;
  try {
    result = call();
  } catch (e) {
    probe.alarm.forget();
    throw e;
  }
  if (!tracked) {
    probe.alarm.forget();
    return result;
  }
  apply();
  // A refusal arrives later: what was assumed is wrong, so the next call reads again.
  result.then(undefined, () => probe.alarm.forget());
  return result;
}

/**
 * `setAlarm` through the real store, reporting the alarm it replaced. Shared by user calls (through the proxy) and
 * inspector commands (`origin: "inspector"`).
 */
export function trackedSetAlarm(
  store: AlarmStore,
  args: unknown[],
  probe: ObjectProbe,
  sink: EventSink,
  origin: Origin,
  above: Function,
): Promise<void> {
  const at = Date.now();
  const site = origin === "user" && probe.runtime.wantsCallSites ? callSite(above, probe.ref.className) : undefined;
  // The Agents SDK's own calls (its fallback wake, its re-arm) are marked so views fold them under the schedules.
  const byScheduler = schedulerFrameOf(site);
  const inHandler = probe.inHandler;
  const inConstructor = probe.constructing;
  const tracked = trackable(probe, sink);
  const previous = previousAlarm(store, probe, tracked);
  const scheduledTime = scheduledTimeOf(args[0]);
  const result = follow(probe, tracked, () => Reflect.apply(store.setAlarm, store, args) as Promise<void>, () => probe.alarm.set(scheduledTime));
  if (probe.attempt) probe.attempt.setCalled = true;
  probe.noteAlarmChange(origin);
  // Reported only once the runtime has accepted the call: it refuses some (an object whose class has no alarm
  // handler, a time that is not a number), and an inspector that shows an alarm that was never set is worse than none.
  // Waiting costs no measurable lag: the event still reaches the editor before the app's HTTP response (median 2-6 ms
  // before it, against 4-5 ms before it when the event went out as soon as the replaced alarm was known).
  const settled = Promise.all([previous, result]).then(([prev]) => prev);
  sink(
    settled.then(
      (prev): UnsequencedEvent => ({
        kind: "alarm.set",
        ...probe.base(at),
        scheduledTime,
        previous: prev ?? null,
        origin,
        inHandler,
        inConstructor,
        ...(site ? { callSite: site } : {}),
        ...(byScheduler ? { scheduler: schedulerCallOf(probe, byScheduler, at, scheduledTime) } : {}),
      }),
      () => null,
    ),
  );
  return result;
}

export function trackedDeleteAlarm(
  store: AlarmStore,
  args: unknown[],
  probe: ObjectProbe,
  sink: EventSink,
  origin: Origin,
  above: Function,
): Promise<void> {
  const at = Date.now();
  const site = origin === "user" && probe.runtime.wantsCallSites ? callSite(above, probe.ref.className) : undefined;
  const byScheduler = schedulerFrameOf(site);
  const inHandler = probe.inHandler;
  const tracked = trackable(probe, sink);
  const previous = previousAlarm(store, probe, tracked);
  const result = follow(probe, tracked, () => Reflect.apply(store.deleteAlarm, store, args) as Promise<void>, () => probe.alarm.deleted());
  if (probe.attempt) probe.attempt.deleteCalled = true;
  probe.noteAlarmChange(origin);
  // As for setAlarm: reported only once the runtime has accepted the call.
  sink(
    Promise.all([previous, result]).then(([prev]) => prev).then(
      (prev): UnsequencedEvent => ({
        kind: "alarm.delete",
        ...probe.base(at),
        previous: prev ?? null,
        origin,
        inHandler,
        ...(site ? { callSite: site } : {}),
        ...(byScheduler ? { scheduler: schedulerCallOf(probe, byScheduler, at, null) } : {}),
      }),
      () => null,
    ),
  );
  return result;
}

/** The call site of a storage write, when the runtime's budget for them allows one (see `wantsWriteSite`). */
function writeSite(probe: ObjectProbe, above: Function): CallSite | undefined {
  return probe.runtime.wantsWriteSite() ? callSite(above, probe.ref.className) : undefined;
}

function putEvent(args: unknown[], probe: ObjectProbe, above: Function): UnsequencedEvent {
  const entries: { key: string; value: ValuePreview }[] = [];
  let omitted = 0;
  if (typeof args[0] === "string") entries.push({ key: clipKey(args[0]), value: previewValue(args[1]) });
  else if (args[0] && typeof args[0] === "object") {
    for (const [key, value] of Object.entries(args[0] as Record<string, unknown>)) {
      if (entries.length < MAX_ENTRIES_PER_EVENT) entries.push({ key: clipKey(key), value: previewValue(value) });
      else omitted++;
    }
  }
  const site = writeSite(probe, above);
  return {
    kind: "storage.put",
    ...probe.base(),
    entries,
    omitted,
    origin: "user",
    inHandler: probe.inHandler,
    ...(site ? { callSite: site } : {}),
  };
}

function deleteEvent(args: unknown[], probe: ObjectProbe, above: Function): UnsequencedEvent {
  const all = Array.isArray(args[0]) ? (args[0] as unknown[]).map(String) : [String(args[0])];
  const site = writeSite(probe, above);
  return {
    kind: "storage.delete",
    ...probe.base(),
    keys: all.slice(0, MAX_ENTRIES_PER_EVENT).map(clipKey),
    omitted: Math.max(0, all.length - MAX_ENTRIES_PER_EVENT),
    origin: "user",
    inHandler: probe.inHandler,
    ...(site ? { callSite: site } : {}),
  };
}

function deleteAllEvent(probe: ObjectProbe, above: Function): UnsequencedEvent {
  const site = writeSite(probe, above);
  return {
    kind: "storage.deleteAll",
    ...probe.base(),
    origin: "user",
    inHandler: probe.inHandler,
    ...(site ? { callSite: site } : {}),
  };
}

/** Statements that change the database; reads are not reported. */
const WRITE_STATEMENT = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(insert|update|delete|replace|upsert|create|drop|alter)\b/i;

/** Tables of the runtime's own bookkeeping (miniflare records each object's name in `__miniflare_do_name`). */
const RUNTIME_TABLES = /\b(__miniflare_|_cf_)\w*/;

function isWrite(query: string): boolean {
  if (RUNTIME_TABLES.test(query)) return false;
  return query.split(";").some((s) => WRITE_STATEMENT.test(s));
}

/**
 * The methods a storage-like object gets instrumented; everything else passes through. `sink` decides whether
 * events are recorded at once or held for a transaction.
 */
function writeMethods(target: AlarmStore & DurableObjectTransaction, probe: ObjectProbe, sink: EventSink) {
  const methods = {
    setAlarm: function setAlarm(...args: unknown[]) {
      return trackedSetAlarm(target, args, probe, sink, "user", methods.setAlarm);
    },
    deleteAlarm: function deleteAlarm(...args: unknown[]) {
      return trackedDeleteAlarm(target, args, probe, sink, "user", methods.deleteAlarm);
    },
    put: function put(...args: unknown[]) {
      const result: unknown = Reflect.apply(target.put, target, args);
      sink(putEvent(args, probe, methods.put));
      observeKvPut(probe, args);
      return result;
    },
    delete: function del(...args: unknown[]) {
      const result: unknown = Reflect.apply(target.delete, target, args);
      sink(deleteEvent(args, probe, methods.delete));
      observeKvDelete(probe, args);
      return result;
    },
  };
  return methods;
}

/** An instrumented view of a transaction handed to a `transaction()` closure. */
function instrumentTransaction(txn: DurableObjectTransaction, probe: ObjectProbe, sink: EventSink): DurableObjectTransaction {
  const own: Record<string, unknown> = writeMethods(txn as AlarmStore & DurableObjectTransaction, probe, sink);
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(txn, {
    get(target, prop) {
      if (typeof prop === "string" && Object.hasOwn(own, prop)) return own[prop];
      return passThrough(target, prop, cache);
    },
  });
}

function instrumentSql(sql: SqlStorage, probe: ObjectProbe): SqlStorage {
  const cache = new Map<PropertyKey, unknown>();
  const exec = function exec(...args: unknown[]): unknown {
    const cursor: unknown = Reflect.apply(sql.exec, sql, args);
    const query = typeof args[0] === "string" ? args[0] : "";
    if (isWrite(query)) {
      const site = writeSite(probe, exec);
      probe.sink({
        kind: "storage.sql",
        ...probe.base(),
        query: query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}…` : query,
        bindings: args.length - 1,
        inHandler: probe.inHandler,
        ...(site ? { callSite: site } : {}),
      });
      observeSqlWrite(probe, query, sql);
    }
    return cursor;
  };
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === "exec") return exec;
      return passThrough(target, prop, cache);
    },
  });
}

function instrumentKv(kv: SyncKvStorage, probe: ObjectProbe): SyncKvStorage {
  const cache = new Map<PropertyKey, unknown>();
  const own: Record<string, unknown> = {
    put: function put(...args: unknown[]) {
      const result: unknown = Reflect.apply(kv.put, kv, args);
      probe.sink(putEvent(args, probe, own.put as Function));
      return result;
    },
    delete: function del(...args: unknown[]) {
      const result: unknown = Reflect.apply(kv.delete, kv, args);
      probe.sink(deleteEvent(args, probe, own.delete as Function));
      return result;
    },
  };
  return new Proxy(kv, {
    get(target, prop) {
      if (typeof prop === "string" && Object.hasOwn(own, prop)) return own[prop];
      return passThrough(target, prop, cache);
    },
  });
}

/**
 * The `ctx.storage` the user's object sees. It is a Proxy of the real storage, so `instanceof` and every method
 * the agent does not know about behave as before.
 */
export function instrumentStorage(storage: DurableObjectStorage, probe: ObjectProbe): DurableObjectStorage {
  const cache = new Map<PropertyKey, unknown>();
  const writes = writeMethods(storage as unknown as AlarmStore & DurableObjectTransaction, probe, probe.sink);
  const own: Record<string, unknown> = {
    ...writes,
    deleteAll: function deleteAll(...args: unknown[]) {
      const result: unknown = Reflect.apply(storage.deleteAll, storage, args);
      // Whether deleteAll() takes the alarm with it depends on the compatibility date: read it next time.
      probe.alarm.forget();
      probe.sink(deleteAllEvent(probe, own.deleteAll as Function));
      return result;
    },
    transaction: function transaction(...args: unknown[]) {
      const closure = args[0];
      if (typeof closure !== "function") return Reflect.apply(storage.transaction, storage, args);
      const held: PendingEvent[] = [];
      const hold: EventSink = (e) => held.push(e);
      const wrapped = (txn: DurableObjectTransaction) =>
        (closure as (t: DurableObjectTransaction) => unknown)(instrumentTransaction(txn, probe, hold));
      const result = Reflect.apply(storage.transaction, storage, [wrapped, ...args.slice(1)]) as Promise<unknown>;
      // Writes inside a transaction are reported only once it commits; a rollback or a throw reports none.
      // Its alarm calls were not tracked (a rollback undoes them); whatever it did is read on the next call.
      result.then(
        () => {
          probe.alarm.forget();
          held.forEach((e) => probe.sink(e));
        },
        () => probe.alarm.forget(),
      );
      return result;
    },
    transactionSync: function transactionSync(...args: unknown[]) {
      const fn = args[0];
      if (typeof fn !== "function") return Reflect.apply(storage.transactionSync, storage, args);
      return probe.withSyncTransaction(() => Reflect.apply(storage.transactionSync, storage, args));
    },
  };
  let sqlView: { real: SqlStorage; view: SqlStorage } | undefined;
  let kvView: { real: SyncKvStorage; view: SyncKvStorage } | undefined;
  return new Proxy(storage, {
    get(target, prop) {
      if (typeof prop === "string" && Object.hasOwn(own, prop)) return own[prop];
      if (prop === "sql") {
        // Reading `sql` on a storage that is not SQLite-backed throws: let it, exactly as before.
        const real = Reflect.get(target, prop, target) as SqlStorage;
        if (!sqlView || sqlView.real !== real) sqlView = { real, view: instrumentSql(real, probe) };
        return sqlView.view;
      }
      if (prop === "kv") {
        const real = Reflect.get(target, prop, target) as SyncKvStorage;
        if (!real || typeof real !== "object") return real;
        if (!kvView || kvView.real !== real) kvView = { real, view: instrumentKv(real, probe) };
        return kvView.view;
      }
      return passThrough(target, prop, cache);
    },
  });
}
