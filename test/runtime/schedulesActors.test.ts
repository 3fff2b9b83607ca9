/**
 * Schedules of `@cloudflare/actors` (`this.alarms.schedule`, table `_actor_alarms`, times in seconds) on real
 * `wrangler dev` through the launcher. The package (a beta, pinned) and the two it imports while declaring them only as
 * optional (`cron-schedule`, `nanoid`) are the repo's devDependencies, so this runs in every `npm test`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ScheduleCommandResult } from "../../protocol/protocol";
import { EXAMPLES, freePort, json, launch, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const DIR = join(EXAMPLES, "actors");

interface Schedule {
  id: string;
  time: number;
}

describe("schedules behind the alarm (@cloudflare/actors) under alarm-inspector dev", function () {
  let session: Launched;
  let rec: Recorder;
  const call = (path: string) => json<unknown>(`${session.url}${path}`);

  before(async function () {
    session = await launch(DIR, { port: await freePort() });
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("reports a delayed schedule in ms, and its run once the row is gone (outcome unknown: the library tells nothing)", async function () {
    const s = (await call("/delayed?s=1&who=bo")) as Schedule;
    const set = await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    assert.deepEqual([set.source, set.callback, set.scheduleKind, set.time, set.payload.text], ["actors", "ping", "delayed", s.time * 1000, '{"who":"bo"}']);
    const end = await waitFor("its run", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    assert.deepEqual([end.outcome, end.next], ["unknown", null]);
    assert.equal(rec.schedule("schedule.cancel", s.id).length, 0, "a due row the library deleted ran; it was not cancelled");
    assert.deepEqual(((await call("/list")) as { ran: string[] }).ran, ["ping:bo"]);
  });

  it("reports a cron schedule, Run now runs it once and it stays at its next time; Cancel goes through alarms.cancelSchedule", async function () {
    const s = (await call("/cron?expr=0%200%201%201%20*")) as Schedule;
    const set = await waitFor("its set", () => rec.schedule("schedule.set", s.id)[0]);
    assert.deepEqual([set.scheduleKind, set.cron], ["cron", "0 0 1 1 *"]);
    const id = set.object.id;
    const run = (await rec.client.send({ op: "scheduleRunNow", target: { className: "Timers", id }, scheduleId: s.id })) as ScheduleCommandResult;
    assert.match(run.wrote[0]!, new RegExp(`^UPDATE _actor_alarms SET time = \\d+ WHERE id = '${s.id}'$`));
    const end = await waitFor("its run", () => rec.schedule("schedule.end", s.id)[0], 20_000);
    assert.equal(end.next, s.time * 1000, "back at its next cron time");
    const cancel = (await rec.client.send({ op: "scheduleCancel", target: { className: "Timers", id }, scheduleId: s.id })) as ScheduleCommandResult;
    assert.deepEqual(cancel.wrote, [`cancelSchedule("${s.id}") (the SDK's own API)`]);
    const cancelled = await waitFor("its cancel", () => rec.schedule("schedule.cancel", s.id)[0]);
    assert.equal(cancelled.origin, "inspector");
  });
});
