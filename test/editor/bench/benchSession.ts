/**
 * What the editor bench files share: one inspector session on examples/ started from the real extension (as the
 * Start command does), the worker's URL, and the file the figures go to. Run only by `npm run bench` (the editor part,
 * test/bench/editor.bench.mjs), never by `npm test`: the files here are not in test/editor/suite/.
 */
import * as assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import type { AlarmInspectorApi } from "../../../extension/extension";
import { readSessionFile, SESSION_RELATIVE } from "../../../extension/session/sessionInfo";
import { freePort } from "../../ports.mjs";
import { log, ui } from "../suite/ui";
import { until } from "../suite/until";

const EXTENSION_ID = "alarm-inspector.do-alarm-inspector";

export interface BenchSession {
  api: AlarmInspectorApi;
  /** The Worker's base URL. */
  url: string;
}

let started: Promise<BenchSession> | undefined;
let stateDir: string | undefined;

/** Starts the inspector on examples/wrangler.jsonc once, for every bench file of the run. */
export function benchSession(): Promise<BenchSession> {
  started ??= (async () => {
    const ext = vscode.extensions.getExtension<AlarmInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    const api = await ext.activate();
    stateDir = mkdtempSync(join(tmpdir(), "alarm-inspector-bench-state-"));
    const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const config = vscode.workspace.getConfiguration("alarmInspector");
    // Ports free a moment ago, for the Worker and wrangler's inspector: other sessions on this shared machine scan up
    // from 8787 and 9229 as the launcher does, and one may bind a port between the launcher's check and wrangler's
    // bind ("Address already in use (socket direct:1:default)"). A start that does not connect is tried again.
    for (let attempt = 1; ; attempt++) {
      await config.update("port", await freePort(), vscode.ConfigurationTarget.Global);
      await config.update("launcherArgs", ["--persist-to", stateDir, "--inspector-port", String(await freePort())], vscode.ConfigurationTarget.Global);
      void vscode.commands.executeCommand("alarmInspector.start", vscode.Uri.file(join(workspace, "wrangler.jsonc")));
      try {
        await until("the inspector to connect", () => api.model.connection.kind === "connected", 90_000);
        break;
      } catch (e) {
        log(`bench: connection ${JSON.stringify(api.model.connection)}; screenshot ${await ui.screenshot(`bench-start-attempt-${attempt}`).catch(() => "none")}`);
        await vscode.commands.executeCommand("alarmInspector.stop");
        if (attempt >= 3) throw e;
        log(`bench: the inspector did not connect (attempt ${attempt}); starting again on other ports`);
      }
    }
    const session = await readSessionFile(join(workspace, SESSION_RELATIVE));
    assert.ok(session, "the launcher wrote session.json");
    log(`bench: connected to ${session.url} (extension host pid ${process.pid})`);
    return { api, url: session.url };
  })();
  return started;
}

/** Stops the session the bench started (a root hook: after every bench file). */
after(async function () {
  this.timeout(60_000);
  if (!started) return;
  await vscode.commands.executeCommand("alarmInspector.stop");
  const config = vscode.workspace.getConfiguration("alarmInspector");
  await config.update("launcherArgs", undefined, vscode.ConfigurationTarget.Global);
  await config.update("port", undefined, vscode.ConfigurationTarget.Global);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

export async function post(url: string, body = "v"): Promise<void> {
  const r = await fetch(url, { method: "POST", body });
  assert.equal(r.status, 200, `${url}: ${await r.text()}`);
}

/** Appends one result (JSON) to the file test/bench/editor.bench.mjs reads and turns into rows. */
export function record(result: Record<string, unknown>): void {
  const file = process.env.ALARM_INSPECTOR_BENCH_OUT;
  if (!file) throw new Error("ALARM_INSPECTOR_BENCH_OUT is not set: run through `npm run bench -- --only editor`");
  appendFileSync(file, `${JSON.stringify(result)}\n`);
}

/** A bench number from the environment (`name` set by editor.bench.mjs), or `fallback`. */
export function setting(name: string, fallback: number): number {
  const v = Number(process.env[`ALARM_INSPECTOR_BENCH_${name}`]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
