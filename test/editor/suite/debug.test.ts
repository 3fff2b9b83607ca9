/**
 * Debug Next Attempt in a real VS Code: VS Code's own JavaScript debugger (js-debug, built into code-server) attaches
 * to workerd through wrangler's inspector port, stops just before the user's alarm() with the attempt in the Variables
 * view, steps into the user's .ts, and the run then completes with its retries.
 *
 * Runs in the editor run against the folder (about 30 s: its own wrangler and a debug session) and is skipped in the
 * run against the installed VSIX, which `npm test` runs second: the debugger path is the same code there, and the
 * tier's time budget is better spent once. ALARM_INSPECTOR_EDITOR_DEBUG=1 runs it in both, =0 in neither.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import type { AlarmInspectorApi } from "../../../extension/extension";
import { readSessionFile, SESSION_RELATIVE } from "../../../extension/session/sessionInfo";
import { log, sel, ui } from "./ui";
import { until } from "./until";

const EXTENSION_ID = "alarm-inspector.do-alarm-inspector";
const debugFlag = process.env.ALARM_INSPECTOR_EDITOR_DEBUG;
const enabled = debugFlag === "1" || (debugFlag !== "0" && process.env.ALARM_INSPECTOR_EXPECT_INSTALLED === undefined);
const workspace = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

interface DapVariable {
  name: string;
  value: string;
  variablesReference: number;
}

/** The variables of a reference, by DAP. */
async function variables(session: vscode.DebugSession, ref: number): Promise<DapVariable[]> {
  const r = (await session.customRequest("variables", { variablesReference: ref })) as { variables: DapVariable[] };
  return r.variables;
}

