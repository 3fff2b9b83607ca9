/**
 * Brings an object's row on screen before a test clicks it. The Alarms view is a virtual list: rows below the fold are
 * not rendered (or are rendered clipped, with their inline actions unclickable), and the suites before a test leave
 * their Workers in the tree, so by the last suite an object's row sits below the fold (the Vite suite's Fire Now
 * failed so in a full run). Collapsing everything first leaves one row per Worker, then revealing the object opens
 * only its path.
 */
import * as vscode from "vscode";
import type { AlarmInspectorApi } from "../../../extension/extension";
import { sel, ui } from "./ui";
import { until } from "./until";

export async function showObjectRow(api: AlarmInspectorApi, className: string, name: string): Promise<void> {
  const obj = await until(`${className} ${name} in the model`, () => api.model.findObject(className, name), 20_000);
  await vscode.commands.executeCommand("workbench.actions.treeView.alarmInspector.alarms.collapseAll");
  await until("the tree collapsed to its Workers", async () => (await ui.count(sel.treeRow)) <= api.model.workers().length, 10_000);
  await api.tree.view.reveal(api.tree.objectNode(obj.key), { select: false, focus: false });
  await ui.waitFor(sel.treeRowWith(name), { timeoutMs: 10_000 });
}
