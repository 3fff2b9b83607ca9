/**
 * Alarms persist across a wrangler restart; the inspector shows the object waking for its alarm in the new session.
 */
import assert from "node:assert/strict";
import type { AlarmStartEvent } from "../../protocol/protocol";
import { cleanup, EXAMPLES, json, launch, Recorder, tempDir } from "./helpers";

describe("wake after a restart", function () {
  it("shows object.start before the alarm of an object woken by its persisted alarm", async function () {
    this.timeout(180_000);
    const state = tempDir("restart");
    const first = await launch(EXAMPLES, { persistDir: state });
    let fireAt: number;
    try {
      const r = await json<{ alarm: number }>(`${first.url}/reminder/sleeper/set?inMs=7000&message=wake`, { method: "POST" });
      fireAt = r.alarm;
    } finally {
      await first.stop();
    }
    const second = await launch(EXAMPLES, { persistDir: state });
    const rec = await Recorder.connect(second.info);
    try {
      assert.equal(rec.about("Reminder", "sleeper").length, 0, "nothing has touched the object yet in this session");
      const start = (await rec.waitFor("the persisted alarm to fire", "alarm.start", (e) => e.object.className === "Reminder", 30_000)) as AlarmStartEvent;
      assert.ok(start.at >= fireAt - 50);
      const events = rec.events.filter((e) => e.object.id === start.object.id);
      const wake = events.find((e) => e.kind === "object.start");
      assert.ok(wake, "a wake event for the object");
      assert.ok(wake.seq < start.seq, "the wake comes before the alarm");
      assert.deepEqual(events.slice(0, 2).map((e) => e.kind), ["object.start", "alarm.start"], "woken by its alarm, nothing else first");
      await rec.waitFor("the handler to finish", "alarm.end", (e) => e.object.id === start.object.id && e.outcome === "ok");
      const after = await json<{ delivered: string[] }>(`${second.url}/reminder/sleeper`);
      assert.deepEqual(after.delivered, ["wake"]);
    } finally {
      rec.close();
      await second.stop();
      cleanup(state);
    }
  });
});
