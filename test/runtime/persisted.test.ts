/**
 * Alarms read from wrangler's local state on disk (`readPersistedAlarms`), against a real `alarm-inspector dev` on
 * the examples: while wrangler runs (the files are open and in WAL mode) and after it stopped, without waking any
 * object and without changing a byte of wrangler's files.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { AlarmSetEvent } from "../../protocol/protocol";
import { readPersistedAlarms } from "../../extension/persisted/persistedAlarms";
import type { PersistedAlarm, PersistedRead } from "../../extension/persisted/persistedAlarms";
import type { PersistedAlarm as ModelPersistedAlarm } from "../../extension/model/types";
import { cleanup, EXAMPLES, json, launch, Recorder, tempDir } from "./helpers";
import type { Launched } from "./helpers";

const WORKER = "alarm-examples";
const CLASSES = ["Reminder", "SqlCounter", "Batcher", "NotAClass"] as const;

/** Compile-time check: what this module returns can be handed to `AlarmModel.applyPersisted` as is. */
const assignable: (a: PersistedAlarm) => ModelPersistedAlarm = (a) => a;
void assignable;

function okRead(r: PersistedRead): Extract<PersistedRead, { ok: true }> {
  if (!r.ok) assert.fail(`read failed: ${r.reason}`);
  return r;
}

/** Hashes of a class's state files (db, WAL, index), to show a read changed none of them. */
function fingerprint(persistDir: string, className: string, files = ["metadata.sqlite", "metadata.sqlite-wal", "metadata.sqlite-shm"]): Record<string, string> {
  const dir = join(persistDir, "v3", "do", `${WORKER}-${className}`);
  const out: Record<string, string> = {};
  for (const f of files) out[f] = existsSync(join(dir, f)) ? createHash("sha256").update(readFileSync(join(dir, f))).digest("hex") : "absent";
  return out;
}

describe("persisted alarms read from wrangler's local state", function () {
  let persistDir: string;
  let session: Launched | undefined;
  let rec: Recorder | undefined;
  /** What the agent reported for each alarm set, by name. */
  const expected = new Map<string, AlarmSetEvent>();

  before(async function () {
    persistDir = tempDir("persisted");
    session = await launch(EXAMPLES, { persistDir });
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    rec?.close();
    await session?.stop();
    cleanup(persistDir);
  });

  /** Sets an alarm through the examples' HTTP API and returns the agent's `alarm.set` event for it. */
  async function setAlarm(path: string, className: string, name: string): Promise<AlarmSetEvent> {
    // Only events after this call: an object set twice has an older alarm.set too.
    const after = rec!.events.length === 0 ? -1 : Math.max(...rec!.events.map((e) => e.seq));
    await json(`${session!.url}${path}`, { method: "POST" });
    return rec!.waitFor(`alarm.set of ${className} ${name}`, "alarm.set", (e) => e.seq > after && e.object.className === className && e.object.name === name);
  }

  function expectedAlarms(): PersistedAlarm[] {
    return [...expected.values()]
      .map((e) => ({ worker: WORKER, className: e.object.className, id: e.object.id, name: e.object.name!, scheduledTime: e.scheduledTime }))
      .sort((a, b) => CLASSES.indexOf(a.className as (typeof CLASSES)[number]) - CLASSES.indexOf(b.className as (typeof CLASSES)[number]) || a.scheduledTime - b.scheduledTime);
  }

  it("reads alarms set by name while wrangler runs: agent's hex id, the getByName name, time in ms", async function () {
    expected.set("far-1", await setAlarm("/reminder/far-1/set?inMs=600000", "Reminder", "far-1"));
    expected.set("far-2", await setAlarm("/reminder/far-2/set?inMs=900000", "Reminder", "far-2"));
    // A SQLite-backed class keeps its alarms in the same kind of file.
    expected.set("sql-1", await setAlarm("/sql/sql-1/tick?inMs=700000", "SqlCounter", "sql-1"));
    // Set then deleted: its row is gone, so it must not be listed.
    await setAlarm("/reminder/gone/set?inMs=600000", "Reminder", "gone");
    await json(`${session!.url}/reminder/gone`, { method: "DELETE" });
    await rec!.waitFor("delete of gone", "alarm.delete", (e) => e.object.name === "gone");

    const before = fingerprint(persistDir, "Reminder");
    const t0 = Date.now();
    const read = okRead(await readPersistedAlarms(persistDir, WORKER, CLASSES));
    assert.deepEqual(read.warnings, []);
    assert.ok(read.readAt >= t0 && read.readAt <= Date.now());
    assert.deepEqual(read.alarms, expectedAlarms());
    for (const a of read.alarms) assert.match(a.id, /^[0-9a-f]{64}$/, "the id is ctx.id.toString()");
    assert.deepEqual(fingerprint(persistDir, "Reminder"), before, "the read wrote nothing, not even to the -shm index");

    // Reading woke nothing: no object.start after the read, and the HTTP view agrees with the disk.
    const starts = rec!.events.filter((e) => e.kind === "object.start" && e.at >= read.readAt);
    assert.deepEqual(starts, []);
    const state = await json<{ alarm: number | null }>(`${session!.url}/reminder/far-1`);
    assert.equal(state.alarm, expected.get("far-1")!.scheduledTime);
  });

  it("does not get in wrangler's way: an overwrite right after a read is on disk at the next read", async function () {
    expected.set("far-1", await setAlarm("/reminder/far-1/set?inMs=1200000", "Reminder", "far-1"));
    assert.notEqual(expected.get("far-1")!.previous, null);
    const read = okRead(await readPersistedAlarms(persistDir, WORKER, CLASSES));
    assert.deepEqual(read.warnings, []);
    assert.deepEqual(read.alarms, expectedAlarms());
  });

  it("reads the same alarms after wrangler stopped, and changes none of its files", async function () {
    await session!.stop();
    rec!.close();
    const before = { r: fingerprint(persistDir, "Reminder"), s: fingerprint(persistDir, "SqlCounter") };
    const read = okRead(await readPersistedAlarms(persistDir, WORKER, CLASSES));
    assert.deepEqual(read.warnings, []);
    assert.deepEqual(read.alarms, expectedAlarms());
    assert.deepEqual({ r: fingerprint(persistDir, "Reminder"), s: fingerprint(persistDir, "SqlCounter") }, before);
  });

  it("reads a WAL left without its -shm index from a copy, creating nothing beside it", async function () {
    const src = join(persistDir, "v3", "do", `${WORKER}-Reminder`);
    if (!existsSync(join(src, "metadata.sqlite-wal"))) this.skip(); // wrangler checkpointed on exit: nothing to prove
    const other = tempDir("persisted-noshm");
    try {
      const dst = join(other, "v3", "do", `${WORKER}-Reminder`);
      mkdirSync(dst, { recursive: true });
      copyFileSync(join(src, "metadata.sqlite"), join(dst, "metadata.sqlite"));
      copyFileSync(join(src, "metadata.sqlite-wal"), join(dst, "metadata.sqlite-wal"));
      const read = okRead(await readPersistedAlarms(other, WORKER, ["Reminder"]));
      assert.deepEqual(read.warnings, []);
      assert.deepEqual(read.alarms, expectedAlarms().filter((a) => a.className === "Reminder"));
      assert.equal(existsSync(join(dst, "metadata.sqlite-shm")), false, "no -shm was created in the user's state");
    } finally {
      cleanup(other);
    }
  });
});

