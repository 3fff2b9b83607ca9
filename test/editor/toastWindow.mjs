// The window a person sees: a real VS Code (code-server) started WITHOUT `--vscode-option enable-smoke-test-driver`,
// so notification toasts are shown as they are to a user (issue 17), driven only through the UI with Playwright from
// this Node script, with the real runtime as the ground truth. It checks:
//
//   1. Delete Alarm → the toast offering Undo appears → Undo clicked in the toast → the object's own getAlarm()
//      (an HTTP route of the fixture Worker, answered by workerd) returns the deleted time again;
//   2. an RPC-less class (OldStyle, which does not extend DurableObject): its row says why, and neither its inline
//      actions nor its context menu offer a command that needs RPC;
//   3. a failed command's error toast is one sentence that names the object once (Fire Now on an object held in a
//      long blockConcurrencyWhile: the hub's call to it times out; a stopped session's rows no longer offer it);
//   4. issue 15 item 1 in the editor: the extension host killed with SIGKILL (a crash) stops the launcher it started
//      and the whole runtime (lifeline, wrangler, workerd) within a bounded wait, and the Worker's port closes;
//   5. with ALARM_INSPECTOR_TOASTS_WINDOW_CLOSE=1, the same when the window (the browser page) is closed.
//
// Why a script of its own and not a mocha test in the extension host: the smoke-test driver is what lets the
// workbench read the test payload (extensionDevelopmentPath, extensionTestsPath) and call codeAutomationExit, and it
// is also what hides toasts (test/editor/README.md, "Notifications"); it is a server-wide option. Without it, the
// extension must be installed like a user's (the VSIX with --vsix, else this folder linked into the extensions
// folder), and nothing can run inside the extension host, so a test that kills the extension host has to live
// outside it anyway.
//
//   node test/editor/toastWindow.mjs [--vsix FILE] [--verbose]      (after `npm run build`; part of npm run test:editor,
//   54-124 s on this shared 2-core machine, most of it code-server's start and two `wrangler dev` starts)
//
// Screenshots in test-artifacts/editor-toasts/. Last line: `toasts: N passed, N failed`. Exit 0 when all passed.
import { readdirSync, readFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { provisionVSCode } from "../../scripts/provision-vscode.mjs";
import { installVsix, launchChromium, removeRunDir, runDir, startCodeServer } from "./codeServer.mjs";
import { freePort } from "../ports.mjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values: args } = parseArgs({ options: { vsix: { type: "string" }, verbose: { type: "boolean", default: false } } });
const vsix = args.vsix ? resolve(args.vsix) : undefined;
const artifacts = join(repoRoot, "test-artifacts", "editor-toasts");
/** A Worker with an ordinary class (Plain) and an old-style one (OldStyle) side by side, each with a getAlarm route. */
const workspace = join(repoRoot, "test", "fixtures", "handlers");
const sessionDir = join(workspace, ".wrangler", "alarm-inspector");
const START = "Start wrangler dev with Alarm Inspector";
/** Everything a test may wait for: generous, this machine is shared and slow; no figure here is asserted. */
const SESSION_START_MS = 120_000;
/** How long the runtime may take to go after the extension host dies (the launcher polls its parent every second). */
const ORPHAN_WAIT_MS = 30_000;
/**
 * Also close the window (the browser page) with a session running, and check the runtime goes: the workbench shuts
 * its extension host down (or code-server lets it go after its reconnection grace, 5 s here). A third wrangler start
 * (~20 s), so not in the default run.
 */
const WINDOW_CLOSE = process.env.ALARM_INSPECTOR_TOASTS_WINDOW_CLOSE === "1";
/** How many `check(…)` calls main() makes, for the summary line when one fails and ends the run. */
const CHECKS = WINDOW_CLOSE ? 6 : 5;

const t0 = Date.now();
const lap = (m) => console.log(`[toasts ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}`);
const results = [];

// ───────────────────────────── processes, read from /proc ─────────────────────────────

/** pid, ppid and process group of every process we can see. */
function processTable() {
  const rows = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid pgrp …": comm may hold spaces, so read after the last ')'.
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      rows.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), cmd });
    } catch {
      // gone while we looked
    }
  }
  return rows;
}

