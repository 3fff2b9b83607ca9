/**
 * The event stream of every example, from a real `alarm-inspector dev` (real wrangler, real workerd, real alarms)
 * through a real WebSocket.
 */
import assert from "node:assert/strict";
import type { AlarmChangeResult, AlarmEndEvent, AlarmStartEvent, SnapshotResult } from "../../protocol/protocol";
import { CommandError } from "../../extension/connection/inspectorClient";
import { EXAMPLES, json, launch, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

describe("examples under alarm-inspector dev", function () {
  let session: Launched;
  let rec: Recorder;
  let base: string;

  before(async function () {
    session = await launch(EXAMPLES);
    base = session.url;
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("greets with hello naming the Worker and its classes", function () {
    const hello = rec.client.hello!;
    assert.equal(hello.protocol, 1);
    assert.equal(hello.worker, "alarm-examples");
    // workerd's clock reads 0 at module scope; the session start must be a real time.
    assert.ok(Math.abs(hello.sessionStartedAt - Date.now()) < 10 * 60_000, `sessionStartedAt ${hello.sessionStartedAt}`);
    const names = hello.classes.map((c) => c.className).sort();
    assert.deepEqual(names, ["Batcher", "Clobber", "ExpiringSession", "FlakyJob", "PeriodicCleaner", "Reminder", "Scheduler", "SqlCounter"]);
    assert.equal(hello.classes.find((c) => c.className === "SqlCounter")?.sqlite, true);
    assert.equal(hello.classes.find((c) => c.className === "Batcher")?.binding, "BATCHER");
  });

  it("reports a wake, a set, an overwrite with the replaced time, and a delete", async function () {
    await json(`${base}/reminder/r1/set?inMs=600000&message=later`, { method: "POST" });
    const first = await rec.waitFor("first set", "alarm.set", (e) => e.object.name === "r1");
    assert.equal(first.previous, null);
    assert.equal(first.origin, "user");
    assert.equal(first.inHandler, false);
    const wake = rec.about("Reminder", "r1", "object.start");
    assert.equal(wake.length, 1, "one wake before the first call");
    assert.ok(wake[0]!.seq < first.seq);

    await json(`${base}/reminder/r1/set?inMs=300000&message=sooner`, { method: "POST" });
    const overwrite = await rec.waitFor("overwrite", "alarm.set", (e) => e.object.name === "r1" && e.seq > first.seq);
    assert.equal(overwrite.previous, first.scheduledTime, "the overwrite names the alarm it replaced");
    assert.ok(overwrite.scheduledTime < first.scheduledTime);

    await json(`${base}/reminder/r1`, { method: "DELETE" });
    const del = await rec.waitFor("delete", "alarm.delete", (e) => e.object.name === "r1");
    assert.equal(del.previous, overwrite.scheduledTime);
    const put = rec.about("Reminder", "r1", "storage.put")[0];
    assert.ok(put && put.kind === "storage.put");
    assert.equal(put.entries[0]!.key, "reminder");
    assert.match(put.entries[0]!.value.text, /"message":"later"/);
    await rec.waitFor("storage delete of the reminder", "storage.delete", (e) => e.object.name === "r1" && e.keys.includes("reminder"));
  });

  it("reports a fire: start and ok end with alarmInfo, and the handler's storage writes inside it", async function () {
    await json(`${base}/reminder/r2/set?inMs=500&message=hi`, { method: "POST" });
    const set = await rec.waitFor("set", "alarm.set", (e) => e.object.name === "r2");
    const start = await rec.waitFor("alarm start", "alarm.start", (e) => e.object.name === "r2", 20_000);
    assert.equal(start.trigger, "scheduled");
    assert.deepEqual({ retryCount: start.alarmInfo?.retryCount, isRetry: start.alarmInfo?.isRetry }, { retryCount: 0, isRetry: false });
    const end = await rec.waitFor("alarm end", "alarm.end", (e) => e.object.name === "r2");
    assert.equal(end.outcome, "ok");
    assert.ok(end.durationMs >= 0);
    assert.ok(start.at >= set.scheduledTime - 50, "it did not fire before its time");
    const during = rec.about("Reminder", "r2", "storage.put").filter((e) => e.seq > start.seq && e.seq < end.seq);
    assert.ok(during.length >= 1 && during.every((e) => e.kind === "storage.put" && e.inHandler), "writes in the handler are marked inHandler");
    const state = await json<{ delivered: string[] }>(`${base}/reminder/r2`);
    assert.deepEqual(state.delivered, ["hi"]);
  });

  it("follows a handler failing twice then succeeding: retryCount 0,1,2, two retry windows, one ok end", async function () {
    this.timeout(60_000);
    await json(`${base}/flaky/f1/arm?failures=2`, { method: "POST" });
    const ends = await waitFor("three attempts to end", () => {
      const e = rec.about("FlakyJob", "f1", "alarm.end") as AlarmEndEvent[];
      return e.length >= 3 ? e : undefined;
    }, 45_000);
    const starts = rec.about("FlakyJob", "f1", "alarm.start") as AlarmStartEvent[];
    assert.deepEqual(starts.map((s) => s.alarmInfo?.retryCount), [0, 1, 2]);
    assert.deepEqual(starts.map((s) => s.alarmInfo?.isRetry), [false, true, true]);
    assert.deepEqual(starts.map((s) => s.trigger), ["scheduled", "retry", "retry"]);
    assert.deepEqual(ends.map((e) => e.outcome), ["error", "error", "ok"]);
    for (const [i, end] of ends.slice(0, 2).entries()) {
      assert.equal(end.error?.name, "Error");
      assert.match(end.error?.message ?? "", new RegExp(`failed on attempt ${i + 1}`));
      assert.match(end.error?.stack ?? "", /flaky/i);
      assert.equal(end.retry?.willRetry, "yes");
      assert.equal(end.retry?.nextRetryCount, i + 1);
      // The next attempt really started inside the window the agent announced (with a little slack for the clock).
      const next = starts[i + 1]!;
      assert.ok(next.at >= end.retry!.earliest! - 250, `retry ${i + 1} at ${next.at - end.at} ms, window starts ${end.retry!.earliest! - end.at}`);
      assert.ok(next.at <= end.retry!.latest! + 1500, `retry ${i + 1} at ${next.at - end.at} ms, window ends ${end.retry!.latest! - end.at}`);
    }
    assert.equal(ends[2]!.retry, undefined);
  });

  it("reports SQL writes, multi-key storage, deleteAll and re-arming", async function () {
    this.timeout(60_000);
    await json(`${base}/sql/s1/tick?inMs=300`, { method: "POST" });
    const insert = await rec.waitFor("sql insert", "storage.sql", (e) => e.object.name === "s1" && /INSERT/i.test(e.query));
    assert.equal(insert.inHandler, false);
    const update = await rec.waitFor("sql update in the handler", "storage.sql", (e) => e.object.name === "s1" && /UPDATE/i.test(e.query), 20_000);
    assert.equal(update.inHandler, true);
    assert.ok(rec.about("SqlCounter", "s1", "storage.sql").every((e) => e.kind === "storage.sql" && !/^\s*SELECT/i.test(e.query)), "reads are not reported");

    await json(`${base}/expiry/e1/touch?ttlMs=400`, { method: "POST", body: "one" });
    const wiped = await rec.waitFor("deleteAll from the expiry alarm", "storage.deleteAll", (e) => e.object.name === "e1", 20_000);
    assert.equal(wiped.inHandler, true);

    await json(`${base}/cleaner/c1/start?intervalMs=600`, { method: "POST" });
    const rearm = await rec.waitFor("the cleaner re-arming itself in its handler", "alarm.set", (e) => e.object.name === "c1" && e.inHandler, 20_000);
    assert.equal(rearm.previous, null, "inside the handler the running alarm is not pending (getAlarm returns null)");
    await json(`${base}/cleaner/c1/stop`, { method: "POST" });
  });

  it("fireNow on an object with no alarm runs it through the real scheduler", async function () {
    await json(`${base}/flaky/f2/arm?failures=0&inMs=600000`, { method: "POST" });
    await rec.waitFor("armed", "alarm.set", (e) => e.object.name === "f2");
    // First remove the alarm, so the object has none, then fire now.
    await rec.client.send({ op: "deleteAlarm", target: { className: "FlakyJob", name: "f2" } });
    assert.equal((await json<{ alarm: number | null }>(`${base}/flaky/f2/alarm`)).alarm, null);
    const result = (await rec.client.send({ op: "fireNow", target: { className: "FlakyJob", name: "f2" } })) as AlarmChangeResult;
    assert.equal(result.previous, null);
    const start = await rec.waitFor("fire-now start", "alarm.start", (e) => e.object.name === "f2");
    assert.equal(start.trigger, "fireNow");
    assert.deepEqual(start.alarmInfo && { retryCount: start.alarmInfo.retryCount, isRetry: start.alarmInfo.isRetry }, { retryCount: 0, isRetry: false });
    const set = rec.about("FlakyJob", "f2", "alarm.set").at(-1);
    assert.ok(set && set.kind === "alarm.set" && set.origin === "inspector");
    await rec.waitFor("fire-now end", "alarm.end", (e) => e.object.name === "f2" && e.outcome === "ok");
    assert.equal((await json<{ attempts: number }>(`${base}/flaky/f2`)).attempts, 1, "the user's handler ran once");
  });

  it("setAlarm, deleteAlarm and snapshot commands act on the real object", async function () {
    await json(`${base}/batcher/b1/add?delayMs=600000`, { method: "POST", body: "apple" });
    const when = Date.now() + 3_600_000;
    const set = (await rec.client.send({ op: "setAlarm", target: { className: "Batcher", name: "b1" }, scheduledTime: when })) as AlarmChangeResult;
    assert.equal(set.scheduledTime, when);
    assert.ok(typeof set.previous === "number");
    assert.equal((await json<{ alarm: number }>(`${base}/batcher/b1/alarm`)).alarm, when);
    const snap = (await rec.client.send({ op: "snapshot", target: { className: "Batcher", name: "b1" } })) as SnapshotResult;
    assert.equal(snap.alarm, when);
    assert.equal(snap.object.name, "b1");
    assert.deepEqual(snap.storage.map((e) => e.key), ["buffer"]);
    assert.equal(snap.storage[0]!.value.text, '["apple"]');
    await rec.client.send({ op: "deleteAlarm", target: { className: "Batcher", name: "b1" } });
    assert.equal((await json<{ alarm: number | null }>(`${base}/batcher/b1/alarm`)).alarm, null);
    // Addressing by id reaches the same object.
    const id = snap.object.id;
    const byId = (await rec.client.send({ op: "snapshot", target: { className: "Batcher", id } })) as SnapshotResult;
    assert.equal(byId.object.id, id);
  });

  it("failNext makes the next attempt throw an injected error, and the runtime retries it", async function () {
    this.timeout(60_000);
    const target = { className: "Reminder", name: "r3" };
    const r = await rec.client.send({ op: "failNext", target, count: 1, message: "simulated outage" });
    assert.deepEqual(r, { pending: 1 });
    await json(`${base}/reminder/r3/set?inMs=200&message=once`, { method: "POST" });
    const failed = await rec.waitFor("injected failure", "alarm.end", (e) => e.object.name === "r3", 20_000);
    assert.equal(failed.outcome, "error");
    assert.equal(failed.error?.injected, true);
    assert.match(failed.error?.message ?? "", /Injected by Alarm Inspector.*simulated outage/);
    assert.equal(failed.retry?.willRetry, "yes");
    const firstStart = rec.about("Reminder", "r3", "alarm.start")[0] as AlarmStartEvent;
    assert.equal(firstStart.injectedFailure, true);
    const retried = await rec.waitFor("the real retry", "alarm.end", (e) => e.object.name === "r3" && e.outcome === "ok", 20_000);
    const retryStart = rec.about("Reminder", "r3", "alarm.start").at(-1) as AlarmStartEvent;
    assert.equal(retryStart.alarmInfo?.retryCount, 1);
    assert.equal(retryStart.injectedFailure, false);
    assert.ok(retried.seq > failed.seq);
    assert.deepEqual((await json<{ delivered: string[] }>(`${base}/reminder/r3`)).delivered, ["once"], "the user's handler ran exactly once");
  });

  it("refuses bad commands clearly and keeps serving", async function () {
    await assert.rejects(rec.client.send({ op: "fireNow", target: { className: "Nope", name: "x" } }), (e: Error) => {
      assert.ok(e instanceof CommandError);
      assert.match(e.message, /unknown class "Nope".*Batcher/);
      return true;
    });
    await assert.rejects(rec.client.send({ op: "snapshot", target: { className: "Batcher", id: "not-hex" } }), /not an id of a Batcher object/);
    await assert.rejects(rec.client.send({ op: "setAlarm", target: { className: "Batcher", name: "x" }, scheduledTime: Number.NaN }), /scheduledTime/);
    const root = await json<{ worker: string }>(`${base}/`);
    assert.equal(root.worker, "alarm-examples");
  });
});
