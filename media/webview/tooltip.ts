/**
 * The chart's tooltip. What the pointer rests on is described from the slice at once; a marker's events are not in
 * the slice (it stays small however dense), so their lines are asked of the host (`describe`) and shown when the
 * answer comes, while the pointer is still there. Everything shown is set as text, never parsed as markup.
 */
import type { MarkerKind } from "../../extension/shared/timelineMessages";
import { el, replaceChildren } from "./dom";
import type { Hit } from "./renderer";

/** Asks the host for the lines of a marker; returns the request's id. */
export type AskDescription = (objectKey: string, kind: MarkerKind, from: number, to: number) => number;

/** The tooltip element, and the marker descriptions the host sent. */
export class ChartTooltip {
  readonly element: HTMLElement = el("div", "tooltip", { role: "tooltip", hidden: true });
  /** The marker whose lines were asked for, and where the pointer was. */
  private describing: { id: number; key: string; x: number; y: number } | undefined;
  /** The host's answers so far, by marker; cleared with each slice (marker boundaries move with the resolution). */
  private readonly descriptions = new Map<string, string[]>();

  constructor(
    private readonly ask: AskDescription,
    /** The chart's size, to keep the tooltip inside it. */
    private readonly area: () => { width: number; height: number },
  ) {}

  get hidden(): boolean {
    return this.element.hidden;
  }

  /**
   * The lines for a hit, given the ones the slice alone says (`fromSlice`): for a marker, the host's description
   * when it has answered, else those, and the description is asked for (once per marker).
   */
  linesFor(hit: Hit, fromSlice: string[], x: number, y: number): string[] {
    if (hit.kind !== "marker") {
      this.describing = undefined;
      return fromSlice;
    }
    const m = hit.marker;
    const last = m.last ?? m.t;
    const key = `${hit.lane.key}|${m.kind}|${m.t}|${last}`;
    const known = this.descriptions.get(key);
    if (known && known.length > 0) return [...known, fromSlice[1] ?? ""];
    if (!known && this.describing?.key !== key) {
      const id = this.ask(hit.lane.key, m.kind, m.t, last);
      this.describing = { id, key, x, y };
    }
    return fromSlice;
  }

  /**
   * The host described a marker. Returns where the pointer was when it was asked for, when the tooltip is still
   * showing: the caller hovers there again to show the answer.
   */
  described(requestId: number, lines: string[]): { x: number; y: number } | undefined {
    const d = this.describing;
    if (!d || d.id !== requestId) return undefined;
    this.descriptions.set(d.key, lines);
    this.describing = undefined;
    return this.element.hidden ? undefined : { x: d.x, y: d.y };
  }

  /** Forgets the answers: markers were sliced anew and may have merged differently. */
  forget(): void {
    this.descriptions.clear();
  }

  show(all: string[], x: number, y: number): void {
    const lines = all.filter((l) => l !== "");
    replaceChildren(this.element, ...lines.map((l, i) => el("div", i === 0 ? "tip-title" : "tip-line", {}, l)));
    this.element.hidden = false;
    // Keep the tooltip inside the chart: flip it left of / above the pointer near the edges.
    const w = this.element.offsetWidth;
    const h = this.element.offsetHeight;
    const { width, height } = this.area();
    const left = x + 14 + w > width ? Math.max(4, x - w - 10) : x + 14;
    const top = y + 18 + h > height ? Math.max(4, y - h - 8) : y + 18;
    this.element.style.left = `${left}px`;
    this.element.style.top = `${top}px`;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
