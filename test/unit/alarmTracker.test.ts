/**
 * What the agent assumes about an object's pending alarm between reads (worker-agent/alarmTracker.ts): it knows only
 * what it saw, and forgets wherever the runtime may have acted unseen.
 */
import assert from "node:assert/strict";
import { AlarmTracker } from "../../worker-agent/alarmTracker";

describe("AlarmTracker", () => {
  it("knows nothing after a wake, then follows the calls it sees", () => {
    const t = new AlarmTracker();
    assert.equal(t.current(), undefined, "the first call after a wake must read");
    t.set(1_000);
    assert.equal(t.current(), 1_000);
    t.deleted();
    assert.equal(t.current(), null);
  });

  it("a time that is not a whole millisecond is not assumed (the runtime may round it)", () => {
    const t = new AlarmTracker();
    t.set(1_000.5);
    assert.equal(t.current(), undefined);
    t.set(Number.NaN);
    assert.equal(t.current(), undefined);
  });

  it("a run takes the alarm; a run that fails leaves a retry the agent cannot see", () => {
    const t = new AlarmTracker();
    t.set(1_000);
    t.runStarted();
    assert.equal(t.current(), null, "getAlarm() reads null while the handler runs");
    t.set(2_000);
    t.runEnded(true);
    assert.equal(t.current(), 2_000, "a successful run keeps what the handler set");
    t.runStarted();
    t.runEnded(false);
    assert.equal(t.current(), undefined);
  });

  it("forgets on demand, and never assumes once distrusted", () => {
    const t = new AlarmTracker();
    t.set(1_000);
    t.forget();
    assert.equal(t.current(), undefined);
    t.distrust();
    t.set(5_000);
    t.runStarted();
    assert.equal(t.current(), undefined);
  });
});
