/**
 * The timeline webview: owns the view (time range, scroll, follow), asks the host for the slice it needs, draws it,
 * and decides what input (input.ts) does to the view or asks of the host. Holds no model: what it draws is the slice
 * the host sent last (and rows kept from the one before), which covers the view plus a margin: panning, scrolling and
 * zooming draw at once from it, and the next slice is asked for before the view reaches its edge (sliceCache.ts).
 */
import { dispatch, EMPTY_FILTER, isToWebviewMessage } from "../../extension/shared/timelineMessages";
import type { Handlers, PackedSliceMessage, Row, SliceMessage, StateMessage, StepDetail, StepTarget, TimelineFilter, TimelineWebviewState, ToWebviewMessage, ViewportRequest } from "../../extension/shared/timelineMessages";
import { unpackSlice } from "../../extension/shared/sliceCodec";
import { DetailPanel } from "./detailPanel";
import { el, replaceChildren } from "./dom";
import { listenToInput } from "./input";
import type { KeyAction } from "./keyboard";
import { benchDraw, benchFrame, benchSlice, markOnce } from "./perf";
import { AXIS_H, ROW_H } from "./chartMetrics";
import { describeHit, Renderer } from "./renderer";
import type { Hit } from "./renderer";
import { covered, firstViewport, lasts, nextCover } from "./sliceCache";
import type { Held } from "./sliceCache";
import { readPalette, themeKind, watchTheme } from "./theme";
import type { Palette } from "./theme";
import { Toolbar } from "./toolbar";
import { ChartTooltip } from "./tooltip";
import { fit, followNow, pan, reveal, scrollTo, zoom } from "./viewState";
import type { View } from "./viewState";
import { loadState, postToHost, saveState } from "./vscodeApi";

/** Span of a fresh live view: long enough to see a retry chain (2 s, 4 s, 8 s …), short enough to tell attempts apart. */
const INITIAL_LIVE_SPAN_MS = 60_000;
/** Zoom factor per key press or button click. */
const ZOOM_STEP = 1.5;
/** How long a viewport request may go unanswered before another may be sent (the host may have been busy). */
const REQUEST_TIMEOUT_MS = 2000;
/** A zoom in this recent is taken as a gesture going on, and the next slice is sliced finer. */
const ZOOM_GESTURE_MS = 400;

/** The timeline app in one webview. */
export class TimelineApp {
  private readonly renderer: Renderer;
  private readonly toolbar: Toolbar;
  private readonly detailPanel: DetailPanel;
  private readonly root: HTMLElement;
  private readonly chart: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: ChartTooltip;
  private readonly empty: HTMLElement;
  private palette: Palette;
  private view: View;
  private readonly saved: TimelineWebviewState;
  private state: StateMessage | undefined;
  private slice: SliceMessage | undefined;
  private rows = new Map<number, Row>();
  private detail: StepDetail | null = null;
  private detailId = "";
  private detailRunId = "";
  private clockOffset = 0;
  private requestSeq = 0;
  private inFlight: { id: number; at: number } | undefined;
  private queued = false;
  private drawQueued = false;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private hoverRow: number | null = null;
  private initialised = false;
  /** When the view was last zoomed in (`performance.now()`), to slice finer while a zoom gesture goes on. */
  private zoomedInAt = -Infinity;