(enabled ? describe : describe.skip)("Debug Next Attempt (real VS Code, js-debug attached to workerd)", function () {
  this.timeout(180_000);
  let api: AlarmInspectorApi;
  let state: string;
  /**
   * `stopped` events the debug adapters sent, with their session and thread. js-debug's attach session is a parent
   * whose child session (one per target) is the one that stops and answers stackTrace.
   */
  const stops: { session: vscode.DebugSession; threadId: number; reason: string }[] = [];
  let tracker: vscode.Disposable | undefined;

  before(async function () {
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    state = mkdtempSync(join(tmpdir(), "alarm-inspector-editor-debug-"));
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", ["--persist-to", state], vscode.ConfigurationTarget.Global);
    tracker = vscode.debug.registerDebugAdapterTrackerFactory("*", {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { threadId?: number; reason?: string } }) => {
          if (m.type === "event" && m.event === "stopped") stops.push({ session, threadId: m.body?.threadId ?? 0, reason: m.body?.reason ?? "" });
        },
      }),
    });
  });

  after(async function () {
    tracker?.dispose();
    await vscode.debug.stopDebugging();
    await vscode.commands.executeCommand("alarmInspector.stop");
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
    rmSync(state, { recursive: true, force: true });
  });

  it("stops at the user's alarm() with retryCount in the Variables view, then the run completes with its retries", async function () {
    if (api.model.connection.kind !== "connected") {
      void vscode.commands.executeCommand("alarmInspector.start");
      const item = `${sel.quickInput} .monaco-list-row[aria-label^="wrangler.jsonc"]`;
      await ui.waitFor(item, { timeoutMs: 15_000 });
      await ui.click(item);
      await until("the inspector to connect", () => api.model.connection.kind === "connected", 90_000);
    }
    const session = await readSessionFile(join(workspace(), SESSION_RELATIVE));
    assert.ok(session?.debugPort, "session.json names wrangler's inspector port");
    const r = await fetch(`${session.url}/reminder/debugged/set?inMs=600000&message=stepped`, { method: "POST" });
    assert.equal(r.status, 200);
    const obj = await until("the Reminder to appear", () => api.model.findObject("Reminder", "debugged"), 15_000);
    const target = { className: "Reminder", name: "debugged" };
    // Fail Next 1: the debugger stops at retry 1, the attempt the runtime makes after the injected failure.
    await api.sessions.connection.send({ op: "failNext", target, count: 1 });

    // The command waits on its notification (Fire Now), so it is not awaited; what it did is read from its effects.
    void vscode.commands.executeCommand("alarmInspector.debugNext", obj.key);
    const attached = await until("the debugger to attach", () => vscode.debug.activeDebugSession, 30_000);
    log(`debug session "${attached.name}" (${attached.type}) on port ${String(attached.configuration.port)}`);
    await until("the pause to be armed", () => api.model.holds.get(obj.key)?.armed === "debug", 15_000);
    await api.sessions.connection.send({ op: "fireNow", target });

    const stop = await until("the debugger to stop", () => stops[0], 60_000);
    const debug = stop.session;
    log(`stopped in session "${debug.name}" (parent: ${debug.parentSession?.name ?? "none"})`);
    const frames = ((await debug.customRequest("stackTrace", { threadId: stop.threadId, levels: 5 })) as { stackFrames: { id: number; name: string; line: number; source?: { path?: string } }[] }).stackFrames;
    log(`stopped (${stop.reason}) in ${frames.map((f) => `${f.name} ${f.source?.path ?? ""}:${f.line}`).join(" < ")}`);
    assert.match(frames[0]!.name, /pauseBeforeHandler/);
    const scopes = ((await debug.customRequest("scopes", { frameId: frames[0]!.id })) as { scopes: { name: string; variablesReference: number }[] }).scopes;
    const local = scopes.find((s) => /local/i.test(s.name))!;
    const attempt = (await variables(debug, local.variablesReference)).find((v) => v.name === "attempt");
    assert.ok(attempt, "a local named attempt");
    const fields = await variables(debug, attempt.variablesReference);
    assert.equal(fields.find((v) => v.name === "retryCount")?.value, "1");
    assert.equal(fields.find((v) => v.name === "retry")?.value, "'1 of 6'");
    // The Variables view as a person sees it: Local expanded, then `attempt`, with retryCount 1 on screen.
    await vscode.commands.executeCommand("workbench.view.debug");
    // Texts unique on the debug side bar (row text matches are case-insensitive substrings: "attempt" alone would
    // also match the call stack's runAlarmAttempt).
    const variablesRow = ".monaco-list-row";
    await ui.waitFor(variablesRow, { text: "Local: pauseBeforeHandler", timeoutMs: 15_000 });
    await ui.click(variablesRow, { text: "Local: pauseBeforeHandler" });
    // The " = " between a variable's name and value is drawn by CSS, so rows are found by their value's text: the
    // first row showing "alarmInfo" is `attempt` (its preview); once expanded, "1 of 6" shows twice (preview, field).
    await ui.waitFor(variablesRow, { text: "alarmInfo", timeoutMs: 15_000 });
    await ui.click(variablesRow, { text: "alarmInfo" });
    await until("attempt's fields on screen", async () => (await ui.count(variablesRow, { text: "1 of 6" })) >= 2, 15_000);
    await ui.screenshot("debug-01-paused-before-alarm");

    // Step Into three times: the user's alarm() in examples/src/objects/reminder.ts.
    for (let i = 0; i < 3; i++) {
      const seen = stops.length;
      await debug.customRequest("stepIn", { threadId: stop.threadId });
      await until("the step", () => stops.length > seen, 15_000);
    }
    const inUser = ((await debug.customRequest("stackTrace", { threadId: stop.threadId, levels: 1 })) as { stackFrames: { name: string; line: number; source?: { path?: string } }[] }).stackFrames[0]!;
    log(`after three Step Into: ${inUser.name} ${inUser.source?.path ?? ""}:${inUser.line}`);
    assert.match(inUser.source?.path ?? "", /examples[\\/]src[\\/]objects[\\/]reminder\.ts$/);
    assert.equal(inUser.line, 43, "the first line of Reminder.alarm()");
    await ui.screenshot("debug-02-stepped-into-alarm");

    await debug.customRequest("continue", { threadId: stop.threadId });
    const done = await until(
      "the retried run to complete",
      () => {
        const o = api.model.findObject("Reminder", "debugged");
        const run = o?.runs.at(-1);
        return run && run.attempts.length === 2 && run.attempts[1]!.outcome === "ok" ? run : undefined;
      },
      30_000,
    );
    assert.equal(done.attempts[0]!.outcome, "error");
    await ui.screenshot("debug-03-run-completed");
  });
});
