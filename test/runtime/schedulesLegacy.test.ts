/**
 * The Agents SDK's older layout (`agents` 0.20: `cf_agents_schedules`, times in epoch seconds) on real `wrangler
 * dev`: the same schedule events as with 0.32, read from the other table.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AlarmDeleteEvent, AlarmSetEvent, ScheduleCommandResult } from "../../protocol/protocol";
import { FIXTURES, freePort, json, launch, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const DIR = join(FIXTURES, "agents-legacy");

interface Schedule {
  id: string;
  time: number;
}

describe("schedules behind the alarm (Agents SDK 0.20, cf_agents_schedules) under alarm-inspector dev", function () {
  let session: Launched;
  let rec: Recorder;
  const agent = (name: string, action: string) => json<unknown>(`${session.url}/p/${name}/${action}`);

  before(async function () {
    session = await launch(DIR, { port: await freePort() });
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("reports a schedule from the 0.2x table with its time in ms, and its run", async function () {
    const s = (await agent("old", "delayed?s=1&who=bo")) as Schedule;
    const set = await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    assert.deepEqual([set.source, set.callback, set.scheduleKind, set.time], ["agents-legacy", "remind", "delayed", s.time * 1000]);
    const end = await waitFor("its run", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    assert.deepEqual([end.outcome, end.next], ["ok", null]);
    assert.deepEqual(await agent("old", "ran"), ["remind:bo"]);
    // 0.2x's _scheduleNextAlarm arms for the schedule, then deletes once it ran: both marked as the scheduler's.
    const calls = await waitFor("the re-arm that deletes", () => {
      const all = rec.about("Planner", "old", "alarm.set", "alarm.delete") as (AlarmSetEvent | AlarmDeleteEvent)[];
      return all.some((e) => e.kind === "alarm.delete") ? all : undefined;
    });
    assert.deepEqual(
      calls.map((e) => [e.kind, e.scheduler?.source, e.scheduler?.reason, e.scheduler?.scheduleIds]),
      [
        ["alarm.set", "agents-legacy", "rearm", [s.id]],
        ["alarm.delete", "agents-legacy", "rearm", []],
      ],
    );
  });

  it("shows a failing callback's attempts and its final error", async function () {
    const s = (await agent("oldfail", "failing?s=1&attempts=2")) as Schedule;
    const ends = await waitFor("two failed attempts", () => {
      const e = rec.schedule("schedule.end", s.id);
      return e.length >= 2 ? e : undefined;
    }, 20_000);
    assert.deepEqual(ends.map((e) => [e.attempt, e.outcome, e.final]), [[1, "error", false], [2, "error", true]]);
    assert.match(ends[1]!.error?.message ?? "", /explode: always/);
  });

  it("Run now writes the 0.2x table in seconds and the SDK runs it; Cancel calls cancelSchedule", async function () {
    const s = (await agent("oldcmd", "delayed?s=3600&who=cy")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    const target = { className: "Planner", name: "oldcmd" };
    const result = (await rec.client.send({ op: "scheduleRunNow", target, scheduleId: s.id })) as ScheduleCommandResult;
    assert.match(result.wrote[0]!, new RegExp(`^UPDATE cf_agents_schedules SET time = \\d{10} WHERE id = '${s.id}'$`));
    await waitFor("its run", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    assert.deepEqual(await agent("oldcmd", "ran"), ["remind:cy"]);

    const other = (await agent("oldcmd", "delayed?s=3600")) as Schedule;
    await waitFor("its set", () => rec.schedule("schedule.set", other.id)[0]);
    await rec.client.send({ op: "scheduleCancel", target, scheduleId: other.id });
    const cancel = await waitFor("its cancel", () => rec.schedule("schedule.cancel", other.id)[0]);
    assert.equal(cancel.origin, "inspector");
    assert.deepEqual(await agent("oldcmd", "list"), []);
  });
});
