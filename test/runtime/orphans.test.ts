/**
 * Nothing left behind, one runtime per project: whatever ends the launcher (SIGKILL included) or the process that
 * started it, the runtime's whole process group (lifeline, wrangler or partykit, workerd) is gone soon after, found by
 * the group id the launcher records; a second start over a live runtime is refused with one line saying how to attach
 * or stop, `alarm-inspector stop` stops it from elsewhere, and a stale session left by a killed launcher is ignored.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionInfo } from "../../launcher/session";
import { cleanup, FIXTURES, freePort, launchOnFreePorts, REPO, runCli, stopGroup, tempDir, waitFor } from "./helpers";
import type { Launched } from "./helpers";
import { launchPartykit } from "./partyHelpers";
import { groupMembers, killGroup } from "./processes";

const CLI = join(REPO, "dist", "cli.js");

function projectFrom(fixture: string): string {
  const dir = tempDir("orphans");
  cpSync(join(FIXTURES, fixture), dir, { recursive: true, filter: (src) => !src.includes(".wrangler") && !src.includes(".partykit") });
  return dir;
}

function sessionDir(dir: string): string {
  return join(dir, ".wrangler", "alarm-inspector");
}

/** The group the ready line names, checked to hold the lifeline and a running workerd (so "gone" means something). */
function runtimeGroup(info: SessionInfo, runtime: string): number {
  const pgid = info.pgid;
  assert.ok(typeof pgid === "number" && pgid > 1, `the ready line names the runtime's process group: ${JSON.stringify(info)}`);
  const members = groupMembers(pgid);
  assert.ok(members.some((m) => m.pid === pgid && m.command.includes("__lifeline")), `the group's leader is the lifeline:\n${members.map((m) => m.command).join("\n")}`);
  assert.ok(members.some((m) => m.command.includes(runtime)), `${runtime} runs in the group`);
  assert.ok(members.some((m) => /workerd\b.* serve/.test(m.command)), "workerd runs in the group");
  return pgid;
}

function groupGone(pgid: number, within = 30_000): Promise<true> {
  return waitFor(`process group ${pgid} to be empty`, () => groupMembers(pgid).length === 0, within);
}

