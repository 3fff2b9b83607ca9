/**
 * The alarm's live state where the code is, in a real VS Code with a real wrangler: open the Clobber example, see its
 * static diagnostic, start the inspector and see the CodeLenses come with live figures, fire the alarm from the lens
 * (and pick the object when there are several), make the example clobber its own alarm and find the runtime
 * diagnostic on the right line in the Problems view, and land on the user's `.ts` line from a frame of wrangler's
 * bundle. Screenshots of every step.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
const clobberFile = (): string => join(workspace(), "src", "objects", "clobber.ts");
const lens = ".monaco-editor .codelens-decoration";


async function workerUrl(): Promise<string> {
  const session = await readSessionFile(join(workspace(), SESSION_RELATIVE));
  assert.ok(session, "the launcher wrote session.json");
  return session.url;
}

async function request(method: "GET" | "POST", path: string): Promise<void> {
  const r = await fetch(`${await workerUrl()}${path}`, { method });
  assert.equal(r.status, 200, `${method} ${path}: ${await r.text()}`);
}

/** 1-based number of the first line of `file` matching `re`. */
function lineOf(file: string, re: RegExp): number {
  const i = readFileSync(file, "utf8").split(/\r?\n/).findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} in ${file}`);
  return i + 1;
}

/** The titles of the CodeLenses VS Code has for a file, as its own CodeLens command resolves them. */
async function lensTitles(file: string): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", vscode.Uri.file(file), 100)) ?? [];
  return lenses.map((l) => l.command?.title ?? "").filter((t) => t !== "");
}

/**
 * Opens clobber.ts with the class in view, from the constructor to alarm(): CodeLenses are drawn only on lines the
 * editor shows, and the terminal the launcher runs in would otherwise take half the height.
 */
async function showClobber(): Promise<vscode.TextEditor> {
  await vscode.commands.executeCommand("workbench.action.closePanel");
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(clobberFile()), { preview: false });
  const top = lineOf(clobberFile(), /^export class Clobber/) - 1;
  editor.revealRange(new vscode.Range(top, 0, top, 0), vscode.TextEditorRevealType.AtTop);
  return editor;
}

function diagnostics(file: string, code: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => typeof d.code === "object" && d.code.value === code);
}

describe("Editor features: CodeLens, diagnostics and source lines (real VS Code, real wrangler)", function () {
  this.timeout(180_000);
  let api: AlarmInspectorApi;
  let state: string;
  const object = (name: string): ObjectView | undefined => api.model.findObject("Clobber", name);
  const constructorSetLine = (): number => lineOf(clobberFile(), /await ctx\.storage\.setAlarm\(Date\.now\(\) \+ HOUSEKEEPING_AFTER_MS\)/);

  before(async function () {
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    state = mkdtempSync(join(tmpdir(), "alarm-inspector-editor-features-"));
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", ["--persist-to", state], vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    await vscode.commands.executeCommand("alarmInspector.stop");
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    rmSync(state, { recursive: true, force: true });
  });

  it("underlines the constructor's setAlarm without getAlarm as soon as the file opens (static check)", async function () {
    await vscode.window.showTextDocument(vscode.Uri.file(clobberFile()));
    const [d] = await until("the DOA002 diagnostic", () => diagnostics(clobberFile(), "DOA002").length > 0 && diagnostics(clobberFile(), "DOA002"));
    assert.equal(d!.range.start.line + 1, constructorSetLine());
    assert.equal(vscode.window.activeTextEditor!.document.getText(d!.range), "setAlarm");
    assert.equal(d!.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(d!.source, "Alarm Inspector");
    assert.equal(typeof d!.code === "object" && d!.code.target.toString(), "https://developers.cloudflare.com/durable-objects/api/alarms/#setalarm");
    // Not connected yet: no alarm lens.
    assert.ok(!(await lensTitles(clobberFile())).some((t) => t.includes("Fire now")), "no lenses while not connected");
    await ui.waitFor(`${sel.tab}`, { text: "clobber.ts" });
    await ui.screenshot("editor-01-static-diagnostic");
  });

  it("shows Fire now and live figures above alarm( once connected, and how often each setAlarm( ran", async function () {
    // The examples folder holds more than one Worker (the PartyKit ones too): start this one without asking.
    await vscode.commands.executeCommand("alarmInspector.start", vscode.Uri.file(join(workspace(), "wrangler.jsonc")));
    await until("the inspector to connect", () => api.model.connection.kind === "connected", 90_000);
    log(`connected to ${await workerUrl()}`);
    await request("POST", "/clobber/ed/set?inMs=600000");
    const titles = await until("the lenses with the object's alarm", async () => {
      const t = await lensTitles(clobberFile());
      return t.some((x) => /^next in (9m|10m)/.test(x)) && t;
    });
    assert.ok(titles.includes("$(zap) Fire now"), titles.join(" | "));
    assert.ok(titles.some((t) => /^next in (9m|10m).* · not run yet$/.test(t)), titles.join(" | "));
    // The constructor's set and set()'s, once each in this session; set() replaced the constructor's alarm.
    await until("the setAlarm lenses to count the calls", async () => {
      const t = await lensTitles(clobberFile());
      return t.some((x) => /^setAlarm ran once this session · last at/.test(x)) && t.some((x) => /^setAlarm ran once this session \(1 replaced a pending alarm\)/.test(x));
    });

    // In the editor itself: the lenses are drawn, and the countdown moves without the lens being rebuilt.
    await showClobber();
    await ui.waitFor(lens, { text: "Fire now", timeoutMs: 15_000 });
    const first = await ui.text(lens, { text: "next in", timeoutMs: 15_000 });
    await until("the countdown to tick", async () => (await ui.text(lens, { text: "next in" })) !== first, 10_000);
    await ui.waitFor(lens, { text: "setAlarm ran once this session" });
    await ui.screenshot("editor-02-codelens-live");
  });

  it("fires the alarm from the lens, and the run appears in the Alarms tree", async function () {
    await showClobber();
    await ui.click(`${lens} a`, { text: "Fire now" });
    const run = await until("the fired run to succeed", () => {
      const r = object("ed")?.runs.at(-1);
      return r?.trigger === "fireNow" && r.attempts.at(-1)?.outcome === "ok" && r;
    });
    assert.equal(run.attempts.length, 1);
    await until("the lens to say how the run went", async () => (await lensTitles(clobberFile())).some((t) => t.includes("last: ok")));
    await ui.waitFor(lens, { text: "last: ok" });
    await ui.screenshot("editor-03-fired-from-lens");
    // Reveal the view (clicking its icon would close the side bar when an earlier suite left the view open).
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    await ui.waitFor(sel.activityBarItem("Alarms"));
    await ui.waitFor(sel.treeRowWith("ed"), { text: "succeeded", timeoutMs: 15_000 });
    await ui.screenshot("editor-04-run-in-tree");
  });

  it("asks which object to fire when the class has several", async function () {
    await request("POST", "/clobber/ed2/set?inMs=600000");
    await until("two Clobber objects", () => api.model.objects().filter((o) => o.ref.className === "Clobber").length === 2);
    await showClobber();
    await ui.waitFor(lens, { text: "2 objects" });
    await ui.click(`${lens} a`, { text: "Fire now" });
    await ui.waitFor(sel.quickInput, { text: "which Clobber" });
    await ui.waitFor(`${sel.quickInput} .monaco-list-row`, { text: "ed2" });
    await ui.screenshot("editor-05-pick-object");
    await ui.click(`${sel.quickInput} .monaco-list-row`, { text: "ed2" });
    await until("ed2's fired run to succeed", () => object("ed2")?.runs.at(-1)?.attempts.at(-1)?.outcome === "ok");
    assert.equal(object("ed2")!.runs.at(-1)!.trigger, "fireNow");
  });

  it("flags the constructor that moved a pending alarm, on its line in the Problems view", async function () {
    this.timeout(240_000);
    await request("POST", "/clobber/ed3/set?inMs=600000");
    // Local workerd evicts an object idle for about 10 s; a read then constructs it again, and the constructor's blind
    // setAlarm moves the alarm set above. No request may touch the object while it idles, so this waits in silence.
    await until(
      "the constructor of ed3 to move its pending alarm",
      async () => {
        await new Promise((r) => setTimeout(r, 12_000));
        await request("GET", "/clobber/ed3");
        await new Promise((r) => setTimeout(r, 300));
        return object("ed3")?.history.some((r) => r.event.kind === "alarm.set" && r.event.inConstructor && r.event.previous !== null);
      },
      150_000,
    );
    const [d] = await until("the DOA003 diagnostic", () => diagnostics(clobberFile(), "DOA003").length > 0 && diagnostics(clobberFile(), "DOA003"), 15_000);
    assert.equal(d!.range.start.line + 1, constructorSetLine(), "on the constructor's setAlarm line");
    assert.match(d!.message, /The constructor moved a pending alarm when Clobber ed3 woke: .*that wake-up is lost/);
    assert.equal(d!.relatedInformation?.[0]?.location.range.start.line! + 1, lineOf(clobberFile(), /await this\.ctx\.storage\.setAlarm\(Date\.now\(\) \+ inMs\)/), "the replaced alarm's set() line");

    // The constructor's lens counts the wake too: ed, ed2, ed3 and ed3 again.
    await until("the constructor's setAlarm lens to count the wake", async () => (await lensTitles(clobberFile())).some((t) => /^setAlarm ran 4× this session/.test(t)), 10_000);

    await vscode.commands.executeCommand("workbench.actions.view.problems");
    const row = ".markers-panel .monaco-list-row";
    await ui.waitFor(row, { text: "DOA003", timeoutMs: 15_000 });
    await ui.waitFor(row, { text: "DOA002" });
    assert.match(await ui.text(row, { text: "DOA003" }), new RegExp(`\\[Ln ${constructorSetLine()}, Col \\d+\\]`));
    await ui.screenshot("editor-06-problems-view");
    // The Problems view's row opens the line.
    await ui.click(row, { text: "DOA003" });
    await until("the editor at the constructor's setAlarm", () => vscode.window.activeTextEditor?.selection.active.line === constructorSetLine() - 1);
    await ui.screenshot("editor-07-diagnostic-in-editor");
  });

  it("lands on the user's .ts line from a frame of wrangler's bundle (the timeline's error frames)", async function () {
    await request("POST", "/flaky/ed/arm?failures=1&inMs=0");
    const flaky = await until("a failed attempt", () => {
      const o = api.model.findObject("FlakyJob", "ed");
      return o?.history.some((r) => r.event.kind === "alarm.end" && r.event.outcome === "error") && o;
    });
    const failed = flaky.history.find((r) => r.event.kind === "alarm.end" && r.event.outcome === "error")!;
    const stack = failed.event.kind === "alarm.end" ? (failed.event.error?.stack ?? "") : "";
    const top = /\((file:\/\/[^)]+):(\d+):(\d+)\)/.exec(stack);
    assert.ok(top, `a bundle frame in ${stack}`);
    assert.match(top[1]!, /\.wrangler\/alarm-inspector\/\.wrangler\/tmp\/dev-/, "the runtime prints the bundle's location");

    // What the timeline does with a frame: resolve it (to draw it as a link), then open it.
    const [resolved] = await vscode.commands.executeCommand<{ file: string; line: number; column: number; openable?: boolean }[]>("alarmInspector.resolveFrames", [
      { file: top[1], line: Number(top[2]), column: Number(top[3]) },
    ]);
    const flakyFile = join(workspace(), "src", "objects", "flaky-job.ts");
    assert.equal(resolved?.file, flakyFile);
    assert.equal(resolved?.openable, true);
    assert.equal(resolved?.line, lineOf(flakyFile, /throw new Error\("flaky job failed on attempt "/));
    await vscode.commands.executeCommand("alarmInspector.openSource", resolved);
    await until("flaky-job.ts at the throw", () => vscode.window.activeTextEditor?.document.uri.fsPath === flakyFile && vscode.window.activeTextEditor.selection.active.line === resolved!.line - 1);

    // And any event by its object and seq: the set() call of Clobber ed.
    const ed = object("ed")!;
    const set = ed.history.find((r) => r.event.kind === "alarm.set" && !r.event.inConstructor)!;
    await vscode.commands.executeCommand("alarmInspector.openSource", { objectKey: ed.key, session: set.session, seq: set.event.seq });
    await until("clobber.ts at set()'s setAlarm", () => vscode.window.activeTextEditor?.document.uri.fsPath === clobberFile() && vscode.window.activeTextEditor.selection.active.line + 1 === lineOf(clobberFile(), /await this\.ctx\.storage\.setAlarm\(Date\.now\(\) \+ inMs\)/));
    await ui.screenshot("editor-08-event-source-line");
  });

  it("opens the user's .ts line when a stack frame is clicked in the timeline", async function () {
    const flaky = api.model.findObject("FlakyJob", "ed")!;
    const flakyFile = join(workspace(), "src", "objects", "flaky-job.ts");
    await vscode.commands.executeCommand("alarmInspector.openTimeline", flaky.key);
    await ui.frameWaitFor("#detail .step-position", { timeoutMs: 15_000 });
    await ui.frameClick('#detail [data-step="first"]');
    await ui.frameWaitFor("#detail .step-position", { text: "Attempt 1" });
    await ui.frameWaitFor("#detail .frame-link", { timeoutMs: 15_000 });
    await ui.screenshot("editor-09-timeline-frame");
    await ui.frameClick("#detail .frame-link");
    const editor = await until("an editor opened from the frame", () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath.startsWith(workspace()) && !e.document.uri.fsPath.endsWith("clobber.ts")));
    assert.equal(editor.document.uri.fsPath, flakyFile, "the user's source, not wrangler's bundle");
    assert.equal(editor.selection.active.line + 1, lineOf(flakyFile, /throw new Error\("flaky job failed on attempt "/));
    await ui.screenshot("editor-10-timeline-frame-opened");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("shows the objects' history in a hover on alarm(", async function () {
    const editor = await showClobber();
    const line = lineOf(clobberFile(), /override async alarm\(\)/) - 1;
    const character = editor.document.lineAt(line).text.indexOf("alarm(") + 2;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", editor.document.uri, new vscode.Position(line, character));
    // Text from the Worker goes in as escaped text, so its spaces arrive as &nbsp;.
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n").replace(/&nbsp;/g, " ");
    assert.match(text, /Clobber ed/);
    assert.match(text, /fired now · succeeded · 1 attempt/);
    editor.selection = new vscode.Selection(line, character, line, character);
    await vscode.commands.executeCommand("editor.action.showHover");
    await ui.waitFor(".monaco-hover", { text: "Alarm Inspector", timeoutMs: 10_000 });
    await ui.screenshot("editor-11-hover");
    await ui.press("Escape");
  });

  it("takes the lenses away when the session stops", async function () {
    await vscode.commands.executeCommand("alarmInspector.stop");
    await until("the session to stop", () => api.model.connection.kind === "disconnected");
    await showClobber();
    await until("the lenses to go", async () => !(await lensTitles(clobberFile())).some((t) => t.includes("Fire now")), 10_000);
    await ui.waitFor(lens, { text: "Fire now", state: "detached", timeoutMs: 10_000 });
    // What happened stays: the runtime diagnostic is evidence, not a live reading.
    assert.equal(diagnostics(clobberFile(), "DOA003").length, 1);
  });
});
