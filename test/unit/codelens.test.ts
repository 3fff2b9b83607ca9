import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent, AlarmEndEvent, AlarmSetEvent } from "../../protocol/protocol";
import { handlerHover, setAlarmHover } from "../../extension/editor/hoverText";
import { handlerStatusText, lastText, nextText, setAlarmLensText } from "../../extension/editor/lensText";
import { mayMentionAlarms, outlineSource } from "../../extension/editor/outline";
import { AlarmModel } from "../../extension/model/alarmModel";
import type { EventRecord, ObjectView } from "../../extension/model/types";
import { recorded } from "../fixtures/editor-sourcemap/fixture";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

const REPO = join(__dirname, "..", "..", "..");

function modelOf(events: readonly AgentEvent[]): AlarmModel {
  const model = new AlarmModel();
  model.applyHello(recorded().hello, recorded().hello.sessionStartedAt);
  model.applyEvents(structuredClone(events));
  return model;
}

function ofClass(model: AlarmModel, className: string): ObjectView[] {
  return model.objects().filter((o) => o.ref.className === className);
}

describe("CodeLens and hover texts", function () {
  describe("outline of a source file", function () {
    it("finds the Clobber class, its alarm() handler and every alarm call with its member", function () {
      const file = join(REPO, "examples", "src", "objects", "clobber.ts");
      const text = readFileSync(file, "utf8");
      const [c, ...rest] = outlineSource(text, file).classes;
      assert.equal(rest.length, 0);
      assert.equal(c!.name, "Clobber");
      assert.equal(c!.extendsText, "DurableObject");
      assert.equal(c!.handler?.name, "alarm");
      assert.match(text.split("\n")[c!.handler!.span.start.line]!, /override async alarm\(\)/);
      assert.ok(c!.constructorSpan);
      assert.deepEqual(
        c!.calls.map((k) => [k.kind, k.member]),
        [
          ["setAlarm", "constructor"],
          ["setAlarm", "set"],
          ["getAlarm", "state"],
        ],
      );
    });

    it("reads PartyKit's onAlarm, JavaScript class expressions, and skips files that never mention alarms", function () {
      const party = outlineSource("export default class Room implements Party.Server { onAlarm() { this.room.storage.setAlarm(1); } }", "/w/room.ts");
      assert.equal(party.classes[0]?.handler?.name, "onAlarm");
      assert.equal(party.classes[0]?.calls[0]?.member, "onAlarm");
      const js = outlineSource("const Job = class { async alarm() {} };", "/w/job.js");
      assert.equal(js.classes[0]?.name, "Job");
      assert.equal(mayMentionAlarms("export const x = 1;"), false);
      assert.deepEqual(outlineSource("class A {}", "/w/a.ts").classes, []);
    });

    it("outlines a broken file as far as it parses (editors show half-typed code)", function () {
      const half = "class Room extends DurableObject {\n  async alarm() {\n    await this.ctx.storage.setAlarm(\n";
      const c = outlineSource(half, "/w/room.ts").classes[0];
      assert.equal(c?.handler?.name, "alarm");
      assert.equal(c?.calls[0]?.kind, "setAlarm");
    });
  });

  describe("the lens above alarm(", function () {
    it("says when the next alarm is due and how the last run went, for the recorded session", function () {
      const events = recorded().events;
      const reminderSet = events.filter((e): e is AlarmSetEvent => e.kind === "alarm.set" && e.object.className === "Reminder").at(-1)!;
      const model = modelOf(events);
      const now = reminderSet.at + 60_000;
      const status = (o: ObjectView) => model.status(o, now);
      assert.equal(handlerStatusText(ofClass(model, "Reminder"), status, now), "next in 14m · not run yet");
      assert.equal(handlerStatusText(ofClass(model, "FlakyJob"), status, now), "2 objects · no alarm pending · last: abandoned after 7 attempts");
      assert.equal(handlerStatusText([], status, now), "no object seen yet");
    });

    it("reads 'last: failed, retry 2 of 6' while the runtime retries", function () {
      const events = recorded().events;
      const ends = events.filter((e): e is AlarmEndEvent => e.kind === "alarm.end" && e.object.name === "fx-abandon");
      const upTo = events.slice(0, events.indexOf(ends[1]!) + 1);
      const model = modelOf(upTo);
      const objects = ofClass(model, "FlakyJob").filter((o) => o.ref.name === "fx-abandon");
      assert.equal(lastText(objects), "last: failed, retry 2 of 6");
      const now = ends[1]!.at + 1000;
      assert.match(nextText(objects, (o) => model.status(o, now), now), /^next: retry in [\d.]+s$/);
    });

    it("names the object when several share a class, and says running, ok on attempt n, overdue", function () {
      const model = new AlarmModel();
      model.applyHello(hello(), T0);
      const ev = new EventBuilder();
      const a = obj("Room", { name: "a" });
      const b = obj("Room", { name: "b" });
      model.applyEvents([ev.wake(a), ev.set(a, T0 + 130_000), ev.wake(b), ev.set(b, T0 + 70_000)]);
      const status = (now: number) => (o: ObjectView) => model.status(o, now);
      assert.equal(handlerStatusText(model.objects(), status(T0), T0), "2 objects · next in 1m 10s (b) · not run yet");
      assert.equal(nextText(model.objects(), status(T0 + 75_000), T0 + 75_000), "next overdue by 5s (b)");
      model.applyEvents([ev.tick(70_000).start(b)]);
      assert.equal(lastText(model.objects()), "last: running, attempt 1 of 7");
      model.applyEvents([ev.tick(100).end(b, { outcome: "error", retry: retryYes(1, ev.at) })]);
      model.applyEvents([ev.tick(2500).start(b, { retryCount: 1 }), ev.tick(50).end(b)]);
      assert.equal(lastText(model.objects()), "last: ok on attempt 2");
    });
  });

  describe("the lens above setAlarm(", function () {
    it("counts the calls of this session, the overwrites among them, and says when the last one was", function () {
      const ev = new EventBuilder();
      const room = obj("Room", { name: "r" });
      const rec = (e: AlarmSetEvent): EventRecord<AlarmSetEvent> => ({ session: "app@1", event: e });
      assert.equal(setAlarmLensText([], T0), "setAlarm: not called this session");
      const first = rec(ev.set(room, T0 + 60_000));
      const second = rec(ev.tick(1000).set(room, T0 + 120_000, { previous: T0 + 60_000 }));
      assert.match(setAlarmLensText([first], T0), /^setAlarm ran once this session · last at \d\d:\d\d:\d\d for \d\d:\d\d:\d\d$/);
      assert.match(setAlarmLensText([first, second], T0), /^setAlarm ran 2× this session \(1 replaced a pending alarm\) · last at \d\d:\d\d:01 for \d\d:\d\d:00$/);
    });
  });

  describe("hovers", function () {
    it("list the objects' status and recent runs with their attempts", function () {
      const model = modelOf(recorded().events);
      const now = Math.max(...recorded().events.map((e) => e.at)) + 1000;
      const sections = handlerHover("FlakyJob", ofClass(model, "FlakyJob"), (o) => model.status(o, now), now);
      const abandon = sections.find((s) => s.heading === "FlakyJob fx-abandon")!;
      assert.equal(abandon.lines[0], "abandoned after 7 attempts");
      assert.match(abandon.lines[1]!, /fired now|scheduled · abandoned · 7 attempts/);
      assert.equal(abandon.lines.filter((l) => l.startsWith("    attempt")).length, 7);
      assert.deepEqual(handlerHover("Nope", [], () => model.status(model.objects()[0]!, now), now)[0]?.heading, "Nope: no object seen yet");
    });

    it("list the newest setAlarm calls of a line with what they replaced", function () {
      const model = modelOf(recorded().events);
      const clobber = model.findObject("Clobber", "fx")!;
      const sets = clobber.history
        .filter((r): r is EventRecord<AlarmSetEvent> => r.event.kind === "alarm.set" && r.event.inConstructor)
        .map((rec) => ({ obj: clobber, rec }));
      const [section] = setAlarmHover(sets, Date.now());
      assert.match(section!.heading, /setAlarm from this line: \d calls recorded/);
      assert.ok(section!.lines.some((l) => / · Clobber fx · set for .* \(replaced .*\) · in the constructor$/.test(l)), section!.lines.join("\n"));
    });
  });
});
