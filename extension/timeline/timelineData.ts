/**
 * The timeline's data: the model's objects as lanes grouped by class, and for a viewport only what can be drawn there.
 *
 * Why an index: the model keeps up to 100 000 events, and a pan asks for a new slice every few frames. Each lane keeps
 * its events' times in a sorted typed array, so a slice is two binary searches per visible lane plus a walk over the
 * events in range, thinned to a couple of pixels per marker kind. Lanes are rebuilt only when the model says their
 * object changed. Everything here is pure (no `vscode`, no DOM): the host calls it, the unit tests and the bench too.
 * What the events say to a person (tooltips) is in eventText.ts.
 */
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel, objectTooltip } from "../model/objectLabel";
import { isSchedulerAlarmCall } from "../model/schedules";
import type { EventRecord, ObjectEvent, ObjectKey, ObjectView, Run, StatusInfo } from "../model/types";
import { MARKER_KINDS, MAX_COVER_RESOLUTION, MAX_COVER_ROWS, MAX_COVER_SPANS } from "../shared/timelineMessages";
import type { ClassChoice, ClassRow, Cover, LaneRow, Marker, MarkerKind, RunChain, RunTick, SliceMessage, TimelineFilter, ViewportRequest } from "../shared/timelineMessages";
import { runChain, waitingWindow } from "./runChains";

/** What the index reads from the model. */
export type TimelineModel = Pick<AlarmModel, "objects" | "getObject" | "workers" | "status">;

/** The run and attempt an event happened in. */
export interface AttemptRef {
  runId: string;
  attemptIndex: number;
}

/** One object's events and runs, sorted by time for binary search. */
export interface LaneIndex {
  readonly key: ObjectKey;
  readonly object: ObjectView;
  /** Event times, ascending. */
  readonly times: Float64Array;
  /** Index into `MARKER_KINDS`, parallel to `times`. */
  readonly kinds: Uint8Array;
  readonly events: readonly ObjectEvent[];
  readonly refs: readonly (AttemptRef | undefined)[];
  /** The object's runs, by first start. */
  readonly runs: readonly Run[];
  readonly runStarts: Float64Array;
  /** End of each run as far as it is known without the clock (last end, or last start while running). */
  readonly runEnds: Float64Array;
  /** Running maximum of `runEnds`: ascending, so the first run that may reach a time is found by binary search. */
  readonly runEndMax: Float64Array;
  /** Earliest and latest time of anything on the lane that does not depend on the clock, or null when empty. */
  readonly first: number | null;
  readonly last: number | null;
}

/** One row of the lane layout. */
export type LayoutRow = { kind: "class"; worker: string; className: string; objects: number } | { kind: "lane"; key: ObjectKey };

/** The rows for a filter. */
export interface Layout {
  readonly rows: readonly LayoutRow[];
  /** Row of each object that has a lane. */
  readonly rowOf: ReadonlyMap<ObjectKey, number>;
  /** Every class, whether shown or not, for the class filter. */
  readonly classes: readonly ClassChoice[];
  readonly lanes: number;
}

/**
 * Pixels within which markers of one kind merge into one. Glyphs are 8–10 px wide: closer ones overlap on screen and
 * cannot be told apart anyway, and a merged marker's tooltip lists them.
 */
const MERGE_PX = 6;
/** A run narrower than this on screen is drawn as a tick, without its attempts. */
const COLLAPSE_PX = 4;
/** Rows sent beyond each edge of the viewport, so a small scroll draws at once. */
const ROW_MARGIN = 4;
/** Fraction of the viewport's time span sent beyond each edge, so a small pan draws at once. */
const TIME_MARGIN = 0.25;

const KIND_CODE: Readonly<Record<MarkerKind, number>> = Object.fromEntries(MARKER_KINDS.map((k, i) => [k, i])) as Record<MarkerKind, number>;