describe("persisted alarms: missing, corrupt and unreadable state", function () {
  let dir: string;
  beforeEach(function () {
    dir = tempDir("persisted-files");
  });
  afterEach(function () {
    cleanup(dir);
  });

  function classDir(worker: string, className: string): string {
    const d = join(dir, "v3", "do", `${worker}-${className}`);
    mkdirSync(d, { recursive: true });
    return join(d, "metadata.sqlite");
  }

  it("a missing state folder is ok with no alarms", async function () {
    const read = okRead(await readPersistedAlarms(join(dir, "does-not-exist"), WORKER, ["Reminder"]));
    assert.deepEqual(read.alarms, []);
    assert.deepEqual(read.warnings, []);
  });

  it("a garbage file skips its class with a warning; the other classes are still read", async function () {
    writeFileSync(classDir("my-worker", "Broken"), "this is not a database, just text long enough to look like a header....".repeat(20));
    const db = new DatabaseSync(classDir("my-worker", "Good"));
    db.exec("CREATE TABLE _cf_ALARM (actor_id TEXT PRIMARY KEY, scheduled_time INTEGER, actor_name TEXT) WITHOUT ROWID");
    const insert = db.prepare("INSERT INTO _cf_ALARM VALUES (?, ?, ?)");
    insert.run("b".repeat(64), 1_800_000_000_123_000_000n, null); // no name: addressed by id, not by name
    insert.run("a".repeat(64), 1_800_000_000_000_500_000n, "room"); // sub-millisecond part kept as a fraction
    db.close();
    writeFileSync(classDir("my-worker", "NoTable"), "");
    const goodDir = join(dir, "v3", "do", "my-worker-Good");
    const goodFiles = readdirSync(goodDir).sort();

    const read = okRead(await readPersistedAlarms(dir, "my-worker", ["Broken", "Good", "NoTable"]));
    assert.deepEqual(read.alarms, [
      { worker: "my-worker", className: "Good", id: "a".repeat(64), name: "room", scheduledTime: 1_800_000_000_000.5 },
      { worker: "my-worker", className: "Good", id: "b".repeat(64), scheduledTime: 1_800_000_000_123 },
    ]);
    assert.equal(read.warnings.length, 2, read.warnings.join("\n"));
    assert.match(read.warnings[0]!, /^Broken: .*not a database/);
    assert.match(read.warnings[1]!, /^NoTable: .*no such table: _cf_ALARM/);
    assert.deepEqual(readdirSync(goodDir).sort(), goodFiles, "no -wal or -shm was created beside a database without them");
  });

  it("a class name that is not one folder segment is skipped with a warning, not read from elsewhere", async function () {
    const read = okRead(await readPersistedAlarms(dir, "w", ["../x", "Ok"]));
    assert.deepEqual(read.alarms, []);
    assert.equal(read.warnings.length, 1);
    assert.match(read.warnings[0]!, /^\.\.\/x: /);
  });

  it("without node:sqlite (or without its readOnly option) it says so instead of throwing", async function () {
    const none = await readPersistedAlarms(dir, "w", ["A"], { nodeVersion: "v20.18.0", loadSqlite: () => Promise.reject(new Error("No such built-in module: node:sqlite")) });
    assert.deepEqual(none, {
      ok: false,
      reason: "this VS Code's Node.js (v20.18.0) has no node:sqlite; alarms from earlier sessions are not shown until the objects wake",
    });
    const old = await readPersistedAlarms(dir, "w", ["A"], { nodeVersion: "v22.8.0" });
    assert.equal(old.ok, false);
    assert.match(!old.ok ? old.reason : "", /v22\.8\.0\) has no read-only node:sqlite/);
  });
});
