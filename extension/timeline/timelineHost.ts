/**
 * The host side of the timeline, without `vscode`: it answers the webview's messages from the model, keeps the
 * selection and the filter, and pushes throttled updates when the model changes. `TimelinePanel` connects it to a
 * real webview; the bench and the unit tests connect it to a page or to an array of posted messages.
 */
import type { AlarmModel } from "../model/alarmModel";
import { Disposable, disposableInterval, Timeout } from "../common/lifecycle";
import { objectLabel } from "../model/objectLabel";
import { runState } from "../model/runs";
import type { ModelChange, ObjectKey } from "../model/types";
import { dispatchRequest, EMPTY_FILTER, isToHostMessage } from "../shared/timelineMessages";
import type {
  DetailMessage,
  OpenFrameMessage,
  PackedSliceMessage,
  ReadyMessage,
  Reply,
  RequestHandlers,
  RunSummary,
  StackFrame,
  StateMessage,
  StepDetail,
  StepTarget,
  TimelineCommand,
  TimelineFilter,
  TimelineWebviewState,
  ToWebviewMessage,
  ViewportRequest,
} from "../shared/timelineMessages";
import { packSlice } from "../shared/sliceCodec";
import { attemptOfScheduleRun, focusTarget, stepIndex, withSchedules } from "./scheduleSteps";
import type { ScheduleSelection } from "./scheduleSteps";
import { findRun, stepDetail } from "./stepDetail";
import { describeMarker } from "./eventText";
import { attemptAt, TimelineIndex } from "./timelineData";
import type { TimelineModel } from "./timelineData";

/** What the host reads from the model. */
export type TimelineHostModel = TimelineModel & Pick<AlarmModel, "onDidChange" | "connection" | "totalEvents" | "stats"> & Partial<Pick<AlarmModel, "schedules">>;

/** How a timeline host is set up. */
export interface TimelineHostOptions {
  model: TimelineHostModel;
  /** Delivers a message to the webview. */
  post: (message: ToWebviewMessage) => void;
  title: string;
  /**
   * For an opened session file: the moment statuses are computed at (when it was exported, or its last event) and a
   * line describing the file. Absent for the live timeline.
   */
  offline?: { asOf: number; description: string; sessionFile?: string };
  /** The live clock; `Date.now` unless a test says. */
  clock?: () => number;
  /** Least time between two pushes caused by model changes. Default 150 ms: smooth to watch, cheap to send. */
  throttleMs?: number;
  /** What a restored panel saved. */
  restored?: TimelineWebviewState;
  /** Open a stack frame's file. */
  openFrame?: (frame: OpenFrameMessage) => void;
  /** Run a toolbar command. */
  command?: (command: TimelineCommand) => void;
  /** Marks the frames whose file is in the workspace as `openable`. */
  resolveFrames?: (frames: StackFrame[]) => Promise<StackFrame[]>;
}

/** The selected run, and which of its attempts is shown. */
export interface TimelineSelection {
  objectKey: ObjectKey;
  runId: string;
  attemptIndex: number;
  /** The newest attempt is shown: when a retry arrives, show it. */
  atLast: boolean;
  /** Stepping goes through this schedule's runs instead of the run's attempts (`selectSchedule`). */
  schedule?: ScheduleSelection;
}

/** Runs listed in the side panel when nothing is selected. */
const RECENT_RUNS = 12;

/** A run worth a look first: it failed or retried (more than one attempt, or not a success). */
function troubled(s: RunSummary): boolean {
  return s.attempts > 1 || (s.state !== "succeeded" && s.state !== "running");
}

/** The newest run of each of the objects, troubled ones first, newest first within each group. */
export function recentRuns(model: Pick<TimelineModel, "getObject">, keys: Iterable<ObjectKey>): RunSummary[] {
  const out: RunSummary[] = [];
  for (const key of keys) {
    const o = model.getObject(key);
    const run = o?.runs[o.runs.length - 1];
    if (!o || !run || run.attempts.length === 0) continue;
    out.push({
      objectKey: key,
      runId: run.id,
      objectLabel: objectLabel(o.ref),
      className: o.ref.className,
      state: runState(run),
      attempts: run.attempts.length,
      start: run.attempts[0]?.startedAt ?? 0,
    });
  }
  return out.sort((a, b) => Number(troubled(b)) - Number(troubled(a)) || b.start - a.start).slice(0, RECENT_RUNS);
}

