/**
 * Schedules behind the alarm in a real VS Code: open the Agents SDK example (examples/agents, `agents` 0.32), Start
 * from the Alarms view, give one agent a delayed, a cron and a failing schedule, and read them under the object with
 * their countdowns; then *Run Schedule Now* on the failing one (the SDK runs it its own way, retries included, and the
 * row says failed although the alarm attempt ended ok) and *Cancel Schedule* on the reminder (through the SDK's own
 * `cancelSchedule`). Real wrangler dev, real workerd, real WebSocket; screenshots of every step.
 *
 * Kept short for CI: every schedule is an hour out, so nothing waits for the clock; Run now makes the one it needs due.
 * The workspace is examples/agents (`npm run test:editor:dev -- --workspace examples/agents --grep Schedules`) or
 * examples/, where Start asks which config to run and the test picks agents/wrangler.jsonc.
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import * as vscode from "vscode";
import type { AlarmInspectorApi } from "../../../extension/extension";
import type { ScheduleView } from "../../../extension/model/schedules";
import { readSessionFile, SESSION_RELATIVE } from "../../../extension/session/sessionInfo";
import { cssString, log, sel, ui } from "./ui";
import { until } from "./until";

const EXTENSION_ID = "alarm-inspector.do-alarm-inspector";
const workspace = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

/** The Agents SDK example's folder in this workspace, if the workspace has it. */
function agentsProject(): string | undefined {
  // examples/ has a wrangler.jsonc of its own: only a folder named agents is the example.
  for (const dir of [workspace(), join(workspace(), "agents")]) if (basename(dir) === "agents" && existsSync(join(dir, "wrangler.jsonc"))) return dir;
  return undefined;
}

