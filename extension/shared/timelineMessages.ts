/**
 * The timeline webview's contract: every message between the extension host and the timeline webview, with a guard
 * per message. Compiled in both worlds (Node extension host and the browser webview), so it imports nothing but types
 * of the wire protocol and uses nothing but the language: no DOM, no Node, no `vscode`.
 *
 * The shape of the exchange:
 * 1. The webview loads and sends `ready`. The host sends nothing before that (a message posted to a webview that has
 *    not loaded yet is lost), and answers every `ready` (the webview is re-created when a hidden panel is shown) with
 *    `state`, then `detail` when a run is selected.
 * 2. The webview owns the viewport (time range and scrolled rows) and sends `viewport` when it needs data it does not
 *    have; the host answers with one `slice` holding only what can be drawn there (plus a margin), thinned to the
 *    screen's resolution. The webview never receives the whole history.
 * 3. On model changes the host sends, at most a few times a second, a new `state` when lanes came or went, a new
 *    `slice` for the last viewport asked for, and a new `detail` when the selected run changed.
 * 4. Everything else the webview sends is a request (`select`, `step`, `setFilter`, `openFrame`, …); the host acts and
 *    answers with the messages of step 3 where the view must change.
 *
 * Guards check what a handler relies on, because both sides treat what arrives as untrusted input: the host never
 * acts on a malformed request, and the webview never draws a malformed answer.
 */
import type { AlarmInfoCopy, AlarmTrigger, RetryInfo, SchedulerCall, ValuePreview } from "../../protocol/protocol";

/** The wire protocol's value preview, restated here so the webview imports nothing outside extension/shared/. */
export type { ValuePreview };

/** The `viewType` of timeline panels; the serializer that restores them after a reload is registered under it. */
export const TIMELINE_VIEW_TYPE = "alarmInspector.timeline";

// ───────────────────────────── shared shapes ─────────────────────────────

/** Kinds of event markers drawn on a lane; each can be hidden with the kind filter. */
export type MarkerKind = "wake" | "set" | "overwrite" | "delete" | "attemptStart" | "attemptEnd" | "storage";

/** Every marker kind, in legend order. */
/** A scheduler's own alarm call in the detail: the agent's mark, and a sentence saying what it was for. */
export interface SchedulerCallDetail extends SchedulerCall {
  text: string;
}

export const MARKER_KINDS: readonly MarkerKind[] = ["wake", "set", "overwrite", "delete", "attemptStart", "attemptEnd", "storage"];

/** How each marker kind is named in the legend and the kind filter. */
export const MARKER_KIND_LABELS: Readonly<Record<MarkerKind, string>> = {
  wake: "Wake (object constructed)",
  set: "setAlarm",
  overwrite: "setAlarm over a pending alarm",
  delete: "deleteAlarm",
  attemptStart: "Attempt start",
  attemptEnd: "Attempt end",
  storage: "Storage write",
};

/** Where a run stands (mirrors the model's `RunState`, restated so the webview world needs no model import). */
export type RunStateName = "running" | "succeeded" | "retrying" | "abandoned" | "failed" | "replaced" | "interrupted";

/** How an attempt ended (mirrors the model's `AttemptOutcome`). */
export type AttemptOutcomeName = "running" | "ok" | "error" | "interrupted";

/** An object's status (mirrors the model's `AlarmStatus`). */
export type LaneStatus = "idle" | "scheduled" | "overdue" | "running" | "retrying" | "abandoned" | "succeeded" | "failed";

/** What the lanes show. Empty lists mean "no restriction". */
export interface TimelineFilter {
  /** `worker/className` of classes whose lanes are hidden. */
  hiddenClasses: string[];
  /** When not empty, only these objects (by `ObjectKey`) get lanes. */
  objects: string[];
  /** Marker kinds not drawn. */
  hiddenKinds: MarkerKind[];
  /** Case-insensitive text matched against storage keys, error messages, and object names and ids; lanes without a
   *  match are hidden, and matching markers are highlighted. Empty: no search. */
  search: string;
}

