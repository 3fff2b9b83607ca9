/**
 * `alarm-inspector vite`: the project's own `vite dev` with @cloudflare/vite-plugin (real Vite, real Miniflare and
 * workerd, real alarms), the agent injected by the inspector's Vite plugin, a real WebSocket client.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";
import type { AlarmChangeResult, AlarmEndEvent, AlarmStartEvent } from "../../protocol/protocol";
import { cleanup, FIXTURES, freePort, json, observe, Recorder, runCli, tempDir, waitFor } from "./helpers";
import type { Launched, Observed } from "./helpers";
import { launchVite, plainVite, scratchViteProject } from "./viteHelpers";

/** The conformance fixture's requests (see conformance.test.ts); each must be answered the same with the inspector. */
const SCENARIOS: [string, RequestInit?][] = [
  ["/scenario/conf"],
  ["/kv-scenario/conf"],
  ["/boom/conf?kind=type"],
  ["/boom/conf?kind=plain"],
  ["/echo/conf"],
  ["/kv-fetch/conf"],
  ["/throw"],
  ["/headers", { method: "POST", body: "payload", headers: { "x-in": "abc" } }],
  ["/nothing-here"],
  ["/__alarm_inspector_lookalike/x"],
];

async function runAll(base: string): Promise<Record<string, Observed>> {
  const out: Record<string, Observed> = {};
  for (const [path, init] of SCENARIOS) out[path] = await observe(`${base}${path}`, init);
  return out;
}

