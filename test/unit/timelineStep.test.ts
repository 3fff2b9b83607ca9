import assert from "node:assert/strict";
import type { AgentEvent, ObjectRef, StorageDeleteAllEvent, StoragePutEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { objectKey } from "../../extension/model/objectEntry";
import type { ObjectView } from "../../extension/model/types";
import type { StepDetail, ValueState } from "../../extension/shared/timelineMessages";
import { parseFrame, parseLocation, parseStack } from "../../extension/common/stackTrace";
import { stepDetail, storageBefore } from "../../extension/timeline/stepDetail";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

// ───────────────────────────── typed builders ─────────────────────────────

/** A model fed by one session; `apply` feeds it, `object` reads an object back. */
function scenario(options: ConstructorParameters<typeof AlarmModel>[0] = {}): {
  model: AlarmModel;
  ev: EventBuilder;
  apply: (...events: AgentEvent[]) => void;
  object: (ref: ObjectRef) => ObjectView;
} {
  const model = new AlarmModel(options);
  model.applyHello(hello(), T0);
  const ev = new EventBuilder();
  return {
    model,
    ev,
    apply: (...events) => model.applyEvents(events),
    object: (ref) => {
      const o = model.getObject(objectKey("app", ref.className, ref.id));
      assert.ok(o, "object not in the model");
      return o;
    },
  };
}

/** A put of several keys at once, with values given as preview text. */
function putMany(ev: EventBuilder, ref: ObjectRef, entries: Record<string, string>, inHandler = true): StoragePutEvent {
  const e = ev.put(ref, "_", null, { inHandler });
  e.entries = Object.entries(entries).map(([key, text]) => ({ key, value: { kind: "json", text, truncated: false } }));
  return e;
}

/** `storage.deleteAll()`, which the shared builders do not make. */
function deleteAll(ev: EventBuilder, ref: ObjectRef, inHandler: boolean): StorageDeleteAllEvent {
  return { seq: ++ev.seq, at: ev.at, object: ref, kind: "storage.deleteAll", origin: "user", inHandler };
}

const V8_STACK = [
  "Error: flaky job failed on attempt 1",
  "    at Instrumented.alarm (file:///work/app/.wrangler/tmp/dev-Ys89QI/entry.js:115:13)",
  "    at async Instrumented.alarm (file:///work/app/.wrangler/tmp/dev-Ys89QI/entry.js:1447:22)",
  "    at src/objects/flaky.ts:12",
  "    at new Room (C:\\work\\app\\src\\room.ts:7:3)",
  "    at Object.<anonymous> (<anonymous>)",
  "    at node:internal/process/task_queues:95:5",
].join("\n");

function text(v: ValueState): string {
  return v.state === "value" ? v.value.text : v.state;
}

function diffTable(d: StepDetail): string[] {
  return d.storage.map((c) => `${c.key}: ${text(c.before)} → ${text(c.after)}${c.writes > 1 ? ` (${c.writes} writes)` : ""}`);
}

// ───────────────────────────── tests ─────────────────────────────

describe("timeline step detail", () => {
  it("shows each attempt of a run: alarmInfo, trigger, duration, outcome, backoff and the window verdict", () => {
    const { ev, apply, object } = scenario();
    const job = obj("Room", { name: "flaky" });
    apply(ev.set(job, T0));
    apply(ev.start(job, { retryCount: 0 }), ev.tick(15).end(job, { outcome: "error", error: { name: "Error", message: "failed on attempt 1", stack: V8_STACK }, retry: retryYes(1, ev.at) }));
    ev.tick(2400);
    apply(ev.start(job, { retryCount: 1 }), ev.tick(30).end(job, { outcome: "ok" }));
    const o = object(job);
    const runId = o.runs[0]!.id;

    const first = stepDetail(o, runId, 0, 3)!;
    assert.equal(first.row, 3);
    assert.equal(first.objectLabel, "flaky");
    assert.deepEqual(first.run, { id: runId, state: "succeeded", scheduledTime: T0, trigger: "scheduled", attemptCount: 2, partial: false, superseded: false, start: T0, end: T0 + 2445 });
    assert.equal(first.attemptIndex, 0);
    assert.deepEqual(first.attempt.alarmInfo, { retryCount: 0, isRetry: false, scheduledTime: T0 });
    assert.equal(first.attempt.trigger, "scheduled");
    assert.equal(first.attempt.durationMs, 15);
    assert.equal(first.attempt.outcome, "error");
    assert.equal(first.attempt.backoffMs, null);
    assert.equal(first.attempt.expected, null);
    assert.deepEqual(first.attempt.retry, retryYes(1, T0 + 15));
    assert.equal(first.error?.message, "failed on attempt 1");
    assert.equal(first.error?.injected, false);
    assert.equal(first.error?.frames.length, 6, "the heading line is not repeated as a frame");

    const second = stepDetail(o, runId, 1, 3)!;
    assert.equal(second.attempt.number, 2);
    assert.equal(second.attempt.trigger, "retry");
    assert.deepEqual(second.attempt.alarmInfo, { retryCount: 1, isRetry: true, scheduledTime: T0 + 2415 });
    assert.equal(second.attempt.backoffMs, 2400);
    assert.deepEqual(second.attempt.expected, { earliest: T0 + 2015, latest: T0 + 3015, verdict: "inWindow" });
    assert.equal(second.attempt.outcome, "ok");
    assert.equal(second.error, null);

    // Out-of-range indexes clamp; an unknown run gives nothing.
    assert.equal(stepDetail(o, runId, 9, 3)!.attemptIndex, 1);
    assert.equal(stepDetail(o, "nope", 0, 3), undefined);
  });

  it("diffs storage per key: before is the last value seen earlier, or unknown", () => {
    const { ev, apply, object } = scenario();
    const room = obj();
    apply(putMany(ev, room, { a: "1", b: "2" }, false), ev.remove(room, ["c"]));
    ev.tick(10);
    apply(ev.start(room));
    apply(putMany(ev, room, { a: "10", c: "3", d: "4" }));
    apply(ev.remove(room, ["b"], { inHandler: true }));
    apply(putMany(ev, room, { a: "11" }));
    apply(ev.sql(room, "UPDATE t SET n = n + 1", { inHandler: true }));
    apply(ev.tick(5).end(room));
    const o = object(room);
    const d = stepDetail(o, o.runs[0]!.id, 0, 0)!;
    assert.deepEqual(diffTable(d), ["a: 1 → 11 (2 writes)", "b: 2 → absent", "c: absent → 3", "d: unknown → 4"]);
    assert.deepEqual(d.sql.map((s) => s.query), ["UPDATE t SET n = n + 1"]);
    assert.equal(d.deleteAll, 0);
    assert.equal(d.historyTrimmed, false);
  });

  it("takes before from earlier attempts too, and knows every key is absent after a deleteAll", () => {
    const { ev, apply, object } = scenario();
    const room = obj();
    apply(putMany(ev, room, { a: "1" }, false));
    apply(ev.start(room), putMany(ev, room, { a: "2" }), ev.end(room, { outcome: "error", retry: retryYes(1, ev.at) }));
    ev.tick(2500);
    apply(ev.start(room, { retryCount: 1 }), putMany(ev, room, { a: "3" }), ev.end(room));
    let o = object(room);
    assert.deepEqual(diffTable(stepDetail(o, o.runs[0]!.id, 1, 0)!), ["a: 2 → 3"]);

    ev.tick(1000);
    apply(deleteAll(ev, room, false));
    ev.tick(1000);
    apply(ev.start(room), putMany(ev, room, { z: "9" }), ev.end(room));
    o = object(room);
    assert.deepEqual(diffTable(stepDetail(o, o.runs[1]!.id, 0, 0)!), ["z: absent → 9"]);
  });

  it("turns a deleteAll inside the attempt into a deletion of every key known to exist", () => {
    const { ev, apply, object } = scenario();
    const room = obj();
    apply(putMany(ev, room, { a: "1", b: "2" }, false), ev.remove(room, ["gone"]));
    apply(ev.start(room), putMany(ev, room, { c: "3" }), deleteAll(ev, room, true), ev.end(room));
    const o = object(room);
    const d = stepDetail(o, o.runs[0]!.id, 0, 0)!;
    assert.equal(d.deleteAll, 1);
    assert.deepEqual(diffTable(d), ["a: 1 → absent", "b: 2 → absent", "c: unknown → absent (2 writes)"]);
  });

  it("says when history was trimmed, so an unknown before may only be forgotten", () => {
    const { ev, apply, object } = scenario({ maxEventsPerObject: 3 });
    const room = obj();
    apply(putMany(ev, room, { a: "1" }, false), ev.put(room, "x"), ev.put(room, "y"));
    apply(ev.start(room), putMany(ev, room, { a: "2" }), ev.end(room));
    const o = object(room);
    const d = stepDetail(o, o.runs[0]!.id, 0, 0)!;
    assert.equal(d.historyTrimmed, true);
    assert.deepEqual(diffTable(d), ["a: unknown → 2"]);
  });

  it("lists alarm calls made in the attempt, and counts omitted writes", () => {
    const { ev, apply, object } = scenario();
    const room = obj();
    const big = putMany(ev, room, { a: "1" });
    big.omitted = 4;
    apply(ev.start(room), big, ev.set(room, T0 + 5000, { inHandler: true }), ev.end(room));
    const o = object(room);
    const d = stepDetail(o, o.runs[0]!.id, 0, 0)!;
    assert.deepEqual(d.alarmCalls, [{ at: T0, kind: "set", scheduledTime: T0 + 5000, previous: null }]);
    assert.equal(d.omittedWrites, 4);
  });

  it("stops 'before' at the attempt's own start", () => {
    const { ev, apply, object } = scenario();
    const room = obj();
    apply(putMany(ev, room, { a: "1" }, false), ev.start(room), putMany(ev, room, { a: "2" }), ev.end(room));
    const o = object(room);
    assert.equal(text(storageBefore(o, o.runs[0]!.attempts[0]!).get("a")), "1");
  });

  it("keeps hostile text as data: values and messages are passed on unchanged, for the view to show as text", () => {
    const { ev, apply, object } = scenario();
    const room = obj();
    const xss = `<img src=x onerror="document.title='pwned'"></script><script>alert(1)</script>`;
    apply(ev.start(room), putMany(ev, room, { [xss]: JSON.stringify(xss) }), ev.end(room, { outcome: "error", error: { name: "Error", message: xss, stack: `Error: ${xss}\n    at ${xss} (x.js:1:1)` } }));
    const o = object(room);
    const d = stepDetail(o, o.runs[0]!.id, 0, 0)!;
    assert.equal(d.storage[0]!.key, xss);
    assert.equal(d.error!.message, xss);
    assert.equal(d.error!.frames[0]!.file, "x.js");
  });
});

describe("stack frames", () => {
  it("parses V8 frames into text, file, line and column", () => {
    const frames = parseStack(V8_STACK);
    assert.deepEqual(frames[0], {
      text: "at Instrumented.alarm (file:///work/app/.wrangler/tmp/dev-Ys89QI/entry.js:115:13)",
      file: "file:///work/app/.wrangler/tmp/dev-Ys89QI/entry.js",
      line: 115,
      column: 13,
    });
    assert.deepEqual(frames[2], { text: "at src/objects/flaky.ts:12", file: "src/objects/flaky.ts", line: 12 });
    assert.deepEqual(frames[3], { text: "at new Room (C:\\work\\app\\src\\room.ts:7:3)", file: "C:\\work\\app\\src\\room.ts", line: 7, column: 3 });
    assert.deepEqual(frames[4], { text: "at Object.<anonymous> (<anonymous>)" }, "no file to open");
    assert.deepEqual(frames[5], { text: "at node:internal/process/task_queues:95:5" }, "runtime internals are not files");
  });

  it("reads other engines' frames and keeps lines it cannot parse as text", () => {
    assert.deepEqual(parseFrame("alarm@http://x/y.js:3:4"), { text: "alarm@http://x/y.js:3:4", file: "http://x/y.js", line: 3, column: 4 });
    assert.deepEqual(parseStack("just a message\nspanning two lines"), [{ text: "just a message" }, { text: "spanning two lines" }]);
    assert.deepEqual(parseStack(undefined), []);
    assert.deepEqual(parseLocation("eval at <anonymous> (x.js:1:2), <anonymous>:1:1"), {});
  });

  it("drops a message heading that spans several lines", () => {
    assert.deepEqual(parseStack("Error: line one\nline two\n    at f (a.js:1:2)").map((f) => f.text), ["at f (a.js:1:2)"]);
  });
});
