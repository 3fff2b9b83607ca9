/**
 * What the status bar item shows, and what of it to hand the workbench. Pure (no `vscode`), so the rules are unit
 * tested: every assignment to a status bar item's property, and every `show()`, is a message to the workbench that it
 * answers, so an update that changes nothing must send nothing.
 */
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute, formatRelative } from "../model/timeInput";

/** Most pending alarms listed in the tooltip. */
const TOOLTIP_ROWS = 10;

/** What the item shows: `background` is a theme colour's id; the tooltip is plain text. */
export interface StatusShown {
  readonly text: string;
  readonly background: string | undefined;
  readonly tooltip: string;
}

/** What to hand the item: only the parts that changed. */
export interface StatusUpdate {
  text?: string;
  /** Present when the background changed (null: back to the default). */
  background?: string | null;
  tooltip?: string;
  show?: true;
  hide?: true;
}

/** The item for the model at `now`; undefined when it should be hidden (nothing connected and nothing known). */
export function statusShown(model: AlarmModel, now: number): StatusShown | undefined {
  const conn = model.connection;
  if (conn.kind === "disconnected" && model.objectCount === 0) return undefined;
  const pending = model.pendingAlarms(now);
  const count = `${pending.length} pending`;
  let text: string;
  let background: string | undefined;
  switch (conn.kind) {
    case "connected":
      // Not a bell: VS Code's own notification bell sits in the same bar.
      text = `$(watch) Alarms: ${count}`;
      break;
    case "connecting":
      text = "$(sync~spin) Alarms: connecting…";
      break;
    case "reconnecting":
      text = `$(sync~spin) Alarms: reconnecting (${conn.attempt})`;
      background = "statusBarItem.warningBackground";
      break;
    case "disconnected":
      text = `$(debug-disconnect) Alarms: disconnected · ${count}`;
      break;
  }
  let tooltip = conn.kind === "connected" ? `Connected: ${conn.url}\n` : `Inspector ${conn.kind}\n`;
  if (pending.length === 0) tooltip += "No pending alarms";
  for (const p of pending.slice(0, TOOLTIP_ROWS)) {
    const when = p.dueAt >= now ? formatRelative(p.dueAt - now) : formatRelative(p.dueAt - now, { past: "overdue" });
    tooltip += `\n${p.object.ref.className} ${objectLabel(p.object.ref)}: ${p.kind === "retry" ? "retry " : ""}${when} (${formatAbsolute(p.dueAt, now)})`;
  }
  if (pending.length > TOOLTIP_ROWS) tooltip += `\n…and ${pending.length - TOOLTIP_ROWS} more`;
  return { text, background, tooltip };
}

/**
 * The parts of `next` that differ from `was` (what the item last got), or undefined when there is nothing to send.
 * `withTooltip` false (a model change, not the clock's tick): a tooltip that alone changed waits for the next tick,
 * since nobody sees it until they hover; a stream re-arming alarms moves their times in it with every request.
 */
export function statusUpdate(was: StatusShown | undefined, next: StatusShown | undefined, withTooltip: boolean): StatusUpdate | undefined {
  if (!next) return was ? { hide: true } : undefined;
  if (!was) return { text: next.text, background: next.background ?? null, tooltip: next.tooltip, show: true };
  const update: StatusUpdate = {};
  if (next.text !== was.text) update.text = next.text;
  if (next.background !== was.background) update.background = next.background ?? null;
  const visibleChange = update.text !== undefined || update.background !== undefined;
  if (next.tooltip !== was.tooltip && (withTooltip || visibleChange)) update.tooltip = next.tooltip;
  return visibleChange || update.tooltip !== undefined ? update : undefined;
}

/** What the item holds after `update` is applied to `was`. */
export function applyStatusUpdate(was: StatusShown | undefined, update: StatusUpdate): StatusShown | undefined {
  if (update.hide) return undefined;
  const base = was ?? { text: "", background: undefined, tooltip: "" };
  return {
    text: update.text ?? base.text,
    background: update.background === undefined ? base.background : (update.background ?? undefined),
    tooltip: update.tooltip ?? base.tooltip,
  };
}
