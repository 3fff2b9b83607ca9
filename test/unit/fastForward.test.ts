import assert from "node:assert/strict";
import { planFastForward } from "../../extension/fastForward/plan";
import type { PendingItem } from "../../extension/fastForward/plan";

const item = (label: string, time: number, scheduleId?: string, key = label): PendingItem => ({
  key,
  target: { className: "C", name: key },
  objectId: key,
  label,
  time,
  ...(scheduleId !== undefined ? { scheduleId } : {}),
});

describe("fast-forward plan", function () {
  it("orders what is due in the window soonest first, leaves the rest, and fires a scheduler through its schedules", function () {
    const now = 1_000_000;
    const plan = planFastForward(
      [item("b", now + 2000), item("a", now + 2000), item("late", now + 61_000), item("overdue", now - 5000), item("agent", now + 500, undefined, "agent"), item("agent · s1", now + 500, "s1", "agent"), item("agent · s2", now + 90_000, "s2", "agent")],
      now,
      60_000,
    );
    assert.deepEqual(plan.steps.map((s) => s.label), ["overdue", "agent · s1", "a", "b"]);
    assert.deepEqual(plan.later.map((s) => s.label), ["late", "agent · s2"]);
    assert.equal(plan.until, now + 60_000);
  });
});