/** Every descendant of `pid`. */
function descendants(pid, table = processTable()) {
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const row of table) if (row.ppid === p) { out.push(row); queue.push(row.pid); }
  }
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it runs nothing.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function portOpen(port) {
  return new Promise((r) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => { s.destroy(); r(true); });
    s.once("error", () => r(false));
    s.setTimeout(2000, () => { s.destroy(); r(false); });
  });
}

async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ───────────────────────────── the Worker, as ground truth ─────────────────────────────

function session() {
  return JSON.parse(readFileSync(join(sessionDir, "session.json"), "utf8"));
}

async function worker(path) {
  const r = await fetch(`${session().url}${path}`, { signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${text}`);
  return JSON.parse(text);
}

// ───────────────────────────── the window, as a person uses it ─────────────────────────────

/** @param {import("playwright-core").Page} page */
function person(page) {
  const row = (text) => page.locator(".pane-body .monaco-list-row", { hasText: text }).first();
  const toast = (text) => page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
  const shot = async (name) => {
    await page.screenshot({ path: join(artifacts, `${name}.png`) });
    lap(`  screenshot test-artifacts/editor-toasts/${name}.png`);
  };
  /** Right-click a row and read its context menu (labels of the enabled and disabled items), then close it. */
  const menuOf = async (text) => {
    await row(text).click({ button: "right" });
    const menu = page.locator(".context-view .monaco-menu");
    await menu.waitFor({ timeout: 10_000 });
    const items = await menu.locator(".action-menu-item .action-label").allInnerTexts();
    return items.map((s) => s.trim()).filter(Boolean);
  };
  /**
   * Choose `item` from a row's context menu. VS Code's menus ignore a click too soon after they open, so it is
   * repeated until the menu closes, as a person clicks again when nothing happened.
   */
  const contextMenu = async (text, item) => {
    await row(text).click({ button: "right" });
    const menu = page.locator(".context-view .monaco-menu");
    const entry = menu.locator(".action-menu-item", { hasText: item }).first();
    await entry.waitFor({ timeout: 10_000 });
    for (let attempt = 1; ; attempt++) {
      await entry.hover({ timeout: 2000 }).catch(() => undefined);
      await entry.click({ timeout: 2000 }).catch(() => undefined);
      try {
        await menu.waitFor({ state: "hidden", timeout: 700 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  };
  /** Click a title-bar button of the Alarms view, again if a repaint under the pointer swallowed the click. */
  const titleButton = async (label, done) => {
    for (let attempt = 1; ; attempt++) {
      await page.locator(`.part.sidebar .action-label[aria-label="${label}"]`).first().click({ timeout: 15_000 });
      try {
        return await until(`${label} to take effect`, done, 8_000);
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  };
  return { row, toast, shot, menuOf, contextMenu, titleButton };
}

async function check(name, fn) {
  lap(`▶ ${name}`);
  try {
    await fn();
    results.push({ name, ok: true });
    lap(`✔ ${name}`);
  } catch (err) {
    results.push({ name, ok: false, err });
    lap(`✘ ${name}\n    ${String(err?.stack ?? err).split("\n").slice(0, 6).join("\n    ")}`);
    throw err;
  }
}

// ───────────────────────────── the run ─────────────────────────────

/** Run last-in first-out, each once, also on Ctrl-C. */
const cleanups = [];
async function cleanUp() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (err) {
      console.error(`[toasts] cleanup: ${String(err?.message ?? err).split("\n")[0]}`);
    }
  }
}
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) process.once(signal, () => void cleanUp().finally(() => process.exit(code)));

async function main() {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const vscode = await provisionVSCode();
  cleanups.push(async () => removeRunDir());

  // The extension, installed as a user's: the VSIX, or this folder under the name VS Code gives an installed one.
  const extensionsDir = join(runDir(), `toast-extensions`);
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  if (vsix) {
    lap(`installing ${vsix}…`);
    await installVsix(vsix, extensionsDir, vscode);
  } else {
    if (!existsSync(join(repoRoot, "dist", "extension.js"))) throw new Error("dist/extension.js is missing: run `npm run build` first");
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    symlinkSync(repoRoot, join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  }

  const state = mkdtempSync(join(tmpdir(), "alarm-inspector-toasts-"));
  cleanups.push(async () => rmSync(state, { recursive: true, force: true }));
  rmSync(join(sessionDir, "session.json"), { force: true });
  const userSettings = {
    "alarmInspector.nodePath": join(repoRoot, "node_modules", "node", "bin", "node"),
    "alarmInspector.autoAttach": false,
    // Ports chosen by the kernel, not "the first free from 8787 / 9229": other sessions on this machine start
    // wranglers too, and one may take that port between the launcher's probe and wrangler's bind ("Address already
    // in use (socket "direct:1:default")" is wrangler's inspector port).
    "alarmInspector.launcherArgs": ["--persist-to", state, "--inspector-port", String(await freePort())],
    "alarmInspector.port": await freePort(),
  };
  lap(`starting code-server on ${workspace} (no smoke-test driver: toasts shown)…`);
  const server = await startCodeServer({ workspace, vscode, extensionsDir, userSettings, logFile: join(artifacts, "code-server.log"), smokeTestDriver: false });
  cleanups.push(() => server.stop());

  const browser = await launchChromium(chromium, vscode.chromium, "chromium-toasts-");
  cleanups.push(browser.close);
  const { context } = browser;
  const page = context.pages()[0] ?? (await context.newPage());
  if (args.verbose) page.on("console", (m) => console.log(`  | ${m.text().replace(/%c/g, "")}`));
  cleanups.push(async () => { if (!page.isClosed()) await page.screenshot({ path: join(artifacts, "final.png"), timeout: 10_000 }); });
  await page.goto(`${server.url}/?${new URLSearchParams({ folder: workspace })}`);
  const p = person(page);
  // Whatever the session started by the window, it is stopped before code-server goes (a failed check leaves it).
  // The launcher runs in a process group of its own (the extension starts it detached), the runtime in another.
  cleanups.push(async () => {
    const rec = readRuntimeRecord();
    for (const group of [rec?.launcherPid, rec?.pgid]) {
      if (group) try { process.kill(-group, "SIGKILL"); } catch { /* gone */ }
    }
  });

  await check("the extension, installed, starts a session from the Alarms view's Start button", async () => {
    await page.locator('.part.activitybar .action-item a[aria-label^="Alarms"]').first().click({ timeout: 60_000 });
    await startSession(page, server);
    await worker("/plain/toast-undo/set?in=600000");
    await worker("/old/toast-old/set?in=600000");
    await p.row("toast-undo").waitFor({ timeout: 30_000 });
    await p.row("toast-old").waitFor({ timeout: 30_000 });
  });

  await check("Delete Alarm shows a toast with Undo; Undo clicked in the toast puts the alarm back (the runtime's getAlarm)", async () => {
    const before = await worker("/plain/toast-undo/alarm");
    if (typeof before !== "number") throw new Error(`getAlarm() before the delete: ${JSON.stringify(before)}`);
    await p.contextMenu("toast-undo", "Delete Alarm");
    const toast = p.toast("Deleted the alarm of Plain toast-undo");
    await toast.waitFor({ timeout: 15_000 });
    const text = (await toast.innerText()).trim();
    lap(`  toast: ${JSON.stringify(text)}`);
    await until("getAlarm() to return null after the delete", async () => (await worker("/plain/toast-undo/alarm")) === null, 15_000);
    // Hovered, as a person reading it would: the toast stays, fully drawn, with its whole message.
    await toast.hover();
    await p.shot("toast-01-undo-offered");
    await toast.locator(".monaco-button", { hasText: "Undo" }).first().click({ timeout: 10_000 });
    const after = await until("getAlarm() to return the deleted time again", async () => {
      const v = await worker("/plain/toast-undo/alarm");
      return v === before ? { v } : undefined;
    }, 15_000);
    lap(`  getAlarm(): ${before} before, null after Delete, ${after.v} after Undo`);
    await p.row("toast-undo").filter({ hasText: "fires in" }).waitFor({ timeout: 15_000 });
    await p.shot("toast-02-undone");
  });

  await check("an RPC-less class's row says why, and offers nothing that needs RPC", async () => {
    const row = p.row("toast-old");
    const text = (await row.innerText()).replace(/\s+/g, " ");
    lap(`  row: ${JSON.stringify(text)}`);
    if (!/commands unavailable: class does not extend DurableObject/.test(text)) throw new Error(`the row does not say why: ${text}`);
    await row.hover();
    const inline = await row.locator(".actions .action-label").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
    lap(`  inline actions: ${JSON.stringify(inline)}`);
    const menu = await p.menuOf("toast-old");
    lap(`  context menu: ${JSON.stringify(menu)}`);
    await p.shot("toast-03-rpc-less-menu");
    await page.keyboard.press("Escape");
    const needsRpc = /Fire Now|Reschedule|Delete Alarm|Fail Next|Hold Next|Debug Next|Show Storage/;
    const offered = [...inline, ...menu].filter((l) => needsRpc.test(l ?? ""));
    if (offered.length) throw new Error(`offered on an RPC-less object: ${offered.join(", ")}`);
    if (!menu.some((l) => /Open Timeline/.test(l))) throw new Error(`the menu should still offer what works (Open Timeline): ${JSON.stringify(menu)}`);
    // And the same row of an ordinary class offers them, so the check above can fail.
    const plainMenu = await p.menuOf("toast-undo");
    await page.keyboard.press("Escape");
    if (!plainMenu.some((l) => /Fire Now/.test(l))) throw new Error(`Plain's menu lacks Fire Now: ${JSON.stringify(plainMenu)}`);
  });

  await check("a failed command's error toast is one sentence naming the object once", async () => {
    // The commands a row offers reach their object (a stopped session's rows offer none), so the failure is the
    // runtime's: the object held 25 s in blockConcurrencyWhile, the hub's call to it gives up after 15 s, in words.
    const blocked = fetch(`${session().url}/plain/toast-undo/block?ms=25000`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await p.contextMenu("toast-undo", "Fire Now");
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "failed" }).first();
    await toast.waitFor({ timeout: 30_000 });
    await toast.hover();
    // Expanded, as a person does to read a long one (a toast shows one line until then).
    await toast.locator('.action-label[aria-label^="Expand"]').first().click({ timeout: 3000 }).catch(() => undefined);
    const message = (await toast.locator(".notification-list-item-message").innerText()).trim();
    lap(`  error toast: ${JSON.stringify(message)}`);
    await p.shot("toast-04-failed");
    const named = message.split("toast-undo").length - 1;
    if (named !== 1) throw new Error(`the object is named ${named} times: ${message}`);
    if (message.split("\n").length !== 1) throw new Error(`more than one line: ${message}`);
    await page.keyboard.press("Escape");
    await blocked;
    await p.titleButton("Stop", async () => (await page.locator('.part.sidebar .action-label[aria-label="' + START + '"]').count()) > 0);
  });

  await check("the extension host killed (SIGKILL) stops the launcher and the whole runtime; the port closes", async () => {
    await startSession(page, server);
    const { watched, port } = await sessionProcesses();
    const host = descendants(server.pid).find((r) => /--type=extensionHost/.test(r.cmd));
    if (!host) throw new Error("no extension host process under code-server");
    lap(`  extension host ${host.pid}`);
    await p.shot("toast-05-before-host-kill");
    process.kill(host.pid, "SIGKILL");
    await allGone(watched, port, "the kill");
    // The workbench restarts the extension host by itself: once the new one runs and the window has settled, it must
    // offer Start alone, not a session that is gone.
    await until("a new extension host", async () => descendants(server.pid).some((r) => r.pid !== host.pid && /--type=extensionHost/.test(r.cmd)), 60_000);
    await page.locator(".part.statusbar", { hasText: "terminated unexpectedly" }).waitFor({ state: "hidden", timeout: 60_000 }).catch(() => undefined);
    const start = page.locator(`.part.sidebar .action-label[aria-label="${START}"]:visible`);
    const stop = page.locator('.part.sidebar .action-label[aria-label="Stop"]:visible');
    await until("Start alone in the title bar after the extension host restarted", async () => (await start.count()) === 1 && (await stop.count()) === 0, 60_000);
    await p.shot("toast-06-after-host-restart");
  });

  if (!WINDOW_CLOSE) return;
  await check("the window closed stops the launcher and the whole runtime; the port closes", async () => {
    await startSession(page, server);
    const { watched, port } = await sessionProcesses();
    await page.close();
    await allGone(watched, port, "the window closed");
  });
}