describe("vite dev with @cloudflare/vite-plugin under alarm-inspector vite", function () {
  let project: { root: string; dir: string };
  let session: Launched;
  let rec: Recorder;
  let base: string;

  before(async function () {
    this.timeout(200_000);
    project = scratchViteProject();
    session = await launchVite(project.dir);
    base = session.url;
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    this.timeout(60_000);
    rec?.close();
    await session?.stop();
    if (project) cleanup(project.root);
  });

  it("prints the ready line and writes session.json (0600) as dev does, with the runtime named vite", function () {
    const { info } = session;
    assert.equal(info.event, "ready");
    assert.equal(info.runtime, "vite");
    assert.equal(info.worker, "vite-fixture");
    assert.equal(info.config, join(project.dir, "vite.config.ts"));
    assert.match(info.inspector, /^ws:\/\/127\.0\.0\.1:\d+\/__alarm_inspector\/v1$/);
    assert.ok(info.token.length >= 32);
    const file = join(project.dir, ".wrangler", "alarm-inspector", "session.json");
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), info);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // The user's own files are not changed: the launcher writes only under .wrangler/.
    assert.doesNotMatch(readFileSync(join(project.dir, "vite.config.ts"), "utf8"), /alarm-inspector|alarmInspector/);
  });

  it("greets with hello naming the Worker and every Durable Object class", function () {
    const hello = rec.client.hello!;
    assert.equal(hello.worker, "vite-fixture");
    assert.deepEqual(hello.classes.map((c) => c.className).sort(), ["Flaky", "KvProbe", "Probe"]);
    assert.equal(hello.classes.find((c) => c.className === "Probe")?.sqlite, true);
  });

  it("reports a wake, a set and an overwrite naming the alarm it replaced", async function () {
    await json(`${base}/set-alarm/p1?inMs=600000`);
    const first = await rec.waitFor("first set", "alarm.set", (e) => e.object.name === "p1");
    assert.equal(first.previous, null);
    assert.equal(first.origin, "user");
    const wake = rec.about("Probe", "p1", "object.start");
    assert.equal(wake.length, 1, "one wake before the first call");
    assert.ok(wake[0]!.seq < first.seq);
    await json(`${base}/set-alarm/p1?inMs=300000`);
    const overwrite = await rec.waitFor("overwrite", "alarm.set", (e) => e.object.name === "p1" && e.seq > first.seq);
    assert.equal(overwrite.previous, first.scheduledTime);
    assert.ok(overwrite.scheduledTime < first.scheduledTime);
  });

  it("reports a fire: start and ok end with the runtime's alarmInfo, the handler's writes inside it", async function () {
    this.timeout(30_000);
    await json(`${base}/set-alarm/p2?inMs=300`);
    const start = await rec.waitFor("alarm start", "alarm.start", (e) => e.object.name === "p2", 20_000);
    assert.equal(start.trigger, "scheduled");
    assert.deepEqual({ retryCount: start.alarmInfo?.retryCount, isRetry: start.alarmInfo?.isRetry }, { retryCount: 0, isRetry: false });
    const end = await rec.waitFor("alarm end", "alarm.end", (e) => e.object.name === "p2");
    assert.equal(end.outcome, "ok");
    const during = rec.about("Probe", "p2", "storage.put").filter((e) => e.seq > start.seq && e.seq < end.seq);
    assert.ok(during.length >= 2 && during.every((e) => e.kind === "storage.put" && e.inHandler));
    assert.equal((await json<{ alarmRan: boolean }>(`${base}/state/p2`)).alarmRan, true);
  });

  it("follows a failing handler through its real retries, with the alarmInfo the handler itself saw", async function () {
    this.timeout(60_000);
    await json(`${base}/flaky/f1?failures=2&inMs=200`, { method: "POST" });
    const ends = await waitFor("three attempts to end", () => {
      const e = rec.about("Flaky", "f1", "alarm.end") as AlarmEndEvent[];
      return e.length >= 3 ? e : undefined;
    }, 45_000);
    const starts = rec.about("Flaky", "f1", "alarm.start") as AlarmStartEvent[];
    assert.deepEqual(ends.map((e) => e.outcome), ["error", "error", "ok"]);
    assert.deepEqual(starts.map((s) => s.trigger), ["scheduled", "retry", "retry"]);
    const reported = starts.map((s) => ({ retryCount: s.alarmInfo?.retryCount, isRetry: s.alarmInfo?.isRetry }));
    assert.deepEqual(reported, [
      { retryCount: 0, isRetry: false },
      { retryCount: 1, isRetry: true },
      { retryCount: 2, isRetry: true },
    ]);
    assert.deepEqual(await json(`${base}/flaky/f1`), reported, "the agent reports what the user's handler received");
    assert.match(ends[0]!.error?.message ?? "", /flaky failed on attempt 1/);
    assert.equal(ends[0]!.retry?.willRetry, "yes");
  });

  it("fire now runs the alarm through the real scheduler", async function () {
    this.timeout(30_000);
    await json(`${base}/state/p3`);
    await rec.waitFor("p3 woken", "object.start", (e) => e.object.name === "p3");
    const result = (await rec.client.send({ op: "fireNow", target: { className: "Probe", name: "p3" } })) as AlarmChangeResult;
    assert.equal(result.previous, null);
    const start = await rec.waitFor("fire-now start", "alarm.start", (e) => e.object.name === "p3", 20_000);
    assert.equal(start.trigger, "fireNow");
    assert.equal(start.alarmInfo?.retryCount, 0);
    await rec.waitFor("fire-now end", "alarm.end", (e) => e.object.name === "p3" && e.outcome === "ok");
    assert.deepEqual(await json(`${base}/state/p3`), { alarmRan: true, alarm: null, runs: 1 }, "the user's handler ran once");
  });

  it("keeps the session and its history across an edit of the Worker's source (HMR)", async function () {
    this.timeout(120_000);
    // An object that lives before the edit and is used after it: the plugin then builds the edited class on the
    // same ctx, which the agent must instrument afresh without reporting anything twice.
    await json(`${base}/flaky/h1?failures=0&inMs=200`, { method: "POST" });
    await rec.waitFor("the alarm before the edit", "alarm.end", (e) => e.object.name === "h1", 20_000);
    const before = rec.events.at(-1)!.seq;
    const startedAt = rec.client.hello!.sessionStartedAt;
    const version = join(project.dir, "src", "version.ts");
    writeFileSync(version, readFileSync(version, "utf8").replace('"v1"', '"v2"'));
    await waitFor("the edited Worker to answer", async () => (await (await fetch(`${base}/version`)).text()) === "v2", 60_000);
    await json(`${base}/flaky/h1?failures=1&inMs=200`, { method: "POST" });
    const ends = await waitFor("the attempts after the edit", () => {
      const e = rec.about("Flaky", "h1", "alarm.end") as AlarmEndEvent[];
      return e.length >= 3 ? e : undefined;
    }, 45_000);
    assert.deepEqual(ends.map((e) => e.outcome), ["ok", "error", "ok"]);
    assert.deepEqual(await json(`${base}/flaky/h1`), [{ retryCount: 0, isRetry: false }, { retryCount: 1, isRetry: true }]);
    // The same agent session went on: numbering continues, the start time is the same, nothing came twice.
    const after = rec.about("Flaky", "h1").filter((e) => e.seq > before);
    assert.ok(after.length > 0, "events after the edit reach the same connection");
    assert.equal(rec.client.hello!.sessionStartedAt, startedAt);
    const seqs = rec.events.map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length, "no event arrived twice");
    assert.equal(rec.about("Flaky", "h1", "alarm.set").length, 2, "each setAlarm is reported once, before and after the edit");
    assert.equal(rec.about("Flaky", "h1", "alarm.start").length, 3);
    assert.ok(rec.events.some((e) => e.seq <= before), "the history from before the edit is kept");
  });
});

