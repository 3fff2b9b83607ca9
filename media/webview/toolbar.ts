/**
 * The toolbar: follow live, zoom, fit, search, the filter popover (classes, objects, event kinds, with the legend of
 * marker shapes), and export / open. Every button has an accessible name; class and object names from the Worker are
 * set as text.
 */
import { MARKER_KINDS, MARKER_KIND_LABELS } from "../../extension/shared/timelineMessages";
import type { MarkerKind, StateMessage, TimelineFilter } from "../../extension/shared/timelineMessages";
import { el, icon, iconButton, replaceChildren } from "./dom";
import { glyph, markerColor } from "./renderer";
import type { Palette } from "./theme";

/** What the toolbar asks the app to do. */
export interface ToolbarActions {
  setFollow(follow: boolean): void;
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  setFilter(filter: TimelineFilter): void;
  exportSession(): void;
  openSession(): void;
}

/** How long typing pauses before the search applies: each search re-lays out every lane. */
const SEARCH_DEBOUNCE_MS = 200;

/** The toolbar above the chart. */
export class Toolbar {
  readonly element: HTMLElement;
  private readonly follow: HTMLButtonElement;
  private readonly search: HTMLInputElement;
  private readonly filterButton: HTMLButtonElement;
  private readonly popover: HTMLElement;
  private readonly status: HTMLElement;
  private readonly onlyChip: HTMLElement;
  private state: StateMessage | undefined;
  private followOn = false;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private palette: Palette | undefined;