/** Longest stretch of preparing lanes in the background (`warmUp`) before yielding to other work. */
const WARM_SLICE_MS = 4;

/** How often a live timeline refreshes a view with something the clock changes (a running attempt, an awaited retry). */
const CLOCK_REFRESH_MS = 1000;

/** Answers one timeline webview. */
export class TimelineHost extends Disposable {
  private readonly index: TimelineIndex;
  private ready = false;
  private filterValue: TimelineFilter;
  private followValue: boolean;
  private selectionValue: TimelineSelection | undefined;
  private lastViewport: ViewportRequest | undefined;
  private revealRow: number | undefined;
  private pendingKeys = new Set<ObjectKey>();
  private pendingStructural = false;
  /** The throttled push of model changes. */
  private readonly flushTimer = this._register(new Timeout());
  /** The next step of `warmUp`. */
  private readonly warmTimer = this._register(new Timeout());
  /** Lanes the webview holds whose drawing changes with the clock (running, awaiting a retry, scheduled, overdue). */
  private readonly volatile = new Set<ObjectKey>();
  private detailToken = 0;

  constructor(private readonly options: TimelineHostOptions) {
    super();
    this.index = new TimelineIndex(options.model);
    this.filterValue = options.restored?.filter ?? { ...EMPTY_FILTER };
    this.followValue = options.offline ? false : (options.restored?.follow ?? true);
    this._register(options.model.onDidChange((change) => this.onModelChange(change)));
    if (!options.offline) this._register(disposableInterval(() => this.onClock(), CLOCK_REFRESH_MS));
    this.warmUp();
  }

  /** The filter in effect. */
  get filter(): TimelineFilter {
    return this.filterValue;
  }

  /** Whether the webview follows live. */
  get follow(): boolean {
    return this.followValue;
  }

  /** The selected run, if any. */
  get selection(): TimelineSelection | undefined {
    return this.selectionValue;
  }

  /** True once the webview said `ready` (and since it last did). */
  get isReady(): boolean {
    return this.ready;
  }

  /**
   * The webview went away (its panel was hidden: VS Code destroys a hidden webview's page). Nothing is posted until
   * the new page says `ready`, so a hidden panel costs no slicing.
   */
  detach(): void {
    this.ready = false;
  }

  /** The time statuses are computed at: the clock, or the offline "as of". */
  now(): number {
    return this.options.offline ? this.options.offline.asOf : (this.options.clock ?? Date.now)();
  }

  /**
   * One handler per request the webview may send. Each answers through `reply`, typed by its entry in `REPLIES`:
   * answering with a message that entry does not list does not compile.
   */
  private readonly handlers: RequestHandlers = {
    ready: (m, reply) => this.onReady(m, reply),
    viewport: (m, reply) => {
      this.lastViewport = m.viewport;
      this.postSlice(m.requestId, undefined, reply);
    },
    select: (m, reply) => this.select(m.objectKey, m.runId, m.attemptIndex, reply),
    selectAt: (m, reply) => {
      const lane = this.index.lane(m.objectKey);
      const ref = lane ? attemptAt(lane, m.kind, m.t) : undefined;
      if (ref) this.select(m.objectKey, ref.runId, ref.attemptIndex, reply);
    },
    step: (m, reply) => this.step(m.to, reply),
    selectSchedule: (m, reply) => this.selectSchedule(m.scheduleId, reply),
    clearSelection: (_m, reply) => {
      this.selectionValue = undefined;
      void this.postDetail(reply);
    },
    setFilter: (m, reply) => {
      this.filterValue = m.filter;
      this.postRefresh(undefined, reply);
      void this.postDetail(reply);
    },
    setFollow: (m) => {
      if (!this.options.offline) this.followValue = m.follow;
    },
    openFrame: (m) => this.options.openFrame?.(m),
    describe: (m, reply) => {
      const lane = this.index.lane(m.objectKey);
      reply({ type: "description", requestId: m.requestId, lines: lane ? describeMarker(lane, m.kind, m.from, m.to) : [] });
    },
    command: (m) => this.options.command?.(m.command),
  };