/** The marker kind an event is drawn as. */
export function markerKind(e: ObjectEvent): MarkerKind {
  switch (e.kind) {
    case "object.start":
      return "wake";
    case "alarm.set":
      return e.previous !== null ? "overwrite" : "set";
    case "alarm.delete":
      return "delete";
    case "alarm.start":
      return "attemptStart";
    case "alarm.end":
      return "attemptEnd";
    default:
      return "storage";
  }
}

/** Index of the first element of `a` that is ≥ `x` (a.length when none). */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of `a` that is > `x` (a.length when none). */
export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Which run and attempt each event of the object happened in, when it happened in one. */
function attemptRefs(object: ObjectView): (r: EventRecord) => AttemptRef | undefined {
  const byStart = new Map<string, AttemptRef>();
  const byEvent = new Map<ObjectEvent, AttemptRef>();
  for (const run of object.runs) {
    run.attempts.forEach((a, attemptIndex) => {
      const ref = { runId: run.id, attemptIndex };
      byStart.set(`${a.session}#${a.startSeq}`, ref);
      for (const r of a.storage) byEvent.set(r.event, ref);
      for (const r of a.alarmCalls) byEvent.set(r.event, ref);
    });
  }
  // An attempt's end is not recorded in the run by seq: it is the end that follows its start in the same session.
  let open: { session: string; ref: AttemptRef } | undefined;
  return (r) => {
    const e = r.event;
    if (e.kind === "alarm.start") {
      const ref = byStart.get(`${r.session}#${e.seq}`);
      open = ref ? { session: r.session, ref } : undefined;
      return ref;
    }
    if (e.kind === "alarm.end") {
      const ref = byStart.get(`${r.session}#${e.seq}`) ?? (open?.session === r.session ? open.ref : undefined);
      open = undefined;
      return ref;
    }
    return byEvent.get(e);
  };
}

/** Builds the index of one object's lane. */
export function buildLaneIndex(object: ObjectView): LaneIndex {
  const refOf = attemptRefs(object);
  const refsInArrival = object.history.map(refOf);
  // The scheduler's own alarm calls inside an attempt (the SDK's fallback wakes and re-arm, three per run) are folded
  // into that attempt: its detail lists them under the schedules they serve, so they are not drawn as the user's sets.
  const order: number[] = [];
  object.history.forEach((r, i) => {
    if (refsInArrival[i] === undefined || !isSchedulerAlarmCall(r.event)) order.push(i);
  });
  const n = order.length;
  // Arrival order is nearly time order; a stable sort keeps same-time events in the order they happened.
  const at = (i: number): number => (object.history[i] as EventRecord).event.at;
  let sorted = true;
  for (let j = 1; j < n && sorted; j++) sorted = at(order[j - 1] as number) <= at(order[j] as number);
  if (!sorted) order.sort((a, b) => at(a) - at(b) || a - b);

  const times = new Float64Array(n);
  const kinds = new Uint8Array(n);
  const events: ObjectEvent[] = new Array<ObjectEvent>(n);
  const refs: (AttemptRef | undefined)[] = new Array<AttemptRef | undefined>(n);
  for (let j = 0; j < n; j++) {
    const i = order[j] as number;
    const e = (object.history[i] as EventRecord).event;
    times[j] = e.at;
    kinds[j] = KIND_CODE[markerKind(e)];
    events[j] = e;
    refs[j] = refsInArrival[i];
  }

  const runs = [...object.runs].sort((a, b) => runStart(a) - runStart(b));
  const runStarts = new Float64Array(runs.length);
  const runEnds = new Float64Array(runs.length);
  const runEndMax = new Float64Array(runs.length);
  let max = -Infinity;
  runs.forEach((run, i) => {
    runStarts[i] = runStart(run);
    runEnds[i] = staticRunEnd(run);
    max = Math.max(max, runEnds[i] as number);
    runEndMax[i] = max;
  });

  return { key: object.key, object, times, kinds, events, refs, runs, runStarts, runEnds, runEndMax, ...laneBounds(object) };
}

