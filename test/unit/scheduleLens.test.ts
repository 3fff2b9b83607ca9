/**
 * The lens above `this.schedule(…)` / `this.scheduleEvery(…)`: which call sites the outline finds (callback as a
 * string or a method reference), which schedules a site made (by callback name), and what the lens says.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scheduleLensText, schedulesOfCallSite, soonestPending } from "../../extension/editor/lensText";
import { outlineSource } from "../../extension/editor/outline";
import { ScheduleBook } from "../../extension/model/schedules";
import type { ScheduleEvent } from "../../protocol/protocol";
import { obj, T0 } from "./builders";

const REPO = join(__dirname, "..", "..", "..");

describe("the lens above this.schedule(", function () {
  it("finds each schedule call on this, with its callback, in a file that never says alarm", function () {
    const text = [
      "export class Planner extends Agent<Env> {",
      "  async remind() {}",
      "  async act() {",
      '    await this.schedule(10, "remind", { who: "ada" });',
      '    await this.schedule("*/5 * * * *", `tick`);',
      "    await this.scheduleEvery(30, this.tick);",
      "    await this.schedule(10, name);",
      '    await other.schedule(10, "remind");',
      '    await this.alarms.schedule(10, "remind");',
      "  }",
      "}",
    ].join("\n");
    const [c] = outlineSource(text, "planner.ts").classes;
    assert.deepEqual(
      c!.scheduleCalls.map((s) => [s.method, s.callback, s.span.start.line, s.member]),
      [
        ["schedule", "remind", 3, "act"],
        ["schedule", "tick", 4, "act"],
        ["scheduleEvery", "tick", 5, "act"],
        ["schedule", null, 6, "act"],
      ],
    );
  });

  it("outlines the real fixture's calls", function () {
    const file = join(REPO, "test", "fixtures", "agents-schedules", "src", "index.ts");
    const c = outlineSource(readFileSync(file, "utf8"), file).classes.find((k) => k.name === "Planner");
    assert.deepEqual([...new Set(c!.scheduleCalls.map((s) => s.callback))], ["remind", "tick", "explode", "flaky"]);
  });

  it("matches schedules by callback across the class's objects, and says next run and last outcome", function () {
    const book = new ScheduleBook();
    const a = obj("Planner", { name: "a" });
    const base = { object: a, source: "agents" as const, payload: { kind: "json" as const, text: "null", truncated: false }, origin: "user" as const };
    let seq = 0;
    type Unsequenced = ScheduleEvent extends infer E ? (E extends ScheduleEvent ? Omit<E, "seq"> : never) : never;
    const apply = (key: string, e: Unsequenced) => book.apply(key, { ...e, seq: ++seq } as ScheduleEvent);
    apply("k1", { kind: "schedule.set", at: T0, scheduleId: "s1", callback: "remind", change: "created", scheduleKind: "delayed", time: T0 + 1000, ...base });
    apply("k1", { kind: "schedule.start", at: T0 + 1000, scheduleId: "s1", callback: "remind", source: "agents", object: a, attempt: 3, maxAttempts: 3 });
    apply("k1", {
      kind: "schedule.end",
      at: T0 + 1010,
      scheduleId: "s1",
      callback: "remind",
      source: "agents",
      object: a,
      attempt: 3,
      maxAttempts: 3,
      outcome: "error",
      final: true,
      error: { name: "Error", message: "explode: always" },
    });
    apply("k2", { kind: "schedule.set", at: T0, scheduleId: "s2", callback: "remind", change: "created", scheduleKind: "delayed", time: T0 + 250_000, ...base });
    apply("k2", { kind: "schedule.set", at: T0, scheduleId: "s3", callback: "tick", change: "created", scheduleKind: "cron", time: T0 + 5000, ...base });
    const sites = schedulesOfCallSite(["k1", "k2"], (k) => book.schedulesOf(k), "remind");
    assert.deepEqual(sites.map((s) => s.schedule.id).sort(), ["s1", "s2"]);
    assert.equal(soonestPending(sites)?.schedule.id, "s2", "the failed one is done; Run now runs the pending one");
    assert.equal(scheduleLensText("remind", sites, T0 + 10_000), "remind(): 1 pending in 2 objects · next in 4m · last: failed (attempt 3 of 3): explode: always");
    assert.equal(scheduleLensText("nobody", [], T0), "nobody(): no schedule seen this session");
    assert.match(scheduleLensText(null, [], T0), /cannot be matched/);
  });
});
