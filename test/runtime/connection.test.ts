/**
 * The extension's connection supervisor against a real wrangler: it reconnects by itself after a hot reload (a new
 * agent session) and after wrangler restarts with a new token, and the model keeps its history throughout.
 */
import assert from "node:assert/strict";
import { appendFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { InspectorConnection } from "../../extension/connection/connection";
import type { Reconnected } from "../../extension/connection/connection";
import { readSessionFile, SESSION_RELATIVE } from "../../extension/session/sessionInfo";
import { AlarmModel } from "../../extension/model/alarmModel";
import { cleanup, EXAMPLES, json, launch, tempDir, waitFor } from "./helpers";

describe("connection supervisor", function () {
  it("reconnects after a hot reload and after a wrangler restart, keeping history", async function () {
    this.timeout(240_000);
    const dir = tempDir("reload");
    cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => !src.includes(".wrangler") && !src.includes("node_modules") });
    const state = tempDir("reload-state");
    const sessionFile = join(dir, SESSION_RELATIVE);
    const model = new AlarmModel();
    const connection = new InspectorConnection(model);
    const reconnects: Reconnected[] = [];
    connection.onDidReconnect((r) => reconnects.push(r));
    let session = await launch(dir, { persistDir: state });
    try {
      const source = {
        label: "session.json",
        read: async () => {
          const s = await readSessionFile(sessionFile);
          return s && { inspector: s.inspector, token: s.token };
        },
      };
      const hello = await connection.attach(source);
      assert.equal(hello.worker, "alarm-examples");
      await json(`${session.url}/reminder/keep/set?inMs=600000&message=x`, { method: "POST" });
      await waitFor("the object in the model", () => model.findObject("Reminder", "keep"));

      // 1. Hot reload: wrangler rebuilds and restarts the Worker (and the hub) on a source change.
      appendFileSync(join(dir, "src", "index.ts"), "\n// touched by the reload test\n");
      // wrangler may drop the socket more than once while it swaps the Worker; wait for the new agent session.
      await waitFor("a reconnection to the reloaded Worker", () => reconnects.some((r) => r.reloaded), 60_000);
      const afterReload = reconnects.length;
      assert.equal(connection.state.kind, "connected");
      assert.ok(model.findObject("Reminder", "keep"), "history survives the reload");
      assert.ok(model.allSessions().length >= 2);

      // 2. Restart: a new launcher, a new token, the same persisted state.
      const oldToken = session.info.token;
      await session.stop();
      await waitFor("the connection to notice", () => connection.state.kind === "reconnecting", 20_000);
      session = await launch(dir, { persistDir: state });
      assert.notEqual(session.info.token, oldToken);
      await waitFor("a reconnection after the restart", () => reconnects.slice(afterReload).some((r) => r.hello.sessionStartedAt > session.info.startedAt - 60_000 && r.reloaded), 60_000);
      assert.equal(connection.state.kind, "connected");
      await json(`${session.url}/reminder/keep/set?inMs=500000&message=y`, { method: "POST" });
      await waitFor("events of the new session", () => model.findObject("Reminder", "keep")!.counts.sets >= 2);
      const obj = model.findObject("Reminder", "keep")!;
      assert.equal(obj.currentAlarm.replaced !== null, true, "the set after the restart replaced the persisted alarm");
    } finally {
      connection.dispose();
      await session.stop();
      cleanup(dir);
      cleanup(state);
    }
  });
});