/**
 * Earliest and latest time of anything on an object's lane that does not depend on the clock: its events, its runs,
 * its pending alarm (null when there is nothing). One pass over the object, without building its lane: the extent of
 * every lane is needed for the first `state`, and building all of them first kept a large session's first frame
 * waiting (about 45 ms for 100 000 events, several times that on a busy machine).
 */
export function laneBounds(object: ObjectView): { first: number | null; last: number | null } {
  let first = Infinity;
  let last = -Infinity;
  for (const r of object.history) {
    const at = r.event.at;
    if (at < first) first = at;
    if (at > last) last = at;
  }
  for (const run of object.runs) {
    const start = runStart(run);
    const end = Math.max(start, staticRunEnd(run));
    if (start < first) first = start;
    if (end > last) last = end;
  }
  const scheduled = object.currentAlarm.scheduledTime;
  if (scheduled !== null) {
    first = Math.min(first, scheduled);
    last = Math.max(last, scheduled);
  }
  return first <= last ? { first, last } : { first: null, last: null };
}

function runStart(run: Run): number {
  return run.attempts[0]?.startedAt ?? run.scheduledTime ?? 0;
}

function staticRunEnd(run: Run): number {
  let end = runStart(run);
  for (const a of run.attempts) end = Math.max(end, a.endedAt ?? a.startedAt);
  return end;
}

// ───────────────────────────── search ─────────────────────────────

/** The text a search looks in for an event: storage keys, error messages, SQL. Lower-cased. */
export function eventSearchText(e: ObjectEvent): string {
  switch (e.kind) {
    case "storage.put":
      return e.entries.map((x) => x.key).join("\n").toLowerCase();
    case "storage.delete":
      return e.keys.join("\n").toLowerCase();
    case "storage.sql":
      return e.query.toLowerCase();
    case "alarm.end":
      return e.error ? `${e.error.name}: ${e.error.message}`.toLowerCase() : "";
    default:
      return "";
  }
}

/** True when the lane has anything matching `needle` (lower-cased): its name or id, a key, an error message. */
export function laneMatches(lane: LaneIndex, needle: string): boolean {
  if (needle === "") return true;
  const ref = lane.object.ref;
  if (ref.id.toLowerCase().includes(needle) || (ref.name ?? "").toLowerCase().includes(needle)) return true;
  for (const e of lane.events) if (eventSearchText(e).includes(needle)) return true;
  return false;
}

// ───────────────────────────── slicing one lane ─────────────────────────────

/** What a lane slice needs beyond the lane. */
export interface LaneSliceOptions {
  /** Covered range. */
  start: number;
  end: number;
  msPerPx: number;
  hiddenKinds: ReadonlySet<MarkerKind>;
  /** Lower-cased search text, or "". */
  needle: string;
  /** The clock for running attempts and awaited retries. */
  now: number;
  /** The object's status at `now` (the model's rules, with its grace setting). */
  status: (object: ObjectView) => StatusInfo;
  /** A run drawn in full whatever its width (the selected one). */
  keepRunId?: string;
}

