/**
 * The model's ingest path as the benchmark drives it (test/bench/model.bench.ts): de-duplication by seq ranges, the
 * object index by id fingerprint, recency kept by stamps, trimming one record at a time, and sharing of repeated
 * parts of events. Each is checked against what the model promised before those were made fast.
 */
import assert from "node:assert/strict";
import type { AgentEvent, CallSite, ObjectRef, StoragePutEvent, StorageSqlEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import type { AlarmModelOptions } from "../../extension/model/alarmModel";
import { fingerprint } from "../../extension/model/objectStore";
import type { ModelChange } from "../../extension/model/types";
import { EventBuilder, hello, obj, T0 } from "./builders";

function model(options: AlarmModelOptions = {}): { m: AlarmModel; ev: EventBuilder } {
  const m = new AlarmModel(options);
  m.applyHello(hello(), T0);
  return { m, ev: new EventBuilder() };
}

/** The same event with another seq (a replay, or one delivered out of order). */
function withSeq<E extends AgentEvent>(e: E, seq: number): E {
  return { ...e, seq };
}

describe("AlarmModel ingest", () => {
  describe("de-duplication", () => {
    it("ignores replays, accepts what a gap had lost, and handles seqs out of order", () => {
      const { m, ev } = model();
      const room = obj();
      const first = Array.from({ length: 10 }, (_, i) => withSeq(ev.put(room, `k${i}`), i + 1));
      m.applyEvents(first);
      // A replay overlapping what was seen: 5–10 are repeats, 11–12 are new.
      m.applyEvents([5, 6, 7, 8, 9, 10, 11, 12].map((seq) => withSeq(ev.put(room, "replay"), seq)));
      assert.equal(m.stats.duplicates, 6);
      // A gap (13–19 never came), then a replay reaching into it: 15–19 are new, 20–22 repeats.
      m.applyEvents([20, 21, 22, 23].map((seq) => withSeq(ev.put(room, "after gap"), seq)));
      m.applyEvents([15, 16, 17, 18, 19, 20, 21, 22].map((seq) => withSeq(ev.put(room, "into the gap"), seq)));
      assert.equal(m.stats.duplicates, 9);
      // Out of order within a batch, and one of them twice.
      m.applyEvents([30, 28, 29, 28].map((seq) => withSeq(ev.put(room, "shuffled"), seq)));
      assert.equal(m.stats.duplicates, 10);
      // A seq that is not an integer (no agent sends one) still de-duplicates.
      m.applyEvents([withSeq(ev.put(room, "odd"), 40.5), withSeq(ev.put(room, "odd"), 40.5)]);
      assert.equal(m.stats.duplicates, 11);
      assert.equal(m.objects()[0]?.counts.storageWrites, 10 + 2 + 4 + 5 + 3 + 1);
    });

    it("still catches a replay of the agent's whole buffer after many gaps", () => {
      const m = new AlarmModel();
      m.applyHello(hello({ bufferSize: 100 }), T0);
      const ev = new EventBuilder();
      const room = obj();
      // Every third seq lost: many ranges, enough to be folded into the floor.
      const sent = Array.from({ length: 3000 }, (_, i) => i + 1)
        .filter((seq) => seq % 3 !== 0)
        .map((seq) => withSeq(ev.put(room, "k"), seq));
      m.applyEvents(sent);
      m.applyEvents(sent.slice(-100));
      assert.equal(m.stats.duplicates, 100);
      assert.equal(m.objects()[0]?.counts.storageWrites, 2000);
    });
  });

  describe("finding objects", () => {
    it("tells apart ids that differ only where the fingerprint does not look, and one id in two classes", () => {
      const { m, ev } = model({ maxObjects: 30 });
      // Position 9 is between the leading characters and the sampled ones: these ids share one fingerprint.
      const ids = Array.from({ length: 40 }, (_, i) => "ab".repeat(4) + "c" + i.toString(16).padStart(2, "0") + "d".repeat(53));
      assert.equal(new Set(ids.map(fingerprint)).size, 1, "the ids collide, as the test needs");
      const refs = ids.map((id) => obj("Room", { id }));
      // More objects than maxObjects: evictions take objects out of the middle of one bucket.
      refs.forEach((ref, i) => m.applyEvents(Array.from({ length: (i % 3) + 1 }, () => ev.put(ref, "k"))));
      const kept = m.objects();
      assert.equal(kept.length, 30);
      for (const o of kept) {
        const i = ids.indexOf(o.ref.id);
        assert.equal(o.counts.storageWrites, (i % 3) + 1, `object ${i} kept its own events`);
      }
      // The survivors are still found, and a second class with the same id is another object.
      const last = refs[39] as ObjectRef;
      m.applyEvents([ev.put(last, "again"), ev.put(obj("Scheduler", { id: last.id }), "other class")]);
      assert.equal(m.objects().find((o) => o.ref.id === last.id && o.ref.className === "Room")?.counts.storageWrites, ((39 % 3) + 1) + 1);
      assert.equal(m.objects().find((o) => o.ref.id === last.id && o.ref.className === "Scheduler")?.counts.storageWrites, 1);
    });

    it("keeps recency across bumps, evictions and new objects", () => {
      const { m, ev } = model({ maxObjects: 3 });
      const [a, b, c, d, e] = [obj(), obj(), obj(), obj(), obj()];
      if (!a || !b || !c || !d || !e) throw new Error("unreachable");
      m.applyEvents([ev.wake(a), ev.wake(b), ev.wake(c)]);
      m.applyEvents([ev.put(a, "k")]);
      m.applyEvents([ev.wake(d)]);
      m.applyEvents([ev.put(c, "k"), ev.wake(e)]);
      // b then a were the least recently active when room was needed; the export lists the rest least recent first.
      assert.deepEqual(
        m.snapshot().objects.map((o) => o.ref.id),
        [d.id, c.id, e.id],
      );
      assert.equal(m.stats.evictedObjects, 2);
    });
  });

  describe("trimming", () => {
    it("drops whole histories of one event each to stay under maxTotalEvents", () => {
      const { m, ev } = model({ maxEventsPerObject: 1, maxTotalEvents: 3 });
      const refs = Array.from({ length: 6 }, () => obj());
      for (const ref of refs) m.applyEvents([ev.put(ref, "k")]);
      assert.ok(m.totalEvents <= 3);
      const first = m.objects().find((o) => o.ref.id === refs[0]?.id);
      assert.equal(first?.history.length, 0);
      assert.equal(first?.recentStorage.length, 0);
      assert.equal(m.stats.droppedByModel, 6 - m.totalEvents);
    });

    it("trims a running attempt's writes one event at a time, as an import with tighter bounds does at once", () => {
      const { m, ev } = model({ maxEventsPerObject: 4 });
      const room = obj();
      m.applyEvents([ev.start(room), ev.set(room, T0 + 60_000, { inHandler: true }), ...["a", "b", "c", "d"].map((k) => ev.put(room, k, null, { inHandler: true }))]);
      const o = m.objects()[0];
      const attempt = o?.runs[0]?.attempts[0];
      assert.deepEqual(o?.history.map((r) => r.event.seq), [3, 4, 5, 6]);
      assert.deepEqual(attempt?.storage.map((r) => r.event.seq), [3, 4, 5, 6]);
      assert.deepEqual(attempt?.alarmCalls.map((r) => r.event.seq), []);
      assert.equal(attempt?.omittedEvents, 1, "the setAlarm went; the start is not one of the attempt's writes");
      assert.deepEqual(o?.recentStorage.map((r) => r.event.seq), [3, 4, 5, 6]);

      // The same events kept whole, then imported with the tighter bound: the same result.
      const { m: wide, ev: ev2 } = model({ maxEventsPerObject: 100 });
      const room2 = obj();
      wide.applyEvents([ev2.start(room2), ev2.set(room2, T0 + 60_000, { inHandler: true }), ...["a", "b", "c", "d"].map((k) => ev2.put(room2, k, null, { inHandler: true }))]);
      const imported = AlarmModel.fromJSON(JSON.parse(JSON.stringify(wide.snapshot())), { maxEventsPerObject: 4 }).objects()[0];
      assert.deepEqual(imported?.runs[0]?.attempts[0]?.storage.map((r) => r.event.seq), [3, 4, 5, 6]);
      assert.equal(imported?.runs[0]?.attempts[0]?.omittedEvents, 1);
      assert.deepEqual(imported?.recentStorage.map((r) => r.event.seq), [3, 4, 5, 6]);
    });
  });

  describe("sharing repeated parts", () => {
    const site = (line: number): CallSite => ({ stack: `    at Room.fetch (file:///app/src/room.ts:${line}:11)\n    at async Object.fetch (file:///app/src/index.ts:9:14)` });

    it("keeps every event equal to what arrived, sharing equal call sites, SQL and the object's ref", () => {
      const { m, ev } = model();
      const room = obj("Room", { name: "lobby" });
      const copy = (): ObjectRef => ({ ...room });
      const put = (line: number): StoragePutEvent => ({ ...ev.put(copy(), "k"), callSite: site(line) });
      const sql = (): StorageSqlEvent => ({ ...ev.sql(copy(), "INSERT INTO visits (at) VALUES (?)"), callSite: site(40) });
      const events: AgentEvent[] = [put(12), put(12), put(13), sql(), sql()];
      const before = structuredClone(events);
      m.applyEvents(events);
      const history = m.objects()[0]?.history ?? [];
      assert.deepEqual(
        history.map((r) => r.event),
        before,
      );
      const [p1, p2, p3, s1, s2] = history.map((r) => r.event);
      assert.ok(p1 && p2 && p3 && s1 && s2 && "callSite" in p1 && "callSite" in p2 && "callSite" in p3);
      assert.equal(p1.callSite, p2.callSite, "one call site kept for both writes from line 12");
      assert.notEqual(p1.callSite, p3.callSite);
      assert.equal(p1.object, p2.object, "the object's ref is kept once");
      assert.ok(s1.kind === "storage.sql" && s2.kind === "storage.sql");
      assert.equal(s1.query, s2.query);
    });

    it("leaves alone what is not equal: a ref with another name, a call site with more than a stack", () => {
      const { m, ev } = model();
      const named = obj("Room", { name: "lobby" });
      const bare: ObjectRef = { className: named.className, id: named.id };
      const extra = { ...site(12), frames: 2 } as CallSite;
      m.applyEvents([{ ...ev.put(named, "k"), callSite: site(12) }, { ...ev.put(bare, "k"), callSite: extra }]);
      const [first, second] = m.objects()[0]?.history.map((r) => r.event) ?? [];
      assert.ok(first && second && "callSite" in second);
      assert.deepEqual(second.object, bare, "the event without a name keeps its own ref");
      assert.notEqual(first.object, second.object);
      assert.equal(second.callSite, extra);
    });
  });

  it("notifies each changed object once, however many in the batch", () => {
    const { m, ev } = model();
    const refs = Array.from({ length: 40 }, () => obj());
    const seen: ModelChange[] = [];
    m.onDidChange((c) => seen.push(c));
    m.applyEvents([...refs, ...refs].map((ref) => ev.put(ref, "k")));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.objects.length, 40);
    assert.equal(new Set(seen[0]?.objects).size, 40);
  });
});