describe("vite dev: the same Worker with and without the inspector", function () {
  it("gives identical responses, errors, storage and SQL results", async function () {
    this.timeout(400_000);
    const project = scratchViteProject();
    try {
      const plain = await plainVite(project.dir);
      let withoutAgent: Record<string, Observed>;
      try {
        withoutAgent = await runAll(plain.url);
      } finally {
        await plain.stop();
      }
      const session = await launchVite(project.dir);
      let withAgent: Record<string, Observed>;
      try {
        withAgent = await runAll(session.url);
      } finally {
        await session.stop();
      }
      for (const [path] of SCENARIOS) {
        if (path === "/throw") continue;
        assert.deepEqual(withAgent[path], withoutAgent[path], `response to ${path} differs`);
      }
      // The error page carries the stack, which has the agent's frame: the status and the error itself must match.
      assert.equal(withAgent["/throw"]!.status, withoutAgent["/throw"]!.status);
      for (const page of [withoutAgent["/throw"]!.body, withAgent["/throw"]!.body]) assert.match(JSON.stringify(page), /the user(&#39;|')s fetch threw/);
      const scenario = withoutAgent["/scenario/conf"]!.body as Record<string, unknown>;
      assert.deepEqual(Object.keys(scenario.putFunction as object), ["threw"], "the scenario really exercised errors");
      assert.deepEqual(scenario.envKeys, { ok: ["FLAKY", "KV_PROBE", "PROBE"] }, "the user's env does not show the hub binding");
    } finally {
      cleanup(project.root);
    }
  });
});

describe("alarm-inspector vite: one clear line for each error a Vite user hits", function () {
  /** A project folder with a Vite config that uses the Cloudflare plugin, and the given node_modules packages. */
  function bareProject(packages: Record<string, string>): string {
    const dir = tempDir("vite-bare");
    writeFileSync(join(dir, "vite.config.mjs"), 'import { cloudflare } from "@cloudflare/vite-plugin";\nexport default { plugins: [cloudflare()] };\n');
    for (const [name, version] of Object.entries(packages)) {
      const pkgDir = join(dir, "node_modules", ...name.split("/"));
      mkdirSync(join(pkgDir, "bin"), { recursive: true });
      writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name, version, exports: { ".": { import: "./dist/index.mjs" } } }));
      writeFileSync(join(pkgDir, "bin", "vite.js"), "");
    }
    return dir;
  }

  const cases: { title: string; setup: () => Promise<{ args: string[]; after?: () => void; dir?: string }>; line: RegExp }[] = [
    {
      title: "vite not installed",
      setup: async () => {
        const dir = bareProject({});
        return { args: ["vite", "--cwd", dir], dir };
      },
      line: /^alarm-inspector: vite is not installed in .+: run `npm install --save-dev vite` there$/,
    },
    {
      title: "@cloudflare/vite-plugin not installed",
      setup: async () => {
        const dir = bareProject({ vite: "7.3.8" });
        return { args: ["vite", "--cwd", dir], dir };
      },
      line: /^alarm-inspector: @cloudflare\/vite-plugin is not installed in .+: run `npm install --save-dev @cloudflare\/vite-plugin` there$/,
    },
    {
      title: "a plugin version the agent cannot wrap",
      setup: async () => {
        const dir = bareProject({ vite: "7.3.8", "@cloudflare/vite-plugin": "2.0.0-beta.v.12" });
        return { args: ["vite", "--cwd", dir], dir };
      },
      line: /^alarm-inspector: @cloudflare\/vite-plugin 2\.0\.0-beta\.v\.12 is not one the inspector can wrap \(it supports 1\.x, tested with 1\.64\.0\)/,
    },
    {
      title: "a Vite config without the Cloudflare plugin",
      setup: async () => {
        const dir = tempDir("vite-nocf");
        writeFileSync(join(dir, "vite.config.mjs"), "export default {};\n");
        return { args: ["vite", "--cwd", dir], dir };
      },
      line: /^alarm-inspector: .+vite\.config\.mjs does not use @cloudflare\/vite-plugin/,
    },
    {
      title: "a Vite config that fails to load",
      setup: async () => {
        const project = scratchViteProject();
        writeFileSync(join(project.dir, "vite.config.ts"), 'import { cloudflare } from "@cloudflare/vite-plugin";\nthrow new Error("broken on purpose");\nexport default { plugins: [cloudflare()] };\n');
        return { args: ["vite", "--cwd", project.dir], dir: project.root };
      },
      line: /^alarm-inspector: .+vite\.config\.ts failed to load: broken on purpose$/,
    },
    {
      title: "a Vite config that imports the Cloudflare plugin but does not use it (the plugin's own refusal)",
      setup: async () => {
        const project = scratchViteProject();
        writeFileSync(join(project.dir, "vite.config.ts"), 'import { cloudflare } from "@cloudflare/vite-plugin";\nvoid cloudflare;\nexport default { plugins: [] };\n');
        return { args: ["vite", "--cwd", project.dir], dir: project.root };
      },
      line: /^alarm-inspector: this Vite config has no cloudflare\(\) plugin, so Vite runs no Worker to inspect$/,
    },
    {
      title: "port in use",
      setup: async () => {
        const port = await freePort();
        const server: Server = createServer();
        await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
        return { args: ["vite", "--cwd", join(FIXTURES, "vite"), "--port", String(port)], after: () => server.close() };
      },
      line: /^alarm-inspector: port \d+ on 127\.0\.0\.1 is in use: stop what holds it, or pass another --port$/,
    },
  ];

  for (const c of cases) {
    it(`fails with one clear line: ${c.title}`, async function () {
      this.timeout(120_000);
      const { args, after, dir } = await c.setup();
      try {
        const r = await runCli(args);
        assert.notEqual(r.code, 0);
        assert.equal(r.stdout.trim(), "", "nothing on stdout, which is reserved for the ready line");
        const line = r.stderr.split("\n").find((l) => l.startsWith("alarm-inspector:")) ?? `<no alarm-inspector line in>\n${r.stderr}`;
        assert.match(line, c.line);
      } finally {
        after?.();
        if (dir) cleanup(dir);
      }
    });
  }
});
