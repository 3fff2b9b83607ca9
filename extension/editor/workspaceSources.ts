/**
 * Which documents the editor features look at: TypeScript and JavaScript files of the workspace, on disk, outside
 * dependencies and generated folders. Keeps the parser away from everything else.
 */
import * as vscode from "vscode";
import { isUserSource } from "../sourcemap/userCode";

/** The languages of a Worker's source. */
export const SOURCE_LANGUAGES: readonly string[] = ["typescript", "javascript", "typescriptreact", "javascriptreact"];

/** The selector CodeLens and hover providers register with. */
export const SOURCE_SELECTOR: vscode.DocumentFilter[] = SOURCE_LANGUAGES.map((language) => ({ language, scheme: "file" }));

/** True for a TS/JS file on disk inside a workspace folder, not under `node_modules/` or `.wrangler/`. */
export function isWorkspaceSource(doc: vscode.TextDocument): boolean {
  return (
    doc.uri.scheme === "file" &&
    SOURCE_LANGUAGES.includes(doc.languageId) &&
    vscode.workspace.getWorkspaceFolder(doc.uri) !== undefined &&
    isUserSource(doc.uri.fsPath)
  );
}