/** A filter that shows everything. */
export const EMPTY_FILTER: Readonly<TimelineFilter> = Object.freeze({ hiddenClasses: [], objects: [], hiddenKinds: [], search: "" });

/** What the webview is showing, as it asks for data. */
export interface ViewportRequest {
  /** Visible time range, ms since the epoch (`start < end`). */
  start: number;
  end: number;
  /** First visible row (0-based) and how many rows fit. */
  firstRow: number;
  rowCount: number;
  /** Width of the time area in CSS pixels: sets how finely markers are kept apart. */
  widthPx: number;
  /**
   * What to slice, when the webview chooses its own margins: a time range, the rows, and the resolution (ms per
   * pixel). It asks for room ahead of a pan or a scroll, so the data is there before the view gets to it. Without it
   * the host adds small default margins around the view (what a first frame needs, and no more). The host keeps it
   * within `MAX_COVER_SPANS` and `MAX_COVER_ROWS` of the view, and within a factor `MAX_COVER_RESOLUTION` of its
   * resolution: a malformed or greedy request cannot make it slice the whole history.
   */
  cover?: Cover;
  /**
   * Rows of `cover` the webview already holds, sliced for exactly this time range and resolution (a scroll kept them):
   * they are not sliced or sent again.
   */
  have?: { firstRow: number; lastRow: number };
}

/** A time range, a range of rows, and a resolution: what a slice holds. */
export interface Cover {
  start: number;
  end: number;
  firstRow: number;
  lastRow: number;
  msPerPx: number;
}

/** Widest `cover` the host slices beyond each edge of the view, in view spans. */
export const MAX_COVER_SPANS = 2;
/** Most rows the host slices beyond each edge of the visible ones. */
export const MAX_COVER_ROWS = 120;
/** Finest and coarsest `cover` resolution the host slices, as a factor of the view's. */
export const MAX_COVER_RESOLUTION = 4;

/**
 * One event marker, or several of one kind merged because they fall within a few pixels of each other. It carries no
 * text: its tooltip is asked for (`describe`) when the pointer rests on it, so a slice stays small however dense.
 */
export interface Marker {
  /** Time of the (first merged) event, ms since the epoch. */
  t: number;
  kind: MarkerKind;
  /** Events merged into this marker (1 for a single event). */
  count: number;
  /** Time of the last merged event; absent for a single event. */
  last?: number;
  /** A failed attempt end, or a constructor overwriting a pending alarm: drawn in the error colour. */
  alert?: boolean;
  /** Some merged event matched the search. */
  match?: boolean;
  /** Every merged event happened inside the same alarm attempt: clicking it selects that attempt (`selectAt`). */
  inAttempt?: boolean;
}

/** One attempt as drawn in a run chain. */
export interface AttemptBar {
  /** Index in the run (0-based). */
  index: number;
  /** Attempt number: 1 for the first, 2–7 for retries. */
  number: number;
  start: number;
  /** Null while running. */
  end: number | null;
  outcome: AttemptOutcomeName;
  trigger: AlarmTrigger;
  injected: boolean;
  /** For a retry: the window the previous failure predicted for its start. */
  expected?: { earliest: number; latest: number };
}

/** The backoff wait between a failed attempt's end and the next attempt's start. */
export interface BackoffGap {
  from: number;
  to: number;
  /** Whether the next start fell before, inside or after the predicted window; absent when none was predicted. */
  verdict?: WindowVerdict;
}

/** Where an attempt started relative to the window its retry was predicted in. */
export type WindowVerdict = "early" | "inWindow" | "late";

/** A run (a scheduled alarm and its retries) as one connected chain. */
export interface RunChain {
  id: string;
  state: RunStateName;
  /** Drawn extent: first start to last end (or the end of the awaited window). */
  start: number;
  end: number;
  scheduledTime: number | null;
  attempts: AttemptBar[];
  gaps: BackoffGap[];
  /** While a retry is awaited: the window its start is expected in. */
  waiting: { earliest: number; latest: number; retryCount: number | null } | null;
}

