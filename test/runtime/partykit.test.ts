/**
 * Classic PartyKit (examples/partykit) under `alarm-inspector partykit`: real `partykit dev` (miniflare 3, workerd),
 * real alarms, the same ready line, session file and protocol as under wrangler. PartyKit calls `onAlarm()` without
 * `alarmInfo`, so retries are inferred, and said to be.
 */
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PARTYKIT_INSPECTOR_PATH } from "../../protocol/protocol";
import type { AlarmChangeResult, AlarmEndEvent, AlarmSetEvent, AlarmStartEvent, ObjectStartEvent, SnapshotResult } from "../../protocol/protocol";
import { CommandError } from "../../extension/connection/inspectorClient";
import { cleanup, EXAMPLES, json, Recorder, runCli, tempDir, waitFor } from "./helpers";
import { launchPartykit } from "./partyHelpers";
import type { PartykitSession } from "./partyHelpers";

const DIR = join(EXAMPLES, "partykit");

describe("classic PartyKit under alarm-inspector partykit", function () {
  let session: PartykitSession;
  let rec: Recorder;
  let base: string;

  before(async function () {
    session = await launchPartykit(DIR);
    base = session.url;
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
  });

  it("prints the same ready line and session.json, and says in hello that alarms do not survive a restart", function () {
    assert.equal(session.info.runtime, "partykit");
    assert.equal(session.info.inspector, `${base.replace("http", "ws")}${PARTYKIT_INSPECTOR_PATH}`);
    const file = join(DIR, ".wrangler", "alarm-inspector", "session.json");
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), session.info);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const hello = rec.client.hello!;
    assert.equal(hello.worker, "alarm-partykit-examples");
    assert.equal(hello.runtime, "partykit");
    assert.equal(hello.alarmsPersist, false);
    assert.deepEqual(
      hello.classes.map((c) => [c.className, c.party, c.binding, c.alarmMethod, c.source]),
      [
        ["UserSession", "main", "PARTYKIT_DURABLE", "onAlarm", "src/session.ts"],
        ["RecurringJob", "jobs", "jobs", "onAlarm", "src/recurring.ts"],
        ["FlakyTask", "flaky", "flaky", "onAlarm", "src/flaky.ts"],
      ],
      "every party of partykit.json, and not the inspector's own",
    );
  });

  it("shows a room's wake with onStart, the set, and the fire of its recurring job under the room's name", async function () {
    const state = await json<{ id: string; alarm: number }>(`${base}/parties/jobs/nightly/start?intervalMs=800`, { method: "POST" });
    assert.equal(state.id, "nightly", "onStart stored the room id (the guide's workaround)");
    const wake = await waitFor("both steps of the wake", () => {
      const w = rec.about("RecurringJob", "nightly", "object.start") as ObjectStartEvent[];
      return w.length >= 2 ? w : undefined;
    });
    assert.deepEqual(wake.map((e) => [e.phase, e.forAlarm]), [[undefined, undefined], ["onStart", false]]);
    const set = await rec.waitFor("the job's alarm", "alarm.set", (e) => e.object.name === "nightly");
    assert.equal(set.previous, null);
    assert.equal(set.scheduledTime, state.alarm);

    const start = await rec.waitFor("the job running", "alarm.start", (e) => e.object.name === "nightly", 20_000);
    assert.equal(start.alarmInfo, null, "PartyKit gives onAlarm no alarmInfo");
    assert.deepEqual(start.inferred, { retryCount: 0, isRetry: false });
    assert.equal(start.trigger, "scheduled");
    const end = await rec.waitFor("the run's end", "alarm.end", (e) => e.object.name === "nightly");
    assert.equal(end.outcome, "ok");
    const rearm = await rec.waitFor("the job re-arming", "alarm.set", (e) => e.object.name === "nightly" && e.inHandler);
    assert.equal(rearm.previous, null, "inside onAlarm the running alarm is no longer pending");
    const after = await json<{ runs: number }>(`${base}/parties/jobs/nightly/stop`, { method: "POST" });
    assert.ok(after.runs >= 1);
  });

  it("infers and marks the retries of a failing onAlarm: 0, 1, 2, about 2 s and 4 s apart, then ok", async function () {
    this.timeout(60_000);
    await json(`${base}/parties/flaky/flaky-1/arm?failures=2`, { method: "POST" });
    const ends = await waitFor("three attempts to end", () => {
      const e = rec.about("FlakyTask", "flaky-1", "alarm.end") as AlarmEndEvent[];
      return e.length >= 3 ? e : undefined;
    }, 45_000);
    const starts = rec.about("FlakyTask", "flaky-1", "alarm.start") as AlarmStartEvent[];
    assert.deepEqual(starts.map((s) => s.alarmInfo), [null, null, null]);
    assert.deepEqual(starts.map((s) => s.inferred?.retryCount), [0, 1, 2]);
    assert.deepEqual(starts.map((s) => s.trigger), ["scheduled", "retry", "retry"]);
    assert.deepEqual(ends.map((e) => e.outcome), ["error", "error", "ok"]);
    assert.deepEqual(ends.map((e) => e.inferred?.retryCount), [0, 1, 2]);
    for (const [i, end] of ends.slice(0, 2).entries()) {
      assert.match(end.error!.message, new RegExp(`failed on attempt ${i + 1}`));
      assert.deepEqual([end.retry?.willRetry, end.retry?.nextRetryCount], ["yes", i + 1]);
      const next = starts[i + 1]!;
      assert.ok(next.at >= end.retry!.earliest! - 250 && next.at <= end.retry!.latest! + 1500, `retry ${i + 1} came ${next.at - end.at} ms later`);
    }
    assert.equal((await json<{ attempts: number }>(`${base}/parties/flaky/flaky-1`)).attempts, 3);
  });

  it("does not count a new alarm set after a failure as a retry", async function () {
    this.timeout(60_000);
    await json(`${base}/parties/flaky/flaky-2/arm?failures=5`, { method: "POST" });
    await rec.waitFor("the first failure", "alarm.end", (e) => e.object.name === "flaky-2" && e.outcome === "error", 20_000);
    // Re-arming replaces the retry the runtime was about to make: the next attempt is a first attempt again.
    await json(`${base}/parties/flaky/flaky-2/arm?failures=0`, { method: "POST" });
    const ok = await rec.waitFor("the re-armed attempt", "alarm.end", (e) => e.object.name === "flaky-2" && e.outcome === "ok", 20_000);
    const starts = rec.about("FlakyTask", "flaky-2", "alarm.start") as AlarmStartEvent[];
    const last = starts.filter((s) => s.seq < ok.seq).at(-1)!;
    assert.deepEqual([last.trigger, last.inferred?.retryCount], ["scheduled", 0]);
  });

  it("fires a room's alarm now, and fails the next attempt on request: the retry is inferred", async function () {
    this.timeout(60_000);
    await json(`${base}/party/lobby?ttlMs=3600000`, { method: "POST", body: JSON.stringify({ id: "u1", text: "hi" }) });
    await rec.waitFor("the expiry alarm", "alarm.set", (e) => e.object.name === "lobby");
    await rec.client.send({ op: "failNext", target: { className: "UserSession", name: "lobby" }, count: 1 });
    const result = (await rec.client.send({ op: "fireNow", target: { className: "UserSession", name: "lobby" } })) as AlarmChangeResult;
    assert.ok(typeof result.previous === "number", "fire now replaced the pending expiry");
    const first = await rec.waitFor("the fired attempt", "alarm.end", (e) => e.object.name === "lobby");
    assert.equal(first.error?.injected, true);
    const retried = await rec.waitFor("the inferred retry", "alarm.end", (e) => e.object.name === "lobby" && e.outcome === "ok", 20_000);
    const starts = rec.about("UserSession", "lobby", "alarm.start") as AlarmStartEvent[];
    assert.deepEqual(starts.map((s) => [s.trigger, s.inferred?.retryCount, s.injectedFailure]), [["fireNow", 0, true], ["retry", 1, false]]);
    const wiped = rec.about("UserSession", "lobby", "storage.deleteAll");
    assert.ok(wiped.length === 1 && wiped[0]!.seq < retried.seq, "onAlarm cleared the room on the retry");
    assert.deepEqual((await json<{ keys: string[] }>(`${base}/party/lobby`)).keys, []);
  });

  it("shows the expiry pattern: each write replaces the alarm with a later one", async function () {
    for (const id of ["a", "b", "c"]) await json(`${base}/party/session-9?ttlMs=600000`, { method: "POST", body: JSON.stringify({ id }) });
    const sets = await waitFor("three sets", () => {
      const s = rec.about("UserSession", "session-9", "alarm.set") as AlarmSetEvent[];
      return s.length >= 3 ? s : undefined;
    });
    assert.deepEqual(sets.map((s) => s.previous), [null, sets[0]!.scheduledTime, sets[1]!.scheduledTime]);
    assert.ok(sets[2]!.scheduledTime > sets[1]!.scheduledTime && sets[1]!.scheduledTime > sets[0]!.scheduledTime);
  });

  it("reaches a room by id when it saw the room's name, and says why it cannot otherwise", async function () {
    const id = rec.about("UserSession", "session-9")[0]!.object.id;
    const snap = (await rec.client.send({ op: "snapshot", target: { className: "UserSession", id } })) as SnapshotResult;
    assert.deepEqual(snap.storage.map((s) => s.key), ["a", "b", "c"]);
    await assert.rejects(
      rec.client.send({ op: "snapshot", target: { className: "UserSession", id: "0".repeat(64) } }),
      (e: unknown) => e instanceof CommandError && /PartyKit reaches rooms by name only/.test(e.message),
    );
  });
});

