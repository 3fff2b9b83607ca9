import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESSION_ENV, withAlarmInspector } from "../../launcher/vite/plugin";

type Customiser = (config: Record<string, unknown>) => Record<string, unknown>;

/** The customiser withAlarmInspector composes, with a session requested as `alarm-inspector vite` does. */
function customiser(options: Record<string, unknown> = {}): Customiser {
  const config = (withAlarmInspector(options) as { config?: unknown }).config;
  assert.equal(typeof config, "function");
  return config as Customiser;
}

describe("withAlarmInspector: the Cloudflare plugin's options with the hub added", () => {
  let dir: string;
  const previous = process.env[SESSION_ENV];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "alarm-inspector-unit-"));
    writeFileSync(join(dir, "request.json"), JSON.stringify({ token: "t", bufferSize: 100, agentPath: "/x/agent.mjs" }));
  });
  beforeEach(() => (process.env[SESSION_ENV] = join(dir, "request.json")));
  after(() => {
    if (previous === undefined) delete process.env[SESSION_ENV];
    else process.env[SESSION_ENV] = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("is a no-op unless a session was requested", () => {
    delete process.env[SESSION_ENV];
    const options = { persistState: false };
    assert.equal(withAlarmInspector(options), options);
  });

  it("binds the hub and adds its migration, keeping the user's customiser's result", () => {
    const user = (c: Record<string, unknown>) => ({ vars: { FROM_USER: String(c.name) } });
    const result = customiser({ config: user })({ name: "w", main: "/p/src/index.ts", durable_objects: { bindings: [{ name: "ROOM", class_name: "Room" }] } });
    assert.deepEqual(result.vars, { FROM_USER: "w" });
    assert.deepEqual(result.durable_objects, { bindings: [{ name: "__ALARM_INSPECTOR_HUB", class_name: "AlarmInspectorHub" }] });
    assert.deepEqual(result.migrations, [{ tag: "alarm-inspector-hub-v1", new_sqlite_classes: ["AlarmInspectorHub"] }]);
  });

  it("routes the inspector's paths to the Worker before static assets (a single-page app answers every path)", () => {
    const spa = { name: "w", main: "/p/src/index.ts", assets: { directory: "./public", not_found_handling: "single-page-application" } };
    assert.deepEqual(customiser()(spa).assets, { run_worker_first: ["/__alarm_inspector/*"] });
    // The plugin concatenates lists (defu): only the inspector's rule is added to the user's own.
    const listed = { ...spa, assets: { ...spa.assets, run_worker_first: ["/agents/*"] } };
    assert.deepEqual(customiser()(listed).assets, { run_worker_first: ["/__alarm_inspector/*"] });
    assert.equal(customiser()({ ...spa, assets: { run_worker_first: true } }).assets, undefined, "everything already reaches the Worker first");
    assert.equal(customiser()({ name: "w", main: "/p/src/index.ts" }).assets, undefined, "no assets, nothing to route");
  });

  it("does not wrap twice", () => {
    const once = withAlarmInspector({});
    assert.equal(withAlarmInspector(once), once);
  });
});