/** Runs too narrow on screen to show their parts (a few pixels at this zoom), drawn as one tick. */
export interface RunTick {
  /** The first run's id: clicking a single-run tick selects it. */
  id: string;
  /** The state shown: failing states win over others when several runs share the tick. */
  state: RunStateName;
  start: number;
  end: number;
  /** Runs in this tick. */
  count: number;
}

/** The alarm still pending on an object, where it will fire. */
export interface PendingMark {
  t: number;
  /** Past its time by more than the model's grace, and not started. */
  overdue: boolean;
  /** Who set it: `user`, `inspector`, `persisted` (read from wrangler's state), … */
  origin: string;
}

/** A class heading row. */
export interface ClassRow {
  kind: "class";
  row: number;
  worker: string;
  className: string;
  /** Objects of the class with a lane under the current filter. */
  objects: number;
  label: string;
}

/** One object's lane. */
export interface LaneRow {
  kind: "lane";
  row: number;
  /** The model's `ObjectKey`. */
  key: string;
  label: string;
  /** Several lines: class, name, id, worker. */
  tooltip: string;
  className: string;
  status: LaneStatus;
  markers: Marker[];
  runs: RunChain[];
  ticks: RunTick[];
  pending: PendingMark | null;
  /** Events of this object the model no longer holds (its memory bounds): older history is incomplete. */
  droppedEvents: number;
}

export type Row = ClassRow | LaneRow;

/** A class the filter can show or hide. */
export interface ClassChoice {
  /** `worker/className`. */
  id: string;
  worker: string;
  className: string;
  objects: number;
}

/** A run offered in the side panel when nothing is selected, so a run can be picked without the canvas. */
export interface RunSummary {
  objectKey: string;
  runId: string;
  objectLabel: string;
  className: string;
  state: RunStateName;
  attempts: number;
  /** Its first attempt's start. */
  start: number;
}

/** A stack frame, parsed from an error's stack text. */
export interface StackFrame {
  /** The line as the runtime printed it (trimmed). */
  text: string;
  /** File path or URL as printed, when the line names one. */
  file?: string;
  line?: number;
  column?: number;
  /** The host found the file in the workspace: the frame is drawn as a link that opens it. */
  openable?: boolean;
}

/** A stored value as known at one moment. */
export type ValueState =
  | { state: "unknown" }
  | { state: "absent" }
  | { state: "value"; value: ValuePreview };

/** What one attempt did to one key: the value before the attempt and after it. */
export interface StorageChange {
  key: string;
  /** Last value seen for the key in earlier events of the object; `unknown` when none was seen. */
  before: ValueState;
  /** `absent` when the attempt deleted the key. */
  after: ValueState;
  /** Writes to the key during the attempt. */
  writes: number;
}

/** Everything shown for one attempt of the selected run. */
export interface StepDetail {
  objectKey: string;
  objectLabel: string;
  className: string;
  worker: string;
  /** Row of the object's lane under the current filter, or -1 when it is filtered out. */
  row: number;
  run: {
    id: string;
    state: RunStateName;
    scheduledTime: number | null;
    trigger: AlarmTrigger;
    attemptCount: number;
    /** Earlier attempts were not seen (connected mid-run). */
    partial: boolean;
    superseded: boolean;
    /** First attempt's start, and the latest end of its attempts (a running attempt's start): what to zoom to. */
    start: number;
    end: number;
  };
  /** Index of the shown attempt in the run (0-based). */
  attemptIndex: number;
  attempt: {
    number: number;
    trigger: AlarmTrigger;
    alarmInfo: AlarmInfoCopy | null;
    startedAt: number;
    endedAt: number | null;
    durationMs: number | null;
    outcome: AttemptOutcomeName;
    injectedFailure: boolean;
    startMissed: boolean;
    /** For a retry: the predicted window, and where the start fell. */
    expected: { earliest: number; latest: number; verdict: WindowVerdict } | null;
    /** Wait since the previous attempt ended (the backoff), for a retry. */
    backoffMs: number | null;
    /** What the runtime was expected to do after this attempt failed. */
    retry: RetryInfo | null;
  };
  error: { name: string; message: string; injected: boolean; frames: StackFrame[] } | null;
  storage: StorageChange[];
  /** `deleteAll()` calls during the attempt: every key was removed at that point. */
  deleteAll: number;
  /** SQL writes during the attempt, in order. */
  sql: { at: number; query: string; bindings: number }[];
  /** `setAlarm` / `deleteAlarm` calls during the attempt. */
  alarmCalls: {
    at: number;
    kind: "set" | "delete";
    scheduledTime: number | null;
    previous: number | null;
    /** Made by the scheduler for its own bookkeeping (not the user's code): what for, and which schedules it serves. */
    scheduler?: SchedulerCallDetail;
  }[];
  /** Storage writes of the attempt the agent left out (`omitted`) or the model no longer holds. */
  omittedWrites: number;
  /** The object's history was trimmed, so a "before" may be unknown only because it was forgotten. */
  historyTrimmed: boolean;
  /** Schedule runs inside this attempt, by start; absent for objects without schedules. */
  schedules?: ScheduleStep[];
  /** Set while stepping goes through one schedule's runs (`selectSchedule`). */
  scheduleFocus?: ScheduleFocus | null;
}

