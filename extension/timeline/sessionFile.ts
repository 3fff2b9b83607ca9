/**
 * Session files: export the session, and open one later in an offline timeline (to replay a bug report). Both work
 * with no inspector connected.
 */
import * as vscode from "vscode";
import { exportSession } from "./sessionExport";
import { readSessionFile } from "./sessionRead";
import { TimelinePanel } from "./timelinePanel";

export { exportSession };

/**
 * Opens a session file (asking for one when `uri` is not given) in a new offline timeline titled with the file's
 * name. A file that is not a session, or is damaged, is reported in a message naming what is wrong; resolves with
 * the panel, or undefined when cancelled or refused.
 */
export async function openSessionFile(extensionUri: vscode.Uri, uri?: vscode.Uri): Promise<TimelinePanel | undefined> {
  const target =
    uri ??
    (
      await vscode.window.showOpenDialog({
        title: "Open alarm session",
        openLabel: "Open",
        canSelectMany: false,
        filters: { "Alarm Inspector session": ["json"], "All files": ["*"] },
      })
    )?.[0];
  if (!target) return undefined;
  const read = await readSessionFile(target);
  if (!read.ok) {
    void vscode.window.showErrorMessage(read.error);
    return undefined;
  }
  return TimelinePanel.show(extensionUri, read.model, { offline: true, title: read.title, asOf: read.asOf, description: read.description, sessionFile: target });
}