/** The launcher's pid and every process of the runtime's group (lifeline, wrangler, esbuild, workerd), and its port. */
async function sessionProcesses() {
  const rec = await until("runtime.json with the runtime's process group", async () => readRuntimeRecord()?.pgid && readRuntimeRecord(), 30_000);
  const port = Number(new URL(session().url).port);
  const runtime = processTable().filter((r) => r.pgrp === rec.pgid);
  lap(`  launcher ${rec.launcherPid}; runtime group ${rec.pgid}: ${runtime.map((r) => `${r.pid} ${r.cmd.split(" ").slice(0, 2).map((s) => s.split("/").pop()).join(" ")}`).join("; ")}; port ${port}`);
  if (!runtime.some((r) => /workerd/.test(r.cmd))) throw new Error("no workerd in the runtime's group");
  if (!(await portOpen(port))) throw new Error(`the Worker's port ${port} is not open`);
  return { watched: [{ pid: rec.launcherPid, cmd: "launcher" }, ...runtime], port };
}

/** Every watched process gone and the port closed within a generous bound; the time it took is printed only. */
async function allGone(watched, port, after) {
  const since = Date.now();
  await until("every process of the session to go", async () => watched.every((r) => !alive(r.pid)), ORPHAN_WAIT_MS).catch((err) => {
    throw new Error(`${err.message}; still running: ${watched.filter((r) => alive(r.pid)).map((r) => `${r.pid} ${r.cmd}`).join("; ")}`);
  });
  await until(`port ${port} to close`, async () => !(await portOpen(port)), ORPHAN_WAIT_MS);
  lap(`  all ${watched.length} processes gone and port ${port} closed ${((Date.now() - since) / 1000).toFixed(1)} s after ${after} (printed, not asserted)`);
}