/**
 * One run of a schedule behind the alarm (Agents SDK, the docs' pattern) that happened inside the shown alarm attempt:
 * the SDK runs due schedules from its `alarm()`, so one alarm attempt may run several, each with its own retries.
 */
export interface ScheduleStep {
  scheduleId: string;
  callback: string;
  kind: "delayed" | "date" | "cron" | "interval";
  /** This run's index among the schedule's runs the extension holds (0-based), and how many it holds. */
  runIndex: number;
  runCount: number;
  startedAt: number;
  endedAt: number | null;
  /** `error` when the SDK caught the callback's error on its last attempt: the alarm attempt still ended ok. */
  outcome: "running" | "ok" | "error" | "unknown";
  /** The SDK's attempts of this run, and its retry policy's maximum when it said. */
  attempts: number;
  maxAttempts: number | null;
  error: { name: string; message: string } | null;
}

/** Stepping follows one schedule's runs (across alarm attempts) instead of the selected run's attempts. */
export interface ScheduleFocus {
  scheduleId: string;
  callback: string;
  runIndex: number;
  runCount: number;
}

// ───────────────────────────── host → webview ─────────────────────────────

/** Everything but the drawn data: sent after `ready` and whenever it changes. */
export interface StateMessage {
  type: "state";
  title: string;
  /** An opened session file: no live clock, no follow. */
  offline: boolean;
  /** One line about the connection or the file (shown in the toolbar). */
  status: string;
  follow: boolean;
  filter: TimelineFilter;
  classes: ClassChoice[];
  /** Rows under the current filter (headings and lanes): the scroll extent. */
  totalRows: number;
  /** First and last time worth showing (events, pending alarms, awaited retries), or null with nothing to show. */
  extent: { min: number; max: number } | null;
  /** The host's clock (ms since the epoch), or null offline; the webview keeps its "now" line in step with it. */
  now: number | null;
  /** Objects with a lane, events held, and events lost (dropped by the agent or the model's bounds). */
  counts: { lanes: number; events: number; lost: number };
  /** The newest run of each shown object, those that failed or retried first, then the newest; at most 12. */
  recentRuns: RunSummary[];
  /** Row to scroll into view (an object asked for by `TimelinePanel.show`), once. */
  reveal?: number;
  /** The session file an offline panel shows (a URI string): the webview saves it so a restored panel reopens it. */
  sessionFile?: string;
  /**
   * The refresh of the lanes that changed with this state (requestId 0), handled right after it. A flush of new events
   * changes both, and each message the extension host posts is a message to the workbench that it answers: one for
   * both halves what the stream costs (measured at 1,000 events/s: 11 `$postMessage` a second, now about 6).
   */
  slice?: PackedSliceMessage;
}

