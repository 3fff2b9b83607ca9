import assert from "node:assert/strict";
import { MAX_ALARM_RETRIES } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { runState } from "../../extension/model/runs";
import type { ModelChange, ObjectView } from "../../extension/model/types";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

/** A model that has seen the default hello, and a builder for that session. */
function connected(): { model: AlarmModel; ev: EventBuilder } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  return { model, ev: new EventBuilder() };
}

function only(model: AlarmModel): ObjectView {
  const all = model.objects();
  assert.equal(all.length, 1, "expected exactly one object");
  return all[0] as ObjectView;
}

describe("AlarmModel", () => {
  describe("setAlarm / overwrite / deleteAlarm", () => {
    it("tracks the current alarm, what it replaced, and counts", () => {
      const { model, ev } = connected();
      const room = obj("Room", { name: "lobby" });
      model.applyEvents([ev.wake(room), ev.set(room, T0 + 60_000)]);
      let o = only(model);
      assert.deepEqual(o.ref, room);
      assert.equal(o.lastWake, T0);
      assert.equal(o.seenLive, true);
      assert.deepEqual(o.currentAlarm, { scheduledTime: T0 + 60_000, setAt: T0, origin: "user", replaced: null, inConstructor: false, inHandler: false });
      assert.equal(model.status(o, T0).status, "scheduled");

      ev.tick(1000);
      model.applyEvents([ev.set(room, T0 + 120_000, { previous: T0 + 60_000, origin: "inspector" })]);
      o = only(model);
      assert.equal(o.currentAlarm.scheduledTime, T0 + 120_000);
      assert.equal(o.currentAlarm.replaced, T0 + 60_000);
      assert.equal(o.currentAlarm.origin, "inspector");

      ev.tick(1000);
      model.applyEvents([ev.del(room, { previous: T0 + 120_000 })]);
      o = only(model);
      assert.equal(o.currentAlarm.scheduledTime, null);
      assert.equal(o.currentAlarm.setAt, T0 + 2000);
      assert.equal(o.currentAlarm.replaced, T0 + 120_000);
      assert.equal(model.status(o, T0 + 2000).status, "idle");
      assert.deepEqual(
        { sets: o.counts.sets, overwrites: o.counts.overwrites, deletes: o.counts.deletes, wakes: o.counts.wakes },
        { sets: 2, overwrites: 1, deletes: 1, wakes: 1 },
      );
      assert.deepEqual(o.history.map((r) => r.event.kind), ["object.start", "alarm.set", "alarm.set", "alarm.delete"]);
    });

    it("counts an overwrite from the constructor (the clobbering pitfall)", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.wake(room), ev.set(room, T0 + 5000, { previous: T0 + 90_000, inConstructor: true })]);
      const o = only(model);
      assert.equal(o.counts.constructorOverwrites, 1);
      assert.equal(o.currentAlarm.inConstructor, true);
    });

    it("keeps the name once known, even when later events omit it", () => {
      const { model, ev } = connected();
      const id = "f".repeat(64);
      model.applyEvents([ev.wake({ className: "Room", id }), ev.set({ className: "Room", id, name: "lobby" }, T0 + 1000), ev.del({ className: "Room", id })]);
      assert.equal(only(model).ref.name, "lobby");
    });

    it("reports a name learned later as a structural change (the object's place among its class changes)", () => {
      const { model, ev } = connected();
      const id = "e".repeat(64);
      model.applyEvents([ev.wake({ className: "Room", id })]);
      const changes: ModelChange[] = [];
      model.onDidChange((c) => changes.push(c));
      model.applyEvents([ev.del({ className: "Room", id })]);
      model.applyEvents([ev.set({ className: "Room", id, name: "lobby" }, T0 + 1000)]);
      model.applyEvents([ev.set({ className: "Room", id, name: "lobby" }, T0 + 2000)]);
      assert.deepEqual(changes.map((c) => c.structural), [false, true, false]);
    });
  });

  describe("runs and retries", () => {
    it("groups a run failing twice then succeeding into attempts 1, 2, 3 with windows", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.set(room, T0 + 1000)]);
      ev.tick(1000);
      model.applyEvents([ev.start(room), ev.tick(50).end(room, { outcome: "error", retry: retryYes(1, ev.at) })]);
      const failedAt1 = ev.at;
      assert.equal(model.status(only(model), ev.at).status, "retrying");

      ev.tick(2400);
      model.applyEvents([ev.start(room, { retryCount: 1 }), ev.tick(30).end(room, { outcome: "error", retry: retryYes(2, ev.at) })]);
      const failedAt2 = ev.at;
      ev.tick(4200);
      model.applyEvents([ev.start(room, { retryCount: 2 }), ev.tick(20).end(room)]);

      const o = only(model);
      assert.equal(o.runs.length, 1);
      const run = o.runs[0];
      assert.ok(run);
      assert.equal(run.scheduledTime, T0 + 1000);
      assert.equal(run.trigger, "scheduled");
      assert.equal(run.partial, false);
      assert.deepEqual(run.attempts.map((a) => a.number), [1, 2, 3]);
      assert.deepEqual(run.attempts.map((a) => a.outcome), ["error", "error", "ok"]);
      assert.deepEqual(run.attempts.map((a) => a.trigger), ["scheduled", "retry", "retry"]);
      assert.deepEqual(run.attempts.map((a) => a.durationMs), [50, 30, 20]);
      assert.deepEqual(run.attempts[0]?.retry, retryYes(1, failedAt1));
      assert.deepEqual(run.attempts[1]?.expected, { earliest: failedAt1 + 2000, latest: failedAt1 + 3000 });
      assert.deepEqual(run.attempts[2]?.expected, { earliest: failedAt2 + 4000, latest: failedAt2 + 5500 });
      assert.equal(runState(run), "succeeded");
      assert.equal(o.counts.attempts, 3);
      assert.equal(o.counts.failures, 2);
      assert.equal(model.status(o, ev.at).status, "succeeded");
    });

    it("computes the retry window when the agent sends none", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.start(room), ev.tick(10).end(room, { outcome: "error", retry: { willRetry: "yes" } })]);
      const a = only(model).runs[0]?.attempts[0];
      assert.deepEqual(a?.retry, { willRetry: "yes", nextRetryCount: 1, earliest: ev.at + 2000, latest: ev.at + 3000 });
    });

    it("marks a run abandoned after the sixth retry fails", () => {
      const { model, ev } = connected();
      const room = obj();
      for (let retryCount = 0; retryCount <= MAX_ALARM_RETRIES; retryCount++) {
        const last = retryCount === MAX_ALARM_RETRIES;
        model.applyEvents([
          ev.start(room, { retryCount }),
          ev.tick(10).end(room, { outcome: "error", retry: last ? { willRetry: "no" } : retryYes(retryCount + 1, ev.at) }),
        ]);
        ev.tick(1000 * 2 ** (retryCount + 1));
      }
      const o = only(model);
      assert.equal(o.runs.length, 1);
      assert.deepEqual(o.runs[0]?.attempts.map((a) => a.number), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(runState(o.runs[0] as NonNullable<(typeof o.runs)[0]>), "abandoned");
      const s = model.status(o, ev.at);
      assert.equal(s.status, "abandoned");
      assert.equal(s.attempt, 7);
    });

    it("calls a failure with no retry before the last one failed, not abandoned", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.start(room), ev.tick(10).end(room, { outcome: "error", retry: { willRetry: "no" } })]);
      assert.equal(model.status(only(model), ev.at).status, "failed");
    });

    it("starts a new run on fireNow, and the previous run's pending retry is superseded", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.start(room), ev.tick(10).end(room, { outcome: "error", retry: retryYes(1, ev.at) })]);
      ev.tick(500);
      model.applyEvents([ev.set(room, ev.at, { origin: "inspector" }), ev.start(room, { trigger: "fireNow" }), ev.tick(5).end(room)]);
      const o = only(model);
      assert.equal(o.runs.length, 2);
      assert.equal(o.runs[1]?.trigger, "fireNow");
      assert.equal(o.runs[1]?.attempts[0]?.number, 1);
      assert.equal(runState(o.runs[0] as NonNullable<(typeof o.runs)[0]>), "replaced");
      assert.equal(model.status(o, ev.at).status, "succeeded");
      assert.equal(o.currentAlarm.scheduledTime, null, "the runtime clears the alarm it starts");
      assert.equal(o.currentAlarm.origin, "runtime");
    });

    it("continues a run without alarmInfo when a retry was announced (PartyKit onAlarm)", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([
        ev.start(room, { alarmInfo: null }),
        ev.tick(10).end(room, { outcome: "error", retry: retryYes(1, ev.at) }),
        ev.tick(2500).start(room, { alarmInfo: null, trigger: "scheduled" }),
        ev.tick(10).end(room),
        ev.tick(60_000).start(room, { alarmInfo: null }),
        ev.tick(10).end(room),
      ]);
      const o = only(model);
      assert.deepEqual(o.runs.map((r) => r.attempts.map((a) => a.number)), [[1, 2], [1]]);
    });

    it("attributes storage writes and alarm calls to the attempt they happened in", () => {
      const { model, ev } = connected();
      const room = obj();
      const other = obj();
      model.applyEvents([
        ev.put(room, "before"),
        ev.start(room),
        ev.put(room, "a1", 1, { inHandler: true }),
        ev.put(other, "elsewhere"),
        ev.end(room, { outcome: "error", retry: retryYes(1, ev.at) }),
        ev.put(room, "between"),
        ev.tick(2500).start(room, { retryCount: 1 }),
        ev.sql(room, "INSERT INTO t VALUES (?)", { inHandler: true }),
        ev.remove(room, ["a1"], { inHandler: true }),
        ev.set(room, ev.at + 60_000, { inHandler: true }),
        ev.end(room),
        ev.put(room, "after"),
      ]);
      const o = model.objects().find((x) => x.ref.id === room.id);
      assert.ok(o);
      const [a1, a2] = o.runs[0]?.attempts ?? [];
      assert.deepEqual(a1?.storage.map((r) => r.event.kind === "storage.put" && r.event.entries[0]?.key), ["a1"]);
      assert.deepEqual(a2?.storage.map((r) => r.event.kind), ["storage.sql", "storage.delete"]);
      assert.deepEqual(a2?.alarmCalls.map((r) => r.event.kind), ["alarm.set"]);
      assert.equal(o.recentStorage.length, 6);
      assert.equal(o.counts.storageWrites, 6);
      // The handler re-armed the alarm: a new alarm is pending after the run.
      assert.equal(o.currentAlarm.scheduledTime, ev.at + 60_000);
      assert.equal(o.currentAlarm.inHandler, true);
      assert.equal(model.status(o, ev.at).status, "scheduled");
    });

    it("synthesizes an attempt whose start was lost, and interrupts one whose end was lost", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.start(room), ev.tick(100).start(room), ev.tick(20).end(room)]);
      let o = only(model);
      assert.deepEqual(o.runs.map((r) => r.attempts.map((a) => a.outcome)), [["interrupted"], ["ok"]]);

      const lone = obj();
      ev.tick(1000);
      model.applyEvents([ev.end(lone, { durationMs: 40, alarmInfo: { retryCount: 2, isRetry: true } })]);
      o = model.objects().find((x) => x.ref.id === lone.id) as ObjectView;
      const run = o.runs[0];
      assert.equal(run?.partial, true);
      assert.equal(run?.attempts[0]?.startMissed, true);
      assert.equal(run?.attempts[0]?.number, 3);
      assert.equal(run?.attempts[0]?.startedAt, ev.at - 40);
    });

    it("flags an injected failure and tracks the pending count", () => {
      const { model, ev } = connected();
      const room = obj("Room", { name: "lobby" });
      model.applyEvents([ev.wake(room)]);
      assert.equal(model.notePendingFailNext({ className: "Room", name: "lobby" }, 2), true);
      assert.equal(only(model).pendingFailNext, 2);
      model.applyEvents([
        ev.start(room, { injectedFailure: true }),
        ev.end(room, { outcome: "error", error: { name: "Error", message: "injected", injected: true }, retry: retryYes(1, ev.at) }),
      ]);
      let o = only(model);
      assert.equal(o.pendingFailNext, 1);
      const s = model.status(o, ev.at);
      assert.equal(s.status, "retrying");
      assert.equal(s.failureInjected, true);
      ev.tick(2500);
      model.applyEvents([ev.start(room, { retryCount: 1 }), ev.end(room)]);
      o = only(model);
      assert.equal(o.pendingFailNext, 0, "an attempt without an injected failure means none was pending");
      assert.equal(model.status(o, ev.at).failureInjected, false);
      assert.equal(model.notePendingFailNext({ className: "Room", name: "nobody" }, 1), false);
    });
  });

  describe("status over time", () => {
    it("goes scheduled → overdue after the grace → running → succeeded", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.set(room, T0 + 10_000)]);
      const o = (): ObjectView => only(model);
      assert.equal(model.status(o(), T0 + 9_000).status, "scheduled");
      assert.equal(model.status(o(), T0 + 11_500).status, "scheduled", "within the 1.5 s grace");
      const late = model.status(o(), T0 + 12_000);
      assert.equal(late.status, "overdue");
      assert.equal(late.overdueBy, 2000);
      assert.equal(late.dueAt, T0 + 10_000);
      ev.tick(12_000);
      model.applyEvents([ev.start(room)]);
      assert.equal(model.status(o(), ev.at).status, "running");
      model.applyEvents([ev.tick(10).end(room)]);
      assert.equal(model.status(o(), ev.at + 3_600_000).status, "succeeded");
    });

    it("reports a retry that did not come within its window as overdue", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.start(room), ev.end(room, { outcome: "error", retry: retryYes(1, ev.at) })]);
      const o = only(model);
      const during = model.status(o, ev.at + 2500);
      assert.equal(during.status, "retrying");
      assert.deepEqual(during.window, { earliest: ev.at + 2000, latest: ev.at + 3000 });
      assert.equal(during.dueAt, ev.at + 2000);
      assert.equal(model.status(o, ev.at + 4600).status, "overdue");
    });

    it("treats a deleteAlarm after a failure as cancelling the retry", () => {
      const { model, ev } = connected();
      const room = obj();
      model.applyEvents([ev.start(room), ev.end(room, { outcome: "error", retry: retryYes(1, ev.at) }), ev.tick(100).del(room)]);
      assert.equal(model.status(only(model), ev.at + 10_000).status, "failed");
    });

    it("lists pending alarms and awaited retries, soonest first", () => {
      const { model, ev } = connected();
      const [a, b, c, d] = [obj(), obj(), obj(), obj()];
      if (!a || !b || !c || !d) throw new Error("unreachable");
      model.applyEvents([
        ev.set(a, T0 + 30_000),
        ev.set(b, T0 - 5_000),
        ev.set(d, T0 + 1_000),
        ev.del(d, { previous: T0 + 1_000 }),
        ev.start(c),
        ev.end(c, { outcome: "error", retry: retryYes(3, ev.at) }),
      ]);
      const pending = model.pendingAlarms(T0);
      assert.deepEqual(
        pending.map((p) => [p.object.ref.id, p.kind, p.status.status]),
        [
          [b.id, "alarm", "overdue"],
          [c.id, "retry", "retrying"],
          [a.id, "alarm", "scheduled"],
        ],
      );
    });
  });

  describe("sessions and reconnection", () => {
    it("keeps history when the Worker reloads, and seqs restart in the new session", () => {
      const model = new AlarmModel();
      const first = model.applyHello(hello(), T0);
      const ev1 = new EventBuilder();
      const room = obj("Room", { name: "lobby" });
      model.applyEvents([ev1.wake(room), ev1.set(room, T0 + 60_000), ev1.start(room)]);

      // The Worker reloads: a new session, seq starting at 1 again.
      const second = model.applyHello(hello({ sessionStartedAt: T0 + 5000 }), T0 + 5100);
      assert.notEqual(first.id, second.id);
      const ev2 = new EventBuilder(T0 + 5000);
      model.applyEvents([ev2.wake(room), ev2.put(room, "x")]);

      const o = only(model);
      assert.equal(o.history.length, 5, "same seqs in two sessions are different events");
      assert.deepEqual(o.history.map((r) => r.event.seq), [1, 2, 3, 1, 2]);
      assert.equal(o.runs[0]?.attempts[0]?.outcome, "interrupted", "the reload ended the running attempt");
      assert.equal(o.counts.wakes, 2);
      assert.equal(model.allSessions().length, 2);
      assert.equal(model.workers()[0]?.sessions.length, 2);
      assert.equal(model.currentSession?.id, second.id);
    });

    it("ignores events replayed after a reconnection to the same session", () => {
      const { model, ev } = connected();
      const room = obj();
      const batch = [ev.wake(room), ev.set(room, T0 + 1000), ev.put(room, "k")];
      model.applyEvents(batch);
      model.setConnection({ kind: "reconnecting", attempt: 1, since: T0 + 10 });
      model.applyHello(hello(), T0 + 20);
      model.setConnection({ kind: "connected", url: "ws://127.0.0.1:8787/__alarm_inspector/v1" });
      model.applyEvents([...batch, ev.del(room, { previous: T0 + 1000 })]);
      const o = only(model);
      assert.equal(o.history.length, 4);
      assert.equal(o.counts.sets, 1);
      assert.equal(model.stats.duplicates, 3);
      assert.deepEqual(model.connection, { kind: "connected", url: "ws://127.0.0.1:8787/__alarm_inspector/v1" });
      assert.equal(model.allSessions()[0]?.lastHelloAt, T0 + 20);
    });

    it("ignores events before any hello, and malformed or unknown ones", () => {
      const model = new AlarmModel();
      const ev = new EventBuilder();
      model.applyEvents([ev.wake(obj())]);
      assert.equal(model.objects().length, 0);
      model.applyHello(hello(), T0);
      const bogus = { seq: 99, at: T0, kind: "alarm.teleport", object: obj() } as unknown as Parameters<AlarmModel["applyEvents"]>[0][number];
      model.applyEvents([bogus]);
      assert.equal(model.objects().length, 0);
      assert.equal(model.stats.ignored, 2);
    });

    it("counts events the agent dropped", () => {
      const { model, ev } = connected();
      model.applyEvents([ev.dropped(12), ev.dropped(3)]);
      assert.equal(model.droppedByAgent, 15);
      assert.equal(model.objects().length, 0, "the marker is not an object");
    });
  });

  describe("persisted alarms", () => {
    it("shows alarms from disk as not seen live until an event arrives", () => {
      const { model, ev } = connected();
      const id = "c".repeat(64);
      model.applyPersisted("app", [{ className: "Room", id, name: "lobby", scheduledTime: T0 + 90_000 }], T0);
      let o = only(model);
      assert.equal(o.seenLive, false);
      assert.equal(o.currentAlarm.origin, "persisted");
      assert.equal(model.status(o, T0).status, "scheduled");

      model.applyEvents([ev.wake({ className: "Room", id })]);
      o = only(model);
      assert.equal(o.seenLive, true);
      assert.equal(o.ref.name, "lobby");
      assert.equal(o.currentAlarm.scheduledTime, T0 + 90_000, "the live wake says nothing about the alarm");

      // Live events win over a later read of the file.
      model.applyEvents([ev.set({ className: "Room", id }, T0 + 5000, { previous: T0 + 90_000 })]);
      model.applyPersisted("app", [{ className: "Room", id, scheduledTime: T0 + 90_000 }], T0 + 10);
      assert.equal(only(model).currentAlarm.scheduledTime, T0 + 5000);
    });

    it("updates and removes objects known only from disk on a new read", () => {
      const model = new AlarmModel();
      const a = "a".repeat(64);
      const b = "b".repeat(64);
      model.applyPersisted("app", [
        { className: "Room", id: a, scheduledTime: T0 + 1000 },
        { className: "Scheduler", id: b, scheduledTime: T0 + 2000 },
      ]);
      const changes: ModelChange[] = [];
      model.onDidChange((c) => changes.push(c));
      model.applyPersisted("app", [{ className: "Room", id: a, scheduledTime: T0 + 3000 }]);
      assert.deepEqual(model.objects().map((o) => [o.ref.id, o.currentAlarm.scheduledTime]), [[a, T0 + 3000]]);
      assert.equal(changes.length, 1);
      assert.equal(changes[0]?.structural, true);
      // Nothing changed: no notification.
      model.applyPersisted("app", [{ className: "Room", id: a, scheduledTime: T0 + 3000 }]);
      assert.equal(changes.length, 1);
      // Other workers' objects are untouched.
      model.applyPersisted("other", []);
      assert.equal(model.objects().length, 1);
    });
  });

  describe("queries", () => {
    it("groups workers → classes → objects, with declared classes even when empty", () => {
      const { model, ev } = connected();
      model.applyEvents([ev.wake(obj("Room", { name: "b" })), ev.wake(obj("Room", { name: "a" })), ev.wake(obj("Room")), ev.wake(obj("Extra"))]);
      const [w] = model.workers();
      assert.equal(w?.name, "app");
      assert.deepEqual(w?.classes.map((c) => [c.className, c.objects.length, c.info?.binding ?? null]), [
        ["Extra", 1, null],
        ["Room", 3, "ROOMS"],
        ["Scheduler", 0, "SCHEDULER"],
      ]);
      assert.deepEqual(w?.classes[1]?.objects.map((o) => o.ref.name ?? "(unnamed)"), ["a", "b", "(unnamed)"]);
    });

    it("finds objects by id, name or a unique short-id prefix", () => {
      const { model, ev } = connected();
      const named = obj("Room", { name: "lobby" });
      const x = obj("Room", { id: "0123456789abcdef".repeat(4) });
      const y = obj("Room", { id: "01234567ffffffff".repeat(4) });
      model.applyEvents([ev.wake(named), ev.wake(x), ev.wake(y)]);
      assert.equal(model.findObject("Room", "lobby")?.ref.id, named.id);
      assert.equal(model.findObject("Room", named.id)?.ref.name, "lobby");
      assert.equal(model.findObject("Room", "0123456789…")?.ref.id, x.id);
      assert.equal(model.findObject("Room", "01234567…"), undefined, "ambiguous prefix");
      assert.equal(model.findObject("Scheduler", "lobby"), undefined);
    });

    it("notifies once per batch, naming the changed objects", () => {
      const { model, ev } = connected();
      const changes: ModelChange[] = [];
      const sub = model.onDidChange((c) => changes.push(c));
      const a = obj();
      const b = obj();
      model.applyEvents([ev.wake(a), ev.set(a, T0 + 1), ev.wake(b)]);
      model.applyEvents([ev.set(a, T0 + 2, { previous: T0 + 1 })]);
      model.setConnection({ kind: "connecting" });
      sub.dispose();
      model.applyEvents([ev.del(a)]);
      assert.deepEqual(
        changes.map((c) => [c.reason, [...c.objects].sort(), c.structural]),
        [
          ["events", [a, b].map((o) => `app/Room/${o.id}`).sort(), true],
          ["events", [`app/Room/${a.id}`], false],
          ["connection", [], false],
        ],
      );
    });

    it("clear() forgets objects but still de-duplicates a replay", () => {
      const { model, ev } = connected();
      const batch = [ev.wake(obj())];
      model.applyEvents(batch);
      model.clear();
      assert.equal(model.objects().length, 0);
      model.applyEvents(batch);
      assert.equal(model.objects().length, 0);
    });
  });
});
