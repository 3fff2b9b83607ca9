import assert from "node:assert/strict";
import { AlarmModel } from "../../extension/model/alarmModel";
import type { AlarmModelOptions } from "../../extension/model/alarmModel";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

function model(options: AlarmModelOptions): { model: AlarmModel; ev: EventBuilder } {
  const m = new AlarmModel(options);
  m.applyHello(hello(), T0);
  return { model: m, ev: new EventBuilder() };
}

describe("AlarmModel bounds", () => {
  it("keeps the newest maxEventsPerObject events and counts the rest as dropped", () => {
    const { model: m, ev } = model({ maxEventsPerObject: 5, maxRecentStorage: 3 });
    const room = obj();
    const events = Array.from({ length: 12 }, (_, i) => ev.put(room, `k${i}`));
    m.applyEvents(events);
    const o = m.objects()[0];
    assert.ok(o);
    assert.deepEqual(o.history.map((r) => r.event.seq), [8, 9, 10, 11, 12]);
    assert.deepEqual(o.recentStorage.map((r) => r.event.seq), [10, 11, 12]);
    assert.equal(o.droppedEvents, 7);
    assert.equal(o.counts.storageWrites, 12, "counts survive trimming");
    assert.equal(m.stats.droppedByModel, 7);
    assert.equal(m.totalEvents, 5);
  });

  it("drops old runs with their events but keeps the newest run for the status", () => {
    const { model: m, ev } = model({ maxEventsPerObject: 6 });
    const room = obj();
    // Run 1: ok. Run 2: a failure, then a long stream of writes while the retry is awaited.
    m.applyEvents([ev.start(room), ev.end(room)]);
    m.applyEvents([ev.tick(1000).start(room), ev.put(room, "in-attempt"), ev.end(room, { outcome: "error", retry: retryYes(1, ev.at) })]);
    m.applyEvents(Array.from({ length: 6 }, (_, i) => ev.put(room, `later${i}`)));
    const o = m.objects()[0];
    assert.ok(o);
    assert.equal(o.runs.length, 1, "the first run went with its events");
    const attempt = o.runs[0]?.attempts[0];
    assert.equal(attempt?.outcome, "error");
    assert.equal(attempt?.storage.length, 0);
    assert.equal(attempt?.omittedEvents, 1, "the write it made was dropped, and counted");
    assert.equal(m.status(o, ev.at).status, "retrying");
  });

  it("evicts the least recently active object past maxObjects, sparing pending alarms", () => {
    const { model: m, ev } = model({ maxObjects: 3 });
    const [a, b, c, d] = [obj(), obj(), obj(), obj()];
    if (!a || !b || !c || !d) throw new Error("unreachable");
    m.applyEvents([ev.set(a, T0 + 60_000), ev.wake(b), ev.wake(c)]);
    m.applyEvents([ev.wake(d)]);
    const ids = m.objects().map((o) => o.ref.id);
    assert.equal(ids.length, 3);
    assert.ok(ids.includes(a.id), "a has a pending alarm: kept although least recently active");
    assert.ok(!ids.includes(b.id), "b was the least recently active quiet object");
    assert.equal(m.stats.evictedObjects, 1);
    assert.equal(m.stats.droppedByModel, 1, "b's one event counts as dropped");
  });

  it("bumps recency on activity", () => {
    const { model: m, ev } = model({ maxObjects: 2 });
    const [a, b, c] = [obj(), obj(), obj()];
    if (!a || !b || !c) throw new Error("unreachable");
    m.applyEvents([ev.wake(a), ev.wake(b), ev.put(a, "k"), ev.wake(c)]);
    assert.deepEqual(m.objects().map((o) => o.ref.id).sort(), [a.id, c.id].sort());
  });

  it("caps the total across objects by dropping the histories of the least recently active", () => {
    const { model: m, ev } = model({ maxEventsPerObject: 10, maxTotalEvents: 20 });
    const objs = [obj(), obj(), obj()];
    for (const o of objs) m.applyEvents(Array.from({ length: 8 }, (_, i) => ev.put(o, `k${i}`)));
    assert.ok(m.totalEvents <= 20);
    const [first, second, third] = objs.map((o) => m.objects().find((x) => x.ref.id === o.id));
    assert.equal(first?.history.length, 0, "the oldest object's history went first");
    assert.equal(first?.counts.storageWrites, 8, "its summary stayed");
    assert.equal(second?.history.length, 8);
    assert.equal(third?.history.length, 8);
    assert.equal(m.stats.droppedByModel, 8);
  });

  it("bounds the memory used for de-duplication, still catching replays of the agent's buffer", () => {
    const m = new AlarmModel({ maxEventsPerObject: 10 });
    m.applyHello(hello({ bufferSize: 100 }), T0);
    const ev = new EventBuilder();
    const room = obj();
    const all = Array.from({ length: 5000 }, (_, i) => ev.put(room, `k${i}`));
    m.applyEvents(all);
    m.applyEvents(all.slice(-100));
    assert.equal(m.stats.duplicates, 100);
    assert.equal(m.objects()[0]?.counts.storageWrites, 5000);
  });
});
