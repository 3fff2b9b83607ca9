/**
 * Pointer, wheel and keyboard input on the timeline, turned into what they mean (zoom here, pan by so much, drag the
 * view, click there, a key's action). The app decides what each does to the view and what to ask the host.
 */
import { actionFor, isTyping } from "./keyboard";
import type { KeyAction } from "./keyboard";
import { benchInput } from "./perf";
import { GUTTER_W, ROW_H } from "./chartMetrics";
import { pan } from "./viewState";
import type { View } from "./viewState";

/** Pointer movement that turns a press into a drag. */
const DRAG_THRESHOLD_PX = 4;

/** What input acts on. */
export interface InputTarget {
  /** The chart (keyboard focus, size) and the canvas in it (pointer). */
  readonly chart: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  view(): View;
  /** Width of the time area and height of the lanes, in CSS pixels. */
  plotWidth(): number;
  lanesHeight(): number;
  resized(width: number, height: number): void;
  /** Zoom by `factor` around `anchor` (a fraction of the time area's width). */
  zoomBy(factor: number, anchor: number): void;
  panBy(deltaMs: number): void;
  setView(view: View): void;
  /** A press became a drag: tooltips and following stop. */
  dragStarted(): void;
  hover(x: number, y: number): void;
  /** The pointer left the chart. */
  left(): void;
  click(x: number, y: number): void;
  doubleClick(x: number, y: number): void;
  act(action: KeyAction): void;
  /** A press anywhere in the page (popovers close when it is outside them). */
  pressed(target: Node): void;
}

/** Listens to the chart, the page and the window for as long as the webview lives. */
export function listenToInput(t: InputTarget): void {
  const { chart, canvas } = t;
  new ResizeObserver(() => {
    const r = chart.getBoundingClientRect();
    t.resized(r.width, r.height);
  }).observe(chart);

  chart.addEventListener(
    "wheel",
    (e) => {
      benchInput(e);
      e.preventDefault();
      const unit = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? ROW_H : e.deltaMode === WheelEvent.DOM_DELTA_PAGE ? t.lanesHeight() : 1;
      const dx = e.deltaX * unit;
      const dy = e.deltaY * unit;
      const view = t.view();
      const msPerPx = (view.end - view.start) / t.plotWidth();
      if (e.ctrlKey || e.metaKey) {
        const anchor = Math.min(1, Math.max(0, (e.offsetX - GUTTER_W) / t.plotWidth()));
        t.zoomBy(Math.exp(dy * 0.002), anchor);
      } else if (e.shiftKey || Math.abs(dx) > Math.abs(dy)) {
        t.panBy((Math.abs(dx) > Math.abs(dy) ? dx : dy) * msPerPx);
      } else {
        t.setView({ ...view, scrollY: view.scrollY + dy });
      }
    },
    { passive: false },
  );

  let drag: { x: number; y: number; view: View; moved: boolean; pointerId: number } | undefined;
  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    chart.focus({ preventScroll: true });
    drag = { x: e.clientX, y: e.clientY, view: t.view(), moved: false, pointerId: e.pointerId };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    const d = drag;
    if (d && d.pointerId === e.pointerId) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (!d.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      if (!d.moved) {
        d.moved = true;
        canvas.classList.add("dragging");
        t.dragStarted();
      }
      const msPerPx = (d.view.end - d.view.start) / t.plotWidth();
      t.setView({ ...pan(d.view, -dx * msPerPx), follow: false, scrollY: d.view.scrollY - dy });
      return;
    }
    t.hover(e.offsetX, e.offsetY);
  });
  canvas.addEventListener("pointerup", (e) => {
    const d = drag;
    if (!d || d.pointerId !== e.pointerId) return;
    drag = undefined;
    canvas.classList.remove("dragging");
    if (!d.moved) t.click(e.offsetX, e.offsetY);
  });
  canvas.addEventListener("pointercancel", (e) => {
    if (drag?.pointerId === e.pointerId) drag = undefined;
    canvas.classList.remove("dragging");
  });
  canvas.addEventListener("pointerleave", () => t.left());
  canvas.addEventListener("dblclick", (e) => t.doubleClick(e.offsetX, e.offsetY));

  document.addEventListener("keydown", (e) => {
    if (isTyping(e)) {
      if (e.key === "Escape") (e.target as HTMLElement).blur();
      return;
    }
    // Buttons keep Enter and Space; the map's keys work everywhere else in the webview.
    const action = actionFor(e);
    if (!action) return;
    e.preventDefault();
    t.act(action);
  });
  document.addEventListener("pointerdown", (e) => t.pressed(e.target as Node));
}
