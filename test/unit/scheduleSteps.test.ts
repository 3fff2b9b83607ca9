import assert from "node:assert/strict";
import type { ObjectRef, ScheduleEndEvent, ScheduleEvent, ScheduleSetEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import type { DetailMessage, StepDetail, ToWebviewMessage } from "../../extension/shared/timelineMessages";
import { isToHostMessage } from "../../extension/shared/timelineMessages";
import { attemptOfScheduleRun, schedulesInAttempt, stepIndex, withSchedules } from "../../extension/timeline/scheduleSteps";
import { TimelineHost } from "../../extension/timeline/timelineHost";
import { EventBuilder, hello, obj, T0 } from "./builders";

/** Schedule events as the agent sends them, on the builder's clock and sequence. */
function scheduleEvents(ev: EventBuilder) {
  const head = (o: ObjectRef, id: string, callback: string) => ({ seq: ++ev.seq, at: ev.at, object: o, scheduleId: id, callback, source: "agents" as const });
  return {
    set: (o: ObjectRef, id: string, callback: string, time: number, extra: { scheduleKind?: ScheduleSetEvent["scheduleKind"]; cron?: string } = {}): ScheduleSetEvent => ({
      kind: "schedule.set",
      ...head(o, id, callback),
      change: "created",
      scheduleKind: "delayed",
      time,
      payload: { kind: "json", text: "{}", truncated: false },
      origin: "user",
      ...extra,
    }),
    start: (o: ObjectRef, id: string, callback: string, attempt = 1): ScheduleEvent => ({ kind: "schedule.start", ...head(o, id, callback), attempt, maxAttempts: 3 }),
    end: (o: ObjectRef, id: string, callback: string, extra: Pick<ScheduleEndEvent, "attempt" | "outcome"> & { error?: NonNullable<ScheduleEndEvent["error"]>; final?: boolean } = { attempt: 1, outcome: "ok" }): ScheduleEndEvent => ({
      kind: "schedule.end",
      ...head(o, id, callback),
      maxAttempts: 3,
      ...extra,
    }),
  };
}

/**
 * An agent whose alarm ran twice. Attempt one runs `remind` (ok) and `sync` (the callback throws on all three of the
 * SDK's attempts; the alarm attempt still ends ok). Attempt two, a minute later, runs `sync` again, ok this time.
 */
function agentWithTwoAlarmRuns() {
  const model = new AlarmModel();
  model.applyHello(hello({ sessionStartedAt: T0 }), T0);
  const ev = new EventBuilder(T0);
  const sch = scheduleEvents(ev);
  const agent = obj("Assistant", { name: "ada" });
  const boom = { name: "Error", message: "billing API refused" };
  model.applyEvents([sch.set(agent, "r", "remind", T0 + 5000), sch.set(agent, "s", "sync", T0 + 5000, { scheduleKind: "cron", cron: "* * * * *" }), ev.set(agent, T0 + 5000)]);
  /** Applies each event as it is built, so each one carries the clock at its own moment. */
  const at = (ms: number, build: () => Parameters<AlarmModel["applyEvents"]>[0][number]) => {
    ev.tick(ms);
    model.applyEvents([build()]);
  };
  at(5000, () => ev.start(agent));
  at(0, () => sch.start(agent, "r", "remind"));
  at(5, () => sch.end(agent, "r", "remind"));
  for (const [attempt, wait] of [[1, 1], [2, 100], [3, 200]] as const) {
    at(wait, () => sch.start(agent, "s", "sync", attempt));
    at(3, () => sch.end(agent, "s", "sync", { attempt, outcome: "error", error: boom, final: attempt === 3 }));
  }
  at(2, () => ev.set(agent, T0 + 65_000));
  at(1, () => ev.end(agent));
  at(60_000, () => ev.start(agent));
  at(1, () => sch.start(agent, "s", "sync", 1));
  at(3, () => sch.end(agent, "s", "sync"));
  at(1, () => ev.end(agent));
  const o = model.findObject("Assistant", "ada")!;
  return { model, o };
}

function hostOver(model: AlarmModel) {
  const posted: ToWebviewMessage[] = [];
  const host = new TimelineHost({ model, title: "t", post: (m) => posted.push(m), clock: () => T0 + 120_000, throttleMs: 5 });
  host.receive({ type: "ready" });
  const detail = (): StepDetail => {
    const d = posted.filter((m): m is DetailMessage => m.type === "detail").at(-1)?.detail;
    assert.ok(d, "a detail was posted");
    return d;
  };
  return { host, detail };
}

describe("timeline: schedule runs inside their alarm attempt", function () {
  it("lists the schedule runs each attempt ran, in order; a caught failure is failed while the attempt is ok", function () {
    const { model, o } = agentWithTwoAlarmRuns();
    assert.equal(o.runs.length, 2);
    const [first, second] = o.runs.map((r) => r.attempts[0]!);
    assert.equal(first!.outcome, "ok", "the SDK caught the error: the alarm attempt ended ok");
    const inFirst = schedulesInAttempt(model.schedules.schedulesOf(o.key), first!);
    assert.deepEqual(
      inFirst.map((s) => [s.callback, s.outcome, s.attempts, s.maxAttempts, s.error?.message ?? null, s.runIndex, s.runCount]),
      [
        ["remind", "ok", 1, 3, null, 0, 1],
        ["sync", "error", 3, 3, "billing API refused", 0, 2],
      ],
    );
    assert.deepEqual(schedulesInAttempt(model.schedules.schedulesOf(o.key), second!).map((s) => [s.callback, s.outcome, s.runIndex]), [["sync", "ok", 1]]);
  });

  it("finds the alarm attempt that ran a schedule run, and none for a run outside every attempt", function () {
    const { model, o } = agentWithTwoAlarmRuns();
    const sync = model.schedules.get(o.key, "s")!;
    assert.deepEqual(attemptOfScheduleRun(o, sync.runs[0]!), { runId: o.runs[0]!.id, attemptIndex: 0 });
    assert.deepEqual(attemptOfScheduleRun(o, sync.runs[1]!), { runId: o.runs[1]!.id, attemptIndex: 0 });
    assert.equal(attemptOfScheduleRun(o, { startedAt: T0 + 1 }), undefined, "before any attempt");
    // A running attempt (no end yet) holds every later start.
    assert.deepEqual(attemptOfScheduleRun({ runs: [{ ...o.runs[1]!, attempts: [{ ...o.runs[1]!.attempts[0]!, endedAt: null }] }] }, { startedAt: T0 + 10 ** 9 }), {
      runId: o.runs[1]!.id,
      attemptIndex: 0,
    });
  });

  it("steps within bounds", function () {
    assert.deepEqual(
      (["first", "previous", "next", "last"] as const).map((to) => stepIndex(1, 3, to)),
      [0, 0, 2, 2],
    );
    assert.equal(stepIndex(0, 3, "previous"), 0);
    assert.equal(stepIndex(2, 3, "next"), 2);
    assert.equal(stepIndex(5, 3, "previous"), 1, "a stale index (runs dropped) is clamped first");
    assert.equal(stepIndex(0, 0, "last"), 0);
  });

  it("leaves the detail of an object without schedules as it was", function () {
    const { model } = agentWithTwoAlarmRuns();
    const plain = { objectKey: "app/Room/none", attempt: { startedAt: T0, endedAt: T0 + 1 } };
    assert.deepEqual(withSchedules(plain, model.schedules, undefined), plain);
    assert.equal("schedules" in withSchedules(plain, undefined, undefined), false);
  });

  it("host: the detail lists the attempt's schedule runs, and stepping per schedule moves from alarm attempt to alarm attempt", function () {
    const { model, o } = agentWithTwoAlarmRuns();
    const { host, detail } = hostOver(model);
    const [run1, run2] = o.runs;
    host.receive({ type: "select", objectKey: o.key, runId: run1!.id });
    assert.deepEqual(detail().schedules?.map((s) => s.callback), ["remind", "sync"]);
    assert.equal(detail().scheduleFocus, null, "stepping goes through attempts until a schedule is picked");

    const pick = { type: "selectSchedule", scheduleId: "s" };
    assert.ok(isToHostMessage(pick));
    host.receive(pick);
    assert.deepEqual(detail().scheduleFocus, { scheduleId: "s", callback: "sync", runIndex: 0, runCount: 2 }, "starts at its run inside the shown attempt");
    assert.equal(detail().run.id, run1!.id);

    host.receive({ type: "step", to: "next" });
    assert.deepEqual([detail().run.id, detail().scheduleFocus?.runIndex], [run2!.id, 1], "the next run of sync is in the next alarm run");
    assert.deepEqual(detail().schedules?.map((s) => [s.callback, s.outcome]), [["sync", "ok"]]);
    host.receive({ type: "step", to: "next" });
    assert.deepEqual([detail().run.id, detail().scheduleFocus?.runIndex], [run2!.id, 1], "stays on the last");
    host.receive({ type: "step", to: "first" });
    assert.deepEqual([detail().run.id, detail().scheduleFocus?.runIndex], [run1!.id, 0]);

    host.receive({ type: "selectSchedule", scheduleId: null });
    assert.equal(detail().scheduleFocus, null, "back to attempts");
    host.receive({ type: "step", to: "next" });
    assert.equal(detail().run.id, run1!.id, "per attempt: run 1 has a single attempt, so next stays in it");

    host.receive({ type: "selectSchedule", scheduleId: "no-such" });
    assert.equal(detail().scheduleFocus, null, "an unknown schedule drops the focus");
    assert.equal(isToHostMessage({ type: "selectSchedule", scheduleId: "" }), false, "an empty id is refused");
    host.dispose();
  });
});
