/**
 * Fast-forward through the real scheduler: the extension's planner and runner (no `vscode` in them) against a real
 * `alarm-inspector dev`, with the model fed from a real socket, as the command runs them.
 */
import assert from "node:assert/strict";
import type { AlarmStartEvent, WireEvent } from "../../protocol/protocol";
import { pendingItems } from "../../extension/fastForward/pendingItems";
import { planFastForward } from "../../extension/fastForward/plan";
import { runFastForward } from "../../extension/fastForward/runner";
import type { FastForwardPort } from "../../extension/fastForward/runner";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EXAMPLES, json, launchOnFreePorts, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const MIN = 60_000;

/** The runner's port on a recorder: commands out, events in. */
function portOf(rec: Recorder): FastForwardPort {
  return {
    send: (request) => rec.client.send(request),
    lastSeq: () => rec.events.reduce((m, e) => Math.max(m, e.seq), 0),
    nextEvent: (afterSeq, match, timeoutMs) =>
      waitFor("a step's event", () => rec.events.find((e) => e.seq > afterSeq && match(e)), timeoutMs).catch(() => undefined),
  };
}

describe("fast-forward: everything due in the next N minutes, in time order, through the real scheduler", function () {
  this.timeout(120_000);
  let session: Launched;
  let rec: Recorder;
  const model = new AlarmModel();

  before(async function () {
    session = await launchOnFreePorts(EXAMPLES);
    rec = await Recorder.connect(session.info);
    model.applyHello(rec.client.hello!, Date.now());
    model.applyEvents(rec.events);
    rec.client.onEvents((events) => model.applyEvents(events));
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("fires the due alarms and schedules soonest first, and nothing due after the window", async function () {
    const base = session.url;
    // Set out of order on purpose; the window is 5 minutes.
    await json(`${base}/reminder/ff-3min/set?inMs=${3 * MIN}&message=third`, { method: "POST" });
    await json(`${base}/reminder/ff-1min/set?inMs=${1 * MIN}&message=first`, { method: "POST" });
    await json(`${base}/reminder/ff-late/set?inMs=${30 * MIN}&message=late`, { method: "POST" });
    await json(`${base}/scheduler/ff-sched/schedule?id=soon&inMs=${2 * MIN}`, { method: "POST" });
    await json(`${base}/scheduler/ff-sched/schedule?id=later&inMs=${60 * MIN}`, { method: "POST" });
    await waitFor("the model to know both schedules", () => pendingItems(model).filter((p) => p.scheduleId !== undefined).length === 2);
    const lateAlarm = (await json<{ alarm: number }>(`${base}/reminder/ff-late`)).alarm;

    const plan = planFastForward(pendingItems(model), Date.now(), 5 * MIN);
    assert.deepEqual(
      plan.steps.map((s) => s.label),
      ['Reminder ff-1min', 'Scheduler ff-sched · schedule soon', 'Reminder ff-3min'],
      "due in the window, soonest first; the scheduler's alarm is fired through its schedule",
    );
    assert.deepEqual(plan.later.map((s) => s.label).sort(), ['Reminder ff-late', 'Scheduler ff-sched · schedule later']);

    const results = await runFastForward(plan, portOf(rec));
    assert.deepEqual(results.map((r) => r.outcome), ["ok", "ok", "ok"]);

    // The runtime ran them in the plan's order: each attempt started after the previous one ended.
    const starts = rec.events.filter((e): e is AlarmStartEvent => e.kind === "alarm.start" && /^ff-/.test(e.object.name ?? ""));
    assert.deepEqual(starts.map((e) => e.object.name), ["ff-1min", "ff-sched", "ff-3min"]);
    // The alarms were set to now by fireNow and run by the runtime (real alarmInfo), not called by the inspector.
    assert.deepEqual(starts.filter((e) => e.object.className === "Reminder").map((e) => [e.trigger, e.alarmInfo?.retryCount]), [["fireNow", 0], ["fireNow", 0]]);
    assert.deepEqual((await json<{ delivered: string[] }>(`${base}/reminder/ff-1min`)).delivered, ["first"]);
    assert.deepEqual((await json<{ delivered: string[] }>(`${base}/reminder/ff-3min`)).delivered, ["third"]);
    const sched = await json<{ ran: string[]; events: { id: string }[] }>(`${base}/scheduler/ff-sched`);
    assert.deepEqual(sched.ran, ["soon"]);
    assert.deepEqual(sched.events.map((e) => e.id), ["later"]);

    // Nothing due later was fired, and it is still pending at its own time.
    const late = await json<{ delivered: string[]; alarm: number | null }>(`${base}/reminder/ff-late`);
    assert.deepEqual(late.delivered, []);
    assert.equal(late.alarm, lateAlarm);
    assert.equal(rec.events.filter((e: WireEvent) => e.kind === "alarm.start" && e.object.name === "ff-late").length, 0);
    const left = pendingItems(model).filter((p) => /ff-/.test(p.label)).map((p) => p.label).sort();
    assert.deepEqual(left, ['Reminder ff-late', 'Scheduler ff-sched', 'Scheduler ff-sched · schedule later']);
  });
});