/** The drawable data for one viewport request. */
export interface SliceMessage {
  type: "slice";
  /** The `requestId` of the `viewport` this answers; 0 when the host refreshed on its own after a model change. */
  requestId: number;
  /** What the slice holds, margin included: the webview asks again only when its view leaves this. */
  covers: Cover;
  /**
   * Rows of `covers` that stay as the webview has them, unless this slice carries them: those it said it `have`, or,
   * in a refresh of a few lanes (the clock moved, events arrived), every row. Only for the same time range and
   * resolution as the webview's data; a webview whose data differs ignores a refresh and asks again otherwise.
   */
  kept?: { firstRow: number; lastRow: number };
  rows: Row[];
  totalRows: number;
  now: number | null;
}

/** A lane as posted: `LaneRow` with its markers, runs and ticks packed as numbers (see sliceCodec.ts). */
export interface PackedLane extends Omit<LaneRow, "markers" | "runs" | "ticks"> {
  /** Markers: per marker `dt, code` (+ `count, last - t` when merged); `dt` from the marker before (or `base`). */
  m: number[];
  /** Runs (see `packRuns` in sliceCodec.ts). */
  r: number[];
  /** Ticks: per tick `id prefix, id number, dt, duration, state, count`; `dt` from the tick before (or `base`). */
  k: number[];
}

/**
 * A `slice` as posted: `SliceMessage` with its lanes packed (sliceCodec.ts), a fraction of the size to serialise,
 * carry and parse. The webview unpacks it into a `SliceMessage`.
 */
export interface PackedSliceMessage extends Omit<SliceMessage, "rows"> {
  /** Times are sent as differences from this (the start of `covers`). */
  base: number;
  /** Run ids (`session#seq`) are sent as an index into this table of their parts before `#`, and the number after. */
  ids: string[];
  rows: (ClassRow | PackedLane)[];
}

/** The selected run and attempt, or null when nothing is selected. */
export interface DetailMessage {
  type: "detail";
  detail: StepDetail | null;
}

/** The tooltip of a marker, answering `describe`. */
export interface DescriptionMessage {
  type: "description";
  requestId: number;
  /** Lines of plain text (shown with `textContent`). Empty when the events are no longer held. */
  lines: string[];
}

export type ToWebviewMessage = StateMessage | PackedSliceMessage | DetailMessage | DescriptionMessage;

// ───────────────────────────── webview → host ─────────────────────────────

/** The webview has loaded and listens: the host may post. */
export interface ReadyMessage {
  type: "ready";
  /**
   * The view the webview is about to show, so that the first slice comes right after the `state` instead of a round
   * trip later (the first frame waits for it). `clock` is the webview's `Date.now()` for that view; when `follows`,
   * the view keeps "now" in sight and the host moves it by the difference between its clock and the webview's. The
   * host answers it with a `slice` carrying `requestId`, whether or not the view turns out to be the one shown.
   */
  first?: { requestId: number; viewport: ViewportRequest; clock: number; follows: boolean };
}

/** The webview needs data for this view. */
export interface ViewportMessage {
  type: "viewport";
  /** Echoed in the `slice` that answers, so that a late answer to an older request can be recognised. */
  requestId: number;
  viewport: ViewportRequest;
}

/** Select a run (and one of its attempts; the last one when absent). */
export interface SelectMessage {
  type: "select";
  objectKey: string;
  runId: string;
  attemptIndex?: number;
}

/** Select the attempt an event happened in: the first event of `kind` at time `t` on the object's lane. */
export interface SelectAtMessage {
  type: "selectAt";
  objectKey: string;
  kind: MarkerKind;
  t: number;
}

/** Move through the selected run's attempts. */
export interface StepMessage {
  type: "step";
  to: StepTarget;
}

/** Where `step` goes. */
export type StepTarget = "first" | "previous" | "next" | "last";

/** Every step target. */
export const STEP_TARGETS: readonly StepTarget[] = ["first", "previous", "next", "last"];

/**
 * Step through one schedule's runs (`step` then goes from run to run of it, selecting the alarm attempt that ran
 * each), or, with null, through the selected run's attempts again.
 */
export interface SelectScheduleMessage {
  type: "selectSchedule";
  scheduleId: string | null;
}