describe("classic PartyKit across a partykit dev restart", function () {
  it("keeps storage but not the pending alarm: the inspector says so instead of hiding it", async function () {
    this.timeout(240_000);
    const state = tempDir("partykit-restart");
    try {
      const first = await launchPartykit(DIR, { persistDir: state });
      try {
        const before = await json<{ alarm: number | null }>(`${first.url}/party/keeper?ttlMs=3600000`, { method: "POST", body: JSON.stringify({ id: "kept" }) });
        assert.ok(typeof before.alarm === "number");
      } finally {
        await first.stop();
      }
      const second = await launchPartykit(DIR, { persistDir: state });
      const rec = await Recorder.connect(second.info);
      try {
        assert.equal(rec.client.hello!.alarmsPersist, false);
        const snap = (await rec.client.send({ op: "snapshot", target: { className: "UserSession", name: "keeper" } })) as SnapshotResult;
        assert.deepEqual(snap.storage.map((s) => s.key), ["kept"], "storage survived the restart");
        assert.equal(snap.alarm, null, "the pending alarm did not");
      } finally {
        rec.close();
        await second.stop();
      }
    } finally {
      cleanup(state);
    }
  });

  it("drops pending alarms on a hot reload too: the new agent session says so again", async function () {
    this.timeout(240_000);
    // A copy, so editing a source file to make partykit dev rebuild touches nothing of the repository's.
    const project = tempDir("partykit-reload");
    cpSync(DIR, project, { recursive: true, filter: (p) => !/[\\/]\.(partykit|wrangler)$/.test(p) });
    const session = await launchPartykit(project);
    const rec = await Recorder.connect(session.info);
    try {
      const armed = await json<{ alarm: number | null }>(`${session.url}/party/keeper?ttlMs=3600000`, { method: "POST", body: JSON.stringify({ id: "kept" }) });
      assert.ok(typeof armed.alarm === "number");
      const before = rec.client.hello!.sessionStartedAt;
      appendFileSync(join(project, "src", "flaky.ts"), "\n// touched by the runtime test: partykit dev rebuilds and reloads\n");
      rec.close();
      const after = await waitFor("a new agent session after the reload", async () => {
        const again = await Recorder.connect(session.info).catch(() => undefined);
        if (!again) return undefined;
        if (again.client.hello!.sessionStartedAt !== before) return again;
        again.close();
        return undefined;
      }, 60_000);
      try {
        assert.equal(after.client.hello!.alarmsPersist, false);
        const state = await json<{ keys: string[]; alarm: number | null }>(`${session.url}/party/keeper`);
        assert.deepEqual(state, { keys: ["kept"], alarm: null }, "storage kept, the alarm gone");
      } finally {
        after.close();
      }
    } finally {
      rec.close();
      await session.stop();
      cleanup(project);
    }
  });
});

