/**
 * Schedules behind the alarm, on real `wrangler dev` through the launcher: an Agents SDK 0.32 agent
 * (test/fixtures/agents-schedules) and the docs' "many events, one alarm" pattern (the examples' `Scheduler`).
 * The events asserted are what the agent saw the real SDK and the real runtime do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type {
  ScheduleCancelEvent,
  ScheduleCommandResult,
  ScheduleEndEvent,
  ScheduleEvent,
  ScheduleSetEvent,
  ScheduleStartEvent,
  AlarmDeleteEvent,
  AlarmEndEvent,
  AlarmSetEvent,
  AlarmStartEvent,
  WireEvent,
} from "../../protocol/protocol";
import { EXAMPLES, FIXTURES, freePort, json, launch, plainWrangler, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const DIR = join(FIXTURES, "agents-schedules");

interface Schedule {
  id: string;
  callback: string;
  type: string;
  time: number;
  payload?: unknown;
}

function schedulesIn(events: WireEvent[]): ScheduleEvent[] {
  return events.filter((e): e is ScheduleEvent => e.kind.startsWith("schedule."));
}

describe("schedules behind the alarm (Agents SDK 0.32) under alarm-inspector dev", function () {
  let session: Launched;
  let rec: Recorder;
  let base: string;
  const agent = (name: string, action: string) => json<unknown>(`${base}/p/${name}/${action}`);

  before(async function () {
    session = await launch(DIR, { port: await freePort() });
    base = session.url;
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("reports each kind of schedule as it is created: callback, kind, next time and payload", async function () {
    const delayed = (await agent("kinds", "delayed?s=600&who=grace")) as Schedule;
    const at = Date.now() + 3_600_000;
    const dated = (await agent("kinds", `at?ms=${at}&who=ada`)) as Schedule;
    const cron = (await agent("kinds", "cron?expr=*/5%20*%20*%20*%20*")) as Schedule;
    const every = (await agent("kinds", "every?s=900")) as Schedule;
    const sets = await waitFor("four schedule.set", () => {
      const all = [delayed, dated, cron, every].map((s) => rec.schedule("schedule.set", s.id)[0]);
      return all.every(Boolean) ? (all as ScheduleSetEvent[]) : undefined;
    });
    assert.deepEqual(
      sets.map((e) => [e.callback, e.scheduleKind, e.change, e.source, e.object.name]),
      [
        ["remind", "delayed", "created", "agents", "kinds"],
        ["remind", "date", "created", "agents", "kinds"],
        ["tick", "cron", "created", "agents", "kinds"],
        ["tick", "interval", "created", "agents", "kinds"],
      ],
    );
    // The SDK's own answer is the reference for each next time (it answers in seconds; the table keeps ms).
    for (const [e, s] of sets.map((e, i) => [e, [delayed, dated, cron, every][i]!] as const)) {
      assert.equal(Math.floor(e.time / 1000), s.time, `${e.callback} ${e.scheduleKind}: next time as the SDK says`);
    }
    assert.equal(sets[0]!.payload.text, '{"who":"grace"}');
    assert.equal(sets[0]!.delaySeconds, 600);
    assert.equal(sets[2]!.cron, "*/5 * * * *");
    assert.equal(sets[3]!.intervalSeconds, 900);
    assert.equal(sets[0]!.maxAttempts, 3, "the SDK's default retry policy: 3 attempts");
  });

  it("shows a run: start and end ok, done (next null), and the callback really ran", async function () {
    const s = (await agent("run", "delayed?s=1&who=lin")) as Schedule;
    const end = await waitFor("the run's end", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    const start = rec.schedule("schedule.start", s.id)[0]!;
    assert.deepEqual([start.attempt, start.maxAttempts], [1, 3]);
    assert.deepEqual([end.outcome, end.attempt, end.next], ["ok", 1, null]);
    assert.ok(start.seq < end.seq);
    assert.deepEqual(await agent("run", "ran"), ["remind:lin"]);
  });

  it("shows a callback that throws as failed, attempt k of the SDK's max, while the alarm attempt ends ok", async function () {
    const s = (await agent("fail", "failing?s=1&attempts=3")) as Schedule;
    const ends = await waitFor("three failed attempts", () => {
      const e = rec.schedule("schedule.end", s.id);
      return e.length >= 3 ? e : undefined;
    }, 20_000);
    assert.deepEqual(ends.map((e) => [e.attempt, e.maxAttempts, e.outcome, e.final]), [
      [1, 3, "error", false],
      [2, 3, "error", false],
      [3, 3, "error", true],
    ]);
    assert.equal(ends[2]!.error?.message, "explode: always", "the SDK's own message for its last attempt");
    assert.deepEqual(rec.schedule("schedule.start", s.id).map((e) => e.attempt), [1, 2, 3]);
    // The platform's attempt around it: ok, because the SDK caught the error. The inspector still says failed.
    const alarmEnd = rec.events.find((e): e is AlarmEndEvent => e.kind === "alarm.end" && e.object.name === "fail" && e.seq > ends[2]!.seq);
    assert.equal(alarmEnd?.outcome, "ok");
  });

  it("shows an SDK retry that succeeds: attempt 1 failed, attempt 2 ok", async function () {
    const s = (await agent("flaky", "flaky?s=1")) as Schedule;
    const ends = await waitFor("the second attempt", () => {
      const e = rec.schedule("schedule.end", s.id);
      return e.length >= 2 ? e : undefined;
    }, 20_000);
    assert.deepEqual(ends.map((e) => [e.attempt, e.outcome]), [[1, "error"], [2, "ok"]]);
    assert.equal(ends[1]!.next, null);
    assert.deepEqual(await agent("flaky", "ran"), ["flaky"]);
  });

  it("reports the user's cancelSchedule as schedule.cancel", async function () {
    const s = (await agent("cancel", "delayed?s=600")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    assert.equal(await agent("cancel", `cancel?id=${s.id}`), true);
    const cancel = await waitFor("its cancel", () => rec.schedule("schedule.cancel", s.id)[0]);
    assert.deepEqual([cancel.origin, cancel.callback], ["user", "remind"]);
  });

  it("Run now: makes the schedule due and fires the alarm, and the SDK runs it its own way", async function () {
    const s = (await agent("runnow", "delayed?s=3600&who=kay")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    const result = (await rec.client.send({ op: "scheduleRunNow", target: { className: "Planner", name: "runnow" }, scheduleId: s.id })) as ScheduleCommandResult;
    assert.equal(result.scheduleId, s.id);
    assert.match(result.wrote[0]!, new RegExp(`^UPDATE cf_agents_jobs SET time = \\d+ WHERE id = '${s.id}'$`));
    assert.match(result.wrote[1]!, /^setAlarm\(\d+\)$/);
    const end = await waitFor("the run", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    assert.equal(end.outcome, "ok");
    const moved = rec.schedule("schedule.set", s.id).find((e) => e.change === "changed");
    assert.equal(moved?.origin, "inspector", "the move is the inspector's write, said so");
    assert.deepEqual(await agent("runnow", "ran"), ["remind:kay"]);
  });

  it("Run now on a cron schedule runs it once and keeps it at its next cron time", async function () {
    const s = (await agent("cronnow", "cron?expr=0%200%201%201%20*")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    await rec.client.send({ op: "scheduleRunNow", target: { className: "Planner", name: "cronnow" }, scheduleId: s.id });
    const end = await waitFor("the run", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    assert.equal(end.outcome, "ok");
    assert.ok(typeof end.next === "number" && end.next > Date.now(), "a cron schedule lives on at its next time");
    const list = (await agent("cronnow", "list")) as Schedule[];
    assert.deepEqual(list.map((x) => x.id), [s.id]);
  });

  it("Cancel goes through the SDK's own cancelSchedule", async function () {
    const s = (await agent("cmdcancel", "delayed?s=3600")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    const result = (await rec.client.send({ op: "scheduleCancel", target: { className: "Planner", name: "cmdcancel" }, scheduleId: s.id })) as ScheduleCommandResult;
    assert.deepEqual(result, { scheduleId: s.id, time: null, wrote: [`cancelSchedule("${s.id}") (the SDK's own API)`] });
    const cancel: ScheduleCancelEvent = await waitFor("its cancel", () => rec.schedule("schedule.cancel", s.id)[0]);
    assert.equal(cancel.origin, "inspector");
    assert.deepEqual(await agent("cmdcancel", "list"), []);
  });

  it("Reschedule moves the schedule where the SDK reads it", async function () {
    const s = (await agent("resched", "delayed?s=3600")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    const time = Date.now() + 7_200_000;
    const result = (await rec.client.send({ op: "scheduleReschedule", target: { className: "Planner", name: "resched" }, scheduleId: s.id, time })) as ScheduleCommandResult;
    assert.equal(result.time, time);
    const list = (await agent("resched", "list")) as Schedule[];
    assert.equal(list[0]!.time, Math.floor(time / 1000), "the SDK reads the new time");
    const moved = await waitFor("its change", () => rec.schedule("schedule.set", s.id).find((e) => e.change === "changed"));
    assert.deepEqual([moved.time, moved.origin], [time, "inspector"]);
  });

  it("refuses a schedule command for a schedule the object does not have, in one line", async function () {
    await agent("nosuch", "list");
    await assert.rejects(
      rec.client.send({ op: "scheduleRunNow", target: { className: "Planner", name: "nosuch" }, scheduleId: "nope" }),
      /no schedule "nope" in this object/,
    );
  });

  it("marks the SDK's own alarm calls (fallback, re-arm) with the schedules they serve, and not the user's own setAlarm", async function () {
    const s = (await agent("books", "delayed?s=1&who=bo")) as Schedule;
    await waitFor("the run's end", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    const own = Date.now() + 7_200_000;
    assert.equal(await agent("books", `own?ms=${own}`), true);
    const calls = await waitFor("the user's own set", () => {
      const all = rec.about("Planner", "books", "alarm.set", "alarm.delete", "alarm.start") as (AlarmSetEvent | AlarmDeleteEvent | AlarmStartEvent)[];
      return all.some((e) => e.kind === "alarm.set" && e.scheduledTime === own) ? all : undefined;
    });
    const described = calls.map((e) =>
      e.kind === "alarm.start" ? ["start"] : [e.kind === "alarm.set" ? "set" : "delete", e.scheduler?.reason ?? "user", e.scheduler?.scheduleIds ?? []],
    );
    // As agents 0.32 does it: re-arm on schedule(); in alarm(), two 30 s fallbacks (startup, then before the due jobs)
    // guarding the due schedule; after it ran, a re-arm that deletes (nothing left). Then the user's own call, unmarked.
    assert.deepEqual(described, [
      ["set", "rearm", [s.id]],
      ["start"],
      ["set", "fallback", [s.id]],
      ["set", "fallback", [s.id]],
      ["delete", "rearm", []],
      ["set", "user", []],
    ]);
    const fallback = calls[2] as AlarmSetEvent;
    assert.equal(fallback.scheduler?.source, "agents");
    assert.ok(fallback.scheduledTime - fallback.at >= 29_000, "the fallback is armed about 30 s out");
    assert.equal((calls[5] as AlarmSetEvent).origin, "user");
  });

  it("keeps starts and ends of one run in order, inside the alarm attempt that ran it", function () {
    const starts = schedulesIn(rec.events).filter((e): e is ScheduleStartEvent => e.kind === "schedule.start");
    assert.ok(starts.length > 0);
    for (const start of starts) {
      const attemptStart = [...rec.events].reverse().find((e) => e.kind === "alarm.start" && e.object.id === start.object.id && e.seq < start.seq);
      assert.ok(attemptStart, `${start.callback}'s run began inside an alarm attempt`);
      const end = schedulesIn(rec.events).find((e): e is ScheduleEndEvent => e.kind === "schedule.end" && e.scheduleId === start.scheduleId && e.attempt === start.attempt);
      const attemptEnd = rec.events.find((e) => e.kind === "alarm.end" && e.object.id === start.object.id && e.seq > start.seq);
      if (end && attemptEnd) assert.ok(end.seq < attemptEnd.seq, "the run ended before the attempt that ran it");
    }
  });
});

describe("the docs' many-events-one-alarm pattern (the examples' Scheduler) under alarm-inspector dev", function () {
  let session: Launched;
  let rec: Recorder;

  before(async function () {
    session = await launch(EXAMPLES, { port: await freePort() });
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("shows each stored event as a schedule, its runs, and Run now on one of them", async function () {
    const base = session.url;
    await json(`${base}/scheduler/docs/schedule?id=soon&inMs=1000`, { method: "POST" });
    await json(`${base}/scheduler/docs/schedule?id=later&inMs=3600000`, { method: "POST" });
    const [soon, later] = await waitFor("both events as schedules", () => {
      const sets = schedulesIn(rec.events).filter((e): e is ScheduleSetEvent => e.kind === "schedule.set" && e.object.name === "docs");
      const a = sets.find((e) => e.scheduleId === "event:soon");
      const b = sets.find((e) => e.scheduleId === "event:later");
      return a && b ? [a, b] : undefined;
    });
    assert.deepEqual([soon.source, soon.callback, soon.scheduleKind], ["pattern", "soon", "date"]);
    assert.ok(later.time - later.at > 3_500_000);
    const end = await waitFor("soon's run", () => rec.schedule("schedule.end", "event:soon")[0], 20_000);
    assert.deepEqual([end.outcome, end.next], ["ok", null]);

    const result = (await rec.client.send({ op: "scheduleRunNow", target: { className: "Scheduler", name: "docs" }, scheduleId: "event:later" })) as ScheduleCommandResult;
    assert.match(result.wrote[0]!, /^put\("event:later", \{ …, runAt: \d+ \}\)$/);
    assert.match(result.wrote[1]!, /^setAlarm\(\d+\)$/);
    await waitFor("later's run", () => rec.schedule("schedule.end", "event:later")[0], 20_000);
    const state = await json<{ ran: string[]; events: unknown[] }>(`${base}/scheduler/docs`);
    assert.deepEqual(state.ran, ["soon", "later"]);
    assert.deepEqual(state.events, []);
  });
});

describe("an Agents SDK agent answers the same with and without the inspector", function () {
  it("same responses and the same schedule rows, apart from their random ids and times", async function () {
    this.timeout(300_000);
    const script = async (base: string) => {
      const call = (a: string) => json<unknown>(`${base}/p/conf/${a}`);
      const out: unknown[] = [];
      const strip = (s: unknown) => {
        const { id: _id, time: _time, ...rest } = s as Schedule;
        return rest;
      };
      out.push(strip(await call("delayed?s=3600&who=x")));
      out.push(strip(await call("cron?expr=0%200%201%201%20*")));
      const failing = (await call("failing?s=1&attempts=2")) as Schedule;
      out.push(strip(failing));
      const flaky = (await call("flaky?s=1")) as Schedule;
      out.push(strip(flaky));
      await waitFor("both due schedules to run", async () => {
        const list = (await call("list")) as Schedule[];
        return list.every((s) => s.id !== failing.id && s.id !== flaky.id);
      }, 20_000);
      out.push(((await call("list")) as Schedule[]).map(strip).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
      out.push(await call("ran"));
      const storage = (await call("storage")) as { jobs: { fn: string; payload: string }[]; alarm: number | null };
      out.push(storage.jobs.map((j) => [j.fn, j.payload]).sort());
      out.push(storage.alarm !== null);
      return out;
    };
    const plain = await plainWrangler(DIR);
    let without: unknown[];
    try {
      without = await script(plain.url);
    } finally {
      await plain.stop();
    }
    const session = await launch(DIR, { port: await freePort() });
    let withAgent: unknown[];
    try {
      const rec = await Recorder.connect(session.info);
      withAgent = await script(session.url);
      rec.close();
    } finally {
      await session.stop();
    }
    assert.deepEqual(withAgent, without);
  });
});

describe("examples/agents: the Agents SDK example reachable with curl", function () {
  it("shows its failing schedule failed on every attempt, and its reminder run", async function () {
    const session = await launch(join(EXAMPLES, "agents"), { port: await freePort() });
    try {
      const rec = await Recorder.connect(session.info);
      const base = `${session.url}/assistant/demo`;
      const failing = await json<Schedule>(`${base}/failing?in=1&account=acme`, { method: "POST" });
      const reminder = await json<Schedule>(`${base}/remind?in=1&user=ada`, { method: "POST" });
      await json(`${base}/cron?expr=0%209%20*%20*%201`, { method: "POST" });
      await json(`${base}/every?s=600`, { method: "POST" });
      const last = await waitFor("the last failed attempt", () => rec.schedule("schedule.end", failing.id).find((e) => e.final), 20_000);
      assert.equal(last.error?.message, "billing API refused account acme");
      assert.equal((await waitFor("the reminder's run", () => rec.schedule("schedule.end", reminder.id)[0], 20_000)).outcome, "ok");
      const state = await json<{ schedules: Schedule[]; ran: string[] }>(base);
      assert.deepEqual(state.schedules.map((s) => s.callback).sort(), ["digest", "heartbeat"]);
      assert.match(state.ran.join("\n"), /reminded ada: stand up/);
      rec.close();
    } finally {
      await session.stop();
    }
  });
});
