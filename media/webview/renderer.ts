/**
 * Draws the timeline on a canvas: the time axis, a heading row per class, a lane per object with its run chains,
 * event markers and pending alarm, the "now" line, and the lane labels. Only the rows and the time range on screen
 * are drawn, and shapes of one style are batched into one path, so a frame costs the same with 100 events or 100 000.
 *
 * Text drawn here (object names, labels) goes through `fillText`, which paints glyphs and never parses markup.
 * Every drawn shape that can be hovered or clicked is recorded as a hit region for `hitAt`.
 */
import { formatDuration, formatTime } from "../../extension/shared/format";
import { MARKER_KINDS, MARKER_KIND_LABELS } from "../../extension/shared/timelineMessages";
import type { AttemptBar, ClassRow, LaneRow, LaneStatus, Marker, MarkerKind, PendingMark, Row, RunChain, RunTick } from "../../extension/shared/timelineMessages";
import type { Palette } from "./theme";
import { withAlpha } from "./theme";
import { AXIS_H, GUTTER_W, ROW_H } from "./chartMetrics";
import { ticks } from "./timeAxis";
import type { View } from "./viewState";


/** What one frame shows. */
export interface Scene {
  view: View;
  rows: ReadonlyMap<number, Row>;
  totalRows: number;
  /** The clock, or null offline (no "now" line). */
  now: number | null;
  selection: { objectKey: string; runId: string; attemptIndex: number } | null;
  hoverRow: number | null;
  palette: Palette;
}

/** Something under the pointer. */
export type Hit =
  | { kind: "attempt"; lane: LaneRow; run: RunChain; attempt: AttemptBar }
  | { kind: "tick"; lane: LaneRow; tick: RunTick }
  | { kind: "waiting"; lane: LaneRow; run: RunChain }
  | { kind: "marker"; lane: LaneRow; marker: Marker }
  | { kind: "pending"; lane: LaneRow; pending: PendingMark }
  | { kind: "label"; row: Row };

/** Pixels per marker under which a lane counts as dense and its markers are drawn as bars (see `drawLane`). */
const DENSE_GLYPH_PX = 6;

/** Narrowest attempt bar drawn: a 2 ms attempt must still be seen and clicked. */
const MIN_BAR_PX = 3;

/** Lane geometry relative to the row's top. */
const Y_TOP_MARK = 6;
const Y_BAR = 13;
const BAR_HALF = 4;
const Y_STORAGE = 21;

/**
 * Accumulates shapes of one style into one path, drawn with a single fill or stroke, in the order each style was first
 * used. Fills, most of the shapes of a frame, are found by colour alone: a wide view adds thousands of shapes a frame,
 * and building a key string for each was the largest part of drawing them.
 */
class Batch {
  private readonly fills = new Map<string, BatchEntry>();
  private readonly strokes = new Map<string, BatchEntry>();
  private readonly order: BatchEntry[] = [];

  path(color: string, fill: boolean, width = 1, dash: readonly number[] = NO_DASH): Path2D {
    if (fill) {
      let p = this.fills.get(color);
      if (!p) this.fills.set(color, (p = this.add(color, true, width, dash)));
      return p.path;
    }
    const key = dash.length === 0 ? `${color}|${width}` : `${color}|${width}|${dash.join(",")}`;
    let p = this.strokes.get(key);
    if (!p) this.strokes.set(key, (p = this.add(color, false, width, dash)));
    return p.path;
  }

  private add(color: string, fill: boolean, width: number, dash: readonly number[]): BatchEntry {
    const entry = { path: new Path2D(), fill, color, width, dash };
    this.order.push(entry);
    return entry;
  }

  flush(ctx: CanvasRenderingContext2D): void {
    for (const p of this.order) {
      if (p.fill) {
        ctx.fillStyle = p.color;
        ctx.fill(p.path);
      } else {
        ctx.strokeStyle = p.color;
        ctx.lineWidth = p.width;
        ctx.setLineDash(p.dash as number[]);
        ctx.stroke(p.path);
      }
    }
    ctx.setLineDash([]);
    this.fills.clear();
    this.strokes.clear();
    this.order.length = 0;
  }
}

