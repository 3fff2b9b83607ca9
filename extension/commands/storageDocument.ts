import * as vscode from "vscode";
import type { SnapshotResult } from "../../protocol/protocol";
import { objectLabel } from "../model/objectLabel";
import { storageText } from "../views/storageText";

/** The scheme of the read-only storage documents. */
export const STORAGE_SCHEME = "alarm-inspector-storage";

/**
 * Read-only documents showing an object's storage as a `snapshot` command returned it: one document per object,
 * refreshed in place when the snapshot is taken again. Nothing in them can be edited back into the object.
 */
export class StorageDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(STORAGE_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "This snapshot is no longer held: take it again with Alarm Inspector: Show Storage.";
  }

  /** Shows (or refreshes) the document of `snap`'s object. */
  async show(snap: SnapshotResult, worker: string): Promise<vscode.TextEditor> {
    const file = `${snap.object.className} ${objectLabel(snap.object)}`.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "_");
    const uri = vscode.Uri.from({ scheme: STORAGE_SCHEME, path: `/${file}.txt`, query: `${worker}/${snap.object.className}/${snap.object.id}` });
    this.texts.set(uri.toString(), storageText(snap, worker, Date.now()));
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.texts.clear();
  }
}
