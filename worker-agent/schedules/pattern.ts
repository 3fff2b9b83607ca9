import type { Origin, ScheduleKind, SchedulePattern, ValuePreview } from "../../protocol/protocol";
import type { ObjectProbe } from "../objectProbe";
import type { ObjectMemory } from "../runtime";
import { previewValue } from "../preview";
import { beginRun, endAttempt, reportSet } from "./tracker";
import type { ScheduleRow } from "./tables";

/**
 * Hand-written schedulers of the documented "many events, one alarm" pattern: one storage key per event holding its
 * run time, and an `alarm()` that handles what is due and re-arms for the earliest. The user describes where the
 * events live (see `SchedulePattern`); the agent learns them from the object's own writes, reading nothing.
 */
export type { SchedulePattern };

/** What the examples' `Scheduler` (and Cloudflare's reference) writes: `event:<id>` → `{ id, runAt, repeatMs }`. */
export const DEFAULT_PATTERNS: readonly SchedulePattern[] = [{ prefix: "event:", timeField: "runAt", idField: "id", repeatField: "repeatMs" }];

interface KnownEvent {
  time: number;
}

const known = new WeakMap<ObjectMemory, Map<string, KnownEvent>>();
const MAX_KNOWN = 10_000;

function knownOf(probe: ObjectProbe): Map<string, KnownEvent> {
  let m = known.get(probe.memory);
  if (!m) {
    m = new Map();
    known.set(probe.memory, m);
  }
  return m;
}

function patternFor(patterns: readonly SchedulePattern[], className: string, key: string): SchedulePattern | undefined {
  for (const p of patterns) if ((p.className === undefined || p.className === className) && key.startsWith(p.prefix)) return p;
  return undefined;
}

function rowOf(pattern: SchedulePattern, key: string, value: unknown): ScheduleRow | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const time = record[pattern.timeField];
  if (typeof time !== "number" || !Number.isFinite(time)) return undefined;
  const rawId = pattern.idField !== undefined ? record[pattern.idField] : undefined;
  const repeat = pattern.repeatField !== undefined ? record[pattern.repeatField] : undefined;
  const kind: ScheduleKind = typeof repeat === "number" && repeat > 0 ? "interval" : "date";
  const payload: ValuePreview = previewValue(value);
  return {
    id: key,
    callback: typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : key.slice(pattern.prefix.length),
    time,
    kind,
    payloadText: payload.text,
    payload,
    running: false,
    ...(kind === "interval" ? { intervalSeconds: (repeat as number) / 1000 } : {}),
  };
}

/**
 * A `put` of the object's own code. Inside `alarm()`, rewriting an event that was due is a run of it (the repeating
 * kind moves on); elsewhere it is a new or changed event.
 */
export function observePut(probe: ObjectProbe, patterns: readonly SchedulePattern[], entries: Iterable<[string, unknown]>, origin: Origin = "user"): void {
  for (const [key, value] of entries) {
    const pattern = patternFor(patterns, probe.ref.className, key);
    if (!pattern) continue;
    const row = rowOf(pattern, key, value);
    if (!row) continue;
    const events = knownOf(probe);
    const old = events.get(key);
    if (probe.inHandler && old && old.time <= Date.now() && row.time !== old.time) {
      beginRun(probe, row, "pattern");
      endAttempt(probe, row, "pattern", "ok", { next: row.time });
    } else if (!old || old.time !== row.time) {
      reportSet(probe, row, "pattern", old ? "changed" : "created", origin, old?.time);
    }
    if (!old && events.size >= MAX_KNOWN) events.clear();
    events.set(key, { time: row.time });
  }
}

/** A `delete`: inside `alarm()`, of an event that was due, it is the event's last run; otherwise a cancellation. */
export function observeDelete(probe: ObjectProbe, patterns: readonly SchedulePattern[], keys: Iterable<string>): void {
  for (const key of keys) {
    const pattern = patternFor(patterns, probe.ref.className, key);
    if (!pattern) continue;
    const events = knownOf(probe);
    const old = events.get(key);
    events.delete(key);
    const row = { id: key, callback: key.slice(pattern.prefix.length) };
    if (probe.inHandler && (!old || old.time <= Date.now())) {
      beginRun(probe, row, "pattern");
      endAttempt(probe, row, "pattern", "ok", { next: null });
    } else if (old) {
      probe.sink({ kind: "schedule.cancel", ...probe.base(), scheduleId: key, callback: row.callback, source: "pattern", origin: "user" });
    }
  }
}