function readRuntimeRecord() {
  try {
    return JSON.parse(readFileSync(join(sessionDir, "runtime.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Start from the view's title bar (choosing the config if asked), until the status bar says it is connected. A click
 * is repeated only while no launcher runs: a second Start during a slow start would ask to restart the first.
 */
async function startSession(page, server) {
  rmSync(join(sessionDir, "session.json"), { force: true });
  const launcherRuns = () => descendants(server.pid).some((r) => / dev --cwd /.test(r.cmd) && r.cmd.includes(workspace));
  for (let attempt = 1; !launcherRuns(); attempt++) {
    await page.locator(`.part.sidebar .action-label[aria-label="${START}"]`).first().click({ timeout: 15_000 });
    try {
      await until("the launcher to start", async () => {
        const pick = page.locator('.quick-input-widget .monaco-list-row[aria-label^="wrangler.jsonc"]');
        if (await pick.count()) await pick.first().click().catch(() => undefined);
        return launcherRuns();
      }, 20_000);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  await until("session.json", async () => existsSync(join(sessionDir, "session.json")), SESSION_START_MS);
  await page.locator(".part.statusbar .statusbar-item", { hasText: "Alarms:" }).first().waitFor({ timeout: SESSION_START_MS });
}

let code = 0;
try {
  await main();
} catch (err) {
  code = 1;
  if (!results.some((r) => !r.ok)) {
    console.error(`[toasts] harness error: ${err?.stack ?? err}`);
    code = 2;
  }
} finally {
  await cleanUp();
}
const passed = results.filter((r) => r.ok).length;
lap(`done (${code === 0 ? "PASS" : "FAIL"}; artifacts in ${artifacts})`);
// A failed check ends the run (the next ones build on it): those not reached are counted, never silently dropped.
const notRun = CHECKS - results.length;
console.log(`toasts: ${passed} passed, ${results.length - passed} failed${notRun > 0 ? `, ${notRun} not run` : ""}`);
process.exit(code);
