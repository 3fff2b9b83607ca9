/**
 * Source locations against a real `alarm-inspector dev` on examples/: the events a live agent sends are located in
 * the examples' own `.ts` files through the source map wrangler wrote for this session, and the runtime rules find
 * the Clobber example's constructor moving its pending alarm, on the line the static rule underlines.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runtimeFindings, staticFindings } from "../../extension/diagnostics/analysis";
import { outlineSource } from "../../extension/editor/outline";
import { OutlineCache } from "../../extension/editor/outlineCache";
import { AlarmModel } from "../../extension/model/alarmModel";
import { SourceMapStore } from "../../extension/sourcemap/mapStore";
import { SourceLocator } from "../../extension/sourcemap/sourceLocator";
import { parseStackFrames } from "../../extension/common/stackTrace";
import { EXAMPLES, json, launch, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const OBJECTS = join(EXAMPLES, "src", "objects");

function line(file: string, n: number): string {
  return readFileSync(file, "utf8").split(/\r?\n/)[n - 1] ?? "";
}

describe("source locations of a live session (sourcemap)", function () {
  let session: Launched;
  let rec: Recorder;
  let model: AlarmModel;
  let store: SourceMapStore;
  let locator: SourceLocator;

  before(async function () {
    session = await launch(EXAMPLES);
    rec = await Recorder.connect(session.info);
    model = new AlarmModel();
    model.applyHello(rec.client.hello!, Date.now());
    // The extension feeds the model from its connection; here the recorder's stream does.
    rec.client.onEvents((batch) => model.applyEvents(batch));
    store = new SourceMapStore({ allowed: (f) => f.startsWith(EXAMPLES) });
    locator = new SourceLocator(model, store, 0);
  });

  after(async function () {
    locator?.dispose();
    rec?.close();
    await session?.stop();
  });

  it("finds wrangler's bundle and map for the session under .wrangler/alarm-inspector/.wrangler/tmp/", async function () {
    await json(`${session.url}/reminder/sm/set?inMs=600000&message=a`, { method: "POST" });
    const set = await rec.waitFor("the reminder's set", "alarm.set", (e) => e.object.name === "sm");
    const [frame] = parseStackFrames(set.callSite?.stack);
    assert.ok(frame, "a call site, since a client is connected");
    assert.match(frame.file, /^file:\/\/.*\/examples\/\.wrangler\/alarm-inspector\/\.wrangler\/tmp\/dev-[^/]+\/[^/]+\.js$/);
  });

  it("locates a setAlarm and a put in reminder.ts, and the throw of a failed attempt in flaky-job.ts", async function () {
    await json(`${session.url}/flaky/sm/arm?failures=1&inMs=0`, { method: "POST" });
    await rec.waitFor("the flaky job's retry to succeed", "alarm.end", (e) => e.object.name === "sm" && e.outcome === "ok", 30_000);
    await waitFor("the model to have both objects", () => model.findObject("FlakyJob", "sm") && model.findObject("Reminder", "sm"));
    await locator.flush();

    const reminder = model.findObject("Reminder", "sm")!;
    const located = [...locator.locatedOf(reminder.key).values()];
    const set = located.find((l) => l.record.event.kind === "alarm.set")!;
    assert.equal(set.location.file, join(OBJECTS, "reminder.ts"));
    assert.match(line(set.location.file, set.location.line), /this\.ctx\.storage\.setAlarm\(reminder\.fireAt\)/);
    const put = located.find((l) => l.record.event.kind === "storage.put")!;
    assert.match(line(put.location.file, put.location.line), /storage\.put\("reminder", reminder\)/);

    const flaky = model.findObject("FlakyJob", "sm")!;
    const failed = flaky.history.find((r) => r.event.kind === "alarm.end" && r.event.outcome === "error")!;
    const thrown = locator.locationOf(failed, flaky.key)!;
    assert.equal(thrown.file, join(OBJECTS, "flaky-job.ts"));
    assert.match(line(thrown.file, thrown.line), /throw new Error\("flaky job failed on attempt "/);

    // The same frames as the timeline shows them (file URL, line, column of the bundle) resolve to the same line.
    const stack = failed.event.kind === "alarm.end" ? failed.event.error?.stack : undefined;
    const top = parseStackFrames(stack)[0]!;
    assert.deepEqual(await locator.resolve(top.file, top.line, top.column), thrown);
    // And the agent's wrapper below it is not the user's code.
    const agentFrame = parseStackFrames(stack).find((f, i) => i > 0 && /Instrumented\.alarm|runAlarmAttempt|Wrapper\.alarm/.test(f.fn ?? ""));
    if (agentFrame) assert.equal(await locator.resolve(agentFrame.file, agentFrame.line, agentFrame.column), undefined);
  });

  it("sees Clobber's constructor move the pending alarm after an eviction, on the line the static rule flags", async function () {
    this.timeout(120_000);
    await json(`${session.url}/clobber/sm/set?inMs=600000`, { method: "POST" });
    // Local workerd evicts an object idle for about 10 s; a read then constructs it again. No request may touch the
    // object meanwhile (each would keep it alive), so this waits in silence, then looks.
    const moved = await waitFor(
      "the constructor to move the pending alarm",
      async () => {
        await new Promise((r) => setTimeout(r, 12_000));
        await json(`${session.url}/clobber/sm`);
        await new Promise((r) => setTimeout(r, 300));
        return rec.events.find((e) => e.kind === "alarm.set" && e.object.name === "sm" && e.object.className === "Clobber" && e.inConstructor && e.previous !== null);
      },
      100_000,
    );
    assert.ok(moved.kind === "alarm.set" && moved.scheduledTime > moved.previous! + 45 * 60_000, "pushed about an hour out");

    await locator.flush();
    const outlines = new OutlineCache();
    await outlines.loadFromDisk(store.userSources());
    const findings = runtimeFindings({
      objects: model.objects(),
      locate: (r, key) => locator.locationOf(r, key),
      locateStack: (s) => locator.mapStack(s).site,
      handlerOf: (c) => outlines.handlerOf(c),
      isCurrentSession: () => true,
      now: Date.now(),
    });
    const clobberFile = join(OBJECTS, "clobber.ts");
    const doa003 = (findings.get(clobberFile) ?? []).find((f) => f.rule.code === "DOA003");
    assert.ok(doa003, `DOA003 in clobber.ts; found: ${JSON.stringify([...findings.entries()].map(([f, l]) => [f, l.map((x) => x.rule.code)]))}`);
    assert.match(line(clobberFile, doa003.location.line), /await ctx\.storage\.setAlarm\(Date\.now\(\) \+ HOUSEKEEPING_AFTER_MS\)/);

    const text = readFileSync(clobberFile, "utf8");
    const doa002 = staticFindings(clobberFile, outlineSource(text, clobberFile).classes).find((f) => f.rule.code === "DOA002");
    assert.equal(doa002?.location.line, doa003.location.line, "static and runtime evidence on the same line");
  });
});