/** The markers of a lane within `[start, end]`, same-kind markers closer than `MERGE_PX` merged. */
export function sliceMarkers(lane: LaneIndex, o: LaneSliceOptions): Marker[] {
  const lo = lowerBound(lane.times, o.start);
  const hi = upperBound(lane.times, o.end);
  const mergeMs = o.msPerPx * MERGE_PX;
  const out: Marker[] = [];
  // Per kind: the marker being merged into, and the attempt of its first event (to tell whether all share one).
  const open: (Marker | undefined)[] = new Array<Marker | undefined>(MARKER_KINDS.length);
  const openRef: (AttemptRef | undefined)[] = new Array<AttemptRef | undefined>(MARKER_KINDS.length);
  for (let i = lo; i < hi; i++) {
    const code = lane.kinds[i] as number;
    const kind = MARKER_KINDS[code] as MarkerKind;
    if (o.hiddenKinds.has(kind)) continue;
    const t = lane.times[i] as number;
    const e = lane.events[i] as ObjectEvent;
    const match = o.needle !== "" && eventSearchText(e).includes(o.needle);
    const ref = lane.refs[i];
    const current = open[code];
    if (current && t - current.t < mergeMs) {
      current.count++;
      current.last = t;
      if (match) current.match = true;
      if (isAlert(e)) current.alert = true;
      const first = openRef[code];
      if (current.inAttempt && (ref?.runId !== first?.runId || ref?.attemptIndex !== first?.attemptIndex)) delete current.inAttempt;
      continue;
    }
    const m: Marker = { t, kind, count: 1 };
    if (isAlert(e)) m.alert = true;
    if (match) m.match = true;
    if (ref) m.inAttempt = true;
    out.push(m);
    open[code] = m;
    openRef[code] = ref;
  }
  return out;
}

/** The attempt of the first event of `kind` at time `t` on the lane, if it happened in one (for `selectAt`). */
export function attemptAt(lane: LaneIndex, kind: MarkerKind, t: number): AttemptRef | undefined {
  const code = KIND_CODE[kind];
  for (let i = lowerBound(lane.times, t); i < lane.times.length && lane.times[i] === t; i++) {
    if (lane.kinds[i] === code) return lane.refs[i];
  }
  return undefined;
}

/** The events of `kind` on the lane between `from` and `to` (both included): what a marker there stands for. */
export function markerEvents(lane: LaneIndex, kind: MarkerKind, from: number, to: number): ObjectEvent[] {
  const lo = lowerBound(lane.times, from);
  const hi = upperBound(lane.times, to);
  const code = KIND_CODE[kind];
  const events: ObjectEvent[] = [];
  for (let i = lo; i < hi; i++) if (lane.kinds[i] === code) events.push(lane.events[i] as ObjectEvent);
  return events;
}

/** A failed attempt, or a constructor overwriting a pending alarm (the pitfall the design calls out). */
function isAlert(e: ObjectEvent): boolean {
  return (e.kind === "alarm.end" && e.outcome === "error") || (e.kind === "alarm.set" && e.inConstructor && e.previous !== null);
}

const ALERT_STATES: ReadonlySet<RunTick["state"]> = new Set(["failed", "abandoned", "retrying"]);

/**
 * The runs of a lane that reach into `[start, end]`: in full as chains, or, when too narrow to show (under
 * `COLLAPSE_PX`), as ticks, neighbouring ticks merged.
 */
export function sliceRuns(lane: LaneIndex, o: LaneSliceOptions): { runs: RunChain[]; ticks: RunTick[] } {
  const runs: RunChain[] = [];
  const ticks: RunTick[] = [];
  if (lane.runs.length === 0) return { runs, ticks };
  const status = o.status(lane.object);
  const newest = lane.object.runs[lane.object.runs.length - 1];
  const from = lowerBound(lane.runEndMax, o.start);
  const to = upperBound(lane.runStarts, o.end);
  const picked: number[] = [];
  for (let i = from; i < to; i++) if ((lane.runEnds[i] as number) >= o.start || lane.runs[i] === newest) picked.push(i);
  // The newest run may reach into the range only through the clock (still running, or a retry awaited).
  const newestIndex = lane.runs.indexOf(newest as Run);
  if (newestIndex >= to || (newestIndex >= 0 && newestIndex < from)) {
    if ((lane.runStarts[newestIndex] as number) <= o.end) picked.push(newestIndex);
    picked.sort((a, b) => a - b);
  }
  let lastTick: RunTick | undefined;
  for (const i of picked) {
    const run = lane.runs[i] as Run;
    const chain = runChain(run, o.now, run === newest ? waitingWindow(run, true, status) : null);
    if (chain.end < o.start || chain.start > o.end) continue;
    if ((chain.end - chain.start) / o.msPerPx >= COLLAPSE_PX || run.id === o.keepRunId) {
      runs.push(chain);
      lastTick = undefined;
      continue;
    }
    if (lastTick && (chain.start - lastTick.end) / o.msPerPx < COLLAPSE_PX) {
      lastTick.count++;
      lastTick.end = Math.max(lastTick.end, chain.end);
      if (ALERT_STATES.has(chain.state)) lastTick.state = chain.state;
      continue;
    }
    lastTick = { id: chain.id, state: chain.state, start: chain.start, end: chain.end, count: 1 };
    ticks.push(lastTick);
  }
  return { runs, ticks };
}

