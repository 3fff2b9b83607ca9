/**
 * The claim on a project's state (launcher/runtimeRecord.ts): a live launcher or runtime group holds it, a stale
 * record is replaced, and a recorded group id that now belongs to an unrelated process is not taken for a runtime.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claim, liveRecord, recordPath, releaseRecord } from "../../launcher/runtimeRecord";

function write(dir: string, record: object): void {
  writeFileSync(recordPath(dir), JSON.stringify(record));
}

describe("runtime record (one runtime per project)", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "alarm-inspector-record-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("claims a free folder with a 0600 record and leaves the folder 0700", function () {
    assert.equal(claim(dir, "/state"), undefined);
    const record = JSON.parse(readFileSync(recordPath(dir), "utf8"));
    assert.equal(record.launcherPid, process.pid);
    assert.equal(record.stateDir, "/state");
    assert.equal(statSync(recordPath(dir)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    releaseRecord(dir);
    assert.equal(liveRecord(dir), undefined);
  });

  it("is held by a live launcher that has not spawned its runtime yet", function () {
    // The parent of this test run is alive and is not this process: it stands for another launcher.
    write(dir, { launcherPid: process.ppid, startedAt: 1 });
    assert.equal(claim(dir, undefined)?.launcherPid, process.ppid);
    // Not ours to remove.
    releaseRecord(dir);
    assert.equal(JSON.parse(readFileSync(recordPath(dir), "utf8")).launcherPid, process.ppid);
  });

  it("replaces a stale record: dead launcher, dead group", async function () {
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.once("exit", r));
    write(dir, { launcherPid: dead.pid, pgid: dead.pid, startedAt: 1 });
    assert.equal(claim(dir, undefined), undefined);
    assert.equal(JSON.parse(readFileSync(recordPath(dir), "utf8")).launcherPid, process.pid);
  });

  it("does not take a live group that is not a launcher's (a recorded id given to another process) for a runtime", async function () {
    // A group of its own whose leader is not a lifeline.
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    try {
      await new Promise((r) => other.once("spawn", r));
      write(dir, { launcherPid: 999_999_999, pgid: other.pid, startedAt: 1 });
      assert.equal(liveRecord(dir), undefined);
      assert.equal(claim(dir, undefined), undefined);
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("is held by a live group whose leader is a lifeline", async function () {
    // The lifeline is recognised by its command line; a stand-in that carries the marker in its arguments.
    const lifeline = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "__lifeline"], { detached: true, stdio: "ignore" });
    try {
      await new Promise((r) => lifeline.once("spawn", r));
      write(dir, { launcherPid: 999_999_999, pgid: lifeline.pid, runtime: "wrangler", url: "http://127.0.0.1:1", startedAt: 1 });
      assert.equal(claim(dir, undefined)?.pgid, lifeline.pid);
    } finally {
      lifeline.kill("SIGKILL");
    }
  });
});