  /** Handles one message from the webview; malformed messages are ignored (the webview is untrusted input). */
  receive(message: unknown): void {
    if (this.isDisposed || !isToHostMessage(message)) return;
    dispatchRequest(this.handlers, message, this.post);
  }

  /** The webview (re)loaded: everything it shows is sent, the slice for its first view too when it said which. */
  private onReady(message: ReadyMessage, reply: Reply<"ready">): void {
    this.ready = true;
    const first = message.first;
    if (first) {
      // A following view is moved to this clock, as the webview will move it once it has the state.
      const shift = first.follows && this.followValue && !this.options.offline ? this.now() - first.clock : 0;
      this.lastViewport = { ...first.viewport, start: first.viewport.start + shift, end: first.viewport.end + shift };
    }
    this.postState(reply);
    if (first) this.postSlice(first.requestId, undefined, reply);
    void this.postDetail(reply);
    // What is not ready yet is prepared while the user looks at the first frame.
    this.warmUp();
  }

  /**
   * Brings an object into view: makes sure the filter shows its lane, scrolls to it, and selects its newest run (its
   * newest attempt), so the detail shows what happened last.
   */
  focus(key: ObjectKey): void {
    const object = this.options.model.getObject(key);
    if (!object) return;
    const f = this.filterValue;
    const classId = `${object.worker}/${object.ref.className}`;
    if (f.hiddenClasses.includes(classId) || (f.objects.length > 0 && !f.objects.includes(key)) || f.search !== "") {
      this.filterValue = { ...f, hiddenClasses: f.hiddenClasses.filter((c) => c !== classId), objects: f.objects.length > 0 ? [...f.objects, key] : [], search: "" };
    }
    this.revealRow = this.index.layout(this.filterValue).rowOf.get(key);
    const run = object.runs[object.runs.length - 1];
    if (run && run.attempts.length > 0) {
      this.selectionValue = { objectKey: key, runId: run.id, attemptIndex: run.attempts.length - 1, atLast: true };
    }
    if (this.ready) {
      this.postRefresh();
      void this.postDetail();
    }
  }

  /** Selects a run (and an attempt of it; its newest when not given). Unknown runs clear the selection. */
  select(objectKey: ObjectKey, runId: string, attemptIndex?: number, send: (m: DetailMessage) => void = this.post): void {
    const object = this.options.model.getObject(objectKey);
    const run = object ? findRun(object, runId) : undefined;
    if (!run || run.attempts.length === 0) {
      this.selectionValue = undefined;
    } else {
      const last = run.attempts.length - 1;
      const index = Math.min(last, attemptIndex ?? last);
      this.selectionValue = { objectKey, runId, attemptIndex: index, atLast: index === last };
    }
    void this.postDetail(send);
  }

  /** Moves through the selected run's attempts. */
  step(to: StepTarget, send: (m: DetailMessage) => void = this.post): void {
    const sel = this.selectionValue;
    if (!sel) return;
    const object = this.options.model.getObject(sel.objectKey);
    const focused = sel.schedule ? this.options.model.schedules?.get(sel.objectKey, sel.schedule.id) : undefined;
    if (object && sel.schedule && focused && focused.runs.length > 0) {
      // Per schedule: from one of its runs to another, showing the alarm attempt that ran each.
      const runIndex = stepIndex(sel.schedule.runIndex, focused.runs.length, to);
      const attempt = attemptOfScheduleRun(object, focused.runs[runIndex]!);
      this.selectionValue = { ...sel, ...(attempt ?? {}), atLast: false, schedule: { id: focused.id, runIndex } };
      void this.postDetail(send);
      return;
    }
    const run = object ? findRun(object, sel.runId) : undefined;
    if (!run) return;
    const last = run.attempts.length - 1;
    const index = to === "first" ? 0 : to === "last" ? last : to === "previous" ? Math.max(0, sel.attemptIndex - 1) : Math.min(last, sel.attemptIndex + 1);
    this.selectionValue = { ...sel, attemptIndex: index, atLast: index === last };
    void this.postDetail(send);
  }

