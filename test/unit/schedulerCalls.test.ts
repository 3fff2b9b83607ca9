/**
 * The scheduler's own alarm calls (the Agents SDK's fallback wake and re-arm): how the agent tells them from the
 * user's by the call stack (worker-agent/schedules/bookkeeping.ts), and how views fold them (text, timeline lane).
 * The stacks below are copied from what the agent captured under wrangler dev with agents 0.32.0 and 0.20.0.
 */
import assert from "node:assert/strict";
import type { AlarmSetEvent, CallSite, SchedulerCall } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { objectKey } from "../../extension/model/objectEntry";
import { isSchedulerAlarmCall, isSchedulerBookkeeping, schedulerCallText } from "../../extension/model/schedules";
import { eventLabel } from "../../extension/timeline/eventText";
import { namedSchedulerCall } from "../../extension/timeline/scheduleSteps";
import { stepDetail } from "../../extension/timeline/stepDetail";
import { buildLaneIndex } from "../../extension/timeline/timelineData";
import { schedulerFrameOf, servedBy } from "../../worker-agent/schedules/sdkFrames";
import { EventBuilder, hello, obj, T0 } from "./builders";

const B = "file:///w/.wrangler/tmp/dev-x/entry.js";
const site = (...frames: string[]): CallSite => ({ stack: frames.map((f) => `    at ${f}`).join("\n") });

describe("scheduler alarm calls", function () {
  describe("told by the first named frame of the call's stack (agent)", function () {
    it("recognises 0.32's fallbacks and re-arm, and 0.20's re-arm", function () {
      assert.deepEqual(schedulerFrameOf(site(`JobDriver.armStartupFallback (${B}:15418:58)`, `JobDriver.runAlarm (${B}:15358:20)`)), { source: "agents", reason: "fallback" });
      assert.deepEqual(schedulerFrameOf(site(`JobDriver._driveDueJobs (${B}:15447:112)`)), { source: "agents", reason: "fallback" });
      assert.deepEqual(schedulerFrameOf(site(`JobDriver._driveDueJobs2 (${B}:1:1)`)), { source: "agents", reason: "fallback" }, "esbuild's clash suffix");
      // The re-arm writes from an anonymous closure: the first *named* frame is the async one below it.
      assert.deepEqual(schedulerFrameOf(site(`${B}:15967:61`, `async Lifecycle.rearmAlarm (${B}:15963:5)`, `async rearmAfter (${B}:16160:5)`)), { source: "agents", reason: "rearm" });
      assert.deepEqual(schedulerFrameOf(site(`Planner._scheduleNextAlarmBody (${B}:51321:53)`)), { source: "agents-legacy", reason: "rearm" });
    });

    it("leaves the user's own calls unmarked, even when the SDK is further down the stack", function () {
      assert.equal(schedulerFrameOf(site(`Planner.act (${B}:60964:32)`, `${B}:55409:21`, `withInvocationScope (${B}:10428:26)`)), undefined);
      // A user's callback run by the SDK's driver: the user's frame comes first.
      assert.equal(schedulerFrameOf(site(`Planner.remind (${B}:1:1)`, `async JobDriver._driveDueJobs (${B}:2:2)`)), undefined);
      assert.equal(schedulerFrameOf(site(`${B}:1:1`)), undefined, "no named frame at all");
      assert.equal(schedulerFrameOf(undefined), undefined, "no stack (no editor listening)");
    });

    it("says which schedules a call serves, from the rows as last read", function () {
      const rows = [{ id: "due", time: T0 - 10 }, { id: "later", time: T0 + 60_000 }];
      assert.deepEqual(servedBy(rows, { source: "agents", reason: "fallback" }, T0, T0 + 30_000).scheduleIds, ["due"]);
      assert.deepEqual(servedBy(rows, { source: "agents", reason: "rearm" }, T0, T0 + 60_000).scheduleIds, ["later"]);
      assert.deepEqual(servedBy(rows, { source: "agents-legacy", reason: "rearm" }, T0 + 60_400, T0 + 60_001).scheduleIds, ["later"], "0.2x: seconds, within a second");
      assert.deepEqual(servedBy(rows, { source: "agents", reason: "rearm" }, T0, null).scheduleIds, [], "a delete serves none");
      assert.deepEqual(servedBy(undefined, { source: "agents", reason: "rearm" }, T0, T0 + 60_000).scheduleIds, [], "the table not read yet");
    });
  });

  describe("in the views (extension)", function () {
    const fallback: SchedulerCall = { source: "agents", reason: "fallback", scheduleIds: ["a1"] };
    const names = (id: string) => ({ a1: "remind", b2: "tick" })[id];

    it("words a call by what it was for, with the callbacks when the book knows them", function () {
      assert.equal(schedulerCallText(fallback, false, names), "the Agents SDK's 30 s fallback wake, guarding remind()");
      assert.equal(schedulerCallText(fallback, false), "the Agents SDK's 30 s fallback wake, guarding 1 schedule");
      assert.equal(schedulerCallText({ source: "agents", reason: "rearm", scheduleIds: ["b2", "a1"] }, false, names), "the Agents SDK's re-arm for tick(), remind()");
      assert.equal(schedulerCallText({ source: "agents-legacy", reason: "rearm", scheduleIds: [] }, true), "the Agents SDK (0.2x)'s re-arm: no schedule left");
      const detail = namedSchedulerCall({ kind: "set" as const, scheduler: { ...fallback, text: "x" } }, names);
      assert.equal(detail.scheduler?.text, "the Agents SDK's 30 s fallback wake, guarding remind()");
    });

    it("folds the SDK's calls inside an attempt into it: off the lane, listed in the attempt's detail; keeps one outside", function () {
      const model = new AlarmModel();
      model.applyHello(hello(), T0);
      const ev = new EventBuilder();
      const p = obj("Planner", { name: "p" });
      const marked = (e: AlarmSetEvent, scheduler: SchedulerCall): AlarmSetEvent => ({ ...e, scheduler });
      const rearm = marked(ev.set(p, T0 + 1000), { source: "agents", reason: "rearm", scheduleIds: ["a1"] });
      const start = ev.tick(1000).start(p);
      const fb = marked(ev.tick(1).set(p, ev.at + 30_000, { inHandler: true }), fallback);
      const own = ev.tick(1).set(p, ev.at + 5000, { inHandler: true });
      const end = ev.tick(1).end(p);
      model.applyEvents([rearm, start, fb, own, end]);
      const object = model.getObject(objectKey("app", "Planner", p.id))!;
      const lane = buildLaneIndex(object);
      assert.deepEqual(
        lane.events.map((e) => e.kind + (isSchedulerAlarmCall(e) ? ":scheduler" : "")),
        ["alarm.set:scheduler", "alarm.start", "alarm.set", "alarm.end"],
        "the re-arm outside any attempt stays on the lane; the fallback inside is folded; the user's own set stays",
      );
      assert.match(eventLabel(rearm), /· the Agents SDK's re-arm for 1 schedule$/);
      assert.match(eventLabel(own), /· user · in the handler$/);
      const d = stepDetail(object, object.runs[0]!.id, 0, 0)!;
      assert.deepEqual(d.alarmCalls.map((c) => c.scheduler?.reason ?? "user"), ["fallback", "user"]);
      assert.equal(isSchedulerBookkeeping(fb), true);
      assert.equal(isSchedulerBookkeeping(own), false);
      assert.equal(object.currentAlarm.scheduler, undefined, "the user's set was the last: the alarm is theirs");
    });
  });
});