describe("Schedules behind the alarm in the Alarms view (real VS Code, real wrangler, agents 0.32)", function () {
  this.timeout(120_000);
  let api: AlarmInspectorApi;
  let project: string;
  let state: string;
  // One name per run; the state folder is fresh anyway, so this only keeps screenshots of different runs apart.
  const agent = `ui-asst-${Date.now().toString(36)}`;

  async function url(path: string): Promise<string> {
    const session = await readSessionFile(join(project, SESSION_RELATIVE));
    assert.ok(session, "the launcher wrote session.json");
    return `${session.url}${path}`;
  }
  async function post(action: string, query: string): Promise<{ id: string }> {
    const r = await fetch(await url(`/assistant/${agent}/${action}?${query}`), { method: "POST" });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    return JSON.parse(body) as { id: string };
  }
  const schedules = (): readonly ScheduleView[] => {
    const obj = api.model.findObject("Assistant", agent);
    return obj ? api.model.schedules.schedulesOf(obj.key) : [];
  };
  const schedule = (callback: string): ScheduleView | undefined => schedules().find((s) => s.callback === callback);
  /** The schedule row of `callback()`: its label is the callback, its description the countdown and outcome. */
  const scheduleRow = (callback: string): string => `.pane-body .monaco-list-row[aria-label^=${cssString(`schedule ${callback}:`)}]`;

  /** The row's position among its siblings (the tree's aria-posinset): the list is virtual, so DOM order says nothing. */
  async function rowPosition(callback: string): Promise<number> {
    for (let n = 1; n <= 20; n++) if ((await ui.count(`${scheduleRow(callback)}[aria-posinset="${n}"]`)) > 0) return n;
    throw new Error(`no row for ${callback}() under the object`);
  }

  before(async function () {
    const found = agentsProject();
    if (!found) this.skip();
    project = found;
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    state = mkdtempSync(join(tmpdir(), "alarm-inspector-editor-agents-"));
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", ["--persist-to", state], vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    if (!project) return;
    await vscode.commands.executeCommand("alarmInspector.stop");
    await vscode.workspace.getConfiguration("alarmInspector").update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
    rmSync(state, { recursive: true, force: true });
  });

  it("starts the Agents SDK example with the inspector from the view", async function () {
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    await ui.waitFor(sel.activityBarItem("Alarms"));
    await ui.click(`.part.sidebar .action-label[aria-label="Start wrangler dev with Alarm Inspector"]`, { timeoutMs: 30_000 });
    if (project !== workspace()) {
      const item = `${sel.quickInput} .monaco-list-row:has-text("agents/wrangler.jsonc")`;
      await ui.waitFor(item, { timeoutMs: 15_000 });
      await ui.click(item);
    }
    await until("the inspector to connect", () => api.model.connection.kind === "connected", 90_000);
    log(`connected to ${await url("")}`);
  });

  it("lists the agent's schedules under it, in time order, with countdowns", async function () {
    await post("remind", "in=3600&user=ada&text=stand%20up");
    await post("cron", "expr=0%200%201%201%20*"); // once a year: its next time is far away and never due here
    await post("failing", "in=5400&account=acme");
    await until("three schedules", () => schedules().length === 3, 20_000);
    // The object row is collapsed at first, as every object is; open it as a person does, with a click.
    await ui.click(sel.treeRowWith(agent), { timeoutMs: 15_000 });
    await ui.waitFor(scheduleRow("sendReminder"), { text: "in 59m", timeoutMs: 15_000 });
    await ui.waitFor(scheduleRow("sendReminder"), { text: "alarm armed for it" });
    await ui.waitFor(scheduleRow("syncInvoices"), { text: "in 1h" });
    await ui.waitFor(scheduleRow("digest"), { text: "cron" });
    // Pending schedules are listed in the order they will run: the reminder (1 h) before the failing one (1.5 h).
    assert.ok((await rowPosition("sendReminder")) < (await rowPosition("syncInvoices")), "schedule rows in time order");
    await ui.screenshot("schedules-01-pending");
  });

  it("runs the failing schedule now from its row: failed after the SDK's attempts, though the alarm attempt ended ok", async function () {
    await ui.clickRowAction("syncInvoices()", "Run Schedule Now", { timeoutMs: 15_000 });
    await ui.waitFor(scheduleRow("syncInvoices"), { text: "last run failed", timeoutMs: 30_000 });
    const s = schedule("syncInvoices")!;
    const run = s.runs.at(-1)!;
    assert.equal(run.outcome, "error");
    assert.equal(run.attempts.length, 3, "the SDK's default retry policy: 3 attempts");
    assert.match(run.attempts.at(-1)!.error?.message ?? "", /billing API refused account acme/);
    const alarmRun = api.model.findObject("Assistant", agent)!.runs.at(-1)!;
    assert.deepEqual(alarmRun.attempts.map((a) => a.outcome), ["ok"], "the alarm attempt around it ended ok: the SDK caught the error");
    // Its run row, under it, says why.
    await ui.click(scheduleRow("syncInvoices"));
    await ui.waitFor(sel.treeRowWith("failed after attempt 3"), { text: "billing API refused", timeoutMs: 10_000 });
    await ui.screenshot("schedules-02-failed");
  });

  it("cancels the reminder from its row, through the SDK's own cancelSchedule", async function () {
    await ui.clickRowAction("sendReminder()", "Cancel Schedule", { timeoutMs: 15_000 });
    await until("the reminder cancelled", () => schedule("sendReminder")?.status === "cancelled", 15_000);
    await ui.waitFor(scheduleRow("sendReminder"), { text: "cancelled", timeoutMs: 10_000 });
    const r = await fetch(await url(`/assistant/${agent}`));
    const left = ((await r.json()) as { schedules: { callback: string }[] }).schedules.map((x) => x.callback).sort();
    assert.deepEqual(left, ["digest"], "the SDK's own getSchedules() no longer has the reminder (the failing one is done)");
    await ui.screenshot("schedules-03-cancelled");
  });

  it("shows the failing schedule's run inside the alarm attempt that ran it in the timeline, and steps by that schedule", async function () {
    const obj = api.model.findObject("Assistant", agent)!;
    await vscode.commands.executeCommand("alarmInspector.openTimeline", obj.key);
    // The newest alarm run is the one Run now fired: its attempt ended ok, and it ran syncInvoices(), which failed.
    await ui.frameWaitFor("#detail .schedule-step", { text: "syncInvoices()", timeoutMs: 30_000 });
    await ui.frameWaitFor("#detail .schedule-step.schedule-error", { text: "failed after attempt 3 of 3: billing API refused account acme" });
    await ui.frameWaitFor(`#detail [data-fact="outcome"] dd`, { text: "succeeded" });
    await ui.frameClick("#detail .schedule-step", { text: "syncInvoices()" });
    await ui.frameWaitFor("#detail .step-position", { text: "syncInvoices() · run 1 of 1" });
    await ui.screenshot("schedules-04-timeline");
    await ui.frameClick("#detail .schedule-stepper .link-button");
    await ui.frameWaitFor("#detail .step-position", { text: "Attempt 1 · 1 of 1" });
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  // Last, so its editor and the pointer it leaves do not cover the tree rows the tests above click.
  it("shows what each this.schedule(…) call made in a CodeLens above it: pending, next run, last outcome, Run now", async function () {
    const file = join(project, "src", "index.ts");
    const lenses = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", vscode.Uri.file(file), 100)) ?? [];
    const text = (await vscode.workspace.openTextDocument(file)).getText().split("\n");
    const lineOf = (needle: string) => {
      const i = text.findIndex((l) => l.includes(needle));
      assert.ok(i >= 0, needle);
      return i;
    };
    const failing = lineOf('"syncInvoices"');
    const cron = lineOf('"*/2 * * * *", "digest"');
    const reminder = lineOf('this.schedule(num("in", 30), "sendReminder"');
    // The failing schedule ran (3 attempts, failed) and is done; the cron one is pending; the reminder was cancelled.
    const all = await until("the failing call's lens", async () => {
      const l = await lenses();
      const at = l.filter((x) => x.range.start.line === failing).map((x) => x.command?.title);
      return at.includes("syncInvoices(): 0 pending · nothing pending · last: failed (attempt 3 of 3): billing API refused account acme") && l;
    }, 15_000);
    const titlesAt = (line: number) => all.filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? "");
    assert.deepEqual(titlesAt(reminder), ["sendReminder(): 0 pending · nothing pending · not run yet"]);
    const atCron = all.filter((l) => l.range.start.line === cron);
    assert.match(atCron[0]?.command?.title ?? "", /^digest\(\): 1 pending · next in .* · not run yet$/);
    assert.equal(atCron[1]?.command?.title, "$(zap) Run now");
    assert.deepEqual(atCron[1]?.command?.arguments?.[0], { kind: "schedule", key: api.model.findObject("Assistant", agent)!.key, scheduleId: schedule("digest")!.id });
    // Drawn in the editor too (lenses are drawn only on lines in view).
    await vscode.commands.executeCommand("workbench.action.closePanel");
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
    editor.revealRange(new vscode.Range(Math.max(0, failing - 8), 0, Math.max(0, failing - 8), 0), vscode.TextEditorRevealType.AtTop);
    await ui.waitFor(".monaco-editor .codelens-decoration", { text: "syncInvoices(): 0 pending", timeoutMs: 15_000 });
    await ui.screenshot("schedules-05-codelens");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });
});
