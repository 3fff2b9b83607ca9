/**
 * What the views say about handlers and storage, and what the launcher says about a project, from the pure code
 * behind them (the runtime tier runs the same paths against real wrangler: test/runtime/truthful.test.ts).
 */
import assert from "node:assert/strict";
import { AlarmModel } from "../../extension/model/alarmModel";
import { handlerSentence, handlerState, handlerWords } from "../../extension/model/handlerState";
import { storageText } from "../../extension/views/storageText";
import { refuseViteOnlyConfig, wranglerWarning } from "../../launcher/compat";
import { durableObjectClasses } from "../../launcher/wranglerConfig";
import { selectedEnv, workerNameIn } from "../../launcher/wranglerEnv";
import type { ClassInfo, SnapshotResult } from "../../protocol/protocol";
import { EventBuilder, hello, obj, T0 } from "./builders";

const NONE: ClassInfo = { className: "Room", binding: "ROOMS", sqlite: true, alarmHandler: "none" };

describe("alarm handlers in the model and the views", () => {
  it("keeps what object.handler said, and the export keeps it too", () => {
    const m = new AlarmModel();
    m.applyHello(hello(), T0);
    const ev = new EventBuilder();
    const frozen = obj("Room", { name: "frozen" });
    const agent = obj("Room", { name: "agent" });
    m.applyEvents([ev.wake(frozen), ev.handler(frozen, "unobserved", "its alarm handler is a non-configurable property"), ev.wake(agent), ev.handler(agent, "instance")]);
    const byName = (n: string) => m.objects().find((o) => o.ref.name === n)!;
    assert.deepEqual(byName("frozen").handler, { shape: "unobserved", reason: "its alarm handler is a non-configurable property" });
    assert.deepEqual(byName("agent").handler, { shape: "instance" });
    const json = JSON.parse(JSON.stringify(m)) as unknown;
    const back = AlarmModel.fromJSON(json);
    assert.deepEqual(back.objects().find((o) => o.ref.name === "frozen")?.handler, byName("frozen").handler);
    assert.deepEqual(JSON.parse(JSON.stringify(back)), json);
  });

  it("says a class without a handler has none, unless the object defined its own; never hides an unobserved one", () => {
    const m = new AlarmModel();
    m.applyHello(hello(), T0);
    const ev = new EventBuilder();
    const plain = obj("Room", { name: "plain" });
    const own = obj("Room", { name: "own" });
    const frozen = obj("Room", { name: "frozen" });
    m.applyEvents([ev.wake(plain), ev.wake(own), ev.handler(own, "instance"), ev.wake(frozen), ev.handler(frozen, "unobserved", "why")]);
    const view = (n: string) => m.objects().find((o) => o.ref.name === n)!;
    assert.deepEqual(handlerState(view("plain"), NONE), { kind: "none" });
    assert.deepEqual(handlerState(view("plain"), { ...NONE, alarmHandler: "prototype" }), { kind: "observed" });
    assert.deepEqual(handlerState(view("plain"), { ...NONE, alarmHandler: undefined }), { kind: "observed" }, "older agents: as before");
    assert.deepEqual(handlerState(view("own"), NONE), { kind: "observed" });
    assert.deepEqual(handlerState(view("frozen"), { ...NONE, alarmHandler: "prototype" }), { kind: "unobserved", reason: "why" });
    assert.equal(handlerWords({ kind: "none" }), "no alarm() handler");
    assert.equal(handlerWords({ kind: "unobserved", reason: "why" }), "alarm runs not observable");
    assert.equal(handlerWords({ kind: "observed" }), "");
    assert.match(handlerSentence({ kind: "unobserved", reason: "why" }, "Room"), /not observable: why\. A run missing from this view may still have happened/);
  });
});