  constructor(root: HTMLElement) {
    this.root = root;
    this.saved = loadState();
    const now = Date.now();
    const savedView = this.saved.view;
    this.view = savedView
      ? { start: savedView.start, end: savedView.end, scrollY: savedView.firstRow * ROW_H, follow: this.saved.follow ?? true }
      : { start: now - INITIAL_LIVE_SPAN_MS * 0.85, end: now + INITIAL_LIVE_SPAN_MS * 0.15, scrollY: 0, follow: this.saved.follow ?? true };
    // Before the page builds and lays out its elements (tens of milliseconds on a first load), so that the host
    // prepares the state and the first slice meanwhile. Its answers are tasks of their own: they find the message
    // listener this constructor registers.
    this.sayReady();
    this.palette = readPalette();

    this.toolbar = new Toolbar({
      setFollow: (on) => this.setFollow(on),
      zoomIn: () => this.zoomBy(1 / ZOOM_STEP),
      zoomOut: () => this.zoomBy(ZOOM_STEP),
      fit: () => this.fitAll(),
      setFilter: (f) => this.setFilter(f),
      exportSession: () => postToHost({ type: "command", command: "export" }),
      openSession: () => postToHost({ type: "command", command: "open" }),
    });
    this.detailPanel = new DetailPanel({
      step: (to) => this.step(to),
      selectRun: (objectKey, runId) => this.select(objectKey, runId),
      selectAttempt: (i) => {
        if (this.detail) postToHost({ type: "select", objectKey: this.detail.objectKey, runId: this.detail.run.id, attemptIndex: i });
      },
      openFrame: (f) => {
        if (f.file !== undefined) postToHost({ type: "openFrame", file: f.file, ...(f.line !== undefined ? { line: f.line } : {}), ...(f.column !== undefined ? { column: f.column } : {}) });
      },
      clearSelection: () => postToHost({ type: "clearSelection" }),
      selectSchedule: (scheduleId) => postToHost({ type: "selectSchedule", scheduleId }),
    });
    this.canvas = el("canvas", "timeline-canvas", { role: "img", "aria-label": "Alarm timeline" });
    this.tooltip = new ChartTooltip(
      (objectKey, kind, from, to) => {
        const requestId = ++this.requestSeq;
        postToHost({ type: "describe", requestId, objectKey, kind, from, to });
        return requestId;
      },
      () => ({ width: this.renderer.width, height: this.renderer.height }),
    );
    this.empty = el("div", "empty", { hidden: true });
    this.chart = el("div", "chart", { tabindex: 0, "aria-label": "Timeline lanes. Arrow keys pan and scroll, + and − zoom, [ and ] step through attempts." }, this.canvas, this.tooltip.element, this.empty);
    replaceChildren(root, this.toolbar.element, el("div", "main", {}, this.chart, this.detailPanel.element));
    this.renderer = new Renderer(this.canvas);

    this.listen();
    watchTheme(() => {
      this.palette = readPalette();
      if (this.state) this.toolbar.update(this.state, this.view.follow, this.palette);
      this.requestDraw();
    });
  }

  /** Sizes the canvas to the chart: the page's first layout, once its elements are built. */
  start(): void {
    const r = this.chart.getBoundingClientRect();
    this.renderer.resize(r.width, r.height);
    markOnce("laid-out");
  }

  /**
   * Tells the host the webview listens, and which view it is about to show: the host answers with the state and, at
   * once, the slice for that view, one round trip fewer before the first frame. A following view is sent as it would
   * be at this page's clock; the host moves it to its own. The chart is not laid out yet: the window's size stands in
   * for it (see `firstViewport`).
   */
  private sayReady(): void {
    const clock = Date.now();
    if (this.view.follow) this.view = followNow(this.view, clock);
    const id = ++this.requestSeq;
    this.inFlight = { id, at: clock };
    postToHost({ type: "ready", first: { requestId: id, viewport: firstViewport(this.view, window.innerWidth, window.innerHeight), clock, follows: this.view.follow } });
    markOnce("ready");
  }

  // ───────────────────────────── messages from the host ─────────────────────────────

  /** One handler per message the host sends. */
  private readonly handlers: Handlers<ToWebviewMessage> = {
    state: ({ slice, ...state }) => this.onState(state, slice),
    slice: (m) => this.receiveSlice(m),
    detail: (m) => this.onDetail(m.detail),
    description: (m) => this.onDescription(m.requestId, m.lines),
  };

  private receiveSlice(m: PackedSliceMessage): void {
    const slice = unpackSlice(m);
    if (slice) this.onSlice(slice);
  }

  /** Handles one message from the host; anything malformed is ignored. */
  receive(message: unknown): void {
    if (isToWebviewMessage(message)) dispatch(this.handlers, message);
  }

