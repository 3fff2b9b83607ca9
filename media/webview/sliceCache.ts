/**
 * When the slice the webview holds will do, and what to ask for next. The webview draws from the last slice (a cover:
 * the view plus a margin) while it lasts, and asks for the next one before the view reaches its edge, so panning,
 * scrolling and zooming never wait for the host. Plain functions of plain data (no DOM): the app decides when to ask.
 */
import { MAX_COVER_RESOLUTION, MAX_COVER_SPANS } from "../../extension/shared/timelineMessages";
import type { Cover, ViewportRequest } from "../../extension/shared/timelineMessages";
import { GUTTER_W, ROW_H } from "./chartMetrics";
import type { View } from "./viewState";

/** Data thinned for a coarser resolution than the view's is drawn up to this factor coarser (zooming in). */
const COARSER_OK = 1.6;
/** Data sliced finer than the view needs is drawn up to this factor finer (zooming out): exact, only more to draw. */
const FINER_OK = 4;
/** Time asked for beyond each edge of the view, in view spans: room to pan while the next slice is on its way. */
const MARGIN_SPANS = 1;
/** Rows asked for beyond each edge, in screens of rows. */
const MARGIN_SCREENS = 0.75;
/** The next slice is asked for once less than this is left beyond an edge: in spans, in screens of rows. */
const LEAD_SPANS = 0.5;
const LEAD_SCREENS = 0.4;
/** …or once the resolution drifted past this part of the accepted band (as a power: 0.5 is its square root). */
const LEAD_RESOLUTION = 0.5;
/** While a zoom-in gesture goes on, the next slice is sliced this much finer than the view needs. */
const ZOOM_IN_OVERSAMPLE = 2;

/** What the webview holds: the cover of its last slice, and the rows there are in all. */
export interface Held {
  covers: Cover | undefined;
  totalRows: number;
}

/** The time range and resolution part of `holds`. */
function holdsTime(vp: ViewportRequest, c: Cover, spans: number, tightness: number): boolean {
  const span = vp.end - vp.start;
  // Above 1, the data is finer than the view needs: exact, only more to draw. Below, it is coarser: markers merged
  // that the view could show apart, so only a little of that is accepted.
  const drift = span / vp.widthPx / c.msPerPx;
  return c.start <= vp.start - span * spans && c.end >= vp.end + span * spans && drift >= 1 / COARSER_OK ** tightness && drift <= FINER_OK ** tightness;
}

/**
 * True when the slice held covers the view with `spans` of its span to spare each side, `screens` of its rows above
 * and below, and a resolution within `tightness` (1: the whole accepted band; below 1, a narrower one).
 */
function holds(held: Held, vp: ViewportRequest, spans: number, screens: number, tightness: number): boolean {
  const c = held.covers;
  if (!c) return false;
  const room = Math.ceil(vp.rowCount * screens);
  const first = Math.max(0, vp.firstRow - room);
  const last = Math.min(held.totalRows - 1, vp.firstRow + vp.rowCount - 1 + room);
  return c.firstRow <= first && c.lastRow >= last && holdsTime(vp, c, spans, tightness);
}

/** True when the slice held has the view's data: its time range, its rows, at a resolution fine enough. */
export function covered(held: Held, vp: ViewportRequest): boolean {
  return holds(held, vp, 0, 0, 1);
}

/** True when the slice held will do for a while yet: the next one need not be asked for. */
export function lasts(held: Held, vp: ViewportRequest): boolean {
  return holds(held, vp, LEAD_SPANS, LEAD_SCREENS, LEAD_RESOLUTION);
}

/**
 * The request for the next slice: the view, and a cover with room around it. While the time range and the
 * resolution held still have room, only rows are added and the rows held are kept (`have`): a scroll down the lanes
 * does not slice and send again what is already here. `zoomingIn`: a zoom-in gesture goes on, so the data is sliced
 * finer than the view needs and the next steps in still find it fine enough.
 */
export function nextCover(held: Held, vp: ViewportRequest, force: boolean, zoomingIn: boolean): ViewportRequest {
  const rows = held.totalRows;
  const screen = Math.max(1, vp.rowCount);
  const firstRow = Math.max(0, vp.firstRow - Math.ceil(screen * MARGIN_SCREENS));
  const lastRow = Math.max(firstRow - 1, Math.min(rows - 1, vp.firstRow + vp.rowCount + Math.ceil(screen * MARGIN_SCREENS)));
  const c = held.covers;
  const span = vp.end - vp.start;
  const viewMsPerPx = span / vp.widthPx;
  // The host would trim a cover far wider or finer than the view (see `MAX_COVER_*`), and the rows held would no
  // longer match what it sends: such a cover is not extended but replaced.
  const withinLimits = (k: Cover): boolean =>
    k.start >= vp.start - span * MAX_COVER_SPANS && k.end <= vp.end + span * MAX_COVER_SPANS && k.msPerPx * MAX_COVER_RESOLUTION >= viewMsPerPx && k.msPerPx <= viewMsPerPx * MAX_COVER_RESOLUTION;
  if (!force && c && withinLimits(c) && holdsTime(vp, c, LEAD_SPANS, LEAD_RESOLUTION)) {
    const have = { firstRow: Math.max(firstRow, c.firstRow), lastRow: Math.min(lastRow, c.lastRow) };
    return { ...vp, cover: { start: c.start, end: c.end, msPerPx: c.msPerPx, firstRow, lastRow }, ...(have.lastRow >= have.firstRow ? { have } : {}) };
  }
  const finer = zoomingIn ? ZOOM_IN_OVERSAMPLE : 1;
  const cover = { start: vp.start - span * MARGIN_SPANS, end: vp.end + span * MARGIN_SPANS, msPerPx: viewMsPerPx / finer, firstRow, lastRow };
  return { ...vp, cover };
}

/**
 * The view of a page not laid out yet, for its first request: the window (`innerWidth` × `innerHeight`, which the
 * chart fits inside) stands in for the chart, so the slice asked for is at least as tall and, for its time range, at
 * least as fine as the chart needs, and `covered` holds for the view the chart turns out to have. (Only a chart more
 * than `FINER_OK` times narrower than the window makes the page ask again, once it has drawn.)
 */
export function firstViewport(view: View, windowWidth: number, windowHeight: number): ViewportRequest {
  return {
    start: view.start,
    end: view.end,
    firstRow: Math.max(0, Math.floor(view.scrollY / ROW_H)),
    rowCount: Math.ceil(Math.max(0, windowHeight) / ROW_H) + 1,
    widthPx: Math.max(1, windowWidth - GUTTER_W),
  };
}