interface BatchEntry {
  path: Path2D;
  fill: boolean;
  color: string;
  width: number;
  dash: readonly number[];
}

const NO_DASH: readonly number[] = [];

/**
 * Text widths and clipped labels, kept between frames: measuring text is among the costliest canvas calls, and the
 * same labels and axis ticks come back frame after frame. Keyed by font (a theme switch changes it); emptied when it
 * grows large, so a long session does not keep every label it ever showed.
 */
const textWidths = new Map<string, number>();
const clippedTexts = new Map<string, string>();
const TEXT_CACHE_MAX = 4000;

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= TEXT_CACHE_MAX) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

/** Per marker kind and alert, the pixel column last drawn on a dense lane: bars on the same column are drawn once. */
const denseLastPx = new Float64Array(MARKER_KINDS.length * 2);
const KIND_INDEX: ReadonlyMap<MarkerKind, number> = new Map(MARKER_KINDS.map((k, i) => [k, i]));

/** The colour of a lane status dot. */
function statusColor(status: LaneStatus, p: Palette): string {
  switch (status) {
    case "running":
      return p.running;
    case "scheduled":
      return p.pending;
    case "retrying":
      return p.retryWindow;
    case "overdue":
    case "failed":
    case "abandoned":
      return p.error;
    case "succeeded":
      return p.ok;
    case "idle":
      return p.muted;
  }
}

function outcomeColor(a: AttemptBar, p: Palette): string {
  switch (a.outcome) {
    case "ok":
      return p.ok;
    case "error":
      return p.error;
    case "running":
      return p.running;
    case "interrupted":
      return p.interrupted;
  }
}

function runColor(r: RunTick, p: Palette): string {
  switch (r.state) {
    case "succeeded":
      return p.ok;
    case "running":
      return p.running;
    case "retrying":
      return p.retryWindow;
    case "interrupted":
    case "replaced":
      return p.interrupted;
    case "failed":
    case "abandoned":
      return p.error;
  }
}

/** The colour a marker kind is drawn in. */
export function markerColor(kind: MarkerKind, p: Palette): string {
  switch (kind) {
    case "wake":
      return p.wake;
    case "set":
      return p.set;
    case "overwrite":
      return p.overwrite;
    case "delete":
      return p.delete;
    case "attemptStart":
      return p.running;
    case "attemptEnd":
      return p.ok;
    case "storage":
      return p.storage;
  }
}

/**
 * Adds a marker glyph centred on (x, y) to `path`. Shapes differ by kind, not only colour, so the timeline reads in
 * high contrast and for colour-blind users too.
 */
export function glyph(path: Path2D, kind: MarkerKind, x: number, y: number, s = 4): void {
  switch (kind) {
    case "wake":
      path.moveTo(x + s, y);
      path.arc(x, y, s, 0, Math.PI * 2);
      break;
    case "set":
    case "overwrite":
      // A triangle pointing down at the lane: "an alarm was aimed here".
      path.moveTo(x - s, y - s * 0.8);
      path.lineTo(x + s, y - s * 0.8);
      path.lineTo(x, y + s * 0.9);
      path.closePath();
      break;
    case "delete":
      path.moveTo(x - s * 0.8, y - s * 0.8);
      path.lineTo(x + s * 0.8, y + s * 0.8);
      path.moveTo(x + s * 0.8, y - s * 0.8);
      path.lineTo(x - s * 0.8, y + s * 0.8);
      break;
    case "attemptStart":
    case "attemptEnd":
      path.rect(x - 1, y - s * 1.4, 2, s * 2.8);
      break;
    case "storage":
      path.rect(x - s * 0.7, y - s * 0.7, s * 1.4, s * 1.4);
      break;
  }
}