describe("alarm-inspector partykit: one clear line for each error", function () {
  it("no partykit config in the folder", async function () {
    const dir = tempDir("partykit-empty");
    try {
      const r = await runCli(["partykit", "--cwd", dir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^alarm-inspector: no partykit config in .*: expected one of partykit\.json, partykit\.json5, partykit\.jsonc/m);
      assert.equal(r.stdout, "");
    } finally {
      cleanup(dir);
    }
  });

  it("a party named like the inspector's own, or a party module that does not exist", async function () {
    const dir = tempDir("partykit-bad");
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "server.ts"), "export default class Main {}\n");
      writeFileSync(join(dir, "partykit.json"), JSON.stringify({ name: "bad", main: "src/server.ts", parties: { __alarm_inspector: "src/server.ts" } }));
      const clash = await runCli(["partykit", "--cwd", dir]);
      assert.equal(clash.code, 1);
      assert.match(clash.stderr, /declares a party named "__alarm_inspector", the name the inspector's own party needs/);
      writeFileSync(join(dir, "partykit.json"), JSON.stringify({ name: "bad", main: "src/server.ts", parties: { other: "src/missing.ts" } }));
      const missing = await runCli(["partykit", "--cwd", dir]);
      assert.match(missing.stderr, /party "other" in .*partykit\.json points to .*missing\.ts, which does not exist/);
    } finally {
      cleanup(dir);
    }
  });

  it("partykit not where ALARM_INSPECTOR_PARTYKIT says", async function () {
    const r = await runCli(["partykit", "--cwd", DIR], { ALARM_INSPECTOR_PARTYKIT: "/nowhere/bin.mjs" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ALARM_INSPECTOR_PARTYKIT points to \/nowhere\/bin\.mjs, which does not exist/);
  });
});