describe("storage snapshot text", () => {
  const snap: SnapshotResult = {
    object: { className: "Room", id: "a".repeat(64), name: "lobby" },
    alarm: null,
    failNext: 0,
    storage: [{ key: "line\nbreak", value: { kind: "json", text: '"<script>x</script>\\n"', truncated: false } }],
    truncated: false,
    tables: [
      { name: "notes", columns: ["id", "body"], rowCount: 12, rows: [[{ kind: "json", text: "1", truncated: false }, { kind: "json", text: '"a\nb"', truncated: true }]], omittedColumns: 2 },
      { name: "broken", columns: [], rowCount: 0, rows: [], omittedColumns: 0, error: "no such module: fts9" },
    ],
    tablesTruncated: true,
  };

  it("shows keys, then each table with its first rows, one row per line whatever the values hold", () => {
    const text = storageText(snap, "app", T0);
    const lines = text.split("\n");
    assert.ok(lines.includes('  line⏎break = "<script>x</script>\\n"'), text);
    assert.ok(lines.includes("SQLite tables (2+, the first shown)"));
    assert.ok(lines.includes("  notes — 12 rows, the first 1 shown"));
    assert.ok(lines.includes("    id | body | (+2 more columns)"));
    assert.ok(lines.includes('    1 | "a⏎b"…'));
    assert.ok(lines.includes("    rows could not be read: no such module: fts9"));
  });

  it("has no table section for a key-value-backed object", () => {
    const { tables: _t, tablesTruncated: _tt, ...kv } = snap;
    assert.doesNotMatch(storageText(kv, "app", T0), /SQLite tables/);
  });
});

describe("the launcher reads the project as wrangler runs it", () => {
  const config = {
    name: "shortener",
    migrations: [{ tag: "v1", new_sqlite_classes: ["Counter"] }],
    durable_objects: { bindings: [{ name: "COUNTER", class_name: "Counter" }] },
    env: {
      dev: { name: "shortener-dev", durable_objects: { bindings: [{ name: "DEV_COUNTER", class_name: "Counter" }] } },
      prod: { durable_objects: { bindings: [{ name: "PROD_COUNTER", class_name: "Counter" }, { name: "OTHER", class_name: "Remote", script_name: "other" }] } },
    },
  };

  it("takes the environment from --env, -e or CLOUDFLARE_ENV, the argument first", () => {
    assert.equal(selectedEnv(["--env", "dev"], {}), "dev");
    assert.equal(selectedEnv(["--env=dev"], {}), "dev");
    assert.equal(selectedEnv(["-e", "prod", "--port", "1"], { CLOUDFLARE_ENV: "dev" }), "prod");
    assert.equal(selectedEnv([], { CLOUDFLARE_ENV: "dev" }), "dev");
    assert.equal(selectedEnv(["--ip", "127.0.0.1"], {}), undefined);
  });

  it("names the Worker and binds the classes of that environment only", () => {
    assert.equal(workerNameIn(config, "dir", undefined), "shortener");
    assert.equal(workerNameIn(config, "dir", "dev"), "shortener-dev");
    assert.equal(workerNameIn(config, "dir", "prod"), "shortener-prod");
    assert.equal(workerNameIn(config, "dir", "nowhere"), "shortener-nowhere");
    assert.deepEqual(durableObjectClasses(config, "dev"), [{ className: "Counter", binding: "DEV_COUNTER", sqlite: true }]);
    assert.deepEqual(durableObjectClasses(config, "prod"), [{ className: "Counter", binding: "PROD_COUNTER", sqlite: true }]);
    assert.deepEqual(durableObjectClasses(config), [{ className: "Counter", binding: "COUNTER", sqlite: true }]);
  });

  it("warns about a wrangler other than 4 only", () => {
    assert.equal(wranglerWarning("4.164.0", "/x"), undefined);
    assert.match(wranglerWarning("3.114.1", "/x") ?? "", /^warning: wrangler 3\.114\.1 found; the inspector is built and tested for wrangler 4\./);
    assert.match(wranglerWarning(undefined, "/p/bin/wrangler.js") ?? "", /a wrangler of unknown version \(\/p\/bin\/wrangler\.js\)/);
  });

  it("refuses assets without a directory, and only that", () => {
    const loaded = (assets: unknown) => ({ path: "/nowhere/wrangler.jsonc", dir: "/nowhere", config: { assets } });
    assert.throws(() => refuseViteOnlyConfig(loaded({ binding: "ASSETS" }), "Use vite."), /has "assets" without a "directory", which `wrangler dev` cannot run: its assets are built by another tool \(such as Vite\)\. Use vite\./);
    refuseViteOnlyConfig(loaded({ directory: "./public" }), "Use vite.");
    refuseViteOnlyConfig(loaded(undefined), "Use vite.");
  });
});