  /** @param carried the lanes that changed with this state, sent inside it (one message per flush of new events). */
  private onState(s: StateMessage, carried?: PackedSliceMessage): void {
    markOnce("state");
    const first = !this.initialised;
    this.state = s;
    if (s.now !== null) this.clockOffset = s.now - Date.now();
    if (first) {
      this.initialised = true;
      if (s.offline) {
        this.view.follow = false;
        if (!this.saved.view && s.extent) this.view = fit(this.view, s.extent.min, s.extent.max);
      } else {
        this.view.follow = s.follow;
        if (this.view.follow) this.view = followNow(this.view, this.now() as number);
      }
    }
    if (s.reveal !== undefined) this.revealRow(s.reveal);
    this.view = scrollTo(this.view, this.view.scrollY, s.totalRows * ROW_H, this.lanesHeight());
    this.toolbar.update(s, this.view.follow, this.palette);
    this.detailPanel.setRecentRuns(s.recentRuns);
    this.empty.hidden = s.totalRows > 0;
    if (s.totalRows === 0) {
      const filtered = s.filter.hiddenClasses.length > 0 || s.filter.objects.length > 0 || s.filter.search !== "";
      this.empty.textContent = filtered
        ? "Nothing matches the filter or the search."
        : s.offline
          ? "This session file holds no objects."
          : "No Durable Object activity yet. Run your Worker through the inspector and use it: every setAlarm, alarm run and retry shows here.";
    }
    this.canvas.setAttribute("aria-label", `Alarm timeline: ${s.counts.lanes} objects, ${s.counts.events} events. ${s.status}`);
    this.scheduleFollow();
    // Taken before deciding whether to ask for more: the lanes that came with the state may be just what it lacks
    // (new rows when objects arrived), and asking first would cost a round trip for data already here.
    if (carried) this.receiveSlice(carried);
    // The first slice was asked for with `ready` and is on its way; it is asked again only if this state moved the
    // view off it (a session file fitted to its extent), once it has arrived.
    this.ensureSlice(first && !this.inFlight);
    this.persist();
    this.requestDraw();
  }

  private onSlice(s: SliceMessage): void {
    markOnce("first-slice");
    benchSlice();
    if (this.inFlight && s.requestId === this.inFlight.id) this.inFlight = undefined;
    // An answer to an older request than one already drawn is stale: a newer one is on its way or here.
    if (s.requestId !== 0 && this.slice && s.requestId < this.slice.requestId) return;
    const kept = s.kept;
    const old = this.slice?.covers;
    if (kept && !(old && old.start === s.covers.start && old.end === s.covers.end && old.msPerPx === s.covers.msPerPx)) {
      // The rows it left out are for data this page does not hold: a refresh for a view since left (the answer to the
      // newer request is on its way), or an answer to a request whose rows a refresh replaced meanwhile (ask again).
      if (s.requestId !== 0) this.ensureSlice(true);
      return;
    }
    const rows = new Map<number, Row>();
    if (kept) {
      for (let r = kept.firstRow; r <= kept.lastRow; r++) {
        const row = this.rows.get(r);
        if (row) rows.set(r, row);
      }
    }
    for (const r of s.rows) rows.set(r.row, r);
    this.slice = s;
    if (s.now !== null) this.clockOffset = s.now - Date.now();
    this.rows = rows;
    // Marker boundaries move with the resolution: descriptions of the old markers may no longer fit.
    this.tooltip.forget();
    if (this.state && s.totalRows !== this.state.totalRows) this.state = { ...this.state, totalRows: s.totalRows };
    if (this.queued) {
      this.queued = false;
      this.ensureSlice();
    }
    this.requestDraw();
  }

  private onDetail(d: StepDetail | null): void {
    this.detail = d;
    this.detailPanel.show(d);
    const id = d ? `${d.objectKey}|${d.run.id}|${d.attemptIndex}` : "";
    const runId = d ? `${d.objectKey}|${d.run.id}` : "";
    if (d && runId !== this.detailRunId) {
      // A newly selected run is framed: its whole chain, with room around it, at least a couple of seconds wide.
      const now = this.now();
      const end = (d.run.state === "running" || d.run.state === "retrying") && now !== null ? Math.max(d.run.end, now) : d.run.end;
      const span = this.view.end - this.view.start;
      const runSpan = end - d.run.start;
      if (runSpan < span * 0.4 || d.run.start < this.view.start || end > this.view.end) {
        const pad = Math.max(runSpan * 0.2, 1000);
        this.moveView(fit(this.view, d.run.start - pad, end + pad, 0));
      }
    } else if (d && id !== this.detailId) {
      // A newly shown attempt of the same run is brought into view.
      const end = d.attempt.endedAt ?? this.now() ?? d.attempt.startedAt;
      const span = this.view.end - this.view.start;
      if (d.attempt.startedAt < this.view.start + span * 0.05 || end > this.view.end - span * 0.05) {
        this.moveView(reveal(this.view, (d.attempt.startedAt + end) / 2));
      }
    }
    if (d && id !== this.detailId) {
      if (d.row >= 0) this.revealRow(d.row);
      this.ensureSlice(true);
    }
    this.detailId = id;
    this.detailRunId = runId;
    this.requestDraw();
  }

