import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent, AlarmEndEvent } from "../../protocol/protocol";
import { runtimeFindings, staticFindings } from "../../extension/diagnostics/analysis";
import type { Finding, RuntimeContext } from "../../extension/diagnostics/finding";
import { ALARM_ABANDONED, alarmAbandoned } from "../../extension/diagnostics/rules/alarmAbandoned";
import { CONSTRUCTOR_MOVED_ALARM, constructorMovedAlarm } from "../../extension/diagnostics/rules/constructorMovedAlarm";
import { CONSTRUCTOR_SET_ALARM, constructorSetAlarm } from "../../extension/diagnostics/rules/constructorSetAlarm";
import { DELETE_ALARM_IN_HANDLER, deleteAlarmInHandler } from "../../extension/diagnostics/rules/deleteAlarmInHandler";
import { FAILED_EVERY_ATTEMPT, failedEveryAttempt } from "../../extension/diagnostics/rules/failedEveryAttempt";
import { ALARM_WALL_TIME_LIMIT_MS, handlerWallTime, HANDLER_WALL_TIME } from "../../extension/diagnostics/rules/handlerWallTime";
import { ALL_RULES } from "../../extension/diagnostics/rules/index";
import { LOST_WAKEUP, lostWakeup } from "../../extension/diagnostics/rules/lostWakeup";
import { PARTYKIT_ROOM_ID, partykitRoomId } from "../../extension/diagnostics/rules/partykitRoomId";
import { outlineSource } from "../../extension/editor/outline";
import { AlarmModel } from "../../extension/model/alarmModel";
import { mapStack } from "../../extension/sourcemap/mapFrame";
import { stackOf } from "../../extension/sourcemap/sourceLocator";
import { lineOf, recorded, recordedLookup, recordedMap, sourceOf } from "../fixtures/editor-sourcemap/fixture";
import { EventBuilder, hello, obj, T0 } from "./builders";

const REPO = join(__dirname, "..", "..", "..");
const SRC = "/project/src/objects";

/** The recorded events, a deep copy (tests edit them). */
function recordedEvents(): AgentEvent[] {
  return structuredClone(recorded().events);
}

/** A model that saw the recorded hello and `events`. */
function modelOf(events: AgentEvent[]): AlarmModel {
  const model = new AlarmModel();
  model.applyHello(recorded().hello, recorded().hello.sessionStartedAt);
  model.applyEvents(events);
  return model;
}

/** The runtime context the controller builds, with the recorded map and the map's own copy of the sources. */
function contextOf(model: AlarmModel, now = lastAt(recorded().events) + 1000): RuntimeContext {
  const lookup = recordedLookup();
  const { map } = recordedMap();
  const files = map.resolvedSources.filter((s) => s.startsWith("/project/src/"));
  return {
    objects: model.objects(),
    locate: (rec) => mapStack(stackOf(rec), lookup).site,
    locateStack: (stack) => mapStack(stack, lookup).site,
    isCurrentSession: (session) => model.workers().some((w) => w.session?.id === session),
    handlerOf: (className) => {
      for (const file of files) {
        const c = outlineSource(sourceOf(file), file).classes.find((k) => k.name === className);
        if (c?.handler) return { file, line: c.handler.span.start.line + 1, column: c.handler.span.start.character + 1 };
      }
      return undefined;
    },
    now,
  };
}

function lastAt(events: readonly AgentEvent[]): number {
  return Math.max(...events.map((e) => e.at));
}

/** The text of the line a finding is on. */
function lineText(f: Finding): string {
  return lineOf(f.location.file, f.location.line);
}

function exampleSource(name: string): { file: string; text: string } {
  const file = join(REPO, "examples", "src", "objects", name);
  return { file, text: readFileSync(file, "utf8") };
}

function staticOf(text: string, file = "/w/src/room.ts"): Finding[] {
  return staticFindings(file, outlineSource(text, file).classes);
}

