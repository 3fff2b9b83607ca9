/**
 * Classic PartyKit in a real VS Code: open the PartyKit example, start the inspector from the Alarms view (the Start
 * command runs `alarm-inspector partykit` for a partykit.json), watch a room appear with its alarm, and fire it now
 * from the room's row. Real `partykit dev`, real workerd, real WebSocket; screenshots of every step.
 *
 * The workspace is examples/partykit (`npm run test:editor -- --workspace examples/partykit --grep PartyKit`) or
 * examples/, where the Start command asks which config to run and the test picks partykit.json as a person would.
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import type { AlarmInspectorApi } from "../../../extension/extension";
import type { ObjectView } from "../../../extension/model/types";
import { readSessionFile, SESSION_RELATIVE } from "../../../extension/session/sessionInfo";
import { log, sel, ui } from "./ui";
import { until } from "./until";

const EXTENSION_ID = "alarm-inspector.do-alarm-inspector";
const workspace = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

/** The PartyKit example's folder in this workspace, if the workspace has it. */
function partykitProject(): string | undefined {
  for (const dir of [workspace(), join(workspace(), "partykit")]) if (existsSync(join(dir, "partykit.json"))) return dir;
  return undefined;
}


describe("PartyKit rooms in the Alarms view (real VS Code, real partykit dev)", function () {
  this.timeout(120_000);
  let api: AlarmInspectorApi;
  let project: string;
  let state: string;
  const room = (name: string): ObjectView | undefined => api.model.findObject("UserSession", name);

  async function roomUrl(path: string): Promise<string> {
    const session = await readSessionFile(join(project, SESSION_RELATIVE));
    assert.ok(session, "the launcher wrote session.json");
    return `${session.url}${path}`;
  }

  before(async function () {
    const found = partykitProject();
    if (!found) this.skip();
    project = found;
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    // Fresh room storage for every run; this machine is offline, so partykit dev must not try to fetch request.cf.
    state = mkdtempSync(join(tmpdir(), "alarm-inspector-editor-partykit-"));
    await vscode.workspace
      .getConfiguration("alarmInspector")
      .update("launcherArgs", ["--persist", state, "--disable-request-cf-fetch"], vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    if (!project) return;
    await vscode.commands.executeCommand("alarmInspector.stop");
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
    rmSync(state, { recursive: true, force: true });
  });

  it("starts partykit dev with the inspector from the view", async function () {
    // Reveal the view (clicking its activity bar icon would close the side bar when an earlier suite left it open).
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    await ui.waitFor(sel.activityBarItem("Alarms"));
    // The view's title bar offers Start whether it shows the welcome or the history of an earlier session.
    await ui.click(`.part.sidebar .action-label[aria-label="Start wrangler dev with Alarm Inspector"]`, { timeoutMs: 30_000 });
    if (project !== workspace()) {
      // More than one config in the workspace: the Start command asks which, and says what each one runs.
      const item = `${sel.quickInput} .monaco-list-row:has-text("partykit.json")`;
      await ui.waitFor(item, { text: "PartyKit", timeoutMs: 15_000 });
      await ui.screenshot("partykit-01-pick-config");
      await ui.click(item);
    }
    await until("the inspector to connect", () => api.model.connection.kind === "connected", 90_000);
    const session = await readSessionFile(join(project, SESSION_RELATIVE));
    assert.equal(session?.runtime, "partykit");
    await ui.screenshot("partykit-02-connected");
    log(`connected to ${session?.url}`);
  });

  it("shows a room with the alarm its write set", async function () {
    const r = await fetch(await roomUrl("/party/ui-lobby?ttlMs=3600000"), { method: "POST", body: JSON.stringify({ id: "u1", text: "hi" }) });
    assert.equal(r.status, 200, await r.text());
    await ui.waitFor(sel.treeRowWith("ui-lobby"), { text: "fires in", timeoutMs: 15_000 });
    await ui.screenshot("partykit-03-room");
  });

  it("fires the room's alarm now from its row: onAlarm runs and clears the room", async function () {
    await ui.clickRowAction("ui-lobby", "Fire Now");
    await ui.waitFor(sel.treeRowWith("ui-lobby"), { text: "succeeded", timeoutMs: 20_000 });
    const run = room("ui-lobby")!.runs.at(-1)!;
    assert.equal(run.trigger, "fireNow");
    assert.deepEqual(run.attempts.map((a) => [a.outcome, a.alarmInfo]), [["ok", null]], "PartyKit gives onAlarm no alarmInfo");
    const r = await fetch(await roomUrl("/party/ui-lobby"));
    assert.deepEqual(((await r.json()) as { keys: string[] }).keys, [], "the room's own onAlarm really ran");
    await ui.screenshot("partykit-04-fired");
  });
});
