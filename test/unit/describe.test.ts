import assert from "node:assert/strict";
import { AlarmModel } from "../../extension/model/alarmModel";
import { attemptText, countdown, runText, statusText, storageText } from "../../extension/views/describe";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

/** A model with one session; returns it with a builder whose clock starts at T0. */
function setup(): { model: AlarmModel; ev: EventBuilder } {
  const model = new AlarmModel();
  model.applyHello(hello({ sessionStartedAt: T0 }), T0);
  return { model, ev: new EventBuilder(T0) };
}

describe("describe: the words the views use", function () {
  it("counts down to a scheduled alarm and says when it is overdue", function () {
    const { model, ev } = setup();
    const room = obj("Reminder", { name: "r1" });
    model.applyEvents([ev.wake(room), ev.set(room, T0 + 130_000)]);
    const o = model.findObject("Reminder", "r1")!;
    assert.equal(statusText(model.status(o, T0), T0), "fires in 2m 10s");
    assert.equal(statusText(model.status(o, T0 + 135_000), T0 + 135_000), "overdue by 5s");
  });

  it("names the attempt and the retry window while a run is failing, then the final outcome", function () {
    const { model, ev } = setup();
    const job = obj("FlakyJob", { name: "f" });
    model.applyEvents([ev.set(job, T0 + 10), ev.tick(10).start(job, { retryCount: 0 }), ev.tick(5).end(job, { outcome: "error", error: { name: "Error", message: "boom" }, retry: retryYes(1, T0 + 15) })]);
    const o = model.findObject("FlakyJob", "f")!;
    const now = ev.at;
    const text = statusText(model.status(o, now), now);
    assert.match(text, /^retrying: attempt 2 of 7 in 2s–\d+s$/);
    const run = o.runs.at(-1)!;
    assert.equal(attemptText(run.attempts[0]!), "attempt 1 of 7 · failed in 5ms: boom");
    assert.equal(runText(run), "scheduled · retrying · 1 attempt");
  });

  it("counts down to the second under ten minutes, to the minute up to an hour, then in hours and minutes", function () {
    assert.equal(countdown(9 * 60_000 + 59_000), "in 9m 59s");
    assert.equal(countdown(19 * 60_000 + 36_000), "in 19m");
    assert.equal(countdown(19 * 60_000 + 1_000), "in 19m");
    assert.equal(countdown(89 * 60_000), "in 1h 29m");
    assert.equal(countdown(-5_000), "5s ago");
  });

  it("renders storage changes on one line, untruncated keys first", function () {
    const { model, ev } = setup();
    const b = obj("Batcher", { name: "b" });
    model.applyEvents([ev.put(b, "buffer", ["apple"]), ev.remove(b, ["a", "b"]), ev.sql(b, "INSERT INTO t\n  VALUES (1)")]);
    const recent = model.findObject("Batcher", "b")!.recentStorage;
    assert.deepEqual(recent.map(storageText), ['put buffer = ["apple"]', "delete a, b", "sql INSERT INTO t VALUES (1)"]);
  });
});
