import * as vscode from "vscode";
import { Commands } from "../common/ids";
import { Disposable } from "../common/lifecycle";
import type { AlarmModel } from "../model/alarmModel";
import { OutlineCache } from "../editor/outlineCache";
import { isWorkspaceSource, SOURCE_SELECTOR } from "../editor/workspaceSources";

/**
 * "Debug next attempt" above each declared class's `alarm(` / `onAlarm(`: a provider of its own beside the alarm
 * lenses (extension/editor/alarmCodeLens.ts), so either can change without the other. Shown only while connected
 * to a session launched by `alarm-inspector dev` would be ideal; connected is what the model knows, and the command
 * says in words when the session has no inspector port.
 */
export class DebugLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly outlines = new OutlineCache();
  private wasConnected = false;

  constructor(private readonly model: AlarmModel) {
    super();
    // Lenses appear and go with the connection only: nothing else changes what they say.
    this._register(
      model.onDidChange(() => {
        const connected = model.connection.kind === "connected";
        if (connected !== this.wasConnected) {
          this.wasConnected = connected;
          this.changeEmitter.fire();
        }
      }),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (this.model.connection.kind !== "connected" || !isWorkspaceSource(document)) return [];
    const worker = this.model.currentSession?.worker;
    const declared = new Set(this.model.workers().find((w) => w.name === worker)?.classes.map((c) => c.className) ?? []);
    const outline = this.outlines.forText(document.uri.fsPath, document.version, document.getText());
    const out: vscode.CodeLens[] = [];
    for (const c of outline.classes) {
      if (!c.handler || !declared.has(c.name)) continue;
      const { start, end } = c.handler.span;
      out.push(
        new vscode.CodeLens(new vscode.Range(start.line, start.character, end.line, end.character), {
          title: "$(debug-alt) Debug next attempt",
          command: Commands.debugNext,
          arguments: [c.name, worker],
          tooltip: `Attach the debugger and stop the next attempt of ${c.name} just before ${c.handler.name}() (then Step Into three times)`,
        }),
      );
    }
    return out;
  }
}

export function registerDebugLens(model: AlarmModel): vscode.Disposable[] {
  const provider = new DebugLensProvider(model);
  return [provider, vscode.languages.registerCodeLensProvider(SOURCE_SELECTOR, provider)];
}
