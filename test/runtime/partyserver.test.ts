/**
 * partyserver rooms (examples/partyserver) under the normal launcher, `alarm-inspector dev`: real wrangler, real
 * workerd, real alarms. partyserver calls `onAlarm()` with nothing, but the agent wraps the Durable Object's own
 * `alarm(alarmInfo)`, so retry counts here are the runtime's, not inferred.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AlarmChangeResult, AlarmEndEvent, AlarmStartEvent, ObjectStartEvent } from "../../protocol/protocol";
import { cleanup, EXAMPLES, FIXTURES, json, launch, Recorder, tempDir, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const DIR = join(EXAMPLES, "partyserver");

describe("partyserver rooms under alarm-inspector dev", function () {
  let session: Launched;
  let rec: Recorder;
  let base: string;

  before(async function () {
    session = await launch(DIR);
    base = session.url;
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("names every class's party and its onAlarm handler in hello", function () {
    const classes = rec.client.hello!.classes;
    assert.deepEqual(
      classes.map((c) => [c.className, c.party, c.alarmMethod]).sort(),
      [
        ["ExpiringRoom", "expiring-room", "onAlarm"],
        ["FlakyRoom", "flaky-room", "onAlarm"],
        ["RecurringJob", "recurring-job", "onAlarm"],
      ],
    );
    assert.equal(rec.client.hello!.runtime, "wrangler");
  });

  it("shows a wake with onStart, then the set and the fire of a room's alarm, all under the room's name", async function () {
    const state = await json<{ room: string; starts: number }>(`${base}/parties/recurring-job/nightly/start?intervalMs=700`, { method: "POST" });
    assert.deepEqual([state.room, state.starts], ["nightly", 1]);
    const [constructed, onStart] = await waitFor("both steps of the wake", () => {
      const wake = rec.about("RecurringJob", "nightly", "object.start") as ObjectStartEvent[];
      return wake.length >= 2 ? wake : undefined;
    });
    assert.equal(constructed!.phase, undefined, "the constructor's step has no phase (as before PartyKit support)");
    assert.deepEqual([onStart!.phase, onStart!.forAlarm], ["onStart", false]);
    const set = await rec.waitFor("the alarm set by start", "alarm.set", (e) => e.object.name === "nightly");
    assert.ok(onStart!.seq < set.seq, "onStart ran before the request's own work");
    assert.equal(set.previous, null);

    const start = await rec.waitFor("the alarm firing", "alarm.start", (e) => e.object.name === "nightly", 20_000);
    assert.equal(start.trigger, "scheduled");
    assert.deepEqual([start.alarmInfo?.retryCount, start.alarmInfo?.isRetry], [0, false]);
    assert.equal(start.inferred, undefined, "partyserver rooms get the runtime's real alarmInfo");
    const end = await rec.waitFor("the alarm's end", "alarm.end", (e) => e.object.name === "nightly");
    assert.equal(end.outcome, "ok");
    const rearm = await rec.waitFor("the job re-arming itself", "alarm.set", (e) => e.object.name === "nightly" && e.inHandler);
    assert.ok(rearm.seq > start.seq && rearm.seq < end.seq);
    const after = await json<{ runs: number; lastRunFor: string }>(`${base}/parties/recurring-job/nightly/stop`, { method: "POST" });
    assert.ok(after.runs >= 1);
    assert.equal(after.lastRunFor, "nightly", "onAlarm knew its room name");
  });

  it("follows a failing onAlarm retried by the runtime: real retryCount 0, 1, 2, then ok", async function () {
    this.timeout(60_000);
    await json(`${base}/parties/flaky-room/flaky-1/arm?failures=2`, { method: "POST" });
    const ends = await waitFor("three attempts to end", () => {
      const e = rec.about("FlakyRoom", "flaky-1", "alarm.end") as AlarmEndEvent[];
      return e.length >= 3 ? e : undefined;
    }, 45_000);
    const starts = rec.about("FlakyRoom", "flaky-1", "alarm.start") as AlarmStartEvent[];
    assert.deepEqual(starts.map((s) => s.alarmInfo?.retryCount), [0, 1, 2]);
    assert.deepEqual(starts.map((s) => s.trigger), ["scheduled", "retry", "retry"]);
    assert.deepEqual(ends.map((e) => e.outcome), ["error", "error", "ok"]);
    assert.match(ends[0]!.error!.message, /FlakyRoom failed on attempt 1/);
    assert.deepEqual(ends.slice(0, 2).map((e) => [e.retry?.willRetry, e.retry?.nextRetryCount]), [["yes", 1], ["yes", 2]]);
    assert.deepEqual((await json<{ attempts: number }>(`${base}/parties/flaky-room/flaky-1`)).attempts, 3);
  });

  it("fires a room's alarm now through the real scheduler, reaching the room by name", async function () {
    await json(`${base}/parties/expiring-room/lobby?ttlMs=3600000`, { method: "POST", body: JSON.stringify({ id: "u1", text: "hi" }) });
    await rec.waitFor("the expiry alarm", "alarm.set", (e) => e.object.name === "lobby");
    const result = (await rec.client.send({ op: "fireNow", target: { className: "ExpiringRoom", name: "lobby" } })) as AlarmChangeResult;
    assert.ok(typeof result.previous === "number", "fire now replaced the pending expiry");
    const start = await rec.waitFor("the fired alarm", "alarm.start", (e) => e.object.name === "lobby");
    assert.equal(start.trigger, "fireNow");
    const wiped = await rec.waitFor("onAlarm clearing the room", "storage.deleteAll", (e) => e.object.name === "lobby");
    assert.equal(wiped.inHandler, true);
    assert.deepEqual((await json<{ keys: string[] }>(`${base}/parties/expiring-room/lobby`)).keys, []);
  });

  it("shows the expiry pattern: each write replaces the alarm with a later one", async function () {
    for (const id of ["a", "b", "c"]) {
      await json(`${base}/parties/expiring-room/session-9?ttlMs=600000`, { method: "POST", body: JSON.stringify({ id }) });
    }
    const sets = await waitFor("three sets", () => {
      const s = rec.about("ExpiringRoom", "session-9", "alarm.set");
      return s.length >= 3 ? s : undefined;
    });
    const [first, second, third] = sets.map((e) => e as Extract<typeof e, { kind: "alarm.set" }>);
    assert.equal(first!.previous, null);
    assert.equal(second!.previous, first!.scheduledTime);
    assert.equal(third!.previous, second!.scheduledTime);
    assert.ok(third!.scheduledTime > second!.scheduledTime && second!.scheduledTime > first!.scheduledTime, "each pushed forward");
  });
});

describe("partyserver rooms across a wrangler restart", function () {
  it("shows a persisted alarm waking the room: constructor, onAlarm's attempt with onStart inside, under the room's name", async function () {
    this.timeout(240_000);
    const state = tempDir("partyserver-restart");
    const fixture = join(FIXTURES, "partyserver-conformance");
    try {
      const first = await launch(fixture, { persistDir: state });
      try {
        // Due after this wrangler is gone: the next one finds it in its persisted state and wakes the room for it.
        await json(`${first.url}/parties/probe-room/sleeper/alarm?inMs=5000`);
      } finally {
        await first.stop();
      }
      const second = await launch(fixture, { persistDir: state });
      const rec = await Recorder.connect(second.info);
      try {
        const end = await rec.waitFor("the persisted alarm to run", "alarm.end", (e) => e.object.className === "ProbeRoom", 30_000);
        assert.equal(end.outcome, "ok");
        const events = rec.events.filter((e) => e.object.id === end.object.id);
        const kinds = events.map((e) => (e.kind === "object.start" ? `${e.kind}${e.phase ? `:${e.phase}` : ""}` : e.kind));
        const order = ["object.start", "alarm.start", "object.start:onStart", "alarm.end"].map((k) => kinds.indexOf(k));
        assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)), `wake order: ${kinds.join(", ")}`);
        const onStart = events.find((e) => e.kind === "object.start" && e.phase === "onStart") as ObjectStartEvent;
        assert.equal(onStart.forAlarm, true, "onStart ran because the alarm woke the room");
        const start = events.find((e) => e.kind === "alarm.start") as AlarmStartEvent;
        assert.equal(start.object.name, "sleeper", "the alarm is shown under the room's name");
        const stored = await json<{ storage: Record<string, unknown> }>(`${second.url}/parties/probe-room/sleeper/state`);
        assert.equal(stored.storage.alarmName, "sleeper");
      } finally {
        rec.close();
        await second.stop();
      }
    } finally {
      cleanup(state);
    }
  });
});
