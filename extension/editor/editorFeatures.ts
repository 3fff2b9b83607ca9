/**
 * The alarm's live state where the code is: source locations of events, CodeLenses, hovers and diagnostics, wired
 * to the model. `activate` calls `registerEditorFeatures` once and keeps what it returns.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { DiagnosticsController } from "../diagnostics/diagnosticsController";
import type { AlarmModel } from "../model/alarmModel";
import type { SessionManager } from "../session/sessionManager";
import { SourceMapStore } from "../sourcemap/mapStore";
import { SourceLocator } from "../sourcemap/sourceLocator";
import { AlarmCodeLensProvider } from "./alarmCodeLens";
import { AlarmHoverProvider } from "./alarmHover";
import { registerEditorCommands } from "./editorCommands";
import { OutlineCache } from "./outlineCache";
import { SOURCE_SELECTOR } from "./workspaceSources";

/** True when `file` is `folder` or inside it. */
function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Creates the source-map store and the locator, registers the CodeLens and hover providers, the diagnostics and the
 * editor commands. Returns every disposable, to be pushed into `context.subscriptions`. Other views reach the source
 * locations through the commands (`EditorCommands.openSource`, `EditorCommands.resolveFrames`).
 */
export function registerEditorFeatures(_context: vscode.ExtensionContext, model: AlarmModel, sessions: SessionManager): vscode.Disposable[] {
  // Stacks name files the Worker printed: only bundles (and their maps) inside this workspace, or inside the project
  // of the session being followed, are ever read.
  const allowed = (file: string): boolean =>
    (vscode.workspace.workspaceFolders ?? []).some((f) => isInside(f.uri.fsPath, file)) || (sessions.project !== undefined && isInside(sessions.project, file));
  const store = new SourceMapStore({ allowed });
  const locator = new SourceLocator(model, store);
  const outlines = new OutlineCache();
  const codeLenses = new AlarmCodeLensProvider(model, locator, outlines);
  const diagnostics = new DiagnosticsController(model, locator, store, outlines);

  return [
    locator,
    codeLenses,
    diagnostics,
    vscode.languages.registerCodeLensProvider(SOURCE_SELECTOR, codeLenses),
    vscode.languages.registerHoverProvider(SOURCE_SELECTOR, new AlarmHoverProvider(model, locator, outlines)),
    ...registerEditorCommands(model, locator),
  ];
}
