import assert from "node:assert/strict";
import { COALESCE_MS, HOST_WINDOW_MS, RepaintScheduler } from "../../extension/views/repaintScheduler";
import type { Flush, SchedulerTimers } from "../../extension/views/repaintScheduler";
import { presentFrames } from "../../extension/common/stackTrace";
import { pendingDue } from "../../extension/model/status";
import { agoText } from "../../extension/views/describe";

/** A hand-driven clock: `advance` runs the timers that fall due, in order. */
class FakeTimers implements SchedulerTimers {
  t = 1000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

describe("tree repaints: one flush per action, never inside VS Code's 200 ms debounce window", function () {
  it("hands the events of one action over together, a few ms after the first", function () {
    const timers = new FakeTimers();
    const flushes: (Flush<string> & { at: number })[] = [];
    const s = new RepaintScheduler<string>((f) => flushes.push({ ...f, at: timers.t }), timers);
    s.request(["room"]);
    timers.advance(3);
    s.request(["room", "class"]);
    timers.advance(50);
    assert.equal(flushes.length, 1);
    assert.deepEqual([...flushes[0]!.nodes].sort(), ["class", "room"]);
    assert.equal(flushes[0]!.at - flushes[0]!.firstAskedAt, COALESCE_MS);
  });

  it("waits out the host's window after a flush (a clock tick's repaint), then hands the event over at once", function () {
    const timers = new FakeTimers();
    const at: number[] = [];
    const s = new RepaintScheduler<string>(() => at.push(timers.t), timers);
    s.request(["countdown"]);
    timers.advance(20);
    s.request(["room"]); // an event 12 ms after the clock's repaint
    timers.advance(500);
    assert.equal(at.length, 2);
    assert.equal(at[1]! - at[0]!, HOST_WINDOW_MS, "the second flush lands just after VS Code's debounce window");
    s.request(["room"]); // a quiet moment later: no wait beyond the coalescing
    const asked = timers.t;
    timers.advance(500);
    assert.equal(at[2]! - asked, COALESCE_MS);
  });

  it("a whole-tree refresh swallows the rows asked for with it", function () {
    const timers = new FakeTimers();
    const flushes: Flush<string>[] = [];
    const s = new RepaintScheduler<string>((f) => flushes.push(f), timers);
    s.request(["a"]);
    s.request();
    timers.advance(100);
    assert.equal(flushes.length, 1);
    assert.equal(flushes[0]!.all, true);
    s.request([]);
    timers.advance(1000);
    assert.equal(flushes.length, 1, "nothing asked for, nothing fired");
  });
});

describe("stack frames for a person: the user's frame first, the agent's wrappers not at all", function () {
  const entry = "file:///p/.wrangler/alarm-inspector/.wrangler/tmp/dev-x/entry.js";
  it("names the function and the user's file:line, and drops generated frames", function () {
    const frames = presentFrames(
      [
        { text: `at Room.alarm (${entry}:56:34)`, file: "/p/src/worker.ts", line: 48, column: 11, openable: true },
        { text: `at Room.alarm (${entry}:900:12)`, file: `${entry}`, line: 900, column: 12 },
        { text: "at async Promise.all (index 0)" },
        // The timeline marks the generated entry openable (it is a file in the workspace): still not the user's code.
        { text: `at async runAlarmAttempt (${entry}:1429:5)`, file: entry, line: 1429, column: 5, openable: true },
      ],
      (f) => f.replace("/p/", ""),
    );
    assert.deepEqual(frames.map((f) => f.text), ["Room.alarm (src/worker.ts:48)", "at async Promise.all (index 0)"]);
  });

  it("keeps a stack whole when nothing in it maps (no source map yet)", function () {
    const raw = [{ text: `at Room.alarm (${entry}:56:34)`, file: entry, line: 56 }];
    assert.deepEqual(presentFrames(raw, (f) => f), raw);
  });
});

describe("pending: one rule for the status bar and the class rows", function () {
  const base = { failureInjected: false, attempt: 1, window: null, overdueBy: null };
  it("counts a pending alarm and a retry to come, not a finished run", function () {
    const obj = (t: number | null) => ({ currentAlarm: { scheduledTime: t } }) as unknown as Parameters<typeof pendingDue>[0];
    assert.deepEqual(pendingDue(obj(5), { ...base, status: "scheduled", dueAt: 5 }), { dueAt: 5, kind: "alarm" });
    assert.deepEqual(pendingDue(obj(null), { ...base, status: "retrying", dueAt: 9 }), { dueAt: 9, kind: "retry" });
    assert.equal(pendingDue(obj(null), { ...base, status: "succeeded", dueAt: null }), null);
  });
});

describe("past times in steps that rarely repaint a row", function () {
  it("says just now, then tens of seconds, minutes, hours", function () {
    assert.deepEqual([-3_000, -9_999, -10_000, -59_000, -60_000, -61_000 * 5, -3_600_000 - 5 * 60_000, 2_000].map(agoText), [
      "just now",
      "just now",
      "10s ago",
      "50s ago",
      "1m ago",
      "5m ago",
      "1h 5m ago",
      "just now",
    ]);
  });
});