  constructor(private readonly actions: ToolbarActions) {
    this.follow = iconButton("radio-tower", "Follow live (F)", () => this.actions.setFollow(!this.followOn), "icon-button toggle");
    this.follow.id = "follow";
    this.follow.setAttribute("aria-pressed", "false");
    const zoomIn = iconButton("zoom-in", "Zoom in (+)", () => this.actions.zoomIn());
    const zoomOut = iconButton("zoom-out", "Zoom out (−)", () => this.actions.zoomOut());
    const fit = iconButton("screen-full", "Fit everything (0)", () => this.actions.fit());
    this.search = el("input", "search", { type: "search", placeholder: "Search keys and errors", "aria-label": "Search storage keys, error messages and object names (/)", spellcheck: "false" });
    this.search.id = "search";
    this.search.addEventListener("input", () => {
      if (this.searchTimer !== undefined) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.apply({ search: this.search.value }), SEARCH_DEBOUNCE_MS);
    });
    this.search.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.search.value !== "") {
        e.stopPropagation();
        this.search.value = "";
        this.apply({ search: "" });
      }
    });
    this.filterButton = iconButton("filter", "Filter classes, objects and event kinds", () => this.togglePopover(), "icon-button toggle");
    this.filterButton.id = "filter";
    this.filterButton.setAttribute("aria-expanded", "false");
    this.filterButton.setAttribute("aria-haspopup", "dialog");
    this.onlyChip = el("span", "chip", { hidden: true });
    this.popover = el("div", "popover", { role: "dialog", "aria-label": "Filter", hidden: true });
    this.status = el("span", "status", { id: "status", role: "status" });
    const exportButton = iconButton("save", "Export this session to a file", () => this.actions.exportSession());
    exportButton.id = "export";
    const openButton = iconButton("folder-opened", "Open a session file", () => this.actions.openSession());
    openButton.id = "open";
    this.element = el(
      "header",
      "toolbar",
      { role: "toolbar", "aria-label": "Timeline" },
      this.follow,
      el("span", "separator", { "aria-hidden": "true" }),
      zoomIn,
      zoomOut,
      fit,
      el("span", "separator", { "aria-hidden": "true" }),
      el("span", "search-box", {}, icon("search"), this.search),
      el("span", "filter-wrap", {}, this.filterButton, this.popover),
      this.onlyChip,
      this.status,
      el("span", "spacer"),
      exportButton,
      openButton,
    );
  }

  /** Shows the host's state. */
  update(state: StateMessage, follow: boolean, palette: Palette): void {
    this.state = state;
    this.palette = palette;
    this.setFollow(follow);
    this.follow.hidden = state.offline;
    if (document.activeElement !== this.search && this.search.value !== state.filter.search) this.search.value = state.filter.search;
    const f = state.filter;
    const filtered = f.hiddenClasses.length > 0 || f.objects.length > 0 || f.hiddenKinds.length > 0;
    this.filterButton.classList.toggle("active", filtered);
    const lost = state.counts.lost > 0 ? ` · ${grouped(state.counts.lost)} lost` : "";
    this.status.textContent = `${state.status} · ${grouped(state.counts.lanes)} object${state.counts.lanes === 1 ? "" : "s"} · ${grouped(state.counts.events)} events${lost}`;
    this.status.title = state.counts.lost > 0 ? "Events dropped by the agent's buffer or by the model's memory bounds are not shown" : "";
    if (f.objects.length > 0) {
      const clear = iconButton("close", "Show all objects", () => this.apply({ objects: [] }), "chip-close");
      replaceChildren(this.onlyChip, `Only ${f.objects.length} object${f.objects.length === 1 ? "" : "s"}`, clear);
      this.onlyChip.hidden = false;
    } else {
      this.onlyChip.hidden = true;
    }
    if (!this.popover.hidden) this.renderPopover();
  }

  /** Shows whether follow is on. */
  setFollow(on: boolean): void {
    this.followOn = on;
    this.follow.setAttribute("aria-pressed", String(on));
    this.follow.classList.toggle("active", on);
  }

  focusSearch(): void {
    this.search.focus();
    this.search.select();
  }

  /** Closes the popover; false when it was not open. */
  closePopover(): boolean {
    if (this.popover.hidden) return false;
    this.popover.hidden = true;
    this.filterButton.setAttribute("aria-expanded", "false");
    this.filterButton.focus();
    return true;
  }

  private togglePopover(): void {
    if (this.closePopover()) return;
    this.renderPopover();
    this.popover.hidden = false;
    this.filterButton.setAttribute("aria-expanded", "true");
    this.popover.querySelector<HTMLInputElement>("input")?.focus();
  }

  private apply(change: Partial<TimelineFilter>): void {
    if (!this.state) return;
    this.actions.setFilter({ ...this.state.filter, ...change });
  }

  private renderPopover(): void {
    const state = this.state;
    if (!state) return;
    const f = state.filter;
    const many = new Set(state.classes.map((c) => c.worker)).size > 1;
    const classes = el("fieldset", "classes", {}, el("legend", undefined, {}, "Classes"));
    for (const c of state.classes) {
      const box = el("input", undefined, { type: "checkbox", checked: !f.hiddenClasses.includes(c.id) });
      box.addEventListener("change", () => {
        const hidden = f.hiddenClasses.filter((h) => h !== c.id);
        this.apply({ hiddenClasses: box.checked ? hidden : [...hidden, c.id] });
      });
      classes.appendChild(el("label", "check", {}, box, `${many ? `${c.worker} › ` : ""}${c.className}`, el("span", "muted", {}, ` (${c.objects})`)));
    }
    if (state.classes.length === 0) classes.appendChild(el("p", "muted", {}, "No classes yet."));
    const kinds = el("fieldset", "kinds", {}, el("legend", undefined, {}, "Events"));
    for (const k of MARKER_KINDS) {
      const box = el("input", undefined, { type: "checkbox", checked: !f.hiddenKinds.includes(k) });
      box.addEventListener("change", () => {
        const hidden = f.hiddenKinds.filter((h) => h !== k);
        this.apply({ hiddenKinds: box.checked ? hidden : [...hidden, k] });
      });
      kinds.appendChild(el("label", "check", {}, box, this.swatch(k), MARKER_KIND_LABELS[k]));
    }
    const objects = el("fieldset", "objects", {}, el("legend", undefined, {}, "Objects"));
    if (f.objects.length > 0) {
      const all = el("button", "link", { type: "button" }, "Show all objects");
      all.addEventListener("click", () => this.apply({ objects: [] }));
      objects.append(el("p", undefined, {}, `Showing ${f.objects.length} chosen object${f.objects.length === 1 ? "" : "s"}. `), all);
    } else {
      objects.append(el("p", "muted", {}, "All objects. Double-click a lane's label to show only that object."));
    }
    replaceChildren(this.popover, classes, objects, kinds);
  }

  /** The marker's shape in its colour, as on the chart: the filter doubles as the legend. */
  private swatch(kind: MarkerKind): HTMLCanvasElement {
    const dpr = window.devicePixelRatio || 1;
    const c = el("canvas", "swatch", { width: 14 * dpr, height: 14 * dpr, "aria-hidden": "true" });
    const ctx = c.getContext("2d");
    if (ctx && this.palette) {
      ctx.scale(dpr, dpr);
      const path = new Path2D();
      glyph(path, kind, 7, 7, 4.5);
      const color = markerColor(kind, this.palette);
      if (kind === "delete" || kind === "wake") {
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5;
        ctx.stroke(path);
      } else {
        ctx.fillStyle = color;
        ctx.fill(path);
      }
    }
    return c;
  }
}

/**
 * A count with thousands separators, as in the rest of the (English) text. Not `toLocaleString`: its first call sets
 * up the browser's number formatting, 20–35 ms spent on the way to the timeline's first frame.
 */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