/** A lane row for the slice. */
export function sliceLane(lane: LaneIndex, row: number, o: LaneSliceOptions): LaneRow {
  const object = lane.object;
  const status = o.status(object);
  const scheduled = object.currentAlarm.scheduledTime;
  return {
    kind: "lane",
    row,
    key: object.key,
    label: objectLabel(object.ref),
    tooltip: objectTooltip(object.ref, object.worker),
    className: object.ref.className,
    status: status.status,
    markers: sliceMarkers(lane, o),
    ...sliceRuns(lane, o),
    pending:
      scheduled === null
        ? null
        : { t: scheduled, overdue: status.status === "overdue" && status.dueAt === scheduled, origin: object.currentAlarm.origin },
    droppedEvents: object.droppedEvents,
  };
}

// ───────────────────────────── the index ─────────────────────────────

/**
 * What a viewport request gets sliced: its `cover`, held within `MAX_COVER_SPANS` spans and `MAX_COVER_ROWS` rows of
 * the view and a factor `MAX_COVER_RESOLUTION` of its resolution, or the view plus the default margins.
 */
export function coverFor(viewport: ViewportRequest, totalRows: number): Cover {
  const span = viewport.end - viewport.start;
  const viewMsPerPx = span / viewport.widthPx;
  const lastVisible = viewport.firstRow + viewport.rowCount;
  const c = viewport.cover;
  if (!c) {
    return {
      start: viewport.start - span * TIME_MARGIN,
      end: viewport.end + span * TIME_MARGIN,
      msPerPx: viewMsPerPx,
      firstRow: Math.max(0, viewport.firstRow - ROW_MARGIN),
      lastRow: Math.min(totalRows - 1, lastVisible + ROW_MARGIN),
    };
  }
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  return {
    start: clamp(c.start, viewport.start - span * MAX_COVER_SPANS, viewport.start),
    end: clamp(c.end, viewport.end, viewport.end + span * MAX_COVER_SPANS),
    msPerPx: clamp(c.msPerPx, viewMsPerPx / MAX_COVER_RESOLUTION, viewMsPerPx * MAX_COVER_RESOLUTION),
    firstRow: clamp(c.firstRow, Math.max(0, viewport.firstRow - MAX_COVER_ROWS), viewport.firstRow),
    lastRow: Math.min(totalRows - 1, clamp(c.lastRow, lastVisible, lastVisible + MAX_COVER_ROWS)),
  };
}

function classId(worker: string, className: string): string {
  return `${worker}/${className}`;
}

function filterKey(f: TimelineFilter): string {
  return JSON.stringify([[...f.hiddenClasses].sort(), [...f.objects].sort(), f.search.trim().toLowerCase()]);
}

/**
 * Lane indexes for every object, rebuilt lazily when the model reports a change, and the layout of rows for a filter.
 */
export class TimelineIndex {
  private readonly lanes = new Map<ObjectKey, LaneIndex>();
  private readonly dirty = new Set<ObjectKey>();
  /** Bounds of lanes not built (or changed since), so the extent needs no lane built (see `laneBounds`). */
  private readonly bounds = new Map<ObjectKey, { object: ObjectView; first: number | null; last: number | null }>();
  private allDirty = true;
  private layoutCache: { key: string; layout: Layout; searched: boolean } | undefined;

