import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AgentEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { mapFrame, mapStack, resolveSource } from "../../extension/sourcemap/mapFrame";
import { SourceMapStore } from "../../extension/sourcemap/mapStore";
import { attemptAwareLocation, SourceLocator, stackOf } from "../../extension/sourcemap/sourceLocator";
import { parseFrameLine, parseStackFrames } from "../../extension/common/stackTrace";
import { localPath } from "../../extension/sourcemap/localPath";
import { isUserSource } from "../../extension/sourcemap/userCode";
import { FIXTURE_DIR, lineOf, mapJson, recorded, recordedLookup } from "../fixtures/editor-sourcemap/fixture";

const SRC = "/project/src/objects";

/** The recorded events of one object and kind. */
function events<K extends AgentEvent["kind"]>(name: string, kind: K): Extract<AgentEvent, { kind: K }>[] {
  return recorded().events.filter((e): e is Extract<AgentEvent, { kind: K }> => e.kind === kind && e.object.name === name);
}

function stackOfEvent(e: AgentEvent): string {
  const s = e.kind === "alarm.end" ? e.error?.stack : "callSite" in e ? e.callSite?.stack : undefined;
  assert.ok(s, `${e.kind} of ${e.object.name} carries a stack`);
  return s;
}

describe("source maps: stack frames of wrangler's bundle back to the user's lines", function () {
  describe("parsing V8 frames", function () {
    it("reads named, anonymous and async frames with file URLs, and skips headings and runtime frames", function () {
      assert.deepEqual(parseFrameLine("    at Instrumented.set (file:///p/.wrangler/tmp/dev-A/entry.js:196:28)"), {
        text: "at Instrumented.set (file:///p/.wrangler/tmp/dev-A/entry.js:196:28)",
        fn: "Instrumented.set",
        file: "file:///p/.wrangler/tmp/dev-A/entry.js",
        line: 196,
        column: 28,
      });
      assert.equal(parseFrameLine("at file:///p/entry.js:76:25")?.line, 76);
      assert.equal(parseFrameLine("at async Wrapper.alarm (file:///p/entry.js:1458:22)")?.fn, "async Wrapper.alarm");
      assert.equal(parseFrameLine("Error: flaky job failed on attempt 1"), undefined);
      assert.equal(parseFrameLine("at new Promise (<anonymous>)"), undefined);
      assert.equal(parseFrameLine("at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"), undefined);
      assert.equal(parseStackFrames("Error: a\n  second line of the message\n    at f (/p/a.js:1:2)\n    at native").length, 1);
    });

    it("turns file URLs and absolute paths into local paths, and nothing else", function () {
      assert.equal(localPath("file:///project/src/a.ts"), "/project/src/a.ts");
      assert.equal(localPath("/project/src/a.ts"), "/project/src/a.ts");
      assert.equal(localPath("https://example.com/a.js"), undefined);
      assert.equal(localPath("src/a.ts"), undefined);
    });

    it("knows the user's files from the agent's, wrangler's and dependencies'", function () {
      assert.ok(isUserSource("/project/src/objects/clobber.ts"));
      assert.ok(!isUserSource("/repo/dist/agent.mjs"));
      assert.ok(!isUserSource("/project/.wrangler/alarm-inspector/entry.mjs"));
      assert.ok(!isUserSource("/project/.wrangler/alarm-inspector/.wrangler/tmp/bundle-X/middleware-loader.entry.ts"));
      assert.ok(!isUserSource("/repo/node_modules/wrangler/templates/middleware/common.ts"));
      assert.ok(!isUserSource("C:\\project\\node_modules\\x\\index.js"));
    });

    it("resolves map sources against the sourceRoot, file URLs and the map's own folder", function () {
      assert.equal(resolveSource("../../../../../src/index.ts", "/project/.wrangler/alarm-inspector/.wrangler/tmp/dev-A", "/x/entry.js.map"), "/project/src/index.ts");
      assert.equal(resolveSource("file:///project/src/a.ts", undefined, "/x/entry.js.map"), "/project/src/a.ts");
      assert.equal(resolveSource("../src/a.ts", undefined, "/project/dist/entry.js.map"), "/project/src/a.ts");
      assert.equal(resolveSource("webpack://app/src/a.ts", undefined, "/x/entry.js.map"), undefined);
    });
  });

  describe("mapping the recorded session (a real wrangler bundle and map)", function () {
    const lookup = recordedLookup();

    it("maps a setAlarm call site to the user's setAlarm line", function () {
      const sets = events("fx", "alarm.set").filter((e) => e.object.className === "Reminder");
      assert.equal(sets.length, 2, "the two reminders");
      for (const e of sets) {
        const site = mapStack(stackOfEvent(e), lookup).site;
        assert.ok(site, "located");
        assert.equal(site.file, `${SRC}/reminder.ts`);
        assert.match(lineOf(site.file, site.line), /this\.ctx\.storage\.setAlarm\(reminder\.fireAt\)/);
        // The column points into the call, so an editor can put the cursor on it.
        assert.ok(lineOf(site.file, site.line).slice(site.column - 1).includes("setAlarm"), `column ${site.column}`);
      }
      const put = events("fx", "storage.put").find((e) => e.object.className === "Reminder")!;
      const putSite = mapStack(stackOfEvent(put), lookup).site!;
      assert.match(lineOf(putSite.file, putSite.line), /storage\.put\("reminder", reminder\)/);
    });

    it("maps the constructor's setAlarm inside blockConcurrencyWhile (an anonymous callback)", function () {
      const ctor = events("fx", "alarm.set").filter((e) => e.object.className === "Clobber" && e.inConstructor);
      assert.ok(ctor.length >= 2, "constructed at least twice: once new, once after eviction");
      for (const e of ctor) {
        const site = mapStack(stackOfEvent(e), lookup).site!;
        assert.equal(site.file, `${SRC}/clobber.ts`);
        assert.match(lineOf(site.file, site.line), /await ctx\.storage\.setAlarm\(Date\.now\(\) \+ HOUSEKEEPING_AFTER_MS\)/);
      }
    });

    it("maps a thrown error to the throw, skipping the agent's wrapper frames", function () {
      const failure = events("fx-retry", "alarm.end").find((e) => e.outcome === "error")!;
      const mapped = mapStack(stackOfEvent(failure), lookup);
      assert.equal(mapped.site?.file, `${SRC}/flaky-job.ts`);
      assert.match(lineOf(mapped.site.file, mapped.site.line), /throw new Error\("flaky job failed on attempt "/);
      // Below the user's frame: the agent's alarm() wrapper, which maps into dist/agent.mjs and is skipped.
      const agentFrames = mapped.frames.filter((f) => f.location === undefined);
      assert.ok(agentFrames.length >= 1, "the agent's frames are in the stack and are not the user's");
      for (const f of agentFrames) assert.equal(mapFrame(f.frame, lookup), undefined);
    });

    it("skips frames in miniflare's wrapper under node_modules, and frames of unknown bundles", function () {
      const raw = { text: "", file: "file:///repo/node_modules/miniflare/dist/src/workers/core/do-wrapper.worker.js", line: 10, column: 7 };
      assert.equal(mapFrame(raw, lookup), undefined);
      assert.equal(mapFrame({ text: "", file: "file:///project/.wrangler/tmp/dev-other/entry.js", line: 1, column: 1 }, lookup), undefined);
      // A frame in a user file with no map (a Worker run without bundling) is taken as it is.
      assert.deepEqual(mapFrame({ text: "", file: "file:///project/src/plain.js", line: 3, column: 5 }, lookup), { file: "/project/src/plain.js", line: 3, column: 5 });
    });

    it("locates every call site the recorded session carries in a user file", function () {
      let located = 0;
      for (const e of recorded().events) {
        if (e.kind === "dropped") continue;
        const stack = stackOf({ session: "s", event: e });
        if (stack === undefined || (e.kind === "alarm.end" && e.error?.injected)) continue;
        const site = mapStack(stack, lookup).site;
        assert.ok(site, `${e.kind} #${e.seq} of ${e.object.className} ${e.object.name ?? ""} is located`);
        assert.ok(site.file.startsWith("/project/src/"), site.file);
        located++;
      }
      assert.ok(located >= 10, `located ${located}`);
    });
  });

  describe("SourceMapStore (reading bundles from disk)", function () {
    let dir: string;
    let bundle: string;
    beforeEach(function () {
      dir = mkdtempSync(join(tmpdir(), "alarm-inspector-maps-"));
      const dev = join(dir, ".wrangler", "alarm-inspector", ".wrangler", "tmp", "dev-T");
      mkdirSync(dev, { recursive: true });
      bundle = join(dev, "entry.js");
      copyFileSync(join(FIXTURE_DIR, "bundle", "entry.js"), bundle);
      const map = JSON.parse(mapJson()) as { sourceRoot: string };
      map.sourceRoot = dev;
      writeFileSync(`${bundle}.map`, JSON.stringify(map));
    });
    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it("finds the map through sourceMappingURL, maps with it, and lists the user's sources", async function () {
      const store = new SourceMapStore({ allowed: (f) => f.startsWith(dir) });
      await store.prepare([bundle]);
      const e = events("fx", "alarm.set").find((x) => x.object.className === "Reminder")!;
      const stack = stackOfEvent(e).split(recorded().bundle.replace(/\/entry\.js$/, "")).join(join(dir, ".wrangler", "alarm-inspector", ".wrangler", "tmp", "dev-T"));
      const site = mapStack(stack, store.lookup).site!;
      assert.equal(site.file, join(dir, "src", "objects", "reminder.ts"));
      const sources = store.userSources();
      assert.ok(sources.includes(join(dir, "src", "objects", "clobber.ts")), sources.join(", "));
      assert.ok(!sources.some((s) => s.includes("node_modules") || s.endsWith("agent.mjs") || s.includes(".wrangler")), "only the user's files");
    });

    it("reads nothing outside the allowed folders", async function () {
      const store = new SourceMapStore({ allowed: () => false });
      await store.prepare([bundle]);
      assert.equal(store.lookup(bundle), undefined);
    });

    it("re-reads a bundle wrangler rewrote, and keeps the last map when the bundle is gone", async function () {
      let now = 0;
      const store = new SourceMapStore({ allowed: () => true, clock: () => now, recheckMs: 1000 });
      await store.prepare([bundle]);
      const first = store.lookup(bundle);
      assert.ok(first);
      const sources = store.userSources();
      now += 5000;
      await store.prepare([bundle]);
      assert.equal(store.userSources(), sources, "an unchanged bundle keeps the same sources array (the diagnostics' cue)");
      // A hot reload rewrites the bundle and its map in place.
      writeFileSync(bundle, `${readFileSync(bundle, "utf8")}\n// reloaded\n`);
      await store.prepare([bundle]);
      assert.equal(store.lookup(bundle), first, "not looked at again within recheckMs");
      store.invalidate();
      await store.prepare([bundle]);
      assert.notEqual(store.lookup(bundle), first, "a new map after invalidate()");
      assert.notEqual(store.userSources(), sources, "a reloaded map makes a new sources array");
      assert.deepEqual(store.userSources(), sources, "naming the same files");
      const second = store.lookup(bundle);
      rmSync(bundle);
      now += 5000;
      await store.prepare([bundle]);
      assert.equal(store.lookup(bundle), second, "the session's map outlives its bundle");
    });

    it("takes an inline data: URL map", async function () {
      const inline = join(dir, "inline.js");
      const code = readFileSync(bundle, "utf8").replace(/\/\/# sourceMappingURL=.*$/m, "");
      writeFileSync(inline, `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(readFileSync(`${bundle}.map`)).toString("base64")}\n`);
      const store = new SourceMapStore({ allowed: () => true });
      await store.prepare([inline]);
      assert.ok(store.lookup(inline));
    });
  });

  describe("SourceLocator (the model's events, located as they arrive)", function () {
    let dir: string;
    let model: AlarmModel;
    let locator: SourceLocator;
    beforeEach(function () {
      dir = mkdtempSync(join(tmpdir(), "alarm-inspector-locator-"));
      const dev = join(dir, ".wrangler", "alarm-inspector", ".wrangler", "tmp", "dev-T");
      mkdirSync(dev, { recursive: true });
      copyFileSync(join(FIXTURE_DIR, "bundle", "entry.js"), join(dev, "entry.js"));
      const map = JSON.parse(mapJson()) as { sourceRoot: string };
      map.sourceRoot = dev;
      writeFileSync(join(dev, "entry.js.map"), JSON.stringify(map));
      model = new AlarmModel();
      model.applyHello(recorded().hello, recorded().hello.sessionStartedAt);
      locator = new SourceLocator(model, new SourceMapStore({ allowed: (f) => f.startsWith(dir) }), 0);
      // The recorded stacks name /project's bundle: point them at this copy.
      const from = pathToFileURL(recorded().bundle.replace(/\/entry\.js$/, "")).href;
      const to = pathToFileURL(dev).href;
      model.applyEvents(JSON.parse(JSON.stringify(recorded().events).split(from).join(to)) as AgentEvent[]);
    });
    afterEach(function () {
      locator.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it("locates the events with a call site, indexes them by file, and fires once per batch", async function () {
      const changes: string[][] = [];
      locator.onDidChange((c) => changes.push([...c.files]));
      await locator.flush();
      const clobber = join(dir, "src", "objects", "clobber.ts");
      const inClobber = locator.eventsIn(clobber);
      assert.ok(inClobber.some((l) => l.record.event.kind === "alarm.set" && l.record.event.inConstructor), "the constructor's sets");
      assert.ok(inClobber.every((l) => l.location.file === clobber));
      const reminder = model.findObject("Reminder", "fx")!;
      const set = reminder.history.find((r) => r.event.kind === "alarm.set")!;
      assert.equal(locator.locationOf(set, reminder.key)?.file, join(dir, "src", "objects", "reminder.ts"));
      assert.equal(changes.length, 1);
      assert.ok(changes[0]!.includes(clobber));
    });

    it("places an attempt's start at the line that threw (a start has no call site of its own)", async function () {
      await locator.flush();
      const flaky = model.findObject("FlakyJob", "fx-retry")!;
      const locate = (r: (typeof flaky.history)[number]) => locator.locationOf(r, flaky.key);
      const starts = flaky.history.filter((r) => r.event.kind === "alarm.start");
      assert.equal(starts.length, 2);
      const failedStart = starts[0]!;
      const thrown = attemptAwareLocation(flaky.history, failedStart.session, failedStart.event.seq, locate)!;
      assert.equal(thrown.file, join(dir, "src", "objects", "flaky-job.ts"));
      assert.match(lineOf(thrown.file.replace(dir, "/project"), thrown.line), /throw new Error/);
      // The retry succeeded after a put: its first call stands in.
      const okStart = starts[1]!;
      const put = attemptAwareLocation(flaky.history, okStart.session, okStart.event.seq, locate)!;
      assert.match(lineOf(put.file.replace(dir, "/project"), put.line), /storage\.put\(\{ succeededAt/);
      assert.equal(attemptAwareLocation(flaky.history, "nope", 1, locate), undefined);
    });

    it("follows each object's history batch by batch, as it grows and is trimmed, as a fresh read of it would", async function () {
      // A small bound, so the front of every busy object's history is dropped while events keep arriving.
      const small = new AlarmModel({ maxEventsPerObject: 4 });
      small.applyHello(recorded().hello, recorded().hello.sessionStartedAt);
      const store = new SourceMapStore({ allowed: (f) => f.startsWith(dir) });
      const following = new SourceLocator(small, store, 0);
      const dev = join(dir, ".wrangler", "alarm-inspector", ".wrangler", "tmp", "dev-T");
      const from = pathToFileURL(recorded().bundle.replace(/\/entry\.js$/, "")).href;
      const events = JSON.parse(JSON.stringify(recorded().events).split(from).join(pathToFileURL(dev).href)) as AgentEvent[];
      const keysOf = (l: SourceLocator) => small.objects().map((o) => `${o.key}: ${[...l.locatedOf(o.key).keys()].sort().join(" ")}`);
      let compared = 0;
      try {
        for (let i = 0; i < events.length; i += 3) {
          small.applyEvents(events.slice(i, i + 3));
          await following.flush();
          const fresh = new SourceLocator(small, store, 0);
          await fresh.flush();
          assert.deepEqual(keysOf(following), keysOf(fresh), `after event ${i + 3} of ${events.length}`);
          assert.deepEqual(following.files().sort(), fresh.files().sort());
          fresh.dispose();
          compared++;
        }
        assert.ok(small.objects().some((o) => o.droppedEvents > 0), "some history was trimmed on the way");
        assert.ok(following.files().length > 0, "and events stayed located");
        assert.ok(compared > 5);
      } finally {
        following.dispose();
      }
    });

    it("maps a stack it has seen before anew after wrangler rebuilt the bundle, not from what it remembered", async function () {
      await locator.flush();
      const reminderSet = (session: string) => model.findObject("Reminder", "fx")!.history.find((r) => r.event.kind === "alarm.set" && r.session === session)!;
      const first = model.currentSession!.id;
      const before = reminderSet(first);
      const key = model.findObject("Reminder", "fx")!.key;
      assert.equal(locator.locationOf(before, key)?.file, join(dir, "src", "objects", "reminder.ts"));
      // A rebuild: the same bundle path rewritten with a new map (here its sources moved), then a new session's hello,
      // whose events carry the very same stack texts.
      const dev = join(dir, ".wrangler", "alarm-inspector", ".wrangler", "tmp", "dev-T");
      const map = JSON.parse(mapJson()) as { sourceRoot: string };
      map.sourceRoot = join(dir, "rebuilt", "a", "b", "c", "d", "e"); // five levels down, as dev-T is: the sources climb five
      writeFileSync(join(dev, "entry.js.map"), JSON.stringify(map));
      writeFileSync(join(dev, "entry.js"), `${readFileSync(join(dev, "entry.js"), "utf8")}\n// rebuilt\n`);
      const hello = { ...recorded().hello, sessionStartedAt: recorded().hello.sessionStartedAt + 60_000 };
      model.applyHello(hello, hello.sessionStartedAt);
      const from = pathToFileURL(recorded().bundle.replace(/\/entry\.js$/, "")).href;
      model.applyEvents(JSON.parse(JSON.stringify(recorded().events).split(from).join(pathToFileURL(dev).href)) as AgentEvent[]);
      await locator.flush();
      const after = reminderSet(model.currentSession!.id);
      assert.notEqual(after.session, first);
      assert.equal(stackOf(after), stackOf(before), "the same stack text");
      assert.equal(locator.locationOf(after, key)?.file, join(dir, "rebuilt", "src", "objects", "reminder.ts"));
      assert.equal(locator.locationOf(before, key)?.file, join(dir, "src", "objects", "reminder.ts"), "the first session's events keep theirs");
    });

    it("forgets what the model forgets", async function () {
      await locator.flush();
      assert.ok(locator.files().length > 0);
      model.clear();
      await locator.flush();
      assert.deepEqual(locator.files(), []);
    });
  });
});
