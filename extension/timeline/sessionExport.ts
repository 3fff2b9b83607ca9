/**
 * Saving the session (every event the model holds, and the model's state) to a JSON file: a bug report someone else
 * can open and replay offline. Works with no inspector connected: it only reads the model.
 */
import * as vscode from "vscode";
import type { AlarmModel } from "../model/alarmModel";

/** `alarm-session-2026-11-23-090005.json`: sortable, and safe on every file system. */
export function defaultSessionFileName(now: Date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `alarm-session-${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.json`;
}

/**
 * Writes `model.snapshot()` as JSON to `target`, or to a file the user picks when no target is given. Resolves with
 * the file written, or undefined when the user cancelled. Failures are shown to the user, not thrown.
 */
export async function exportSession(model: AlarmModel, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: "Export alarm session",
      saveLabel: "Export",
      filters: { "Alarm Inspector session": ["json"] },
      defaultUri: defaultExportUri(),
    }));
  if (!uri) return undefined;
  const snapshot = model.snapshot(Date.now());
  const events = snapshot.objects.reduce((n, o) => n + o.history.length, 0);
  try {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`${JSON.stringify(snapshot)}\n`));
  } catch (err) {
    void vscode.window.showErrorMessage(`Could not export the session to ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`Exported ${events.toLocaleString()} events of ${snapshot.objects.length} objects to ${fileName(uri)}.`);
  return uri;
}

function defaultExportUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, defaultSessionFileName()) : undefined;
}

/** The last path segment of a URI. */
export function fileName(uri: vscode.Uri): string {
  return uri.path.split("/").pop() || uri.path;
}
