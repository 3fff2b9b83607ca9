/**
 * The editor harness itself works: a real workbench is up on the expected folder, the UI bridge clicks and reads it,
 * and text inside a webview can be read. Touches nothing the Alarm Inspector contributes, so it stays meaningful
 * while the extension changes; the extension's own editor tests live beside it.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as vscode from "vscode";
import { sel, ui } from "./ui";

/** Set by test/editor/run.mjs through the workbench's `extensionEnvironment`. */
function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the editor tests with \`npm run test:editor\``);
  return value;
}

describe("editor harness", () => {
  afterEach(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("opens the workspace folder run.mjs was asked for", () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, `workspace folders: ${folders.map((f) => f.uri.toString()).join(", ")}`);
    // code-server's extension host runs on the same machine as the files, so folders are plain file: URIs.
    assert.equal(folders[0].uri.scheme, "file");
    assert.equal(resolve(folders[0].uri.fsPath), resolve(env("ALARM_INSPECTOR_EDITOR_WORKSPACE")));
  });

  it("shows the activity bar, and switches side bar views when its icons are clicked", async () => {
    await ui.waitFor(sel.activityBar, { timeoutMs: 30_000 });
    assert.ok((await ui.count(`${sel.activityBar} .action-item`)) >= 2, "the activity bar has icons");
    // Search first, then Explorer: clicking the icon of the view already shown would hide the side bar instead.
    await ui.click(sel.activityBarItem("Search"));
    await ui.waitFor(sel.sideBarTitle, { text: "Search" });
    await ui.click(sel.activityBarItem("Explorer"));
    await ui.waitFor(sel.sideBarTitle, { text: "Explorer" });
    const path = await ui.screenshot("smoke-workbench");
    assert.match(path, /smoke-workbench\.png$/);
  });

  it("opens the command palette from the keyboard, and closes it with Escape", async () => {
    await ui.waitFor(sel.workbench);
    await ui.press("F1");
    await ui.waitFor(sel.quickInput);
    await ui.type("toggle side bar");
    await ui.waitFor(`${sel.quickInput} .monaco-list-row`, { text: "Toggle Primary Side Bar Visibility" });
    await ui.press("Escape");
    await ui.waitFor(sel.quickInput, { state: "hidden" });
  });

  it("reads text inside a webview", async () => {
    // The built-in Markdown preview is a webview like ours: same two nested iframes, same way in.
    const dir = join(env("ALARM_INSPECTOR_TEST_ARTIFACTS"), "smoke");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "preview.md");
    writeFileSync(file, "# Harness heading\n\nA paragraph the test reads back.\n");
    await vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.file(file));
    await ui.frameWaitFor("h1", { text: "Harness heading", timeoutMs: 30_000 });
    assert.equal((await ui.frameText("p")).trim(), "A paragraph the test reads back.");
    await ui.screenshot("smoke-webview");
  });
});
