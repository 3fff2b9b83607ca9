/**
 * The timeline in a real VS Code, driven as a person would: run the failing example under the inspector, open its
 * timeline, step through its attempts and read what each step shows, open a stack frame, look at it in a dark and a
 * light theme, export the session and reopen it offline to the same timeline, and open a session whose values and
 * errors carry markup and script. Real wrangler, real workerd, real webview; screenshots of every step.
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import type { AgentEvent, StoragePutEvent } from "../../../protocol/protocol";
import type { AlarmInspectorApi } from "../../../extension/extension";
import { AlarmModel } from "../../../extension/model/alarmModel";
import type { ObjectView } from "../../../extension/model/types";
import { readSessionFile, SESSION_RELATIVE } from "../../../extension/session/sessionInfo";
import { EventBuilder, hello, obj, retryYes, T0 } from "../../unit/builders";
import { log, ui } from "./ui";
import { until } from "./until";

const EXTENSION_ID = "alarm-inspector.do-alarm-inspector";
const workspace = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;


async function post(path: string): Promise<void> {
  const session = await readSessionFile(join(workspace(), SESSION_RELATIVE));
  assert.ok(session, "the launcher wrote session.json");
  const r = await fetch(`${session.url}${path}`, { method: "POST" });
  assert.equal(r.status, 200, `${path}: ${await r.text()}`);
}

/** Selectors inside the timeline webview. */
const tl = {
  position: "#detail .step-position",
  step: (to: string): string => `#detail [data-step="${to}"]`,
  fact: (name: string): string => `#detail [data-fact="${name}"] dd`,
  body: "#detail .detail-body",
  recentRun: "#detail .recent-run",
  frameLink: "#detail .frame-link",
  status: "#status",
};

/** What one step of the detail panel shows. */
interface StepView {
  position: string;
  trigger: string;
  alarmInfo: string;
  outcome: string;
  /** The whole panel's text: every fact, the error and its stack, the storage diff. */
  text: string;
}

/** Steps from the first attempt of the selected run to the last with the panel's buttons, reading each step. */
async function readSteps(attempts: number): Promise<StepView[]> {
  if (!(await ui.frameText(tl.position)).includes("· 1 of")) await ui.frameClick(tl.step("first"));
  const steps: StepView[] = [];
  for (let i = 1; i <= attempts; i++) {
    if (i > 1) await ui.frameClick(tl.step("next"));
    await ui.frameWaitFor(tl.position, { text: `· ${i} of ${attempts}` });
    steps.push({
      position: (await ui.frameText(tl.position)).trim(),
      trigger: (await ui.frameText(tl.fact("trigger"))).trim(),
      alarmInfo: (await ui.frameText(tl.fact("alarmInfo"))).trim(),
      outcome: (await ui.frameText(tl.fact("outcome"))).trim(),
      text: (await ui.frameText(tl.body)).trim(),
    });
  }
  return steps;
}

/** Markup and script a Worker could put in a key, a value or an error message. */
const IMG = `<img src=x onerror="document.body.dataset.pwned='img'">`;
const HOSTILE = `${IMG}</script><script>document.body.dataset.pwned='script'</script>`;

/** A session file (an export) whose values and error messages carry `HOSTILE`. */
function hostileSession(file: string): void {
  const model = new AlarmModel();
  model.applyHello(hello({ worker: "hostile" }), T0);
  const ev = new EventBuilder();
  const room = obj("Room", { name: "hostile-room" });
  const put = (value: string): StoragePutEvent => {
    const e = ev.put(room, HOSTILE, null, { inHandler: true });
    e.entries = [{ key: HOSTILE, value: { kind: "json", text: JSON.stringify(value), truncated: false } }];
    return e;
  };
  const events: AgentEvent[] = [ev.set(room, T0 + 5), ev.tick(5).start(room), put(HOSTILE), ev.tick(9).end(room, { outcome: "error", error: { name: "Error", message: HOSTILE, stack: `Error: ${HOSTILE}\n    at ${IMG} (src/x.ts:1:1)` }, retry: retryYes(1, ev.at) })];
  model.applyEvents(events);
  writeFileSync(file, JSON.stringify(model.snapshot(T0 + 60_000)));
}

