import assert from "node:assert/strict";
import { AlarmModel } from "../../extension/model/alarmModel";
import { applyStatusUpdate, statusShown, statusUpdate } from "../../extension/views/statusText";
import type { StatusShown } from "../../extension/views/statusText";
import { EventBuilder, hello, obj, T0 } from "./builders";

const URL = "ws://127.0.0.1:8787/__alarm_inspector/v1";

/** A connected model, an event builder and an object. */
function connected(): { model: AlarmModel; b: EventBuilder; room: ReturnType<typeof obj> } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  model.setConnection({ kind: "connected", url: URL });
  return { model, b: new EventBuilder(T0), room: obj("Room", { name: "lobby" }) };
}

/** Sends `next` the way the item does and returns what the item then holds, with what was sent. */
function step(was: StatusShown | undefined, next: StatusShown | undefined, withTooltip: boolean) {
  const update = statusUpdate(was, next, withTooltip);
  return { update, now: update ? applyStatusUpdate(was, update) : was };
}

describe("status bar: the workbench is told only what changed", function () {
  it("shows everything the first time, then nothing while nothing changes", function () {
    const { model, b, room } = connected();
    model.applyEvents([b.set(room, T0 + 3_600_000)]);
    const first = step(undefined, statusShown(model, T0), true);
    assert.deepEqual(first.update, { text: "$(watch) Alarms: 1 pending", background: null, tooltip: first.now?.tooltip, show: true });
    assert.match(first.now?.tooltip ?? "", /^Connected: ws:\/\/127\.0\.0\.1:8787\S*\n\nRoom lobby: in 1h/);
    assert.equal(statusUpdate(first.now, statusShown(model, T0), true), undefined, "the same words again: no message");
    assert.equal(statusUpdate(first.now, statusShown(model, T0), false), undefined);
  });

  it("holds a change of the tooltip alone until the clock's tick, and sends it with any visible change", function () {
    const { model, b, room } = connected();
    model.applyEvents([b.set(room, T0 + 3_600_000)]);
    const shown = step(undefined, statusShown(model, T0), true).now;
    // The stream re-arms the alarm a little later: the count stays, the time in the tooltip moves.
    model.applyEvents([b.tick(90_000).set(room, T0 + 90_000 + 3_600_000)]);
    const moved = statusShown(model, T0 + 90_000);
    assert.notEqual(moved?.tooltip, shown?.tooltip, "the tooltip's words did change");
    assert.equal(statusUpdate(shown, moved, false), undefined, "a model change that moves only the tooltip sends nothing");
    assert.deepEqual(statusUpdate(shown, moved, true), { tooltip: moved?.tooltip }, "the tick sends the tooltip alone");
    // A second object: the count in the text changes, and the tooltip goes with it at once.
    model.applyEvents([b.set(obj("Room", { name: "attic" }), T0 + 90_000 + 60_000)]);
    const two = statusShown(model, T0 + 90_000);
    assert.deepEqual(statusUpdate(shown, two, false), { text: "$(watch) Alarms: 2 pending", tooltip: two?.tooltip });
  });

  it("sets and clears the warning background, and hides and shows the item again", function () {
    const { model } = connected();
    const shown = step(undefined, statusShown(model, T0), true).now;
    model.setConnection({ kind: "reconnecting", attempt: 1, since: T0 });
    const warned = step(shown, statusShown(model, T0), false);
    assert.equal(warned.update?.background, "statusBarItem.warningBackground");
    assert.equal(warned.update?.text, "$(sync~spin) Alarms: reconnecting (1)");
    model.setConnection({ kind: "connected", url: URL });
    const back = step(warned.now, statusShown(model, T0), false);
    assert.equal(back.update?.background, null, "back to the default background");
    model.setConnection({ kind: "disconnected" });
    model.clear();
    assert.equal(statusShown(model, T0), undefined, "disconnected with nothing known: hidden");
    const hidden = step(back.now, undefined, false);
    assert.deepEqual(hidden.update, { hide: true });
    assert.equal(statusUpdate(undefined, undefined, true), undefined, "hidden stays hidden without a message");
    assert.equal(step(hidden.now, back.now, false).update?.show, true, "shown again with all its parts");
  });
});