  // ───────────────────────────── view changes ─────────────────────────────

  /** The host's clock, or null offline. */
  private now(): number | null {
    return this.state && !this.state.offline ? Date.now() + this.clockOffset : null;
  }

  private lanesHeight(): number {
    return Math.max(0, this.renderer.height - AXIS_H);
  }

  /** Moves the view somewhere the user did not pan to themselves (a selection): following stops. */
  private moveView(v: View): void {
    this.view = { ...v, follow: false };
    if (this.state && !this.state.offline) {
      this.toolbar.setFollow(false);
      postToHost({ type: "setFollow", follow: false });
      this.scheduleFollow();
    }
  }

  private setView(v: View): void {
    this.view = this.state ? scrollTo(v, v.scrollY, this.state.totalRows * ROW_H, this.lanesHeight()) : v;
    this.ensureSlice();
    this.persist();
    this.requestDraw();
  }

  /** Pans in time: a person looking elsewhere stops following. */
  private panBy(deltaMs: number): void {
    if (this.view.follow) this.setFollow(false);
    this.setView(pan(this.view, deltaMs));
  }

  /** Zooms around an anchor (a fraction of the width), or around "now" while following. */
  private zoomBy(factor: number, anchor = 0.5): void {
    if (factor < 1) this.zoomedInAt = performance.now();
    const now = this.now();
    if (this.view.follow && now !== null) {
      const atNow = (now - this.view.start) / (this.view.end - this.view.start);
      this.setView(zoom(this.view, factor, atNow));
    } else {
      this.setView(zoom(this.view, factor, anchor));
    }
    this.scheduleFollow();
  }

  private fitAll(): void {
    const e = this.state?.extent;
    if (!e) return;
    const now = this.now();
    const max = now !== null ? Math.max(e.max, now) : e.max;
    if (this.view.follow) this.setFollow(false);
    this.setView(fit(this.view, e.min, max));
  }

  private revealRow(row: number): void {
    const top = row * ROW_H;
    const h = this.lanesHeight();
    if (top < this.view.scrollY || top + ROW_H > this.view.scrollY + h) {
      this.view = { ...this.view, scrollY: Math.max(0, top - h / 3) };
    }
  }

  private setFollow(on: boolean): void {
    if (this.state?.offline) return;
    this.view = { ...this.view, follow: on };
    this.toolbar.setFollow(on);
    postToHost({ type: "setFollow", follow: on });
    const now = this.now();
    if (on && now !== null) this.setView(followNow(this.view, now));
    this.scheduleFollow();
    this.persist();
  }

