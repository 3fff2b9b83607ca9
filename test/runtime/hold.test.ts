/**
 * Holding an attempt before the user's handler, in the real runtime: the real scheduler starts the attempt, the agent
 * holds it until the editor's decision, and what follows (the handler, a real retry, nothing) is the runtime's.
 */
import assert from "node:assert/strict";
import type { AlarmEndEvent, AlarmHeldEvent, AlarmReleasedEvent, AlarmStartEvent, HoldResult, WireEvent } from "../../protocol/protocol";
import { EXAMPLES, json, launchOnFreePorts, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

interface ReminderState {
  reminder: unknown;
  delivered: string[];
  alarm: number | null;
}

describe("hold: an attempt stopped before its handler until the editor decides", function () {
  this.timeout(120_000);
  let session: Launched;
  let rec: Recorder;
  let base: string;

  before(async function () {
    session = await launchOnFreePorts(EXAMPLES);
    base = session.url;
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  const target = (name: string) => ({ className: "Reminder", name });
  const state = (name: string) => json<ReminderState>(`${base}/reminder/${name}`);
  const remind = (name: string, message: string) => json(`${base}/reminder/${name}/set?inMs=100&message=${message}`, { method: "POST" });
  const of = <K extends WireEvent["kind"]>(r: Recorder, name: string, kind: K) =>
    r.events.filter((e): e is Extract<WireEvent, { kind: K }> => e.kind === kind && e.object.name === name);

  /** Arms a hold on `name`, sets its reminder, and waits until the real attempt is held. */
  async function heldAttempt(r: Recorder, name: string, message: string): Promise<AlarmHeldEvent> {
    const armed = (await r.client.send({ op: "holdNext", target: target(name) })) as HoldResult;
    assert.deepEqual(armed, { armed: true, held: false, mode: "hold" });
    await remind(name, message);
    return r.waitFor(`${name} held`, "alarm.held", (e) => e.object.name === name, 20_000);
  }

  it("continue: the held attempt stays held (other objects keep running), then runs the handler once", async function () {
    const held = await heldAttempt(rec, "h-continue", "go");
    assert.equal(held.alarmInfo?.retryCount, 0);
    assert.equal(held.trigger, "scheduled");
    const start = of(rec, "h-continue", "alarm.start")[0] as AlarmStartEvent;
    assert.ok(start.seq < held.seq, "held after its alarm.start");
    // Another object's alarm runs from start to end while this one is held.
    await remind("h-other", "free");
    await rec.waitFor("the other object's attempt", "alarm.end", (e) => e.object.name === "h-other" && e.outcome === "ok", 20_000);
    assert.deepEqual((await state("h-other")).delivered, ["free"]);
    assert.deepEqual(of(rec, "h-continue", "alarm.end"), [], "still held: no alarm.end");
    assert.deepEqual((await state("h-continue")).delivered, [], "the handler has not run");
    const gate = (await rec.client.send({ op: "holdNext", target: target("h-continue"), armed: false })) as HoldResult;
    assert.equal(gate.held, true);

    await rec.client.send({ op: "holdRelease", target: target("h-continue"), decision: "continue" });
    const released = await rec.waitFor("release", "alarm.released", (e) => e.object.name === "h-continue");
    assert.equal(released.decision, "continue");
    assert.equal(released.by, "editor");
    const end = await rec.waitFor("end", "alarm.end", (e) => e.object.name === "h-continue", 20_000);
    assert.equal(end.outcome, "ok");
    assert.ok(released.seq < end.seq);
    assert.deepEqual((await state("h-continue")).delivered, ["go"]);
  });

  it("fail: the held attempt throws instead of running, and the runtime's real retry follows with retryCount 1", async function () {
    await heldAttempt(rec, "h-fail", "later");
    await rec.client.send({ op: "holdRelease", target: target("h-fail"), decision: "fail", message: "stepped on" });
    const failed = await rec.waitFor("failed attempt", "alarm.end", (e) => e.object.name === "h-fail", 20_000);
    assert.equal(failed.outcome, "error");
    assert.equal(failed.error?.injected, true);
    assert.match(failed.error?.message ?? "", /Failed from a hold by Alarm Inspector: stepped on/);
    assert.equal(failed.retry?.willRetry, "yes");
    const retried = await rec.waitFor("the real retry", "alarm.end", (e) => e.object.name === "h-fail" && e.outcome === "ok", 30_000);
    const starts = of(rec, "h-fail", "alarm.start");
    assert.equal(starts.length, 2);
    assert.equal(starts[1]!.alarmInfo?.retryCount, 1);
    assert.equal(starts[1]!.trigger, "retry");
    assert.equal(of(rec, "h-fail", "alarm.held").length, 1, "the hold caught one attempt only");
    assert.ok(retried.seq > failed.seq);
    assert.deepEqual((await state("h-fail")).delivered, ["later"], "the handler ran once, on the retry");
  });

  it("skip: the handler does not run, the attempt ends ok, and no retry follows", async function () {
    await heldAttempt(rec, "h-skip", "never");
    await rec.client.send({ op: "holdRelease", target: target("h-skip"), decision: "skip" });
    const end = await rec.waitFor("skipped attempt", "alarm.end", (e) => e.object.name === "h-skip", 20_000);
    assert.equal(end.outcome, "ok");
    assert.equal(of(rec, "h-skip", "alarm.released")[0]?.decision, "skip");
    const after = await state("h-skip");
    assert.deepEqual(after.delivered, []);
    assert.equal(after.alarm, null, "the alarm is spent: the runtime counts the attempt as done");
    assert.notEqual(after.reminder, null, "the handler's own storage is as it left it (the reminder was never delivered)");
    // Releasing again is refused in words.
    await assert.rejects(rec.client.send({ op: "holdRelease", target: target("h-skip"), decision: "continue" }), /no attempt held/);
  });

  it("refuses bad hold commands with one clear line", async function () {
    await assert.rejects(rec.client.send({ op: "holdRelease", target: target("x"), decision: "later" } as never), /"decision" must be/);
    await assert.rejects(rec.client.send({ op: "holdNext", target: target("x"), mode: "pause" } as never), /"mode" must be/);
  });

  it("an editor that disconnects lets its held attempt go: it runs, and no hold stays armed", async function () {
    const alone = await Recorder.connect(session.info);
    // The shared recorder would keep the session connected: this case needs the held attempt's only editor to leave.
    rec.close();
    try {
      await heldAttempt(alone, "h-gone", "afterwards");
      await alone.client.send({ op: "holdNext", target: target("h-gone2") });
    } finally {
      alone.close();
    }
    // Nobody is connected now: the attempt must end by itself.
    await waitFor("the released attempt's handler", async () => (await state("h-gone")).delivered.length === 1, 20_000);
    rec = await Recorder.connect(session.info);
    const released = (await rec.waitFor("release", "alarm.released", (e) => e.object.name === "h-gone")) as AlarmReleasedEvent;
    assert.equal(released.by, "disconnect");
    assert.equal(released.decision, "continue");
    const end = (await rec.waitFor("end", "alarm.end", (e) => e.object.name === "h-gone")) as AlarmEndEvent;
    assert.equal(end.outcome, "ok");
    // The hold armed on h-gone2 went with the editor: its attempt runs without stopping.
    await remind("h-gone2", "free");
    await rec.waitFor("h-gone2 runs", "alarm.end", (e) => e.object.name === "h-gone2", 20_000);
    assert.equal(of(rec, "h-gone2", "alarm.held").length, 0);
  });
});
