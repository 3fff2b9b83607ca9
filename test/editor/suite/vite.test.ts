/**
 * Vite in a real VS Code: open the Vite example (examples/vite, a `vite dev` project with @cloudflare/vite-plugin),
 * Start from the Alarms view, which must pick the Vite path (`alarm-inspector vite`) and say so, watch a Durable
 * Object appear with its alarm, and fire it now from its row. Real Vite, real Miniflare and workerd, real WebSocket.
 *
 * The workspace is examples/vite (`npm run test:editor -- --workspace examples/vite --grep Vite`) or examples/, where
 * Start asks which config to run and the test picks the Vite example's, whose row says it runs under vite dev.
 */
import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import type { AlarmInspectorApi } from "../../../extension/extension";
import { readSessionFile, SESSION_RELATIVE } from "../../../extension/session/sessionInfo";
import { showObjectRow } from "./onScreen";
import { log, sel, ui } from "./ui";
import { until } from "./until";

const EXTENSION_ID = "alarm-inspector.do-alarm-inspector";
const workspace = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

/** The Vite example's folder in this workspace, if the workspace has it. */
function viteProject(): string | undefined {
  for (const dir of [workspace(), join(workspace(), "vite")]) if (existsSync(join(dir, "vite.config.ts")) && existsSync(join(dir, "wrangler.jsonc"))) return dir;
  return undefined;
}

describe("Vite projects in the Alarms view (real VS Code, real vite dev)", function () {
  this.timeout(150_000);
  let api: AlarmInspectorApi;
  let project: string;
  // A name of its own per run: the example keeps its state in examples/vite/.wrangler/ between runs.
  const task = `ui-task-${Date.now().toString(36)}`;

  async function url(path: string): Promise<string> {
    const session = await readSessionFile(join(project, SESSION_RELATIVE));
    assert.ok(session, "the launcher wrote session.json");
    return `${session.url}${path}`;
  }

  before(async function () {
    const found = viteProject();
    if (!found) this.skip();
    project = found;
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
  });

  after(async function () {
    if (!project) return;
    await vscode.commands.executeCommand("alarmInspector.stop");
  });

  it("Start picks the Vite path for a project whose Vite config uses @cloudflare/vite-plugin", async function () {
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    await ui.waitFor(sel.activityBarItem("Alarms"));
    await ui.click(`.part.sidebar .action-label[aria-label="Start wrangler dev with Alarm Inspector"]`, { timeoutMs: 30_000 });
    if (project !== workspace()) {
      // Several configs in the workspace: the picker says what each one runs; the Vite example's says vite dev.
      const item = `${sel.quickInput} .monaco-list-row:has-text("vite/wrangler.jsonc")`;
      await ui.waitFor(item, { text: "vite dev", timeoutMs: 15_000 });
      await ui.screenshot("vite-01-pick-config");
      await ui.click(item);
    }
    await until("the inspector to connect", () => api.model.connection.kind === "connected", 120_000);
    const session = await readSessionFile(join(project, SESSION_RELATIVE));
    assert.equal(session?.runtime, "vite", "the launcher ran alarm-inspector vite");
    assert.equal(session?.config, join(project, "vite.config.ts"));
    await ui.screenshot("vite-02-connected");
    log(`connected to ${session?.url}`);
  });

  it("shows the Durable Object with the alarm it set", async function () {
    const r = await fetch(await url(`/task/${task}?inMs=3600000&failures=0`), { method: "POST" });
    assert.equal(r.status, 200, await r.text());
    await showObjectRow(api, "Task", task);
    await ui.waitFor(sel.treeRowWith(task), { text: "fires in", timeoutMs: 20_000 });
    await ui.screenshot("vite-03-object");
  });

  it("fires the alarm now from the object's row, through the real scheduler", async function () {
    await showObjectRow(api, "Task", task);
    await ui.clickRowAction(task, "Fire Now");
    await ui.waitFor(sel.treeRowWith(task), { text: "succeeded", timeoutMs: 30_000 });
    const run = api.model.findObject("Task", task)!.runs.at(-1)!;
    assert.equal(run.trigger, "fireNow");
    assert.deepEqual(run.attempts.map((a) => [a.outcome, a.alarmInfo?.retryCount]), [["ok", 0]]);
    const state = (await (await fetch(await url(`/task/${task}`))).json()) as { attempts: unknown[]; doneAt: number | null };
    assert.equal(state.attempts.length, 1, "the Task's own alarm() ran once");
    assert.ok(state.doneAt);
    await ui.screenshot("vite-04-fired");
  });
});