  /**
   * Steps through one schedule's runs from now on, starting at its run inside the shown attempt (else its newest);
   * null goes back to stepping through the run's attempts.
   */
  selectSchedule(scheduleId: string | null, send: (m: DetailMessage) => void = this.post): void {
    const sel = this.selectionValue;
    if (!sel) return;
    const object = this.options.model.getObject(sel.objectKey);
    const s = scheduleId !== null ? this.options.model.schedules?.get(sel.objectKey, scheduleId) : undefined;
    const shown = object ? findRun(object, sel.runId)?.attempts[sel.attemptIndex] : undefined;
    const target = object && s ? focusTarget(object, s, shown) : undefined;
    if (!s || !target) {
      const { schedule: _dropped, ...plain } = sel;
      this.selectionValue = plain;
    } else {
      this.selectionValue = { ...sel, ...(target.attempt ?? {}), atLast: false, schedule: { id: s.id, runIndex: target.runIndex } };
    }
    void this.postDetail(send);
  }

  /** The detail of the selection as it is now, or null. */
  currentDetail(): StepDetail | null {
    const sel = this.selectionValue;
    if (!sel) return null;
    const object = this.options.model.getObject(sel.objectKey);
    if (!object) return null;
    const row = this.index.layout(this.filterValue).rowOf.get(sel.objectKey) ?? -1;
    const detail = stepDetail(object, sel.runId, sel.attemptIndex, row);
    return detail ? withSchedules(detail, this.options.model.schedules, sel.schedule) : null;
  }

  /** The state message as it would be sent now. */
  stateMessage(): StateMessage {
    const model = this.options.model;
    const layout = this.index.layout(this.filterValue);
    const stats = model.stats;
    const message: StateMessage = {
      type: "state",
      title: this.options.title,
      offline: this.options.offline !== undefined,
      status: this.statusLine(),
      follow: this.followValue,
      filter: this.filterValue,
      classes: [...layout.classes],
      totalRows: layout.rows.length,
      extent: this.index.extent(layout, this.now()),
      now: this.options.offline ? null : this.now(),
      counts: { lanes: layout.lanes, events: model.totalEvents, lost: stats.droppedByAgent + stats.droppedByModel },
      recentRuns: recentRuns(model, layout.rowOf.keys()),
    };
    if (this.revealRow !== undefined) message.reveal = this.revealRow;
    if (this.options.offline?.sessionFile !== undefined) message.sessionFile = this.options.offline.sessionFile;
    return message;
  }

  // ───────────────────────────── internals ─────────────────────────────

  private statusLine(): string {
    if (this.options.offline) return this.options.offline.description;
    const c = this.options.model.connection;
    switch (c.kind) {
      case "connected":
        return `Live · connected to ${c.url}`;
      case "connecting":
        return "Connecting…";
      case "reconnecting":
        return `Reconnecting (attempt ${c.attempt}) · showing what was recorded`;
      case "disconnected":
        return "Not connected · showing what was recorded";
    }
  }

  /** Posts to the webview while it listens: the answer to a request (as its `reply`), or an update. */
  private readonly post = (message: ToWebviewMessage): void => {
    // A detail whose frames were still being looked up may arrive after the panel closed.
    if (this.ready && !this.isDisposed) this.options.post(message);
  };

  private postState(send: (m: StateMessage) => void = this.post): void {
    if (!this.ready) return;
    send(this.stateMessage());
    // A reveal is a one-time instruction: a later state must not scroll the view back.
    this.revealRow = undefined;
  }

  /**
   * Posts the state with the refresh of the last viewport's slice inside it (`only`: of these lanes alone), for
   * whatever changed the view on the host's side: new events, a filter, a focus. One message, not a state and then a
   * slice: each message is one to the workbench, which answers it, and the webview draws the lanes it carries before
   * deciding whether its rows are covered (two messages let it ask again, in between, for rows already on their way).
   */
  private postRefresh(only?: ReadonlySet<ObjectKey>, send: (m: StateMessage) => void = this.post): void {
    let slice: PackedSliceMessage | undefined;
    this.postSlice(0, only, (m) => (slice = m));
    this.postState((m) => send(slice ? { ...m, slice } : m));
  }

