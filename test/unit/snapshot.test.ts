import assert from "node:assert/strict";
import { AlarmModel } from "../../extension/model/alarmModel";
import { SNAPSHOT_FORMAT, SNAPSHOT_TYPE } from "../../extension/model/snapshot";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

/** A model with a bit of everything: two sessions, runs with retries and storage, persisted objects, drops. */
function busyModel(): AlarmModel {
  const m = new AlarmModel({ maxEventsPerObject: 20 });
  m.applyHello(hello(), T0);
  const ev = new EventBuilder();
  const room = obj("Room", { name: "lobby" });
  const sched = obj("Scheduler");
  m.applyEvents([
    ev.wake(room),
    ev.set(room, T0 + 1000, { inConstructor: true }),
    ev.tick(1000).start(room),
    ev.put(room, "a", { n: 1 }, { inHandler: true }),
    ev.end(room, { outcome: "error", retry: retryYes(1, ev.at) }),
    ev.tick(2500).start(room, { retryCount: 1, injectedFailure: true }),
    ev.set(room, ev.at + 30_000, { inHandler: true }),
    ev.end(room, { outcome: "error", error: { name: "Error", message: "injected", injected: true }, retry: { willRetry: "replaced" } }),
    ev.dropped(4),
    ...Array.from({ length: 25 }, (_, i) => ev.put(sched, `k${i}`)),
  ]);
  m.applyPersisted("app", [{ className: "Room", id: "d".repeat(64), scheduledTime: T0 + 99_000 }], T0);
  m.applyHello(hello({ sessionStartedAt: T0 + 10_000 }), T0 + 10_000);
  const ev2 = new EventBuilder(T0 + 10_000);
  m.applyEvents([ev2.wake(room), ev2.start(sched)]);
  return m;
}

describe("export / import", () => {
  it("round-trips through JSON to the same document", () => {
    const m = busyModel();
    const json = JSON.parse(JSON.stringify(m)) as unknown;
    const imported = AlarmModel.fromJSON(json, { maxEventsPerObject: 20 });
    assert.deepEqual(JSON.parse(JSON.stringify(imported)), json);
    assert.deepEqual(imported.stats, m.stats);
  });

  it("restores the state views read: runs, storage attribution, status, sessions", () => {
    const m = busyModel();
    const imported = AlarmModel.fromJSON(JSON.parse(JSON.stringify(m.snapshot(T0 + 20_000))));
    const room = imported.findObject("Room", "lobby");
    assert.ok(room);
    assert.deepEqual(room.runs[0]?.attempts.map((a) => a.outcome), ["error", "error"]);
    assert.equal(room.runs[0]?.attempts[0]?.storage[0], room.history[3], "shared with history, not copied");
    assert.equal(imported.status(room, T0 + 4000).status, "scheduled");
    assert.equal(imported.status(room, T0 + 4000).failureInjected, true);
    assert.equal(imported.allSessions().length, 2);
    assert.equal(imported.droppedByAgent, 4);
    assert.equal(imported.workers()[0]?.classes.find((c) => c.className === "Room")?.info?.binding, "ROOMS");
    const persisted = imported.findObject("Room", "d".repeat(64));
    assert.equal(persisted?.seenLive, false);
  });

  it("de-duplicates a replay from the agent after an import", () => {
    const m = new AlarmModel();
    m.applyHello(hello(), T0);
    const ev = new EventBuilder();
    const batch = [ev.wake(obj()), ev.put(obj(), "k")];
    m.applyEvents(batch);
    const imported = AlarmModel.fromJSON(JSON.parse(JSON.stringify(m)));
    imported.applyHello(hello(), T0 + 100);
    imported.applyEvents(batch);
    assert.equal(imported.totalEvents, 2);
  });

  it("applies the importing model's bounds", () => {
    const imported = AlarmModel.fromJSON(JSON.parse(JSON.stringify(busyModel())), { maxEventsPerObject: 3 });
    for (const o of imported.objects()) assert.ok(o.history.length <= 3);
  });

  it("refuses documents that are not exports, with a message that says why", () => {
    const cases: [unknown, RegExp][] = [
      [null, /not an Alarm Inspector export/],
      [{ type: "something" }, /not an Alarm Inspector export/],
      [{ type: SNAPSHOT_TYPE }, /no "format"/],
      [{ type: SNAPSHOT_TYPE, format: SNAPSHOT_FORMAT + 1 }, /newer than this extension reads.*update the extension/],
    ];
    for (const [doc, message] of cases) assert.throws(() => AlarmModel.fromJSON(doc), message);
  });

  it("names the path of a malformed value", () => {
    const doc = JSON.parse(JSON.stringify(busyModel())) as { objects: { history: { event: { kind: string } }[]; runs: { attempts: { storage: number[] }[] }[] }[] };
    const broken = structuredClone(doc);
    const at = broken.objects.findIndex((o) => o.history.length > 0);
    const first = broken.objects[at]?.history[0];
    assert.ok(first);
    first.event.kind = "alarm.teleport";
    assert.throws(() => AlarmModel.fromJSON(broken), new RegExp(`objects\\[${at}\\]\\.history\\[0\\]\\.event should be an agent event`));

    const badIndex = structuredClone(doc);
    const room = badIndex.objects.find((o) => o.runs.length > 0);
    const attempt = room?.runs[0]?.attempts[0];
    assert.ok(attempt);
    attempt.storage = [999];
    assert.throws(() => AlarmModel.fromJSON(badIndex), /runs\[0\]\.attempts\[0\]\.storage\[0\] should be a position/);
  });
});