  constructor(private readonly model: TimelineModel) {}

  /** Marks objects changed (their lanes are rebuilt when next read); `structural` also rebuilds the layout. */
  invalidate(keys: readonly ObjectKey[], structural: boolean): void {
    for (const k of keys) {
      this.dirty.add(k);
      this.bounds.delete(k);
    }
    if (structural) this.allDirty = true;
    // Rows change only when objects come, go or move (structural), or, under a search, when a lane's events do.
    // Each flush of new events asks for the layout again (its state line, its slice): keep it otherwise.
    if (structural || (keys.length > 0 && this.layoutCache?.searched === true)) this.layoutCache = undefined;
  }

  /** True when the object's lane is built and current: reading it costs nothing. */
  isBuilt(key: ObjectKey): boolean {
    const lane = this.lanes.get(key);
    return lane !== undefined && !this.dirty.has(key) && lane.object === this.model.getObject(key);
  }

  /** True when the lane's bounds are at hand (its lane is built, or they were computed since it last changed). */
  hasBounds(key: ObjectKey): boolean {
    if (this.isBuilt(key)) return true;
    const b = this.bounds.get(key);
    return b !== undefined && b.object === this.model.getObject(key);
  }

  /** The lane's bounds: from its lane when built, else from one pass over the object (cached until it changes). */
  boundsOf(key: ObjectKey): { object: ObjectView; first: number | null; last: number | null } | undefined {
    const object = this.model.getObject(key);
    if (!object) return undefined;
    if (this.isBuilt(key)) return this.lanes.get(key);
    let b = this.bounds.get(key);
    if (!b || b.object !== object) {
      b = { object, ...laneBounds(object) };
      this.bounds.set(key, b);
    }
    return b;
  }

  /** The lane of an object, rebuilt if it changed. Undefined for an unknown object. */
  lane(key: ObjectKey): LaneIndex | undefined {
    const object = this.model.getObject(key);
    if (!object) {
      this.lanes.delete(key);
      return undefined;
    }
    let lane = this.lanes.get(key);
    // A lane is current only if built from the same object (an evicted and re-created object is a new one).
    if (!lane || lane.object !== object || this.dirty.has(key)) {
      lane = buildLaneIndex(object);
      this.lanes.set(key, lane);
      this.dirty.delete(key);
    }
    return lane;
  }

  /** The rows for a filter: class headings, then their objects' lanes. */
  layout(filter: TimelineFilter): Layout {
    const key = filterKey(filter);
    if (this.layoutCache && this.layoutCache.key === key && !this.allDirty) return this.layoutCache.layout;
    if (this.allDirty) {
      // Forget lanes of objects that are gone, so the maps do not grow with evicted objects.
      for (const k of [...this.lanes.keys()]) if (!this.model.getObject(k)) this.lanes.delete(k);
      for (const k of [...this.bounds.keys()]) if (!this.model.getObject(k)) this.bounds.delete(k);
      this.allDirty = false;
    }
    const hidden = new Set(filter.hiddenClasses);
    const only = new Set(filter.objects);
    const needle = filter.search.trim().toLowerCase();
    const rows: LayoutRow[] = [];
    const rowOf = new Map<ObjectKey, number>();
    const classes: ClassChoice[] = [];
    const workers = this.model.workers();
    const manyWorkers = workers.filter((w) => w.classes.some((c) => c.objects.length > 0)).length > 1;
    let lanes = 0;
    for (const w of workers) {
      for (const c of w.classes) {
        if (c.objects.length === 0) continue;
        const id = classId(w.name, c.className);
        classes.push({ id, worker: w.name, className: c.className, objects: c.objects.length });
        if (hidden.has(id)) continue;
        const shown = c.objects.filter((o) => (only.size === 0 || only.has(o.key)) && (needle === "" || laneMatches(this.lane(o.key) as LaneIndex, needle)));
        if (shown.length === 0) continue;
        rows.push({ kind: "class", worker: manyWorkers ? w.name : "", className: c.className, objects: shown.length });
        for (const o of shown) {
          rowOf.set(o.key, rows.length);
          rows.push({ kind: "lane", key: o.key });
          lanes++;
        }
      }
    }
    const layout: Layout = { rows, rowOf, classes, lanes };
    this.layoutCache = { key, layout, searched: needle !== "" };
    return layout;
  }