  /**
   * Slices the last viewport asked for and posts it. `only`: a refresh of these lanes alone (the webview keeps the
   * rest of what it holds), for a clock tick or new events, so a large view is not sliced and sent again each time.
   */
  private postSlice(requestId: number, only?: ReadonlySet<ObjectKey>, send: (m: PackedSliceMessage) => void = this.post): void {
    if (!this.ready || !this.lastViewport) return;
    // Rows the webview had are reused only in the answer to its own request: a refresh (0) sends every row afresh.
    const { have, ...viewport } = this.lastViewport;
    const slice = this.index.slice(this.filterValue, requestId !== 0 && have ? { ...viewport, have } : viewport, this.now(), {
      requestId,
      clockShown: !this.options.offline,
      ...(this.selectionValue ? { keepRunId: this.selectionValue.runId } : {}),
      ...(only ? { only } : {}),
    });
    if (only && slice.rows.length === 0) return;
    // Which lanes the clock changes, among those the webview holds: the rows it kept are as they were.
    if (!slice.kept) this.volatile.clear();
    for (const r of slice.rows) {
      if (r.kind !== "lane") continue;
      if (r.status === "running" || r.status === "retrying" || r.status === "scheduled" || r.status === "overdue") this.volatile.add(r.key);
      else this.volatile.delete(r.key);
    }
    send(packSlice(slice));
  }

  private async postDetail(send: (m: DetailMessage) => void = this.post): Promise<void> {
    if (!this.ready) return;
    const token = ++this.detailToken;
    const detail = this.currentDetail();
    if (detail?.error && this.options.resolveFrames && detail.error.frames.some((f) => f.file !== undefined)) {
      try {
        detail.error.frames = await this.options.resolveFrames(detail.error.frames);
      } catch {
        // Frames stay plain text: opening them still reports what is wrong.
      }
      // A newer selection or update superseded this one while the files were looked up.
      if (token !== this.detailToken) return;
    }
    send({ type: "detail", detail });
  }

  private onModelChange(change: ModelChange): void {
    for (const k of change.objects) this.pendingKeys.add(k);
    if (change.structural) this.pendingStructural = true;
    // Connection changes carry no objects but change the status line.
    this.flushTimer.arm(() => this.flush(), this.options.throttleMs ?? 150);
  }

  private flush(): void {
    const keys = [...this.pendingKeys];
    const structural = this.pendingStructural;
    this.pendingKeys = new Set();
    this.pendingStructural = false;
    this.index.invalidate(keys, structural);
    const sel = this.selectionValue;
    if (sel) {
      const object = this.options.model.getObject(sel.objectKey);
      const run = object ? findRun(object, sel.runId) : undefined;
      if (!run || run.attempts.length === 0) {
        this.selectionValue = undefined;
      } else if (sel.atLast) {
        this.selectionValue = { ...sel, attemptIndex: run.attempts.length - 1 };
      }
    }
    if (!this.ready) return;
    // Unless rows moved (lanes came or went, or a search may now match other lanes), only the lanes that changed and
    // those the clock moves are sliced again.
    this.postRefresh(structural || this.filterValue.search.trim() !== "" ? undefined : new Set([...keys, ...this.volatile]));
    // The detail changes when its object did, when its row may have moved, or when the selection went away.
    const now = this.selectionValue;
    if (now ? structural || keys.includes(now.objectKey) : sel !== undefined) void this.postDetail();
  }

  /**
   * Prepares what the webview will ask for, a few milliseconds at a time between other work (the extension host is
   * never held up for long), from the moment the host exists: the webview is still loading then (~100 ms of page and
   * script), time the host would otherwise idle away before `ready`. First the bounds of every lane (the first
   * `state` needs them for its extent), then the lanes of the rows the first view shows, then every other lane, so
   * the first scroll does not wait for them either.
   */
  private warmUp(): void {
    this.warmTimer.arm(() => {
      const until = performance.now() + WARM_SLICE_MS;
      const layout = this.index.layout(this.filterValue);
      for (const key of layout.rowOf.keys()) {
        if (this.index.hasBounds(key)) continue;
        if (performance.now() > until) return this.warmUp();
        this.index.boundsOf(key);
      }
      const from = this.lastViewport?.firstRow ?? this.options.restored?.view?.firstRow ?? 0;
      const rows = layout.rows;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[(from + i) % rows.length];
        if (row?.kind !== "lane" || this.index.isBuilt(row.key)) continue;
        if (performance.now() > until) return this.warmUp();
        this.index.lane(row.key);
      }
    }, 0);
  }

  private onClock(): void {
    // Statuses and running bars move with the clock even when no event arrives.
    if (this.ready && this.volatile.size > 0) this.postSlice(0, this.volatile);
  }
}
