/**
 * The timeline's keyboard map, in one place: the handler reads it, and the help in the detail panel lists it, so the
 * two cannot disagree. Keys act when focus is not in a text field (the search box keeps its own keys).
 */

/** What a key does. */
export type KeyAction =
  | "panLeft"
  | "panRight"
  | "panLeftFar"
  | "panRightFar"
  | "zoomIn"
  | "zoomOut"
  | "fit"
  | "rowUp"
  | "rowDown"
  | "pageUp"
  | "pageDown"
  | "firstAttempt"
  | "lastAttempt"
  | "previousAttempt"
  | "nextAttempt"
  | "toggleFollow"
  | "focusSearch"
  | "escape";

/** Each binding, as shown in the help: the keys a person presses, and what happens. */
export const KEYMAP: readonly { keys: string; does: string; action: KeyAction; match: (e: KeyboardEvent) => boolean }[] = [
  { keys: "← / →", does: "Pan earlier / later", action: "panLeft", match: (e) => e.key === "ArrowLeft" && !e.shiftKey },
  { keys: "", does: "", action: "panRight", match: (e) => e.key === "ArrowRight" && !e.shiftKey },
  { keys: "Shift+← / →", does: "Pan by half a screen", action: "panLeftFar", match: (e) => e.key === "ArrowLeft" && e.shiftKey },
  { keys: "", does: "", action: "panRightFar", match: (e) => e.key === "ArrowRight" && e.shiftKey },
  { keys: "+ / −", does: "Zoom in / out", action: "zoomIn", match: (e) => e.key === "+" || e.key === "=" },
  { keys: "", does: "", action: "zoomOut", match: (e) => e.key === "-" || e.key === "_" },
  { keys: "0", does: "Fit everything", action: "fit", match: (e) => e.key === "0" },
  { keys: "↑ / ↓", does: "Scroll lanes", action: "rowUp", match: (e) => e.key === "ArrowUp" },
  { keys: "", does: "", action: "rowDown", match: (e) => e.key === "ArrowDown" },
  { keys: "PgUp / PgDn", does: "Scroll a page of lanes", action: "pageUp", match: (e) => e.key === "PageUp" },
  { keys: "", does: "", action: "pageDown", match: (e) => e.key === "PageDown" },
  { keys: "Home / End", does: "First / last attempt of the selected run", action: "firstAttempt", match: (e) => e.key === "Home" },
  { keys: "", does: "", action: "lastAttempt", match: (e) => e.key === "End" },
  { keys: "[ / ]", does: "Previous / next attempt", action: "previousAttempt", match: (e) => e.key === "[" },
  { keys: "", does: "", action: "nextAttempt", match: (e) => e.key === "]" },
  { keys: "F", does: "Follow live on / off", action: "toggleFollow", match: (e) => e.key === "f" || e.key === "F" },
  { keys: "/", does: "Search keys and errors", action: "focusSearch", match: (e) => e.key === "/" },
  { keys: "Esc", does: "Close the filter, then clear the selection", action: "escape", match: (e) => e.key === "Escape" },
];

/** The action for a key press, or undefined. Presses with Ctrl, Cmd or Alt belong to VS Code. */
export function actionFor(e: KeyboardEvent): KeyAction | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  return KEYMAP.find((k) => k.match(e))?.action;
}

/** True when the key press is typing into a field, which keeps its keys. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target;
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable);
}
