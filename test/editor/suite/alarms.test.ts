/**
 * The Alarms view in a real VS Code, driven as a person would: open the examples, start the inspector from the view,
 * watch the example objects appear, fire, reschedule, delete, fail and retry, and keep the history across a hot
 * reload and a restart of wrangler. Real wrangler, real workerd, real WebSocket; screenshots of every step.
 */
import * as assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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


async function workerUrl(): Promise<string> {
  const session = await readSessionFile(join(workspace(), SESSION_RELATIVE));
  assert.ok(session, "the launcher wrote session.json");
  return session.url;
}

async function post(path: string, body?: string): Promise<void> {
  const r = await fetch(`${await workerUrl()}${path}`, { method: "POST", body });
  assert.equal(r.status, 200, `${path}: ${await r.text()}`);
}

const row = (name: string) => sel.treeRowWith(name);

/** examples/ holds the main Worker and two PartyKit projects: Start asks which; pick the main one, as a person would. */
async function pickExamplesWorker(): Promise<void> {
  const item = `${sel.quickInput} .monaco-list-row[aria-label^="wrangler.jsonc"]`;
  await ui.waitFor(item, { timeoutMs: 15_000 });
  await ui.click(item);
}

describe("Alarms view (real VS Code, real wrangler)", function () {
  this.timeout(120_000);
  let api: AlarmInspectorApi;
  let state: string;
  const object = (className: string, name: string): ObjectView | undefined => api.model.findObject(className, name);

  before(async function () {
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    // Under `run.mjs --vsix` the extension must be the installed VSIX, not this repository's folder.
    const installedIn = process.env.ALARM_INSPECTOR_EXPECT_INSTALLED;
    if (installedIn) assert.ok(ext.extensionPath.startsWith(installedIn), `${ext.extensionPath} is not under ${installedIn}`);
    else assert.equal(ext.extensionPath, process.env.ALARM_INSPECTOR_REPO_ROOT);
    log(`extension under test: ${ext.extensionPath}`);
    api = await ext.activate();
    // Fresh local state, so every run starts from the same objects.
    state = mkdtempSync(join(tmpdir(), "alarm-inspector-editor-state-"));
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", ["--persist-to", state], vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    await vscode.commands.executeCommand("alarmInspector.stop");
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
    rmSync(state, { recursive: true, force: true });
  });

  it("offers to start from the view, and starts wrangler dev with the inspector", async function () {
    // Reveal the view (clicking its icon would close the side bar if an earlier suite left it open).
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    await ui.waitFor(sel.activityBarItem("Alarms"));
    await ui.waitFor(".welcome-view-content", { text: "Not connected", timeoutMs: 30_000 });
    await ui.screenshot("alarms-01-welcome");
    await ui.click(".welcome-view-content .monaco-button", { text: "Start wrangler dev with Alarm Inspector" });
    await pickExamplesWorker();
    await until("the inspector to connect", () => api.model.connection.kind === "connected", 90_000);
    await ui.waitFor(".welcome-view-content", { text: "No Durable Object has done anything yet", timeoutMs: 15_000 });
    await ui.waitFor(sel.statusBarItem, { text: "Alarms: 0 pending" });
    log(`connected to ${await workerUrl()}`);
  });

  it("shows the example objects appear with their alarms", async function () {
    await post("/reminder/ui-reminder/set?inMs=600000&message=tea");
    await post("/batcher/ui-batch/add?delayMs=900000", "apple");
    await post("/flaky/ui-flaky/arm?failures=0&inMs=1200000");
    await post("/scheduler/ui-sched/schedule?id=report&inMs=1500000");
    for (const name of ["ui-reminder", "ui-batch", "ui-flaky", "ui-sched"]) await ui.waitFor(row(name), { text: "fires in", timeoutMs: 15_000 });
    await ui.waitFor(sel.treeRowWith("Reminder"), { text: "1 object" });
    await ui.waitFor(sel.statusBarItem, { text: "Alarms: 4 pending" });
    await ui.screenshot("alarms-02-tree");
  });

  it("fires the reminder now: its run goes from running to succeeded", async function () {
    await ui.clickRowAction("ui-reminder", "Fire Now");
    await ui.waitFor(row("ui-reminder"), { text: "running: attempt 1 of 7", timeoutMs: 15_000 });
    await ui.screenshot("alarms-03-running");
    await ui.waitFor(row("ui-reminder"), { text: "succeeded", timeoutMs: 15_000 });
    const run = object("Reminder", "ui-reminder")!.runs.at(-1)!;
    assert.equal(run.trigger, "fireNow");
    assert.deepEqual(run.attempts.map((a) => [a.outcome, a.alarmInfo?.retryCount]), [["ok", 0]]);
    const r = await fetch(`${await workerUrl()}/reminder/ui-reminder`);
    assert.deepEqual(((await r.json()) as { delivered: string[] }).delivered, ["tea"], "the user's handler really ran");
    await ui.screenshot("alarms-04-fired");
  });

  it("reschedules one alarm (refusing a bad time first) and deletes another", async function () {
    await ui.contextMenu("ui-batch", "Reschedule…");
    await ui.waitFor(sel.quickInput);
    await ui.press("Control+A");
    await ui.type("+5x");
    await ui.waitFor(`${sel.quickInput} .quick-input-message`, { text: "is not a duration" });
    await ui.screenshot("alarms-05-reschedule-bad-input");
    await ui.press("Control+A");
    await ui.type("+45m");
    await ui.press("Enter");
    const expected = Date.now() + 45 * 60_000;
    const batch = await until("the new alarm time", () => {
      const t = object("Batcher", "ui-batch")?.currentAlarm.scheduledTime;
      return t && Math.abs(t - expected) < 60_000 ? t : undefined;
    });
    const r = await fetch(`${await workerUrl()}/batcher/ui-batch/alarm`);
    assert.equal(((await r.json()) as { alarm: number }).alarm, batch, "the real object has the new alarm");
    await ui.waitFor(row("ui-batch"), { text: "fires in 4" });

    await ui.contextMenu("ui-sched", "Delete Alarm");
    await until("the deleted alarm", () => object("Scheduler", "ui-sched")?.currentAlarm.scheduledTime === null);
    await ui.waitFor(row("ui-sched"), { text: "no alarm" });
    await ui.screenshot("alarms-06-rescheduled-and-deleted");
  });

  it("fails the next attempt of one object and sees the runtime retry it", async function () {
    await ui.contextMenu("ui-flaky", "Fail Next Attempt(s)…");
    await ui.waitFor(sel.quickInput);
    await ui.press("Enter"); // the suggested count, 1
    await until("the pending injected failure", () => object("FlakyJob", "ui-flaky")?.pendingFailNext === 1);
    await ui.waitFor(row("ui-flaky"), { text: "fires in" });
    // (VS Code shows no notifications while extension tests run, so the toast's own "Fire Now" cannot be clicked.)
    await ui.clickRowAction("ui-flaky", "Fire Now");
    // A row repainted under the pointer can hand VS Code's inline action no item; the command then asks which
    // object, and a person picks it.
    const asked = await ui.waitFor(`${sel.quickInput} .monaco-list-row[aria-label^="ui-flaky"]`, { timeoutMs: 1500 }).then(() => true, () => false);
    if (asked) {
      log("Fire Now asked which object: picking ui-flaky");
      await ui.click(`${sel.quickInput} .monaco-list-row[aria-label^="ui-flaky"]`);
    }
    await ui.waitFor(row("ui-flaky"), { text: "retrying: attempt 2 of 7", timeoutMs: 20_000 });
    await ui.screenshot("alarms-07-retrying");
    await ui.waitFor(row("ui-flaky"), { text: "succeeded on attempt 2", timeoutMs: 30_000 });
    const run = object("FlakyJob", "ui-flaky")!.runs.at(-1)!;
    assert.deepEqual(
      run.attempts.map((a) => [a.number, a.outcome, a.injectedFailure, a.alarmInfo?.retryCount]),
      [
        [1, "error", true, 0],
        [2, "ok", false, 1],
      ],
    );
    assert.match(run.attempts[0]!.error!.message, /Injected by Alarm Inspector/);
    await ui.screenshot("alarms-08-retried");
  });

  it("reconnects by itself after a hot reload, and keeps its history across a wrangler restart", async function () {
    this.timeout(180_000);
    const source = join(workspace(), "src", "index.ts");
    const original = readFileSync(source, "utf8");
    const sessionsBefore = api.model.allSessions().length;
    try {
      appendFileSync(source, "\n// touched by the editor test: wrangler reloads the Worker\n");
      await until("a new agent session after the reload", () => api.model.allSessions().length > sessionsBefore && api.model.connection.kind === "connected", 60_000);
    } finally {
      writeFileSync(source, original);
    }
    await until("connected again after the file was restored", () => api.model.connection.kind === "connected", 60_000);
    await ui.waitFor(row("ui-reminder"), { text: "succeeded" });

    // Restart wrangler from the view's title bar: Stop, then Start.
    // A title-bar button re-rendered under the pointer (the view repaints as events arrive) can miss a click: a
    // person clicks again, and so does the test.
    for (let attempt = 1; ; attempt++) {
      await ui.click(`.part.sidebar .action-label[aria-label="Stop"]`);
      try {
        await until("the session to stop", () => api.model.connection.kind === "disconnected" && !api.sessions.isLaunched, 10_000);
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    await ui.waitFor(row("ui-reminder"), { text: "succeeded" });
    // A stopped session's rows keep their history and what reads it, not the commands that would only fail.
    await ui.hover(row("ui-reminder"));
    await ui.waitFor(sel.rowInlineAction("ui-reminder", "Open Timeline"));
    assert.equal(await ui.count(sel.rowInlineAction("ui-reminder", "Fire Now")), 0, "Fire Now offered on a row of a stopped session");
    for (let attempt = 1; ; attempt++) {
      await ui.click(`.part.sidebar .action-label[aria-label="Start wrangler dev with Alarm Inspector"]`);
      try {
        await ui.waitFor(sel.quickInput, { timeoutMs: 5_000 });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    await pickExamplesWorker();
    await until("the inspector to connect again", () => api.model.connection.kind === "connected", 90_000);
    await ui.waitFor(sel.treeRowWith(api.model.currentSession!.worker), { text: "live" });
    // History intact: the fired reminder and the retried job are still shown as they ended.
    await ui.waitFor(row("ui-reminder"), { text: "succeeded" });
    await ui.hover(row("ui-reminder"));
    await ui.waitFor(sel.rowInlineAction("ui-reminder", "Fire Now"));
    await ui.waitFor(row("ui-flaky"), { text: "succeeded on attempt 2" });
    assert.ok(object("Reminder", "ui-reminder")!.runs.length >= 1);
    // The rescheduled alarm survived in wrangler's state, and the view still counts it.
    await ui.waitFor(row("ui-batch"), { text: "fires in" });
    await ui.screenshot("alarms-09-after-restart");
  });
});