describe("diagnostic rules", function () {
  it("each has a unique code, a documentation link and a title", function () {
    const codes = ALL_RULES.map((r) => r.code);
    assert.deepEqual(codes, ["DOA001", "DOA002", "DOA003", "DOA004", "DOA005", "DOA006", "DOA007", "DOA008", "DOA009", "DOA010", "DOA011"]);
    for (const r of ALL_RULES) {
      assert.match(r.docUrl, /^https:\/\/(developers\.cloudflare\.com|docs\.partykit\.io)\//, r.code);
      assert.ok(r.title.length > 10, r.code);
    }
  });

  describe("DOA002 setAlarm in the constructor without getAlarm (static)", function () {
    it("flags the Clobber example's constructor, on the setAlarm call", function () {
      const { file, text } = exampleSource("clobber.ts");
      const found = constructorSetAlarm.check(file, outlineSource(text, file).classes);
      assert.equal(found.length, 1);
      const f = found[0]!;
      assert.equal(f.rule, CONSTRUCTOR_SET_ALARM);
      const line = text.split("\n")[f.location.line - 1]!;
      assert.match(line, /await ctx\.storage\.setAlarm\(Date\.now\(\) \+ HOUSEKEEPING_AFTER_MS\)/);
      assert.equal(line.slice(f.location.column - 1, f.endColumn! - 1), "setAlarm");
      assert.match(f.message, /Clobber's constructor calls setAlarm\(\) without checking getAlarm\(\) first/);
    });

    it("finds nothing in the examples that do it right (no static rule fires on them)", function () {
      for (const name of readdirSync(join(REPO, "examples", "src", "objects"))) {
        if (name === "clobber.ts") continue;
        const { file, text } = exampleSource(name);
        assert.deepEqual(staticOf(text, file), [], name);
      }
    });

    it("accepts a getAlarm check before the set, and only that", function () {
      const checked = `class Room extends DurableObject {
        constructor(ctx, env) {
          super(ctx, env);
          ctx.blockConcurrencyWhile(async () => {
            if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + 1000);
          });
        }
      }`;
      assert.deepEqual(constructorSetAlarm.check("/w/a.ts", outlineSource(checked, "/w/a.ts").classes), []);
      const late = `class Room { constructor(ctx) { ctx.storage.setAlarm(1); ctx.storage.getAlarm(); } }`;
      assert.equal(constructorSetAlarm.check("/w/a.js", outlineSource(late, "/w/a.js").classes).length, 1);
      const inMethod = `class Room { constructor(ctx) { this.ctx = ctx; } async go() { await this.ctx.storage.setAlarm(1); } }`;
      assert.deepEqual(constructorSetAlarm.check("/w/a.ts", outlineSource(inMethod, "/w/a.ts").classes), []);
      const expression = `export const Room = class extends DurableObject { constructor(ctx, env) { super(ctx, env); void ctx.storage.setAlarm(5); } };`;
      assert.equal(constructorSetAlarm.check("/w/a.js", outlineSource(expression, "/w/a.js").classes)[0]?.message.startsWith("Room's constructor"), true);
    });
  });

  describe("DOA006 deleteAlarm inside the alarm handler (static)", function () {
    it("flags deleteAlarm in alarm() and onAlarm(), callbacks included, and nowhere else", function () {
      const text = `class Job extends DurableObject {
        async alarm() {
          try { await work(); } catch { await this.ctx.storage.deleteAlarm(); }
        }
        async cancel() { await this.ctx.storage.deleteAlarm(); }
      }
      class Room implements Party.Server {
        async onAlarm() { [1].forEach(() => this.room.storage.deleteAlarm()); }
      }`;
      const found = deleteAlarmInHandler.check("/w/job.ts", outlineSource(text, "/w/job.ts").classes);
      assert.deepEqual(found.map((f) => [f.rule, f.location.line]), [
        [DELETE_ALARM_IN_HANDLER, 3],
        [DELETE_ALARM_IN_HANDLER, 8],
      ]);
      assert.match(found[0]!.message, /Job\.alarm\(\).*best-effort/);
    });
  });

  describe("DOA008 PartyKit room id read in onAlarm (static)", function () {
    it("flags this.room.id in onAlarm, says so differently when the id is stored, and leaves onStart alone", function () {
      const unstored = `export default class Server implements Party.Server {
        constructor(readonly room: Party.Room) {}
        onStart() { console.log(this.room.id); }
        onAlarm() { console.log(this.room.id); }
      }`;
      const found = partykitRoomId.check("/w/server.ts", outlineSource(unstored, "/w/server.ts").classes);
      assert.equal(found.length, 1);
      assert.equal(found[0]!.rule, PARTYKIT_ROOM_ID);
      assert.equal(found[0]!.location.line, 4);
      assert.match(found[0]!.message, /Store it when it is known/);

      const stored = `export default class Server implements Party.Server {
        async onStart() { await this.room.storage.put("id", this.room.id); }
        async onAlarm() { const id = this.room.id; }
      }`;
      const f2 = partykitRoomId.check("/w/server.ts", outlineSource(stored, "/w/server.ts").classes);
      assert.equal(f2.length, 1);
      assert.match(f2[0]!.message, /already stores the id/);
      assert.equal(f2[0]!.related?.[0]?.location.line, 2);
    });
  });

  describe("runtime rules, fed the recorded session", function () {
    it("DOA001: the reminder set that pushed a pending alarm later, at its setAlarm line, until a later set does not", function () {
      const events = recordedEvents();
      const model = modelOf(events);
      const found = lostWakeup.check(contextOf(model));
      assert.equal(found.length, 1, found.map((f) => f.message).join("\n"));
      const f = found[0]!;
      assert.equal(f.rule, LOST_WAKEUP);
      assert.equal(f.location.file, `${SRC}/reminder.ts`);
      assert.match(lineText(f), /setAlarm\(reminder\.fireAt\)/);
      assert.match(f.message, /Reminder fx's alarm for .* was moved 5m later/);
      assert.match(f.message, /once from this line/);
      assert.equal(f.related?.[0]?.location.line, f.location.line, "the replaced alarm was set by the same line, earlier");

      // The condition goes: the next set from that line replaces nothing (the reminder was delivered).
      const newest = [...events].reverse().find((e) => e.kind === "alarm.set" && e.object.className === "Reminder")!;
      const again = { ...structuredClone(newest), seq: 100_000, at: newest.at + 1000, previous: null };
      model.applyEvents([again]);
      assert.deepEqual(lostWakeup.check(contextOf(model)), []);
    });

    it("DOA003: the Clobber constructor that moved the pending alarm an hour out, at the constructor's setAlarm", function () {
      const found = constructorMovedAlarm.check(contextOf(modelOf(recordedEvents())));
      assert.equal(found.length, 1);
      const f = found[0]!;
      assert.equal(f.rule, CONSTRUCTOR_MOVED_ALARM);
      assert.equal(f.location.file, `${SRC}/clobber.ts`);
      assert.match(lineText(f), /await ctx\.storage\.setAlarm\(Date\.now\(\) \+ HOUSEKEEPING_AFTER_MS\)/);
      assert.match(f.message, /The constructor moved a pending alarm when Clobber fx woke: it was due at .*, now .* \(5\dm \d+s later: that wake-up is lost\)|\(50m/);
      // The replaced alarm came from set(): the related place is that line.
      assert.match(lineOf(f.related![0]!.location.file, f.related![0]!.location.line), /setAlarm\(Date\.now\(\) \+ inMs\)/);
      // DOA001 leaves constructor sets to this rule: no duplicate on the same line.
      assert.ok(!lostWakeup.check(contextOf(modelOf(recordedEvents()))).some((x) => x.location.file.endsWith("clobber.ts")));
    });

    it("DOA004: the flaky job abandoned after 7 attempts, at its throw", function () {
      const found = alarmAbandoned.check(contextOf(modelOf(recordedEvents())));
      assert.equal(found.length, 1);
      const f = found[0]!;
      assert.equal(f.rule, ALARM_ABANDONED);
      assert.equal(f.rule.severity, "error");
      assert.equal(f.location.file, `${SRC}/flaky-job.ts`);
      assert.match(lineText(f), /throw new Error/);
      assert.match(f.message, /FlakyJob fx-abandon's alarm was abandoned: all 7 attempts failed .*flaky job failed on attempt 7/);
    });

    it("DOA005: a run failing in every attempt so far (two or more), gone once the run is abandoned (DOA004's) or succeeds", function () {
      const events = recordedEvents();
      const ends = events.filter((e): e is AlarmEndEvent => e.kind === "alarm.end" && e.object.name === "fx-abandon");
      assert.equal(ends.length, 7);
      const upTo = (end: AlarmEndEvent) => events.slice(0, events.indexOf(end) + 1);

      assert.deepEqual(failedEveryAttempt.check(contextOf(modelOf(upTo(ends[0]!)))), [], "one failure with a retry coming is the normal path");
      const two = failedEveryAttempt.check(contextOf(modelOf(upTo(ends[1]!))));
      assert.equal(two.length, 1);
      assert.equal(two[0]!.rule, FAILED_EVERY_ATTEMPT);
      assert.match(lineText(two[0]!), /throw new Error/);
      assert.match(two[0]!.message, /FlakyJob fx-abandon's alarm handler failed in every attempt of this run \(2 of 2, last with Error: flaky job failed on attempt 2\); the runtime retries it \(attempt 3 next\)/);
      assert.deepEqual(failedEveryAttempt.check(contextOf(modelOf(events))), [], "abandoned: DOA004 speaks");
    });

    it("DOA004/DOA005 leave out runs that failed only by injection (the user's own experiment)", function () {
      const model = new AlarmModel();
      model.applyHello(hello(), T0);
      const ev = new EventBuilder();
      const room = obj("Room", { name: "inj" });
      const batch: AgentEvent[] = [ev.wake(room)];
      for (let retryCount = 0; retryCount <= 6; retryCount++) {
        batch.push(ev.tick(1000).start(room, { retryCount, injectedFailure: true }));
        batch.push(
          ev.tick(10).end(room, {
            outcome: "error",
            error: { name: "InjectedFailure", message: "Injected by Alarm Inspector", injected: true },
            retry: retryCount < 6 ? { willRetry: "yes", nextRetryCount: retryCount + 1 } : { willRetry: "no" },
          }),
        );
      }
      model.applyEvents(batch);
      const ctx: RuntimeContext = { objects: model.objects(), locate: () => undefined, locateStack: () => undefined, handlerOf: () => ({ file: "/w/room.ts", line: 5, column: 9 }), isCurrentSession: () => true, now: ev.at };
      assert.deepEqual(alarmAbandoned.check(ctx), []);
      assert.deepEqual(failedEveryAttempt.check(ctx), []);
    });

    it("DOA007: an attempt over the 15 min wall-time limit, at the class's alarm( handler", function () {
      assert.equal(ALARM_WALL_TIME_LIMIT_MS, 15 * 60_000);
      const events = recordedEvents();
      const ok = events.find((e): e is AlarmEndEvent => e.kind === "alarm.end" && e.object.name === "fx-retry" && e.outcome === "ok")!;
      ok.durationMs = 16 * 60_000;
      const found = handlerWallTime.check(contextOf(modelOf(events)));
      assert.equal(found.length, 1);
      assert.equal(found[0]!.rule, HANDLER_WALL_TIME);
      assert.equal(found[0]!.location.file, `${SRC}/flaky-job.ts`);
      assert.match(lineText(found[0]!), /override async alarm\(/);
      assert.match(found[0]!.message, /FlakyJob fx-retry's alarm handler ran for 16m \(attempt 2\)/);

      ok.durationMs = 14 * 60_000;
      assert.deepEqual(handlerWallTime.check(contextOf(modelOf(events))), []);
    });

    it("DOA007 also counts an attempt still running", function () {
      const model = new AlarmModel();
      model.applyHello(hello(), T0);
      const ev = new EventBuilder();
      const room = obj("Room", { name: "slow" });
      model.applyEvents([ev.wake(room), ev.start(room)]);
      const ctx = (now: number): RuntimeContext => ({ objects: model.objects(), locate: () => undefined, locateStack: () => undefined, handlerOf: () => ({ file: "/w/room.ts", line: 5, column: 9 }), isCurrentSession: () => true, now });
      assert.deepEqual(handlerWallTime.check(ctx(T0 + 10 * 60_000)), []);
      const found = handlerWallTime.check(ctx(T0 + 20 * 60_000));
      assert.equal(found.length, 1);
      assert.match(found[0]!.message, /has been running for 20m/);
    });

    it("take no evidence from an earlier session: after a reload (a saved edit) the code may have changed", function () {
      const model = modelOf(recordedEvents());
      assert.ok(runtimeFindings(contextOf(model)).size > 0);
      // wrangler reloads the Worker: a new session of the same Worker, nothing has happened in it yet.
      model.applyHello({ ...recorded().hello, sessionStartedAt: recorded().hello.sessionStartedAt + 600_000 }, Date.now());
      assert.equal(runtimeFindings(contextOf(model)).size, 0);
    });

    it("all together: runtimeFindings groups them by file", function () {
      const byFile = runtimeFindings(contextOf(modelOf(recordedEvents())));
      const codes = (file: string) => (byFile.get(`${SRC}/${file}`) ?? []).map((f) => f.rule.code).sort();
      assert.deepEqual(codes("reminder.ts"), ["DOA001"]);
      assert.deepEqual(codes("clobber.ts"), ["DOA003"]);
      assert.deepEqual(codes("flaky-job.ts"), ["DOA004"]);
      assert.deepEqual([...byFile.keys()].sort(), [`${SRC}/clobber.ts`, `${SRC}/flaky-job.ts`, `${SRC}/reminder.ts`]);
    });
  });
});