describe("Timeline (real VS Code, real wrangler)", function () {
  this.timeout(180_000);
  let api: AlarmInspectorApi;
  let state: string;
  let dir: string;
  let flaky: ObjectView;
  let liveSteps: StepView[] = [];
  const themeBefore = vscode.workspace.getConfiguration("workbench").get<string>("colorTheme");

  before(async function () {
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    state = mkdtempSync(join(tmpdir(), "alarm-inspector-timeline-state-"));
    dir = mkdtempSync(join(tmpdir(), "alarm-inspector-timeline-files-"));
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", ["--persist-to", state], vscode.ConfigurationTarget.Global);
    // The examples' own Worker (the folder also holds PartyKit and partyserver examples, which `start` would ask about).
    if (api.model.connection.kind !== "connected") await vscode.commands.executeCommand("alarmInspector.start", vscode.Uri.file(join(workspace(), "wrangler.jsonc")));
    await until("the inspector to connect", () => api.model.connection.kind === "connected", 120_000);
  });

  after(async function () {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.workspace.getConfiguration("workbench").update("colorTheme", themeBefore, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand("alarmInspector.stop");
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
    rmSync(state, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("opens the timeline for the failing example and steps through its attempts", async function () {
    // FlakyJob throws on attempts 1 and 2 and succeeds on attempt 3: the runtime's real retries, about 2 s and 4 s apart.
    await post("/flaky/tl-flaky/arm?failures=2&inMs=0");
    flaky = await until(
      "three attempts of tl-flaky, the last one successful",
      () => {
        const o = api.model.findObject("FlakyJob", "tl-flaky");
        const run = o?.runs.at(-1);
        return run && run.attempts.length === 3 && run.attempts[2]!.outcome === "ok" ? o : undefined;
      },
      60_000,
    );
    await vscode.commands.executeCommand("alarmInspector.openTimeline", flaky.key);
    // The timeline opens on the object's newest run, its newest attempt shown.
    await ui.frameWaitFor(tl.position, { text: "Attempt 3 · 3 of 3", timeoutMs: 30_000 });
    await ui.frameWaitFor("#detail .object-name", { text: "tl-flaky" });
    await ui.screenshot("timeline-01-opened-dark");

    liveSteps = await readSteps(3);
    log(`steps: ${liveSteps.map((s) => `${s.position} / ${s.trigger} / ${s.outcome}`).join(" | ")}`);
    const [first, second, third] = liveSteps as [StepView, StepView, StepView];
    assert.equal(first.position, "Attempt 1 · 1 of 3");
    assert.equal(first.trigger, "scheduled");
    assert.match(first.alarmInfo, /^retryCount 0 · isRetry false · scheduledTime \d\d:\d\d:\d\d\.\d{3}$/);
    assert.equal(first.outcome, "failed");
    assert.match(first.text, /Error: flaky job failed on attempt 1/);
    assert.match(first.text, /retry 1 expected between/);
    assert.match(first.text, /No key-value writes in this attempt/);

    assert.equal(second.position, "Attempt 2 · 2 of 3");
    assert.equal(second.trigger, "retry");
    assert.match(second.alarmInfo, /^retryCount 1 · isRetry true/);
    assert.equal(second.outcome, "failed");
    assert.match(second.text, /Backoff\s+\d+(\.\d)?s after attempt 1 ended/);
    assert.match(second.text, /Expected\s+\d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3} · started/);
    assert.match(second.text, /Error: flaky job failed on attempt 2/);

    assert.equal(third.position, "Attempt 3 · 3 of 3");
    assert.match(third.alarmInfo, /^retryCount 2 · isRetry true/);
    assert.equal(third.outcome, "succeeded");
    // The success wrote its result: both keys were deleted by `arm`, so they were absent before.
    assert.match(third.text, /attempts\s+\(absent\)\s+3/);
    assert.match(third.text, /succeededAt\s+\(absent\)\s+\d{13}/);
    await ui.screenshot("timeline-02-stepped-dark");

    // The keyboard steps too: [ and ] one attempt, Home and End to the first and last.
    await ui.press("[");
    await ui.frameWaitFor(tl.position, { text: "Attempt 2 · 2 of 3" });
    await ui.press("Home");
    await ui.frameWaitFor(tl.position, { text: "Attempt 1 · 1 of 3" });
    await ui.press("]");
    await ui.frameWaitFor(tl.position, { text: "Attempt 2 · 2 of 3" });
    await ui.press("End");
    await ui.frameWaitFor(tl.position, { text: "Attempt 3 · 3 of 3" });
  });

  it("opens a stack frame of a failed attempt in the editor, at its line", async function () {
    await ui.frameClick(tl.step("first"));
    await ui.frameWaitFor(tl.position, { text: "Attempt 1 · 1 of 3" });
    await ui.frameWaitFor(tl.frameLink, { timeoutMs: 15_000 });
    await ui.frameClick(tl.frameLink);
    // The frame is mapped through wrangler's source map: it opens the user's own .ts file at the line that threw.
    const flakyFile = join(workspace(), "src", "objects", "flaky-job.ts");
    const editor = await until("the frame's file in an editor", () => {
      const e = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((x) => x.document.uri.scheme === "file");
      return e && e.document.uri.fsPath === flakyFile ? e : undefined;
    });
    const throwLine = readFileSync(flakyFile, "utf8").split("\n").findIndex((l) => l.includes("flaky job failed on attempt"));
    assert.equal(editor.selection.active.line, throwLine, `opened ${editor.document.uri.fsPath} at line ${editor.selection.active.line + 1}`);
    await ui.screenshot("timeline-03-frame-opened");
  });

  it("reads in a light theme as in a dark one", async function () {
    // The timeline alone, at full width, as a person would look at it.
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("alarmInspector.openTimeline", flaky.key);
    await ui.frameWaitFor(tl.position, { timeoutMs: 15_000 });
    // Each screenshot waits for the workbench to wear the theme and for the canvas to have been drawn in it.
    await vscode.workspace.getConfiguration("workbench").update("colorTheme", "Default Light Modern", vscode.ConfigurationTarget.Global);
    await ui.waitFor(".monaco-workbench.vs", { state: "attached", timeoutMs: 15_000 });
    await ui.frameWaitFor('#app[data-drawn-theme="vscode-light"]', { state: "attached", timeoutMs: 15_000 });
    await ui.screenshot("timeline-04-light");
    await vscode.workspace.getConfiguration("workbench").update("colorTheme", "Default Dark Modern", vscode.ConfigurationTarget.Global);
    await ui.waitFor(".monaco-workbench.vs-dark", { state: "attached", timeoutMs: 15_000 });
    await ui.frameWaitFor('#app[data-drawn-theme="vscode-dark"]', { state: "attached", timeoutMs: 15_000 });
    await ui.screenshot("timeline-05-dark");
  });

  it("exports the session, and reopens it offline to the same timeline", async function () {
    const file = vscode.Uri.file(join(dir, "flaky-session.json"));
    await vscode.commands.executeCommand("alarmInspector.exportSession", file);
    await until("the exported file", () => existsSync(file.fsPath));
    await vscode.commands.executeCommand("alarmInspector.openSessionFile", file);
    await ui.frameWaitFor(tl.status, { text: "Session file flaky-session.json", timeoutMs: 30_000 });
    await ui.waitFor(".tabs-container .tab", { text: "flaky-session.json" });
    // Offline, the run is picked from the panel's list of recent runs (failing and retried ones first).
    await ui.frameClick(tl.recentRun, { text: "tl-flaky" });
    await ui.frameWaitFor(tl.position, { text: "Attempt 3 · 3 of 3" });
    const offlineSteps = await readSteps(3);
    assert.deepEqual(offlineSteps, liveSteps, "every step reads exactly as it did live");
    await ui.screenshot("timeline-06-reopened-offline");
  });

  it("shows storage values and error messages with markup and script as text, and runs none of it", async function () {
    const file = join(dir, "hostile-session.json");
    hostileSession(file);
    await vscode.commands.executeCommand("alarmInspector.openSessionFile", vscode.Uri.file(file));
    await ui.frameWaitFor(tl.status, { text: "hostile-session.json", timeoutMs: 30_000 });
    await ui.frameClick(tl.recentRun, { text: "hostile-room" });
    await ui.frameWaitFor(tl.position, { text: "Attempt 1" });
    assert.equal((await ui.frameText("#detail .error-message")).trim(), `Error: ${HOSTILE}`);
    assert.equal((await ui.frameText("#detail .storage-diff th.key")).replace(/Show (all|less).*$/s, "").trim().replace(/…$/, ""), HOSTILE.slice(0, 80));
    assert.equal(await ui.frameCount("img"), 0, "no <img> was created from the text");
    assert.equal(await ui.frameCount("body[data-pwned]"), 0, "no handler ran");
    await ui.screenshot("timeline-07-hostile-text");
  });
});