/** Whether a kind's glyph is stroked (lines) rather than filled. */
function stroked(kind: MarkerKind): boolean {
  return kind === "delete" || kind === "wake";
}

/** Where a kind's glyphs sit in the lane. */
function markerY(kind: MarkerKind): number {
  switch (kind) {
    case "storage":
      return Y_STORAGE;
    case "attemptStart":
    case "attemptEnd":
      return Y_BAR;
    default:
      return Y_TOP_MARK;
  }
}

/** Draws scenes on one canvas and answers what is under the pointer. */
export class Renderer {
  private readonly ctx: CanvasRenderingContext2D;
  private cssWidth = 0;
  private cssHeight = 0;
  private dpr = 1;
  private lastScene: Scene | undefined;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("the timeline needs a 2D canvas");
    this.ctx = ctx;
  }

  /** Sizes the backing store for the CSS size and the screen's pixel ratio (sharp on high-DPI screens). */
  resize(cssWidth: number, cssHeight: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.cssWidth = Math.max(1, Math.floor(cssWidth));
    this.cssHeight = Math.max(1, Math.floor(cssHeight));
    this.dpr = dpr;
    this.canvas.width = Math.round(this.cssWidth * dpr);
    this.canvas.height = Math.round(this.cssHeight * dpr);
    this.canvas.style.width = `${this.cssWidth}px`;
    this.canvas.style.height = `${this.cssHeight}px`;
  }

  get width(): number {
    return this.cssWidth;
  }

  get height(): number {
    return this.cssHeight;
  }

  /** Width of the time area. */
  get plotWidth(): number {
    return Math.max(1, this.cssWidth - GUTTER_W);
  }

  /** Rows that fit below the axis. */
  get visibleRows(): number {
    return Math.ceil(Math.max(0, this.cssHeight - AXIS_H) / ROW_H) + 1;
  }

  /** The time at canvas x, for the view. */
  timeAt(view: View, x: number): number {
    return view.start + ((x - GUTTER_W) / this.plotWidth) * (view.end - view.start);
  }

  /** The row at canvas y, or -1 over the axis. */
  rowAt(view: View, y: number): number {
    if (y < AXIS_H) return -1;
    return Math.floor((y - AXIS_H + view.scrollY) / ROW_H);
  }

  /**
   * What was drawn at (x, y) in the last frame, worked out from the scene's geometry on demand rather than recorded
   * while drawing: a frame of 100 000 events then allocates nothing per glyph. Topmost first: a pending alarm, then
   * a marker, then an attempt bar, then an awaited window or a run tick.
   */
  hitAt(x: number, y: number): Hit | undefined {
    const scene = this.lastScene;
    if (!scene || y < AXIS_H) return undefined;
    const v = scene.view;
    const r = this.rowAt(v, y);
    const row = scene.rows.get(r);
    if (!row) return undefined;
    if (x < GUTTER_W) return { kind: "label", row };
    if (row.kind !== "lane") return undefined;
    const lane = row;
    const top = AXIS_H + r * ROW_H - v.scrollY;
    const ly = y - top;
    const msPerPx = (v.end - v.start) / this.plotWidth;
    const xOf = (t: number): number => GUTTER_W + (t - v.start) / msPerPx;

    if (lane.pending) {
      const box = this.pendingBox(lane.pending, xOf, scene);
      if (x >= box.x0 && x <= box.x1) return { kind: "pending", lane, pending: lane.pending };
    }
    let best: Marker | undefined;
    let bestDist = Infinity;
    for (const m of lane.markers) {
      const dx = Math.abs(x - xOf(m.t));
      if (dx <= 5 && Math.abs(ly - markerY(m.kind)) <= 6 && dx < bestDist) {
        best = m;
        bestDist = dx;
      }
    }
    if (best) return { kind: "marker", lane, marker: best };
    if (ly >= 4 && ly <= ROW_H - 4) {
      for (const run of lane.runs) {
        for (const a of run.attempts) {
          const ax0 = xOf(a.start);
          const ax1 = Math.max(xOf(a.end ?? scene.now ?? a.start), ax0 + MIN_BAR_PX);
          if (x >= ax0 - 2 && x <= ax1 + 2) return { kind: "attempt", lane, run, attempt: a };
        }
      }
    }
    for (const run of lane.runs) {
      if (run.waiting && x >= xOf(run.waiting.earliest) && x <= Math.max(xOf(run.waiting.latest), xOf(run.waiting.earliest) + 2)) return { kind: "waiting", lane, run };
    }
    for (const tick of lane.ticks) {
      const x0 = xOf(tick.start);
      const w = Math.max(3, Math.min(xOf(tick.end) - x0, 8));
      if (x >= x0 - 2 && x <= x0 + w + 2) return { kind: "tick", lane, tick };
    }
    return undefined;
  }

  /** Where a pending alarm is drawn: its diamond, or the label at the edge when it is off screen. */
  private pendingBox(pending: PendingMark, xOf: (t: number) => number, scene: Scene): { x0: number; x1: number; text?: string; tx?: number } {
    const px = xOf(pending.t);
    if (px >= GUTTER_W && px <= this.cssWidth) return { x0: px - 7, x1: px + 7 };
    const right = px > this.cssWidth;
    const text = right ? `alarm ${formatTime(pending.t)} ▸` : `◂ alarm ${formatTime(pending.t)}`;
    const tw = this.textWidth(scene.palette.fontSmall, text);
    const tx = right ? this.cssWidth - tw - 6 : GUTTER_W + 6;
    return { x0: tx - 3, x1: tx + tw + 3, text, tx };
  }

  /** Draws one frame. */
  draw(scene: Scene): void {
    this.lastScene = scene;
    const { ctx } = this;
    const p = scene.palette;
    const v = scene.view;
    const W = this.cssWidth;
    const H = this.cssHeight;
    if (window.devicePixelRatio !== this.dpr) this.resize(W, H);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, W, H);

    const msPerPx = (v.end - v.start) / this.plotWidth;
    const x = (t: number): number => GUTTER_W + (t - v.start) / msPerPx;
    const first = Math.max(0, Math.floor(v.scrollY / ROW_H));
    const last = Math.min(scene.totalRows - 1, first + this.visibleRows);
    const rowY = (row: number): number => AXIS_H + row * ROW_H - v.scrollY;
    const axis = ticks(v.start, v.end, msPerPx);

    // Lane area, clipped so nothing spills over the axis or the labels.
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER_W, AXIS_H, W - GUTTER_W, H - AXIS_H);
    ctx.clip();
    const batch = new Batch();
    // Row backgrounds and separators.
    for (let r = first; r <= last; r++) {
      const row = scene.rows.get(r);
      const y = rowY(r);
      if (row?.kind === "class") {
        ctx.fillStyle = p.headerBackground;
        ctx.fillRect(GUTTER_W, y, W - GUTTER_W, ROW_H);
      } else if (scene.hoverRow === r) {
        ctx.fillStyle = p.rowHover;
        ctx.fillRect(GUTTER_W, y, W - GUTTER_W, ROW_H);
      }
      const sep = batch.path(p.grid, false);
      sep.moveTo(GUTTER_W, y + ROW_H - 0.5);
      sep.lineTo(W, y + ROW_H - 0.5);
    }
    // Vertical grid at the axis ticks.
    const grid = batch.path(p.grid, false);
    for (const t of axis.ticks) {
      const gx = Math.round(x(t.t)) + 0.5;
      grid.moveTo(gx, AXIS_H);
      grid.lineTo(gx, H);
    }
    batch.flush(ctx);

    for (let r = first; r <= last; r++) {
      const row = scene.rows.get(r);
      if (row?.kind === "lane") this.drawLane(row, rowY(r), x, scene, batch);
    }
    batch.flush(ctx);

    // The "now" line, over the lanes.
    if (scene.now !== null && scene.now >= v.start && scene.now <= v.end) {
      const nx = Math.round(x(scene.now)) + 0.5;
      ctx.strokeStyle = p.now;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(nx, AXIS_H);
      ctx.lineTo(nx, H);
      ctx.stroke();
    }
    ctx.restore();

    this.drawAxis(axis, x, scene);
    this.drawGutter(first, last, rowY, scene);
  }

  private drawLane(lane: LaneRow, y: number, x: (t: number) => number, scene: Scene, batch: Batch): void {
    const p = scene.palette;
    const { ctx } = this;
    const W = this.cssWidth;
    const selected = scene.selection?.objectKey === lane.key ? scene.selection : null;
    const cy = y + Y_BAR;

    // Runs too narrow to show their parts: one tick each (or for several close together).
    for (const tick of lane.ticks) {
      const x0 = x(tick.start);
      if (x0 < GUTTER_W - 8 || x0 > W + 4) continue;
      const w = Math.max(3, Math.min(x(tick.end) - x0, 8));
      batch.path(runColor(tick, p), true).rect(x0, cy - BAR_HALF - 1, w, BAR_HALF * 2 + 2);
    }
    for (const run of lane.runs) {
      const x0 = x(run.start);
      const x1 = Math.max(x(run.end), x0 + 2);
      if (x1 < GUTTER_W - 4 || x0 > W + 4) continue;
      // Backoff gaps: a dashed line from a failed attempt's end to the next start, with its length when it fits.
      for (const g of run.gaps) {
        const gx0 = x(g.from);
        const gx1 = x(g.to);
        const color = g.verdict === "late" || g.verdict === "early" ? p.error : p.muted;
        const path = batch.path(color, false, 1, [3, 3]);
        path.moveTo(gx0, cy + 0.5);
        path.lineTo(gx1, cy + 0.5);
        if (gx1 - gx0 > 48) this.label(formatDuration(g.to - g.from), (gx0 + gx1) / 2, y + Y_TOP_MARK + 1, p.muted, p.fontSmall, "center");
      }
      // While a retry is awaited: the window its start is expected in, joined to the failed attempt.
      if (run.waiting) {
        const wx0 = x(run.waiting.earliest);
        const wx1 = Math.max(x(run.waiting.latest), wx0 + 2);
        const lastBar = run.attempts[run.attempts.length - 1];
        if (lastBar) {
          const from = x(lastBar.end ?? lastBar.start);
          const path = batch.path(p.retryWindow, false, 1, [2, 3]);
          path.moveTo(from, cy + 0.5);
          path.lineTo(wx0, cy + 0.5);
        }
        batch.path(withAlpha(p.retryWindow, 0.22), true).rect(wx0, cy - BAR_HALF - 3, wx1 - wx0, BAR_HALF * 2 + 6);
        batch.path(p.retryWindow, false, 1, [4, 2]).rect(wx0 + 0.5, cy - BAR_HALF - 2.5, wx1 - wx0 - 1, BAR_HALF * 2 + 5);
        const label = run.waiting.retryCount !== null ? `retry ${run.waiting.retryCount}` : "retry";
        if (wx1 - wx0 > 50) this.label(label, (wx0 + wx1) / 2, cy + 4, p.foreground, p.fontSmall, "center");
      }
      for (const a of run.attempts) {
        const ax0 = x(a.start);
        const ax1 = Math.max(x(a.end ?? scene.now ?? a.start), ax0 + MIN_BAR_PX);
        const color = outcomeColor(a, p);
        batch.path(a.injected ? withAlpha(color, 0.45) : color, true).rect(ax0, cy - BAR_HALF, ax1 - ax0, BAR_HALF * 2);
        if (a.injected) batch.path(color, false, 1, [2, 2]).rect(ax0 + 0.5, cy - BAR_HALF + 0.5, ax1 - ax0 - 1, BAR_HALF * 2 - 1);
        if (p.contrastBorder) batch.path(p.contrastBorder, false).rect(ax0, cy - BAR_HALF, ax1 - ax0, BAR_HALF * 2);
        // The window a retry was predicted in: a thin bracket under its bar, to see whether it came on time.
        if (a.expected) {
          const ex0 = x(a.expected.earliest);
          const ex1 = Math.max(x(a.expected.latest), ex0 + 1);
          batch.path(withAlpha(p.retryWindow, 0.8), true).rect(ex0, cy + BAR_HALF + 2, ex1 - ex0, 2);
        }
      }
      if (selected && selected.runId === run.id) {
        batch.path(p.selection, false, 1.5).rect(x0 - 4, y + 2.5, x1 - x0 + 8, ROW_H - 5);
        const a = run.attempts[selected.attemptIndex];
        if (a) {
          const ax0 = x(a.start);
          const ax1 = Math.max(x(a.end ?? scene.now ?? a.start), ax0 + MIN_BAR_PX);
          batch.path(p.selection, false, 2.5).rect(ax0 - 2, cy - BAR_HALF - 2, ax1 - ax0 + 4, BAR_HALF * 2 + 4);
        }
      }
    }

    // Markers: search matches get a halo first, then each kind in its colour and shape. A lane so dense that glyphs
    // would overlap anyway draws them as thin pixel-aligned bars: the same colours and bands, a fraction of the cost.
    const dense = lane.markers.length * DENSE_GLYPH_PX > this.plotWidth;
    if (dense) denseLastPx.fill(NaN);
    for (const m of lane.markers) {
      const mx = x(m.t);
      if (mx < GUTTER_W - 6 || mx > W + 6) continue;
      const my = y + markerY(m.kind);
      if (dense) {
        const color = m.alert ? p.error : m.kind === "attemptEnd" ? p.ok : markerColor(m.kind, p);
        const px = Math.round(mx);
        if (m.match) batch.path(p.match, true).rect(px - 3, my - 6, 6, 12);
        // A bar already drawn on this pixel column, in this colour and band, would be drawn over itself.
        const column = (KIND_INDEX.get(m.kind) ?? 0) * 2 + (m.alert ? 1 : 0);
        if (denseLastPx[column] === px) continue;
        denseLastPx[column] = px;
        batch.path(color, true).rect(px - 1, my - 4, 2, 8);
        continue;
      }
      const big = m.count > 1 ? 5 : 4;
      if (m.match) {
        const halo = batch.path(p.match, true);
        halo.moveTo(mx + 7, my);
        halo.arc(mx, my, 7, 0, Math.PI * 2);
      }
      const color = m.alert ? p.error : m.kind === "attemptEnd" && !m.alert ? p.ok : markerColor(m.kind, p);
      glyph(batch.path(color, !stroked(m.kind), stroked(m.kind) ? 1.5 : 1), m.kind, mx, my, big);
      if (p.contrastBorder && !stroked(m.kind)) glyph(batch.path(p.contrastBorder, false), m.kind, mx, my, big);
    }

    // The pending alarm where it will fire, or a label pointing to it at the edge.
    if (lane.pending) {
      const box = this.pendingBox(lane.pending, x, scene);
      const color = lane.pending.overdue ? p.error : p.pending;
      if (box.text === undefined || box.tx === undefined) {
        const px = x(lane.pending.t);
        const d = batch.path(color, lane.pending.overdue, 1.5);
        d.moveTo(px, cy - 6);
        d.lineTo(px + 6, cy);
        d.lineTo(px, cy + 6);
        d.lineTo(px - 6, cy);
        d.closePath();
        const stem = batch.path(withAlpha(color, 0.5), false, 1, [1, 2]);
        stem.moveTo(px + 0.5, y + 2);
        stem.lineTo(px + 0.5, y + ROW_H - 2);
      } else {
        ctx.fillStyle = p.background;
        ctx.fillRect(box.x0, y + 6, box.x1 - box.x0, ROW_H - 12);
        this.label(box.text, box.tx, cy + 4, color, p.fontSmall, "left");
      }
    }
  }

  private label(text: string, x: number, y: number, color: string, font: string, align: CanvasTextAlign): void {
    const { ctx } = this;
    ctx.font = font;
    ctx.fillStyle = color;
    ctx.textAlign = align;
    ctx.textBaseline = "alphabetic";
    ctx.fillText(text, x, y);
    ctx.textAlign = "left";
  }

  private drawAxis(axis: ReturnType<typeof ticks>, x: (t: number) => number, scene: Scene): void {
    const { ctx } = this;
    const p = scene.palette;
    const W = this.cssWidth;
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, W, AXIS_H);
    ctx.strokeStyle = p.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(W, AXIS_H - 0.5);
    ctx.stroke();
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER_W, 0, W - GUTTER_W, AXIS_H);
    ctx.clip();
    ctx.font = p.fontSmall;
    ctx.fillStyle = p.muted;
    ctx.textBaseline = "middle";
    const nowShown = scene.now !== null && scene.now >= scene.view.start && scene.now <= scene.view.end;
    const nx = nowShown ? Math.round(x(scene.now as number)) : -Infinity;
    for (const t of axis.ticks) {
      const tx = Math.round(x(t.t)) + 0.5;
      ctx.fillRect(tx - 0.5, AXIS_H - 5, 1, 5);
      // The "now" tag wins over a tick label it would cover.
      const w = this.textWidth(p.fontSmall, t.label);
      if (nx + 20 < tx + 4 || nx - 20 > tx + 4 + w) ctx.fillText(t.label, tx + 4, AXIS_H / 2);
    }
    if (nowShown) {
      ctx.font = p.fontSmall;
      const tw = this.textWidth(p.fontSmall, "now");
      ctx.fillStyle = p.now;
      ctx.fillRect(nx - tw / 2 - 4, 4, tw + 8, AXIS_H - 8);
      ctx.fillStyle = p.background;
      ctx.textAlign = "center";
      ctx.fillText("now", nx, AXIS_H / 2);
      ctx.textAlign = "left";
    }
    ctx.restore();
    // The date, top left, above the labels: the axis shows only times of day.
    ctx.font = p.fontSmall;
    ctx.fillStyle = p.muted;
    ctx.textBaseline = "middle";
    const d = new Date(scene.view.start);
    ctx.fillText(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`, 8, AXIS_H / 2);
    ctx.textBaseline = "alphabetic";
  }

  private drawGutter(first: number, last: number, rowY: (r: number) => number, scene: Scene): void {
    const { ctx } = this;
    const p = scene.palette;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, GUTTER_W, this.cssHeight - AXIS_H);
    ctx.clip();
    ctx.fillStyle = p.background;
    ctx.fillRect(0, AXIS_H, GUTTER_W, this.cssHeight - AXIS_H);
    ctx.textBaseline = "middle";
    for (let r = first; r <= last; r++) {
      const row = scene.rows.get(r);
      const y = rowY(r);
      if (!row) continue;
      if (row.kind === "class") {
        ctx.fillStyle = p.headerBackground;
        ctx.fillRect(0, y, GUTTER_W, ROW_H);
        ctx.font = p.fontBold;
        ctx.fillStyle = p.foreground;
        this.fitText(`${row.label} (${row.objects})`, 8, y + ROW_H / 2, GUTTER_W - 16);
      } else {
        if (scene.hoverRow === r) {
          ctx.fillStyle = p.rowHover;
          ctx.fillRect(0, y, GUTTER_W, ROW_H);
        }
        ctx.fillStyle = statusColor(row.status, p);
        ctx.beginPath();
        ctx.arc(16, y + ROW_H / 2, 4, 0, Math.PI * 2);
        ctx.fill();
        ctx.font = p.font;
        ctx.fillStyle = scene.selection?.objectKey === row.key ? p.selection : p.foreground;
        this.fitText(row.label, 28, y + ROW_H / 2, GUTTER_W - 36);
      }
    }
    ctx.strokeStyle = p.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(GUTTER_W - 0.5, AXIS_H);
    ctx.lineTo(GUTTER_W - 0.5, this.cssHeight);
    ctx.stroke();
    ctx.restore();
    ctx.textBaseline = "alphabetic";
  }

  /** The width of `text` in `font` (measured once, then remembered). */
  private textWidth(font: string, text: string): number {
    return cached(textWidths, `${font}\u0000${text}`, () => {
      this.ctx.font = font;
      return this.ctx.measureText(text).width;
    });
  }

  /** Draws text cut with an ellipsis to `maxWidth`, in the context's current font. */
  private fitText(text: string, x: number, y: number, maxWidth: number): void {
    const { ctx } = this;
    const font = ctx.font;
    const shown = cached(clippedTexts, `${font}\u0000${maxWidth}\u0000${text}`, () => {
      if (ctx.measureText(text).width <= maxWidth) return text;
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
        else hi = mid - 1;
      }
      return `${text.slice(0, lo)}…`;
    });
    ctx.fillText(shown, x, y);
  }

  /** The scene last drawn. */
  get scene(): Scene | undefined {
    return this.lastScene;
  }
}

/** Lines describing a hit, for the tooltip. Plain strings: the tooltip sets them as text. */
export function describeHit(hit: Hit, now: number | null): string[] {
  switch (hit.kind) {
    case "attempt": {
      const a = hit.attempt;
      const end = a.end ?? now;
      const outcome = a.outcome === "ok" ? "succeeded" : a.outcome === "error" ? "failed" : a.outcome;
      return [
        `Attempt ${a.number} · ${a.trigger}${a.injected ? " · failure injected" : ""}`,
        `${formatTime(a.start)}${end !== null ? ` – ${formatTime(end)} (${formatDuration(end - a.start)})` : ""} · ${outcome}`,
        "Click to step through this run",
      ];
    }
    case "tick":
      return [
        hit.tick.count > 1 ? `${hit.tick.count} runs` : `Run · ${hit.tick.state}`,
        `${formatTime(hit.tick.start)} – ${formatTime(hit.tick.end)}`,
        hit.tick.count > 1 ? "Click to zoom in on them" : "Click to step through this run",
      ];
    case "waiting":
      return [
        `Retry ${hit.run.waiting?.retryCount ?? ""} expected`.replace(/\s+expected/, " expected"),
        hit.run.waiting ? `between ${formatTime(hit.run.waiting.earliest)} and ${formatTime(hit.run.waiting.latest)}` : "",
      ];
    case "marker": {
      // The host describes the events themselves on request (`describe`); until it answers, say what kind they are.
      const m = hit.marker;
      const what = m.count > 1 ? `${m.count} × ${MARKER_KIND_LABELS[m.kind]}` : MARKER_KIND_LABELS[m.kind];
      return [`${formatTime(m.t)} · ${what}`, m.inAttempt ? "Click to show its attempt" : ""];
    }
    case "pending":
      return [
        `Pending alarm: ${formatTime(hit.pending.t)}${hit.pending.overdue ? " · overdue" : ""}`,
        `set by ${hit.pending.origin}${now !== null ? ` · ${hit.pending.t >= now ? `in ${formatDuration(hit.pending.t - now)}` : `${formatDuration(now - hit.pending.t)} ago`}` : ""}`,
      ];
    case "label":
      return hit.row.kind === "lane" ? [...hit.row.tooltip.split("\n"), `Status: ${hit.row.status}`, "Double-click to show only this object"] : [labelOfClass(hit.row)];
  }
}

function labelOfClass(row: ClassRow): string {
  return `${row.label}: ${row.objects} object${row.objects === 1 ? "" : "s"}`;
}