  /** While following, moves the view with the clock, often enough for the "now" line to move about a pixel a step. */
  private scheduleFollow(): void {
    if (this.followTimer !== undefined) clearTimeout(this.followTimer);
    this.followTimer = undefined;
    if (!this.view.follow || this.now() === null) return;
    const msPerPx = (this.view.end - this.view.start) / this.renderer.plotWidth;
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      const now = this.now();
      if (this.view.follow && now !== null) {
        this.view = followNow(this.view, now);
        this.ensureSlice();
        this.requestDraw();
        this.scheduleFollow();
      }
    }, Math.min(1000, Math.max(33, msPerPx)));
  }

  private setFilter(f: TimelineFilter): void {
    postToHost({ type: "setFilter", filter: f });
  }

  private step(to: StepTarget): void {
    if (this.detail) postToHost({ type: "step", to });
  }

  // ───────────────────────────── asking for data ─────────────────────────────

  private viewportRequest(): ViewportRequest {
    return {
      start: this.view.start,
      end: this.view.end,
      firstRow: Math.max(0, Math.floor(this.view.scrollY / ROW_H)),
      rowCount: this.renderer.visibleRows,
      widthPx: this.renderer.plotWidth,
    };
  }

  /** What the webview holds, for sliceCache.ts. */
  private held(): Held {
    return { covers: this.slice?.covers, totalRows: this.state?.totalRows ?? 0 };
  }

  /**
   * Asks for a slice when the one held will not do for long (`lasts`): before the view reaches its edge, so that
   * panning, scrolling and zooming draw from data already here while the next slice is on its way. One request at a
   * time; `force` asks even when the data would do.
   */
  private ensureSlice(force = false): void {
    if (!this.state) return;
    const vp = this.viewportRequest();
    if (!force && lasts(this.held(), vp)) return;
    if (this.inFlight && Date.now() - this.inFlight.at < REQUEST_TIMEOUT_MS) {
      this.queued = true;
      return;
    }
    const id = ++this.requestSeq;
    this.inFlight = { id, at: Date.now() };
    const zoomingIn = performance.now() - this.zoomedInAt < ZOOM_GESTURE_MS;
    postToHost({ type: "viewport", requestId: id, viewport: nextCover(this.held(), vp, force, zoomingIn) });
  }

  /** Saves the view for a restored panel, at most twice a second. */
  private persist(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      const s = this.state;
      const state: TimelineWebviewState = {
        follow: this.view.follow,
        filter: s?.filter ?? { ...EMPTY_FILTER },
        view: { start: this.view.start, end: this.view.end, firstRow: Math.floor(this.view.scrollY / ROW_H) },
      };
      if (s?.sessionFile !== undefined) state.sessionFile = s.sessionFile;
      saveState(state);
    }, 500);
  }

  // ───────────────────────────── drawing ─────────────────────────────

  private requestDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame((time) => {
      benchFrame(time);
      this.drawQueued = false;
      this.draw();
    });
  }

  private draw(): void {
    if (!this.state) return;
    const t0 = performance.now();
    const sel = this.detail;
    this.renderer.draw({
      view: this.view,
      rows: this.rows,
      totalRows: this.state.totalRows,
      now: this.now(),
      selection: sel ? { objectKey: sel.objectKey, runId: sel.run.id, attemptIndex: sel.attemptIndex } : null,
      hoverRow: this.hoverRow,
      palette: this.palette,
    });
    // Says which theme the canvas was last drawn in: tests (and a curious person) can tell a theme switch landed.
    const kind = themeKind();
    if (this.root.dataset.drawnTheme !== kind) this.root.dataset.drawnTheme = kind;
    if (this.slice && this.rows.size > 0) markOnce("first-draw");
    benchDraw(performance.now() - t0, covered(this.held(), this.viewportRequest()));
    // After the frame, not before it: the next slice is asked for once this one is on screen (the first frame is not
    // held up by a request for room around it).
    this.ensureSlice();
  }

  // ───────────────────────────── input ─────────────────────────────

  private listen(): void {
    listenToInput({
      chart: this.chart,
      canvas: this.canvas,
      view: () => this.view,
      plotWidth: () => this.renderer.plotWidth,
      lanesHeight: () => this.lanesHeight(),
      resized: (width, height) => {
        this.renderer.resize(width, height);
        this.ensureSlice();
        this.draw();
      },
      zoomBy: (factor, anchor) => this.zoomBy(factor, anchor),
      panBy: (deltaMs) => this.panBy(deltaMs),
      setView: (v) => this.setView(v),
      dragStarted: () => {
        this.tooltip.hide();
        if (this.view.follow) this.setFollow(false);
      },
      hover: (x, y) => this.hover(x, y),
      left: () => {
        this.tooltip.hide();
        if (this.hoverRow !== null) {
          this.hoverRow = null;
          this.requestDraw();
        }
      },
      click: (x, y) => this.click(x, y),
      doubleClick: (x, y) => {
        const hit = this.renderer.hitAt(x, y);
        if (hit?.kind === "label" && hit.row.kind === "lane" && this.state) {
          this.setFilter({ ...this.state.filter, objects: [hit.row.key] });
        }
      },
      act: (action) => this.act(action),
      pressed: (target) => {
        if (!this.toolbar.element.querySelector(".filter-wrap")?.contains(target)) this.toolbar.closePopover();
      },
    });
    window.addEventListener("message", (e: MessageEvent) => this.receive(e.data));
  }

  private act(action: KeyAction): void {
    const span = this.view.end - this.view.start;
    const page = Math.max(1, Math.floor(this.lanesHeight() / ROW_H) - 1) * ROW_H;
    switch (action) {
      case "panLeft":
        return this.panBy(-span * 0.1);
      case "panRight":
        return this.panBy(span * 0.1);
      case "panLeftFar":
        return this.panBy(-span * 0.5);
      case "panRightFar":
        return this.panBy(span * 0.5);
      case "zoomIn":
        return this.zoomBy(1 / ZOOM_STEP);
      case "zoomOut":
        return this.zoomBy(ZOOM_STEP);
      case "fit":
        return this.fitAll();
      case "rowUp":
        return this.setView({ ...this.view, scrollY: this.view.scrollY - ROW_H });
      case "rowDown":
        return this.setView({ ...this.view, scrollY: this.view.scrollY + ROW_H });
      case "pageUp":
        return this.setView({ ...this.view, scrollY: this.view.scrollY - page });
      case "pageDown":
        return this.setView({ ...this.view, scrollY: this.view.scrollY + page });
      case "firstAttempt":
        return this.step("first");
      case "lastAttempt":
        return this.step("last");
      case "previousAttempt":
        return this.step("previous");
      case "nextAttempt":
        return this.step("next");
      case "toggleFollow":
        return this.setFollow(!this.view.follow);
      case "focusSearch":
        return this.toolbar.focusSearch();
      case "escape":
        if (!this.toolbar.closePopover() && this.detail) postToHost({ type: "clearSelection" });
        return;
    }
  }

  private click(x: number, y: number): void {
    const hit = this.renderer.hitAt(x, y);
    if (!hit) return;
    switch (hit.kind) {
      case "attempt":
        return this.select(hit.lane.key, hit.run.id, hit.attempt.index);
      case "waiting":
        return this.select(hit.lane.key, hit.run.id);
      case "tick":
        if (hit.tick.count > 1) {
          if (this.view.follow) this.setFollow(false);
          this.setView(fit(this.view, hit.tick.start, hit.tick.end, 0.2));
        } else {
          this.select(hit.lane.key, hit.tick.id);
        }
        return;
      case "marker":
        if (hit.marker.inAttempt) postToHost({ type: "selectAt", objectKey: hit.lane.key, kind: hit.marker.kind, t: hit.marker.t });
        return;
      default:
        return;
    }
  }

  private select(objectKey: string, runId: string, attemptIndex?: number): void {
    postToHost({ type: "select", objectKey, runId, ...(attemptIndex !== undefined ? { attemptIndex } : {}) });
  }

  private hover(x: number, y: number): void {
    const row = this.renderer.rowAt(this.view, y);
    const hoverRow = row >= 0 && this.rows.get(row)?.kind === "lane" ? row : null;
    if (hoverRow !== this.hoverRow) {
      this.hoverRow = hoverRow;
      this.requestDraw();
    }
    const hit = this.renderer.hitAt(x, y);
    this.canvas.classList.toggle("clickable", isClickable(hit));
    if (!hit) return this.tooltip.hide();
    this.tooltip.show(this.tooltip.linesFor(hit, describeHit(hit, this.now()), x, y), x, y);
  }

  private onDescription(requestId: number, lines: string[]): void {
    const at = this.tooltip.described(requestId, lines);
    // Still over the same marker: show what the host said.
    if (at) this.hover(at.x, at.y);
  }
}

function isClickable(hit: Hit | undefined): boolean {
  if (!hit) return false;
  if (hit.kind === "marker") return hit.marker.inAttempt === true;
  return hit.kind === "attempt" || hit.kind === "tick" || hit.kind === "waiting";
}