/** Drop the selection. */
export interface ClearSelectionMessage {
  type: "clearSelection";
}

/** Replace the filter. */
export interface SetFilterMessage {
  type: "setFilter";
  filter: TimelineFilter;
}

/** Follow live (the view keeps "now" in sight) or not; remembered across reloads. */
export interface SetFollowMessage {
  type: "setFollow";
  follow: boolean;
}

/** Open a stack frame's file at its line. */
export interface OpenFrameMessage {
  type: "openFrame";
  file: string;
  line?: number;
  column?: number;
}

/** Asks for the tooltip of a marker: the events of `kind` on the object's lane between `from` and `to`. */
export interface DescribeMessage {
  type: "describe";
  requestId: number;
  objectKey: string;
  kind: MarkerKind;
  from: number;
  to: number;
}

/** A toolbar action the host carries out. */
export interface RunCommandMessage {
  type: "command";
  command: TimelineCommand;
}

/** `export`: save this session to a file; `open`: open a session file in a new panel. */
export type TimelineCommand = "export" | "open";

export type ToHostMessage =
  | ReadyMessage
  | ViewportMessage
  | SelectMessage
  | SelectAtMessage
  | StepMessage
  | SelectScheduleMessage
  | ClearSelectionMessage
  | SetFilterMessage
  | SetFollowMessage
  | OpenFrameMessage
  | DescribeMessage
  | RunCommandMessage;

/** What the webview keeps with `vscode.setState`, and the serializer gets back to restore a panel after a reload. */
export interface TimelineWebviewState {
  /** The session file an offline panel shows (a URI string), so a restored panel can reopen it. */
  sessionFile?: string;
  follow?: boolean;
  filter?: TimelineFilter;
  /** The view when the state was saved: restored as it was. */
  view?: { start: number; end: number; firstRow: number };
}

// ───────────────────────────── guards ─────────────────────────────

type Fields = Record<string, unknown>;

