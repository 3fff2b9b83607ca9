/**
 * The stream must never say what did not happen, and must not miss what did, on code shaped like real projects
 * (test/fixtures/handlers): alarm handlers on the instance (the Agents SDK's `Lifecycle.install(this)`), behind a
 * getter, inherited, installed too late, not wrappable, or missing; `setAlarm` calls the runtime refuses; SQLite
 * tables in snapshots; frames named after the user's class. Each object logs its own runs: the ground truth.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AlarmEndEvent, ObjectHandlerEvent, SnapshotResult, StoragePutEvent, WireEvent } from "../../protocol/protocol";
import { FIXTURES, json, launch, plainWrangler, Recorder, tempDir, cleanup, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const DIR = join(FIXTURES, "handlers");

/** `GET /<binding>/<name>/<action>` on the fixture. */
function act<T = unknown>(base: string, binding: string, name: string, action: string, query = ""): Promise<T> {
  return json<T>(`${base}/${binding}/${name}/${action}${query}`);
}

/** The runs an object logged, with times taken out (they differ between runs). */
function shapeOfRuns(runs: string[]): string[] {
  return runs.map((r) => r.replace(/"scheduledTime":\d+/, '"scheduledTime":T'));
}

describe("truthful: every shape of alarm handler, and the calls the runtime refuses", function () {
  this.timeout(300_000);
  let launched: Launched;
  let rec: Recorder;
  let base: string;

  before(async function () {
    launched = await launch(DIR);
    rec = await Recorder.connect(launched.info);
    base = launched.url;
  });

  after(async function () {
    rec?.close();
    await launched?.stop();
  });

  /** Waits for a later event of the object, so that anything it did before has been delivered too. */
  async function settle(className: string, name: string, binding: string): Promise<WireEvent[]> {
    const before = rec.about(className, name, "storage.put").length;
    await act(base, binding, name, "stats");
    await waitFor(`a storage.put of ${className} ${name}`, () => rec.about(className, name, "storage.put").length > before);
    return rec.about(className, name);
  }

  it("says in hello where each class's handler is", function () {
    const classes = new Map(rec.client.hello?.classes.map((c) => [c.className, c.alarmHandler]));
    assert.deepEqual(Object.fromEntries(classes), {
      Plain: "prototype",
      InstanceHandler: "none",
      GetterHandler: "accessor",
      LateHandler: "none",
      FrozenHandler: "none",
      NoHandler: "none",
      Inherited: "prototype",
      OldStyle: "prototype",
    });
  });

  it("says in hello which classes cannot be reached by RPC (not extending DurableObject), and a command on one fails in words", async function () {
    const rpc = new Map(rec.client.hello?.classes.map((c) => [c.className, c.rpc]));
    assert.equal(rpc.get("OldStyle"), false);
    assert.equal(rpc.get("Plain"), true);
    assert.equal(rpc.get("Inherited"), true);
    assert.deepEqual(await act(base, "old", "o1", "set", "?in=600000"), { ok: true });
    await assert.rejects(rec.client.send({ op: "fireNow", target: { className: "OldStyle", name: "o1" } }), /OldStyle cannot be reached by RPC/);
  });

  it("never reports a setAlarm the runtime refused (the user's own call, caught by the user)", async function () {
    const answer = await act<{ refused?: string }>(base, "none", "refused", "set", "?in=1000");
    assert.match(answer.refused ?? "", /must have an alarm\(\) handler/);
    const events = await settle("NoHandler", "refused", "none");
    assert.deepEqual(events.filter((e) => e.kind === "alarm.set"), [], "no alarm.set for a refused call");
    assert.equal(await act(base, "none", "refused", "alarm"), null);
  });

  it("refuses Fire Now and Reschedule on an object without a handler, in words, and reports nothing", async function () {
    await assert.rejects(rec.client.send({ op: "fireNow", target: { className: "NoHandler", name: "fired" } }), /NoHandler has no alarm\(\) handler, so the runtime refuses to set its alarm/);
    await assert.rejects(
      rec.client.send({ op: "setAlarm", target: { className: "NoHandler", name: "fired" }, scheduledTime: Date.now() + 60_000 }),
      /has no alarm\(\) handler/,
    );
    const events = await settle("NoHandler", "fired", "none");
    assert.deepEqual(events.filter((e) => e.kind === "alarm.set"), []);
  });

  it("a handler installed after construction is refused by the runtime, and nothing is reported as set", async function () {
    await act(base, "late", "late", "install");
    const answer = await act<{ refused?: string }>(base, "late", "late", "set", "?in=300");
    assert.match(answer.refused ?? "", /must have an alarm\(\) handler/, "workerd reads handlers when the constructor returns");
    const events = await settle("LateHandler", "late", "late");
    assert.deepEqual(events.filter((e) => e.kind === "alarm.set"), []);
  });

  for (const [className, binding, how] of [
    ["Plain", "plain", "plain"],
    ["InstanceHandler", "instance", "instance"],
    ["GetterHandler", "getter", "getter"],
    ["Inherited", "inherited", "inherited"],
  ] as const) {
    it(`reports the runs of ${className} (${how} handler) exactly as the object logged them`, async function () {
      const name = `runs-${how}`;
      assert.deepEqual(await act(base, binding, name, "set", "?in=300"), { ok: true });
      const end = await rec.waitFor(`${className} alarm.end`, "alarm.end", (e) => e.object.name === name);
      assert.equal(end.outcome, "ok");
      const runs = await waitFor(`${className} logged its run`, async () => {
        const r = await act<string[]>(base, binding, name, "runs");
        return r.length > 0 && r;
      });
      assert.equal(runs.length, 1);
      assert.ok(runs[0]!.startsWith(`${how}:`), runs[0]);
      const logged = JSON.parse(runs[0]!.slice(how.length + 1)) as { retryCount: number; scheduledTime: number };
      assert.equal(rec.about(className, name, "alarm.start").length, 1, "one attempt reported for one run");
      assert.equal(end.alarmInfo?.scheduledTime, logged.scheduledTime, "the attempt reported is the one that ran");
      const handlerEvents = rec.about(className, name, "object.handler") as ObjectHandlerEvent[];
      if (how === "instance") assert.ok(handlerEvents.length >= 1 && handlerEvents.every((e) => e.handler === "instance"));
      else assert.deepEqual(handlerEvents, [], "a prototype or getter handler is already said in hello");
    });
  }

  it("says the runs of a handler it cannot wrap are unobserved, with the reason, while they still happen", async function () {
    const name = "frozen";
    assert.deepEqual(await act(base, "frozen", name, "set", "?in=300"), { ok: true });
    const note = await rec.waitFor("FrozenHandler's object.handler", "object.handler", (e) => e.object.name === name);
    assert.equal(note.handler, "unobserved");
    assert.match(note.reason ?? "", /non-configurable/);
    const runs = await waitFor("FrozenHandler logged its run", async () => {
      const r = await act<string[]>(base, "frozen", name, "runs");
      return r.length > 0 && r;
    });
    assert.ok(runs[0]!.startsWith("frozen:"));
    // The set was reported (it happened); the run could not be, and the stream said so above.
    assert.equal(rec.about("FrozenHandler", name, "alarm.set").length, 1);
  });

  it("names the user's class in call sites and error stacks, never the wrappers", async function () {
    const name = "names";
    await act(base, "plain", name, "stats");
    const put = await rec.waitFor("the stats write", "storage.put", (e) => e.object.name === name && e.entries.some((x) => x.key === "stats"));
    const site = (put as StoragePutEvent).callSite?.stack ?? "";
    assert.match(site.split("\n")[0] ?? "", /at Plain\.recordStats \(/, site);
    assert.doesNotMatch(site, /Instrumented|Wrapper\./);

    await act(base, "plain", name, "fail");
    await act(base, "plain", name, "set", "?in=200");
    const failed = await rec.waitFor("the failed attempt", "alarm.end", (e) => e.object.name === name && e.outcome === "error");
    const stack = (failed as AlarmEndEvent).error?.stack ?? "";
    assert.match(stack, /plain failed on purpose/);
    assert.match(stack, /at (async )?Plain\.alarm \(/, stack);
    assert.doesNotMatch(stack, /Instrumented|Wrapper\./);
    // The retry that follows succeeds: leave the object quiet for the next test.
    await rec.waitFor("the retry", "alarm.end", (e) => e.object.name === name && e.outcome === "ok", 60_000);
  });

  it("lists a SQLite-backed object's own tables with bounded rows, and none for a key-value one", async function () {
    await act(base, "plain", "tables", "table");
    await act(base, "plain", "tables", "stats");
    const snap = (await rec.client.send({ op: "snapshot", target: { className: "Plain", name: "tables" } })) as SnapshotResult;
    assert.deepEqual(snap.storage.map((e) => e.key), ["stats"]);
    const names = (snap.tables ?? []).map((t) => t.name);
    assert.deepEqual(names, ["notes"], "the runtime's own tables (_cf_KV, __miniflare_do_name) are left out");
    assert.equal(snap.tablesTruncated, false);
    const notes = snap.tables![0]!;
    assert.deepEqual(notes.columns, ["id", "body", "data"]);
    assert.equal(notes.rowCount, 12);
    assert.equal(notes.rows.length, 10, "at most 10 rows");
    assert.deepEqual(notes.rows[0]!.map((v) => v.text), ["1", '"<b>note 1</b>"', "<binary 3 bytes>"]);
    const again = (await rec.client.send({ op: "snapshot", target: { className: "Plain", name: "tables" } })) as SnapshotResult;
    assert.deepEqual(again.tables, snap.tables, "a snapshot writes nothing");

    await act(base, "none", "kv", "stats");
    const kv = (await rec.client.send({ op: "snapshot", target: { className: "NoHandler", name: "kv" } })) as SnapshotResult;
    assert.equal(kv.tables, undefined);
    assert.deepEqual(kv.storage.map((e) => e.key), ["stats"]);
  });
});

describe("conformance: the handler shapes with and without the agent", function () {
  it("gives the same answers, the same runs and the same stack names", async function () {
    this.timeout(300_000);
    async function scenario(base: string): Promise<unknown> {
      const out: Record<string, unknown> = {};
      for (const binding of ["plain", "instance", "getter", "late", "frozen", "none", "inherited"]) {
        out[`${binding} set`] = await act(base, binding, "c", "set", "?in=200");
      }
      out["late install+set"] = [await act(base, "late", "d", "install"), await act(base, "late", "d", "set", "?in=200")];
      for (const binding of ["plain", "instance", "getter", "frozen", "inherited"]) {
        out[`${binding} runs`] = shapeOfRuns(await waitFor(`${binding} ran`, async () => {
          const r = await act<string[]>(base, binding, "c", "runs");
          return r.length > 0 && r;
        }));
      }
      for (const binding of ["late", "none"]) out[`${binding} runs`] = await act(base, binding, "c", "runs");
      // The user's own stack: the same function name (the file differs: the bundle lives elsewhere).
      out.stats = (await act<string>(base, "plain", "c", "stats")).replace(/\s*\(.*\)$/, "");
      return out;
    }
    const plainState = tempDir("plain");
    const plain = await plainWrangler(DIR, plainState);
    let expected: unknown;
    try {
      expected = await scenario(plain.url);
    } finally {
      await plain.stop();
      cleanup(plainState);
    }
    const launched = await launch(DIR);
    try {
      assert.deepEqual(await scenario(launched.url), expected);
    } finally {
      await launched.stop();
    }
  });
});
