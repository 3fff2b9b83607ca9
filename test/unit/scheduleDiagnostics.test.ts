import assert from "node:assert/strict";
import type { ObjectRef, ScheduleEndEvent, ScheduleSetEvent } from "../../protocol/protocol";
import type { RuntimeContext } from "../../extension/diagnostics/finding";
import { scheduleProblem } from "../../extension/diagnostics/rules/scheduleProblems";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EventBuilder, hello, obj, T0 } from "./builders";

const CLASS_AT = { file: "/w/agent.ts", line: 12, column: 14 };
const THREW_AT = { file: "/w/agent.ts", line: 30, column: 11 };

function setup() {
  const model = new AlarmModel();
  model.applyHello(hello({ sessionStartedAt: T0 }), T0);
  const ev = new EventBuilder(T0);
  const agent = obj("Assistant", { name: "ada" });
  const head = (id: string, callback: string) => ({ seq: ++ev.seq, at: ev.at, object: agent, scheduleId: id, callback, source: "agents" as const });
  const set = (id: string, callback: string, time: number, extra: { scheduleKind?: ScheduleSetEvent["scheduleKind"]; missingCallback?: boolean } = {}): ScheduleSetEvent => ({
    kind: "schedule.set",
    ...head(id, callback),
    change: "created",
    scheduleKind: "delayed",
    time,
    payload: { kind: "json", text: "{}", truncated: false },
    origin: "user",
    ...extra,
  });
  const fail = (id: string, callback: string, attempt: number, final: boolean): ScheduleEndEvent => ({
    kind: "schedule.end",
    ...head(id, callback),
    attempt,
    maxAttempts: 3,
    outcome: "error",
    error: { name: "Error", message: "billing API refused", stack: "Error: billing API refused\n    at Assistant.sync (agent.ts:30:11)" },
    final,
  });
  const ctx = (classKnown = true): RuntimeContext => ({
    objects: model.objects(),
    locate: () => undefined,
    locateStack: (stack) => (stack?.includes("agent.ts:30") ? THREW_AT : undefined),
    handlerOf: () => undefined,
    now: ev.at,
    schedulesOf: (key) => model.schedules.schedulesOf(key),
    ...(classKnown ? { classOf: (name: string) => (name === "Assistant" ? CLASS_AT : undefined) } : {}),
  });
  return { model, ev, agent, set, fail, ctx, head };
}

describe("DOA011 schedule problems in the Problems view (runtime)", function () {
  it("a missing callback and a starved schedule at the class; retries exhausted at the line that threw", function () {
    const { model, ev, set, fail, ctx, head } = setup();
    model.applyEvents([set("m", "sendReminderr", T0 + 3_600_000, { missingCallback: true }), set("x", "sync", T0 + 1000), ev.set(obj("Assistant", { name: "ada" }) as ObjectRef, T0 + 3_600_000)]);
    ev.tick(10_000); // "x" was due 9 s ago while the alarm waits an hour: starved
    const findings = scheduleProblem.check(ctx());
    assert.deepEqual(
      findings.map((f) => [f.rule.code, f.location.line]),
      [["DOA011", 12]],
      "both at the class line, grouped",
    );
    assert.match(findings[0]!.message, /and 1 more/);

    model.applyEvents([{ kind: "schedule.start", ...head("x", "sync"), attempt: 1, maxAttempts: 3 }, fail("x", "sync", 1, false)]);
    model.applyEvents([{ kind: "schedule.start", ...head("x", "sync"), attempt: 2, maxAttempts: 3 }, fail("x", "sync", 2, false)]);
    model.applyEvents([{ kind: "schedule.start", ...head("x", "sync"), attempt: 3, maxAttempts: 3 }, fail("x", "sync", 3, true)]);
    const after = scheduleProblem.check(ctx());
    const exhausted = after.find((f) => f.location.line === THREW_AT.line);
    assert.ok(exhausted, "retries exhausted, at the line that threw");
    assert.match(exhausted.message, /Assistant ada's schedule sync\(\) \(x\): the SDK gave up after 3 attempts \(billing API refused\); the run is lost\./);
  });

  it("nothing without a place in the workspace, nothing without schedules", function () {
    const { model, set, ctx } = setup();
    model.applyEvents([set("m", "nope", T0 + 60_000, { missingCallback: true })]);
    assert.deepEqual(scheduleProblem.check(ctx(false)), [], "the class's source is not known");
    assert.equal(scheduleProblem.check(ctx()).length, 1);
    const { schedulesOf: _none, ...without } = ctx();
    assert.deepEqual(scheduleProblem.check(without), []);
  });
});