function pidGone(pid: number): Promise<true> {
  return waitFor(`process ${pid} to exit`, () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "), 30_000);
}

describe("no orphans, one runtime per project", function () {
  it("kill -KILL of the launcher stops wrangler and workerd; the stale session left behind is ignored by the next start", async function () {
    const dir = projectFrom("conformance");
    const state = tempDir("orphans-state");
    const first = await launchOnFreePorts(dir, state);
    const pgid = runtimeGroup(first.info, "wrangler");
    let second: Launched | undefined;
    try {
      process.kill(first.child.pid!, "SIGKILL");
      await groupGone(pgid);
      // The launcher had no chance to clean up: its files stay, naming a dead launcher and a dead group.
      assert.ok(existsSync(join(sessionDir(dir), "session.json")), "a killed launcher leaves session.json");
      assert.equal(JSON.parse(readFileSync(join(sessionDir(dir), "runtime.json"), "utf8")).pgid, pgid);
      second = await launchOnFreePorts(dir, state);
      const pgid2 = runtimeGroup(second.info, "wrangler");
      assert.notEqual(pgid2, pgid);
      assert.equal(JSON.parse(readFileSync(join(sessionDir(dir), "runtime.json"), "utf8")).pgid, pgid2);
      assert.equal((await fetch(`${second.url}/__alarm_inspector/health`)).status, 200);
    } finally {
      await second?.stop();
      killGroup(pgid);
      cleanup(dir);
      cleanup(state);
    }
  });

  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal} to the launcher alone stops the whole runtime group and the launcher exits 0`, async function () {
      const dir = projectFrom("conformance");
      const session = await launchOnFreePorts(dir);
      const pgid = runtimeGroup(session.info, "wrangler");
      try {
        const exited = new Promise<number | null>((r) => session.child.once("exit", (code) => r(code)));
        process.kill(session.child.pid!, signal);
        assert.equal(await exited, 0);
        await groupGone(pgid);
        assert.equal(existsSync(join(sessionDir(dir), "session.json")), false, "session.json is removed");
        assert.equal(existsSync(join(sessionDir(dir), "runtime.json")), false, "runtime.json is removed");
      } finally {
        await session.stop();
        killGroup(pgid);
        cleanup(dir);
      }
    });
  }

  it("the death of the process that started the launcher (an extension host, a shell) stops the launcher and its runtime", async function () {
    const dir = projectFrom("conformance");
    const state = tempDir("orphans-state");
    // A stand-in for the extension host: a process that starts the launcher and is then killed without warning.
    const script = `require("node:child_process").spawn(process.execPath, ${JSON.stringify([CLI, "dev", "--cwd", dir, "--port", String(await freePort()), "--", "--persist-to", state, "--inspector-port", String(await freePort())])}, { stdio: ["ignore", "inherit", "inherit"] }).on("exit", (c) => process.exit(c ?? 1)); setInterval(() => {}, 1e6);`;
    const host = spawn(process.execPath, ["-e", script], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    host.stdout!.on("data", (c: Buffer) => (stdout += c));
    host.stderr!.on("data", (c: Buffer) => (stderr += c));
    let pgid: number | undefined;
    try {
      const line = await waitFor("the launcher's ready line", () => {
        if (host.exitCode !== null) throw new Error(`the launcher exited (${host.exitCode}) before ready:\n${stderr.slice(-3000)}`);
        return stdout.split("\n").find((l) => l.startsWith("{"));
      }, 150_000);
      const info = JSON.parse(line) as SessionInfo;
      pgid = runtimeGroup(info, "wrangler");
      process.kill(host.pid!, "SIGKILL");
      await pidGone(info.pid);
      await groupGone(pgid);
    } finally {
      killGroup(host.pid);
      killGroup(pgid);
      cleanup(dir);
      cleanup(state);
    }
  });

  it("a second start over a live runtime is refused with one line (exit 3); `alarm-inspector stop` stops the first from elsewhere", async function () {
    const dir = projectFrom("conformance");
    const first = await launchOnFreePorts(dir);
    const pgid = runtimeGroup(first.info, "wrangler");
    try {
      const second = await runCli(["dev", "--cwd", dir, "--", "--persist-to", first.persistDir]);
      assert.equal(second.code, 3);
      const lines = second.stderr.split("\n").filter((l) => l.startsWith("alarm-inspector:"));
      assert.equal(lines.length, 1, second.stderr);
      const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      assert.match(
        lines[0]!,
        new RegExp(
          `^alarm-inspector: wrangler is already running for this project over ${escape(first.persistDir)} \\(process group ${pgid}, ${escape(first.url)}\\): ` +
            `attach to it \\(Alarm Inspector: Attach\\), or stop it with \`alarm-inspector stop --cwd ${escape(dir)}\`$`,
        ),
      );
      // The refused start changed nothing: the first runtime serves, its files are its own.
      assert.equal((await fetch(`${first.url}/__alarm_inspector/health`)).status, 200);
      assert.equal(JSON.parse(readFileSync(join(sessionDir(dir), "session.json"), "utf8")).token, first.info.token);

      const exited = new Promise<number | null>((r) => first.child.once("exit", (code) => r(code)));
      const stop = await runCli(["stop", "--cwd", dir]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(stop.stdout.trim(), `stopped wrangler (process group ${pgid}, ${first.url}) for ${dir}`);
      await groupGone(pgid);
      await exited;
      assert.equal(existsSync(join(sessionDir(dir), "session.json")), false);
      const again = await runCli(["stop", "--cwd", dir]);
      assert.equal(again.stdout.trim(), `nothing to stop: no inspector session runs for ${dir}`);
    } finally {
      await first.stop();
      killGroup(pgid);
      cleanup(dir);
    }
  });

  it("alarm-inspector partykit: kill -KILL of the launcher stops partykit and workerd", async function () {
    const dir = projectFrom("partykit-conformance");
    const session = await launchPartykit(dir);
    const pgid = runtimeGroup(session.info, "partykit");
    try {
      process.kill(session.child.pid!, "SIGKILL");
      await groupGone(pgid);
    } finally {
      await stopGroup(session.child);
      await session.stop();
      killGroup(pgid);
      cleanup(dir);
    }
  });
});
