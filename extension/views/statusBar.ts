import * as vscode from "vscode";
import { VIEW_ID } from "../common/ids";
import { Disposable, Timeout } from "../common/lifecycle";
import type { AlarmModel } from "../model/alarmModel";
import { COALESCE_MS } from "./repaintScheduler";
import { applyStatusUpdate, statusShown, statusUpdate } from "./statusText";
import type { StatusShown } from "./statusText";
import { ViewClock } from "./viewClock";

/**
 * Connection state and the number of pending alarms, soonest first in the tooltip. Clicking focuses the Alarms
 * view. Hidden until the extension has been used in this window (never on start-up alone).
 *
 * The item is handed only what changed (statusText.ts): each property set is a message to the workbench and its
 * answer. With 1,000 events/s streaming in (10 requests/s, each re-arming an alarm), the item cost 11 `$setEntry`
 * messages a second, each carrying its tooltip; now about one a second, on the clock's tick.
 */
export class AlarmsStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem("alarmInspector.status", vscode.StatusBarAlignment.Left, 50));

  private readonly soon = this._register(new Timeout());
  /** What the item was last given; undefined while hidden. */
  private shown: StatusShown | undefined;

  /** @param clock the tree's clock: both count pending alarms at the same `now`, so they agree every second. */
  constructor(
    private readonly model: AlarmModel,
    clock?: ViewClock,
  ) {
    super();
    this.item.name = "Alarm Inspector";
    this.item.command = `${VIEW_ID}.focus`;
    // The events of one action arrive together: one update for them all.
    this._register(model.onDidChange(() => this.soon.arm(() => this.update(Date.now(), false), COALESCE_MS)));
    this._register((clock ?? this._register(new ViewClock())).onTick((now) => this.update(now)));
    this.update();
  }

  /** @param withTooltip false for a model change: a tooltip that alone changed waits for the clock's next tick. */
  update(now: number = Date.now(), withTooltip = true): void {
    const update = statusUpdate(this.shown, statusShown(this.model, now), withTooltip);
    if (!update) return;
    this.shown = applyStatusUpdate(this.shown, update);
    if (update.hide) {
      this.item.hide();
      return;
    }
    if (update.text !== undefined) this.item.text = update.text;
    if (update.background !== undefined) this.item.backgroundColor = update.background === null ? undefined : new vscode.ThemeColor(update.background);
    if (update.tooltip !== undefined) {
      const md = new vscode.MarkdownString();
      md.appendText(update.tooltip);
      this.item.tooltip = md;
    }
    if (update.show) this.item.show();
  }
}
