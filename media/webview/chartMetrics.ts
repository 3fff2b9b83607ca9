/**
 * The chart's fixed sizes in CSS pixels, apart from the renderer that draws with them: the slice cache sizes the first
 * request from them before the page is laid out (sliceCache.ts `firstViewport`), and input maps pointer positions.
 */

/** Height of every row, heading or lane. */
export const ROW_H = 26;
/** Height of the time axis at the top. */
export const AXIS_H = 26;
/** Width of the label column at the left. */
export const GUTTER_W = 200;