  /**
   * First and last time worth showing for the lanes of a layout: events, runs, pending alarms, and awaited retries
   * (which depend on `now`). Null when the lanes hold nothing.
   */
  extent(layout: Layout, now: number): { min: number; max: number } | null {
    let min = Infinity;
    let max = -Infinity;
    for (const key of layout.rowOf.keys()) {
      const lane = this.boundsOf(key);
      if (!lane || lane.first === null || lane.last === null) continue;
      min = Math.min(min, lane.first);
      max = Math.max(max, lane.last);
      const status = this.model.status(lane.object, now);
      if (status.window) max = Math.max(max, status.window.latest);
      if (status.status === "running") max = Math.max(max, now);
    }
    return min <= max ? { min, max } : null;
  }

  /**
   * The slice for a viewport: what its `cover` asks for (kept near the view: see `coverFor`), or by default the rows
   * in view (plus `ROW_MARGIN` each side) and, on each lane, what falls in the viewport's time range (plus
   * `TIME_MARGIN` of its span each side), at the viewport's resolution. Rows the webview said it `have` are left out.
   */
  slice(
    filter: TimelineFilter,
    viewport: ViewportRequest,
    now: number,
    options: { requestId?: number; keepRunId?: string; clockShown?: boolean; only?: ReadonlySet<ObjectKey> } = {},
  ): SliceMessage {
    const layout = this.layout(filter);
    const { start, end, msPerPx, firstRow, lastRow } = coverFor(viewport, layout.rows.length);
    // `only`: a refresh of a few lanes (those the clock or new events changed); the webview keeps every other row.
    const only = options.only;
    const kept = only
      ? { firstRow, lastRow }
      : viewport.have
        ? { firstRow: Math.max(firstRow, viewport.have.firstRow), lastRow: Math.min(lastRow, viewport.have.lastRow) }
        : undefined;
    const o: LaneSliceOptions = {
      start,
      end,
      msPerPx,
      hiddenKinds: new Set(filter.hiddenKinds),
      needle: filter.search.trim().toLowerCase(),
      now,
      status: (object) => this.model.status(object, now),
      ...(options.keepRunId !== undefined ? { keepRunId: options.keepRunId } : {}),
    };
    const rows: (ClassRow | LaneRow)[] = [];
    for (let r = firstRow; r <= lastRow; r++) {
      const row = layout.rows[r] as LayoutRow;
      if (only ? row.kind !== "lane" || !only.has(row.key) : kept && r >= kept.firstRow && r <= kept.lastRow) continue;
      if (row.kind === "class") {
        const label = row.worker ? `${row.worker} › ${row.className}` : row.className;
        rows.push({ kind: "class", row: r, worker: row.worker, className: row.className, objects: row.objects, label });
        continue;
      }
      const lane = this.lane(row.key);
      if (lane) rows.push(sliceLane(lane, r, o));
    }
    return {
      type: "slice",
      requestId: options.requestId ?? 0,
      covers: { start, end, firstRow, lastRow: Math.max(firstRow - 1, lastRow), msPerPx },
      ...(kept && kept.lastRow >= kept.firstRow ? { kept } : {}),
      rows,
      totalRows: layout.rows.length,
      now: options.clockShown === false ? null : now,
    };
  }
}
