import assert from "node:assert/strict";
import { checkCommand, isAgentEvent, isHoldEvent } from "../../protocol/protocol";
import type { AlarmHeldEvent, AlarmReleasedEvent, ObjectRef } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { holdFlags, holdText } from "../../extension/views/holdText";
import { EventBuilder, hello, obj, T0 } from "./builders";

function held(ev: EventBuilder, object: ObjectRef, retryCount: number): AlarmHeldEvent {
  return { kind: "alarm.held", seq: ++ev.seq, at: ev.at, object, mode: "hold", alarmInfo: { retryCount, isRetry: retryCount > 0 }, trigger: retryCount > 0 ? "retry" : "scheduled" };
}

function released(ev: EventBuilder, object: ObjectRef): AlarmReleasedEvent {
  return { kind: "alarm.released", seq: ++ev.seq, at: ev.at, object, decision: "continue", by: "editor", heldMs: 1000 };
}

describe("holds: held attempts in the model and on the tree row", function () {
  it("shows an attempt held from alarm.held until alarm.released, and forgets holds when the connection drops", function () {
    const model = new AlarmModel();
    model.applyHello(hello({ sessionStartedAt: T0 }), T0);
    const ev = new EventBuilder(T0);
    const room = obj("Room", { name: "r" });
    model.applyEvents([ev.wake(room)]);
    const key = model.objects()[0]!.key;
    assert.equal(model.noteHold({ className: "Room", name: "r" }, { armed: true, held: false, mode: "hold" }), true);
    assert.equal(holdText(model.holds.get(key), T0), "hold armed for next attempt · ");
    assert.deepEqual(holdFlags(model.holds.get(key)), ["holdArmed"]);
    model.applyEvents([held(ev.tick(100), room, 2)]);
    assert.deepEqual(model.holds.heldKeys(), [key]);
    assert.equal(holdText(model.holds.get(key), ev.at + 12_000), "⏸ held 12s · retry 2 of 6 · ");
    assert.deepEqual(holdFlags(model.holds.get(key)), ["held"]);
    model.applyEvents([released(ev.tick(100), room)]);
    assert.equal(model.holds.get(key), undefined);
    model.applyEvents([held(ev.tick(100), room, 0)]);
    model.setConnection({ kind: "reconnecting", attempt: 1, since: ev.at });
    assert.deepEqual(model.holds.heldKeys(), []);
  });

  it("keeps hold events out of AgentEvent, so older clients skip them, and checks hold commands", function () {
    const ev = new EventBuilder(T0);
    const e = held(ev, obj("Room"), 0);
    assert.equal(isAgentEvent(e), false);
    assert.equal(isHoldEvent(e), true);
    const target = { className: "Room", name: "r" };
    assert.deepEqual(checkCommand({ type: "command", id: 1, op: "holdNext", target }), {
      ok: true,
      command: { type: "command", id: 1, op: "holdNext", target, mode: "hold", armed: true },
    });
    const bad = checkCommand({ type: "command", id: 2, op: "holdRelease", target, decision: "maybe" });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? "" : bad.error, /"decision" must be "continue", "fail" or "skip"/);
  });
});
