/**
 * Hovers on `alarm(` / `onAlarm(` and `setAlarm(` with the recent history of the objects behind them.
 */
import * as vscode from "vscode";
import type { AlarmSetEvent } from "../../protocol/protocol";
import type { AlarmModel } from "../model/alarmModel";
import type { EventRecord } from "../model/types";
import type { SourceLocator } from "../sourcemap/sourceLocator";
import { objectsOfClass } from "./editorCommands";
import { handlerHover, setAlarmHover } from "./hoverText";
import type { HoverSection } from "./hoverText";
import type { Span } from "./outline";
import type { OutlineCache } from "./outlineCache";
import { isWorkspaceSource } from "./workspaceSources";

function contains(span: Span, pos: vscode.Position): boolean {
  const after = pos.line > span.start.line || (pos.line === span.start.line && pos.character >= span.start.character);
  const before = pos.line < span.end.line || (pos.line === span.end.line && pos.character <= span.end.character);
  return after && before;
}

function toRange(span: Span): vscode.Range {
  return new vscode.Range(span.start.line, span.start.character, span.end.line, span.end.character);
}

/** Markdown of the sections; every word that came from the Worker goes in as text, never as markup. */
function render(sections: readonly HoverSection[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown("**Alarm Inspector**\n\n");
  for (const s of sections) {
    md.appendMarkdown("**");
    md.appendText(s.heading);
    md.appendMarkdown("**\n\n");
    for (const line of s.lines) {
      md.appendText(line.replace(/^ {4}/, "\u00a0\u00a0\u00a0\u00a0"));
      md.appendMarkdown("  \n");
    }
    md.appendMarkdown("\n");
  }
  return md;
}

/** The hover provider. Answers only while the model knows something (connected, or history kept after). */
export class AlarmHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly model: AlarmModel,
    private readonly locator: SourceLocator,
    private readonly outlines: OutlineCache,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!isWorkspaceSource(document) || this.model.currentSession === null) return undefined;
    const outline = this.outlines.forText(document.uri.fsPath, document.version, document.getText());
    const now = Date.now();
    for (const c of outline.classes) {
      if (c.handler && contains(c.handler.span, position)) {
        const objects = objectsOfClass(this.model, c.name);
        return new vscode.Hover(render(handlerHover(c.name, objects, (o) => this.model.status(o, now), now)), toRange(c.handler.span));
      }
      const call = c.calls.find((k) => k.kind === "setAlarm" && contains(k.span, position));
      if (call) {
        const line = call.span.start.line + 1;
        const sets = this.locator
          .eventsIn(document.uri.fsPath)
          .filter((l) => l.location.line === line && l.record.event.kind === "alarm.set")
          .map((l) => ({ obj: this.model.getObject(l.objectKey), rec: l.record as EventRecord<AlarmSetEvent> }));
        return new vscode.Hover(render(setAlarmHover(sets, now)), toRange(call.span));
      }
    }
    return undefined;
  }
}
