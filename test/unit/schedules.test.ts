import assert from "node:assert/strict";
import { checkCommand, isAgentEvent, isScheduleEvent } from "../../protocol/protocol";
import type { ObjectRef, ScheduleEndEvent, ScheduleEvent, ScheduleSetEvent, WireEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { isSchedulerBookkeeping, MAX_RUNS, ScheduleBook } from "../../extension/model/schedules";
import { scheduleProblems } from "../../extension/model/scheduleProblems";
import { scheduleRunText, scheduleText } from "../../extension/views/describe";
import { entrySource } from "../../launcher/generate";
import { parseScheduleConfig } from "../../launcher/scheduleConfig";
import { EventBuilder, hello, obj, T0 } from "./builders";

/** Schedule events as the agent sends them, numbered and stamped by the same clock as the other builders. */
class ScheduleEvents {
  constructor(private readonly ev: EventBuilder) {}

  private head(object: ObjectRef, scheduleId: string, callback: string) {
    return { seq: ++this.ev.seq, at: this.ev.at, object, scheduleId, callback, source: "agents" as const };
  }

  set(object: ObjectRef, scheduleId: string, callback: string, time: number, o: Partial<ScheduleSetEvent> = {}): ScheduleSetEvent {
    return {
      kind: "schedule.set",
      ...this.head(object, scheduleId, callback),
      change: "created",
      scheduleKind: "delayed",
      time,
      payload: { kind: "json", text: '{"who":"ada"}', truncated: false },
      origin: "user",
      ...o,
    };
  }

  start(object: ObjectRef, scheduleId: string, callback: string, attempt = 1, maxAttempts = 3): ScheduleEvent {
    return { kind: "schedule.start", ...this.head(object, scheduleId, callback), attempt, maxAttempts };
  }

  end(object: ObjectRef, scheduleId: string, callback: string, o: Partial<ScheduleEndEvent> = {}): ScheduleEndEvent {
    return { kind: "schedule.end", ...this.head(object, scheduleId, callback), attempt: 1, maxAttempts: 3, outcome: "ok", ...o };
  }

  cancel(object: ObjectRef, scheduleId: string, callback: string): ScheduleEvent {
    return { kind: "schedule.cancel", ...this.head(object, scheduleId, callback), origin: "user" };
  }
}

function setup() {
  const model = new AlarmModel();
  model.applyHello(hello({ sessionStartedAt: T0 }), T0);
  const ev = new EventBuilder(T0);
  return { model, ev, sch: new ScheduleEvents(ev) };
}

describe("schedules behind the alarm: model", function () {
  it("keeps pending schedules in time order, and marks the one the alarm is armed for", function () {
    const { model, ev, sch } = setup();
    const agent = obj("Planner", { name: "p" });
    model.applyEvents([
      sch.set(agent, "b", "tick", T0 + 60_000, { scheduleKind: "cron", cron: "* * * * *" }),
      sch.set(agent, "a", "remind", T0 + 5_000),
      ev.set(agent, T0 + 5_000),
    ]);
    const o = model.findObject("Planner", "p")!;
    assert.deepEqual(model.schedules.pendingOf(o.key).map((s) => s.id), ["a", "b"]);
    assert.equal(model.schedules.armedFor(o.key, o.currentAlarm.scheduledTime)?.id, "a");
    // The SDK's 30 s fallback alarm is armed for no schedule: nothing is marked.
    assert.equal(model.schedules.armedFor(o.key, T0 + 30_000), undefined);
  });

  it("keeps schedule events out of the object's event history (the timeline sees only what it knows)", function () {
    const { model, sch } = setup();
    const agent = obj("Planner", { name: "p" });
    model.applyEvents([sch.set(agent, "a", "remind", T0 + 5_000)]);
    const o = model.findObject("Planner", "p")!;
    assert.equal(o.history.length, 0);
    assert.equal(model.totalEvents, 0);
    assert.equal(model.stats.ignored, 0, "a schedule event is not an unknown kind to this build");
  });

  it("shows a run whose callback failed every attempt as failed, with each attempt", function () {
    const { model, ev, sch } = setup();
    const agent = obj("Planner", { name: "p" });
    model.applyEvents([
      sch.set(agent, "x", "explode", T0 + 1000),
      ev.tick(1000).start(agent, { retryCount: 0 }),
      sch.start(agent, "x", "explode", 1),
      sch.end(agent, "x", "explode", { attempt: 1, outcome: "error", final: false, error: { name: "Error", message: "attempt 1 failed" } }),
      sch.start(agent, "x", "explode", 2),
      sch.end(agent, "x", "explode", { attempt: 2, outcome: "error", final: false }),
      sch.start(agent, "x", "explode", 3),
      sch.end(agent, "x", "explode", { attempt: 3, outcome: "error", final: true, error: { name: "Error", message: "explode: always" } }),
      ev.tick(5).end(agent, { outcome: "ok" }),
    ]);
    const o = model.findObject("Planner", "p")!;
    const s = model.schedules.get(o.key, "x")!;
    assert.equal(s.runs.length, 1);
    assert.equal(s.runs[0]!.outcome, "error", "failed, though the alarm attempt ended ok");
    assert.deepEqual(s.runs[0]!.attempts.map((a) => [a.attempt, a.outcome]), [[1, "error"], [2, "error"], [3, "error"]]);
    assert.equal(s.status, "done", "a one-shot the SDK gave up on is gone");
    assert.equal(scheduleRunText(s.runs[0]!), "failed after attempt 3 of 3: explode: always");
  });

  it("moves a recurring schedule to its next time after a run, and keeps at most MAX_RUNS runs", function () {
    const { model, ev, sch } = setup();
    const agent = obj("Planner", { name: "p" });
    const events: WireEvent[] = [sch.set(agent, "c", "tick", T0 + 1000, { scheduleKind: "cron", cron: "* * * * *" })];
    for (let i = 0; i < MAX_RUNS + 5; i++) {
      ev.tick(60_000);
      events.push(sch.start(agent, "c", "tick"), sch.end(agent, "c", "tick", { next: ev.at + 60_000 }));
    }
    model.applyEvents(events);
    const s = model.schedules.get(model.findObject("Planner", "p")!.key, "c")!;
    assert.equal(s.runs.length, MAX_RUNS);
    assert.equal(s.status, "pending");
    assert.equal(s.time, ev.at + 60_000);
  });

  it("shows a cancelled schedule as cancelled, after the pending ones", function () {
    const { model, sch } = setup();
    const agent = obj("Planner", { name: "p" });
    model.applyEvents([sch.set(agent, "a", "remind", T0 + 5_000), sch.set(agent, "b", "remind", T0 + 9_000), sch.cancel(agent, "a", "remind")]);
    const key = model.findObject("Planner", "p")!.key;
    assert.deepEqual(model.schedules.schedulesOf(key).map((s) => [s.id, s.status]), [["b", "pending"], ["a", "cancelled"]]);
  });

  it("finds schedules starved by an alarm armed later than they are due", function () {
    const book = new ScheduleBook();
    const ev = new EventBuilder(T0);
    const sch = new ScheduleEvents(ev);
    const ref = obj("Scheduler", { name: "s" });
    book.apply("k", sch.set(ref, "event:a", "a", T0 + 1000));
    book.apply("k", sch.set(ref, "event:b", "b", T0 + 600_000));
    assert.deepEqual(book.starved("k", T0 + 600_000, T0 + 60_000).map((s) => s.id), ["event:a"]);
    assert.deepEqual(book.starved("k", T0 + 1000, T0 + 60_000), [], "an alarm due for it is not starving it");
  });

  it("says a schedule's countdown, kind, the armed mark and its last run in one line", function () {
    const book = new ScheduleBook();
    const ev = new EventBuilder(T0);
    const sch = new ScheduleEvents(ev);
    const ref = obj("Planner", { name: "p" });
    book.apply("k", sch.set(ref, "a", "remind", T0 + 12_000));
    assert.equal(scheduleText(book.get("k", "a")!, T0, true), "in 12s · delayed · alarm armed for it");
    book.apply("k", sch.set(ref, "c", "tick", T0 + 60_000, { scheduleKind: "cron", cron: "0 9 * * 1" }));
    book.apply("k", sch.start(ref, "c", "tick"));
    book.apply("k", sch.end(ref, "c", "tick", { outcome: "error", final: true, next: T0 + 120_000, error: { name: "Error", message: "x" } }));
    assert.equal(scheduleText(book.get("k", "c")!, T0, false), "in 2m · cron 0 9 * * 1 · last run failed");
  });

  it("folds the SDK's own SQL and keys, not the user's", function () {
    const ev = new EventBuilder(T0);
    const ref = obj("Planner");
    assert.equal(isSchedulerBookkeeping(ev.sql(ref, "UPDATE cf_agents_jobs SET running = 1 WHERE id = ?")), true);
    assert.equal(isSchedulerBookkeeping(ev.put(ref, "cf_agents:schema_version", 14)), true);
    assert.equal(isSchedulerBookkeeping(ev.sql(ref, "INSERT INTO notes VALUES (?)")), false);
    assert.equal(isSchedulerBookkeeping(ev.put(ref, "ran", [])), false);
  });
});

describe("schedules behind the alarm: protocol", function () {
  const target = { className: "Planner", name: "p" };

  it("checks the schedule commands and says what is wrong in one line", function () {
    assert.deepEqual(checkCommand({ type: "command", id: 1, op: "scheduleRunNow", target, scheduleId: "abc" }), {
      ok: true,
      command: { type: "command", id: 1, op: "scheduleRunNow", target, scheduleId: "abc" },
    });
    assert.deepEqual(checkCommand({ type: "command", id: 2, op: "scheduleCancel", target }), {
      ok: false,
      id: 2,
      error: '"scheduleId" must be the id of a schedule (a non-empty string)',
    });
    assert.deepEqual(checkCommand({ type: "command", id: 3, op: "scheduleReschedule", target, scheduleId: "a", time: "soon" }), {
      ok: false,
      id: 3,
      error: '"time" must be a time in ms since the epoch',
    });
    const ok = checkCommand({ type: "command", id: 4, op: "scheduleReschedule", target, scheduleId: "a", time: 1.5e12 + 0.7 });
    assert.ok(ok.ok && ok.command.op === "scheduleReschedule" && ok.command.time === 1.5e12);
  });

  it("tells schedule events apart; an older build's isAgentEvent still skips them", function () {
    const sch = new ScheduleEvents(new EventBuilder(T0));
    const e = sch.set(obj("Planner"), "a", "remind", T0);
    assert.equal(isScheduleEvent(e), true);
    assert.equal(isAgentEvent(e), false, "not an alarm event: clients that only know those skip it");
    assert.equal(isScheduleEvent({ ...e, scheduleId: 5 }), false);
  });
});

describe("schedules behind the alarm: alarm-inspector.json", function () {
  it("reads the described schedulers and refuses mistakes in one line naming the field", function () {
    const path = "/p/alarm-inspector.json";
    assert.deepEqual(parseScheduleConfig('{ "schedules": [{ "className": "Jobs", "prefix": "job:", "timeField": "at", }] }', path), [
      { className: "Jobs", prefix: "job:", timeField: "at" },
    ]);
    assert.throws(() => parseScheduleConfig('{ "schedules": [{ "prefix": "job:" }] }', path), {
      message: `${path}: schedules[0].timeField is required (the field holding the run time in ms, e.g. "runAt")`,
    });
    assert.throws(() => parseScheduleConfig('{ "schedules": [{ "prefix": "job:", "timeField": "at", "when": 1 }] }', path), /unknown field "when"/);
    assert.throws(() => parseScheduleConfig("{ nope", path), /not valid JSON/);
    assert.throws(() => parseScheduleConfig("[]", path), /expected an object/);
  });

  it("passes them to the agent in the generated entry only when given", function () {
    const base = { classes: [], worker: "w", token: "t", agentPath: "/a/dist/agent.mjs", bufferSize: 10 };
    const loaded = { path: "/p/wrangler.jsonc", dir: "/p", config: {} } as unknown as Parameters<typeof entrySource>[0]["loaded"];
    assert.doesNotMatch(entrySource({ ...base, loaded }, "/p/.wrangler/alarm-inspector", "/p/src/index.ts"), /schedules/);
    const withPatterns = entrySource({ ...base, loaded, schedules: [{ prefix: "job:", timeField: "at" }] }, "/p/.wrangler/alarm-inspector", "/p/src/index.ts");
    assert.match(withPatterns, /"schedules":\[\{"prefix":"job:","timeField":"at"\}\]/);
  });
});

describe("schedules behind the alarm: problems", function () {
  function book() {
    const b = new ScheduleBook();
    const sch = new ScheduleEvents(new EventBuilder(T0));
    return { b, sch, ref: obj("Planner", { name: "p" }) };
  }

  it("a callback missing from the class", function () {
    const { b, sch, ref } = book();
    b.apply("k", sch.set(ref, "a", "sendReminder", T0 + 60_000, { missingCallback: true }));
    assert.deepEqual(scheduleProblems(b.get("k", "a")!, T0 + 60_000, T0).map((p) => p.code), ["missing-callback"]);
  });

  it("a due schedule starved by an alarm armed later, or by none", function () {
    const { b, sch, ref } = book();
    b.apply("k", sch.set(ref, "a", "remind", T0 + 1000));
    const s = b.get("k", "a")!;
    assert.deepEqual(scheduleProblems(s, T0 + 3_600_000, T0 + 60_000).map((p) => p.code), ["starved"]);
    assert.match(scheduleProblems(s, null, T0 + 60_000)[0]!.message, /no alarm is set/);
    assert.deepEqual(scheduleProblems(s, T0 + 1000, T0 + 60_000), [], "armed for it: only late, not starved");
    assert.deepEqual(scheduleProblems(s, T0 + 3_600_000, T0 + 3000), [], "within the grace");
  });

  it("a cron failing every run, and an SDK retry policy exhausted", function () {
    const { b, sch, ref } = book();
    b.apply("k", sch.set(ref, "c", "digest", T0 + 1000, { scheduleKind: "cron", cron: "* * * * *" }));
    for (let i = 0; i < 2; i++) {
      b.apply("k", sch.start(ref, "c", "digest", 1, 1));
      b.apply("k", sch.end(ref, "c", "digest", { attempt: 1, maxAttempts: 1, outcome: "error", final: true, next: T0 + 120_000, error: { name: "Error", message: "boom" } }));
    }
    const problems = scheduleProblems(b.get("k", "c")!, T0 + 120_000, T0);
    assert.deepEqual(problems.map((p) => p.code), ["failing-every-run", "retries-exhausted"]);
    assert.equal(problems[1]!.message, "the SDK gave up after 1 attempt (boom); it tries again at the next run");
  });
});
