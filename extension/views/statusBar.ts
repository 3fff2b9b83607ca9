import * as vscode from "vscode";
import { VIEW_ID } from "../common/ids";
import { Disposable, Timeout } from "../common/lifecycle";
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute, formatRelative } from "../model/timeInput";
import { COALESCE_MS } from "./repaintScheduler";
import { ViewClock } from "./viewClock";

/** Most pending alarms listed in the tooltip. */
const TOOLTIP_ROWS = 10;

/**
 * Connection state and the number of pending alarms, soonest first in the tooltip. Clicking focuses the Alarms
 * view. Hidden until the extension has been used in this window (never on start-up alone).
 */
export class AlarmsStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem("alarmInspector.status", vscode.StatusBarAlignment.Left, 50));

  private readonly soon = this._register(new Timeout());

  /** @param clock the tree's clock: both count pending alarms at the same `now`, so they agree every second. */
  constructor(
    private readonly model: AlarmModel,
    clock?: ViewClock,
  ) {
    super();
    this.item.name = "Alarm Inspector";
    this.item.command = `${VIEW_ID}.focus`;
    // The events of one action arrive together: one update for them all.
    this._register(model.onDidChange(() => this.soon.arm(() => this.update(), COALESCE_MS)));
    this._register((clock ?? this._register(new ViewClock())).onTick((now) => this.update(now)));
    this.update();
  }

  update(now: number = Date.now()): void {
    const conn = this.model.connection;
    const pending = this.model.pendingAlarms(now);
    if (conn.kind === "disconnected" && this.model.objectCount === 0) {
      this.item.hide();
      return;
    }
    const count = `${pending.length} pending`;
    switch (conn.kind) {
      case "connected":
        // Not a bell: VS Code's own notification bell sits in the same bar.
        this.item.text = `$(watch) Alarms: ${count}`;
        this.item.backgroundColor = undefined;
        break;
      case "connecting":
        this.item.text = "$(sync~spin) Alarms: connecting…";
        break;
      case "reconnecting":
        this.item.text = `$(sync~spin) Alarms: reconnecting (${conn.attempt})`;
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
        break;
      case "disconnected":
        this.item.text = `$(debug-disconnect) Alarms: disconnected · ${count}`;
        this.item.backgroundColor = undefined;
        break;
    }
    const md = new vscode.MarkdownString();
    md.appendText(conn.kind === "connected" ? `Connected: ${conn.url}\n` : `Inspector ${conn.kind}\n`);
    if (pending.length === 0) md.appendText("No pending alarms");
    for (const p of pending.slice(0, TOOLTIP_ROWS)) {
      const when = p.dueAt >= now ? formatRelative(p.dueAt - now) : formatRelative(p.dueAt - now, { past: "overdue" });
      md.appendText(`\n${p.object.ref.className} ${objectLabel(p.object.ref)}: ${p.kind === "retry" ? "retry " : ""}${when} (${formatAbsolute(p.dueAt, now)})`);
    }
    if (pending.length > TOOLTIP_ROWS) md.appendText(`\n…and ${pending.length - TOOLTIP_ROWS} more`);
    this.item.tooltip = md;
    this.item.show();
  }
}