function isRecord(v: unknown): v is Fields {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

/** A well-formed filter (kinds must be known ones). */
export function isTimelineFilter(v: unknown): v is TimelineFilter {
  return (
    isRecord(v) &&
    isStringArray(v.hiddenClasses) &&
    isStringArray(v.objects) &&
    Array.isArray(v.hiddenKinds) &&
    v.hiddenKinds.every((k) => (MARKER_KINDS as readonly unknown[]).includes(k)) &&
    typeof v.search === "string"
  );
}

/** Rows `firstRow` to `lastRow`, both included (`lastRow` may be `firstRow - 1`: none). */
function isRowRange(v: unknown): v is { firstRow: number; lastRow: number } {
  return isRecord(v) && Number.isInteger(v.firstRow) && Number.isInteger(v.lastRow) && (v.firstRow as number) >= 0 && (v.lastRow as number) >= (v.firstRow as number) - 1;
}

/** A cover with a real, ordered time range, sane rows and a positive resolution. */
function isCover(v: unknown): v is Cover {
  return isRecord(v) && isFiniteNumber(v.start) && isFiniteNumber(v.end) && v.start < v.end && isFiniteNumber(v.msPerPx) && v.msPerPx > 0 && isRowRange(v);
}

/** A viewport with a real, ordered time range and sane row numbers. */
export function isViewportRequest(v: unknown): v is ViewportRequest {
  return (
    isRecord(v) &&
    isFiniteNumber(v.start) &&
    isFiniteNumber(v.end) &&
    v.start < v.end &&
    Number.isInteger(v.firstRow) &&
    (v.firstRow as number) >= 0 &&
    Number.isInteger(v.rowCount) &&
    (v.rowCount as number) >= 0 &&
    isFiniteNumber(v.widthPx) &&
    v.widthPx > 0 &&
    (v.cover === undefined || isCover(v.cover)) &&
    (v.have === undefined || isRowRange(v.have))
  );
}

// Each message is declared once: its interface, its member of the union, and one entry in the table of its union
// below. The tables are typed against the unions, so a message added to a union without a check (or a check left
// for a message no longer in it) does not compile; the union guards are read off the tables.

/** The field checks of one union's messages, one per `type`. */
type Checks<U extends { type: string }> = { readonly [K in U["type"]]: (m: Fields) => boolean };

/** The guard of a union: a record whose `type` is one of the table's and whose fields pass that type's check. */
function unionGuard<U extends { type: string }>(checks: Checks<U>): (v: unknown) => v is U {
  return (v: unknown): v is U => isRecord(v) && typeof v.type === "string" && Object.hasOwn(checks, v.type) && checks[v.type as U["type"]](v);
}

/** What each message from the webview must hold beyond its `type`. */
const TO_HOST_CHECKS = {
  ready: (m) =>
    m.first === undefined ||
    (isRecord(m.first) && isFiniteNumber(m.first.requestId) && isViewportRequest(m.first.viewport) && isFiniteNumber(m.first.clock) && typeof m.first.follows === "boolean"),
  viewport: (m) => isFiniteNumber(m.requestId) && isViewportRequest(m.viewport),
  select: (m) => typeof m.objectKey === "string" && typeof m.runId === "string" && (m.attemptIndex === undefined || (Number.isInteger(m.attemptIndex) && (m.attemptIndex as number) >= 0)),
  selectAt: (m) => typeof m.objectKey === "string" && (MARKER_KINDS as readonly unknown[]).includes(m.kind) && isFiniteNumber(m.t),
  step: (m) => (STEP_TARGETS as readonly unknown[]).includes(m.to),
  selectSchedule: (m) => m.scheduleId === null || (typeof m.scheduleId === "string" && m.scheduleId !== ""),
  clearSelection: () => true,
  setFilter: (m) => isTimelineFilter(m.filter),
  setFollow: (m) => typeof m.follow === "boolean",
  openFrame: (m) =>
    typeof m.file === "string" &&
    m.file !== "" &&
    (m.line === undefined || (Number.isInteger(m.line) && (m.line as number) >= 1)) &&
    (m.column === undefined || (Number.isInteger(m.column) && (m.column as number) >= 1)),
  describe: (m) =>
    isFiniteNumber(m.requestId) &&
    typeof m.objectKey === "string" &&
    (MARKER_KINDS as readonly unknown[]).includes(m.kind) &&
    isFiniteNumber(m.from) &&
    isFiniteNumber(m.to) &&
    m.from <= m.to,
  command: (m) => m.command === "export" || m.command === "open",
} satisfies Checks<ToHostMessage>;

/** The fields of a (packed) slice, standing alone or inside a `state`. */
function isSlice(m: Fields): boolean {
  return (
    isFiniteNumber(m.requestId) &&
    isFiniteNumber(m.base) &&
    isStringArray(m.ids) &&
    isRecord(m.covers) &&
    isFiniteNumber(m.covers.start) &&
    isFiniteNumber(m.covers.end) &&
    isFiniteNumber(m.covers.msPerPx) &&
    Number.isInteger(m.covers.firstRow) &&
    Number.isInteger(m.covers.lastRow) &&
    (m.kept === undefined || isRowRange(m.kept)) &&
    Array.isArray(m.rows) &&
    Number.isInteger(m.totalRows) &&
    (m.now === null || isFiniteNumber(m.now))
  );
}

/** What each message from the host must hold beyond its `type`. */
const TO_WEBVIEW_CHECKS = {
  state: (m) =>
    typeof m.title === "string" &&
    typeof m.offline === "boolean" &&
    typeof m.status === "string" &&
    typeof m.follow === "boolean" &&
    isTimelineFilter(m.filter) &&
    Array.isArray(m.classes) &&
    Number.isInteger(m.totalRows) &&
    (m.extent === null || (isRecord(m.extent) && isFiniteNumber(m.extent.min) && isFiniteNumber(m.extent.max))) &&
    (m.now === null || isFiniteNumber(m.now)) &&
    isRecord(m.counts) &&
    Array.isArray(m.recentRuns) &&
    (m.reveal === undefined || Number.isInteger(m.reveal)) &&
    (m.sessionFile === undefined || typeof m.sessionFile === "string") &&
    (m.slice === undefined || (isRecord(m.slice) && m.slice.type === "slice" && isSlice(m.slice))),
  slice: (m) => isSlice(m),
  detail: (m) => m.detail === null || (isRecord(m.detail) && typeof m.detail.objectKey === "string" && isRecord(m.detail.attempt)),
  description: (m) => isFiniteNumber(m.requestId) && isStringArray(m.lines),
} satisfies Checks<ToWebviewMessage>;

/** True for any well-formed message from the webview. */
export const isToHostMessage = unionGuard<ToHostMessage>(TO_HOST_CHECKS);

/** True for any well-formed message from the host. */
export const isToWebviewMessage = unionGuard<ToWebviewMessage>(TO_WEBVIEW_CHECKS);

// ───────────────────────────── handlers and replies ─────────────────────────────

/** The member of union `U` whose `type` is `K`. */
export type MessageOf<U extends { type: string }, K extends U["type"]> = Extract<U, { type: K }>;

/**
 * What the host answers each request with, besides the updates it pushes on its own (step 3 above). A request added
 * to `ToHostMessage` without an entry here does not compile, nor does an entry naming a message the host cannot send.
 * The host's handlers get a `reply` typed by their entry (`Reply`), so a handler answering with a message its entry
 * does not list does not compile either.
 */
export const REPLIES = {
  ready: ["state", "slice", "detail"],
  viewport: ["slice"],
  select: ["detail"],
  selectAt: ["detail"],
  step: ["detail"],
  selectSchedule: ["detail"],
  clearSelection: ["detail"],
  setFilter: ["state", "slice", "detail"],
  setFollow: [],
  openFrame: [],
  describe: ["description"],
  command: [],
} as const satisfies { readonly [K in ToHostMessage["type"]]: readonly ToWebviewMessage["type"][] };

/** Sends one of the answers `REPLIES` lists for requests of type `K`. */
export type Reply<K extends ToHostMessage["type"]> = (message: MessageOf<ToWebviewMessage, (typeof REPLIES)[K][number]>) => void;

/** One handler per message of union `U`, keyed by `type`: a message without a handler does not compile. */
export type Handlers<U extends { type: string }> = { readonly [K in U["type"]]: (message: MessageOf<U, K>) => void };

/** The host's handlers: one per request, each given the `reply` its `REPLIES` entry allows. */
export type RequestHandlers = { readonly [K in ToHostMessage["type"]]: (message: MessageOf<ToHostMessage, K>, reply: Reply<K>) => void };

/**
 * Calls the handler of `message`'s type. TypeScript cannot tie the handler it looks up to the message's own member of
 * the union, hence the one cast; the handler tables' types are what make each handler take the right message.
 */
export function dispatch<U extends { type: string }>(handlers: Handlers<U>, message: U): void {
  (handlers[message.type as U["type"]] as (m: U) => void)(message);
}

/** `dispatch` for the host: the handler of a request, with `post` as its reply (every `Reply` accepts less). */
export function dispatchRequest(handlers: RequestHandlers, message: ToHostMessage, post: (message: ToWebviewMessage) => void): void {
  (handlers[message.type] as (m: ToHostMessage, reply: (m: ToWebviewMessage) => void) => void)(message, post);
}

/** Reads back what the webview saved, keeping only well-formed fields (a restored state may come from an older build). */
export function readWebviewState(v: unknown): TimelineWebviewState {
  if (!isRecord(v)) return {};
  const out: TimelineWebviewState = {};
  if (typeof v.sessionFile === "string" && v.sessionFile !== "") out.sessionFile = v.sessionFile;
  if (typeof v.follow === "boolean") out.follow = v.follow;
  if (isTimelineFilter(v.filter)) out.filter = v.filter;
  const view = v.view;
  if (isRecord(view) && isFiniteNumber(view.start) && isFiniteNumber(view.end) && view.start < view.end && Number.isInteger(view.firstRow) && (view.firstRow as number) >= 0) {
    out.view = { start: view.start, end: view.end, firstRow: view.firstRow as number };
  }
  return out;
}
