/**
 * Security as tests, on a real session: the token is never in a process list, a log line or wrangler's output; the
 * files that hold it are readable by their user only; a request naming a foreign Host (DNS rebinding) is refused by
 * the inspector endpoint; and commands reach only the Durable Object classes the hello names.
 */
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import WebSocket from "ws";
import { cleanup, FIXTURES, launchOnFreePorts, Recorder, tempDir } from "./helpers";
import type { Launched } from "./helpers";
import { groupMembers } from "./processes";

/** Opens a raw socket with the given headers and reports how the handshake ended: a refusal's status, or "open". */
function handshake(url: string, headers: Record<string, string>): Promise<{ status: number | "open"; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("open", () => {
      ws.close();
      resolve({ status: "open", body: "" });
    });
    ws.on("error", () => undefined);
  });
}

/** Every file below `dir`, symlinks not followed. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

describe("security of a session", function () {
  let dir: string;
  let session: Launched;
  let token: string;
  const startedAt = Date.now();

  before(async function () {
    dir = tempDir("security");
    cpSync(join(FIXTURES, "conformance"), dir, { recursive: true, filter: (src) => !src.includes(".wrangler") });
    session = await launchOnFreePorts(dir);
    token = session.info.token;
    // Traffic that a log could record: a client with the token in its header, one with it in the query, a command.
    const rec = await Recorder.connect(session.info);
    await rec.client.send({ op: "snapshot", target: { className: "Probe", name: "security" } });
    rec.close();
    assert.equal((await handshake(`${session.info.inspector}?token=${encodeURIComponent(token)}`, {})).status, "open");
  });

  after(async function () {
    await session?.stop();
    if (dir) cleanup(dir);
  });

  it("never shows the token in a process's command line or environment (every process on the machine)", function () {
    const own = new Set([session.child.pid, ...groupMembers(session.info.pgid!).map((m) => m.pid)]);
    assert.ok(own.size >= 4, "the launcher, the lifeline, wrangler and workerd are all looked at");
    let seen = 0;
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      } catch {
        continue; // exited while we read
      }
      seen++;
      assert.ok(!cmdline.includes(token), `the token is in the command line of process ${name}: ${cmdline.split("\0").join(" ").slice(0, 200)}`);
      if (own.has(Number(name))) {
        const environ = readFileSync(`/proc/${name}/environ`, "utf8");
        assert.ok(!environ.includes(token), `the token is in the environment of process ${name}`);
      }
    }
    assert.ok(seen > own.size);
  });

  it("never prints the token in the launcher's or wrangler's output, nor in wrangler's log files", function () {
    assert.ok(session.stderr().includes("GET /__alarm_inspector"), "wrangler's request log is part of the output looked at");
    assert.ok(!session.stderr().includes(token), "the token appears in the launcher's or wrangler's output");
    const logs = join(homedir(), ".config", ".wrangler", "logs");
    let files: string[] = [];
    try {
      files = readdirSync(logs).map((f) => join(logs, f)).filter((f) => statSync(f).mtimeMs >= startedAt - 1000);
    } catch {
      // wrangler writes no log files here on this machine
    }
    for (const f of files) assert.ok(!readFileSync(f, "utf8").includes(token), `the token is in wrangler's log ${f}`);
  });

  it("keeps every file that holds the token readable by its user only", function () {
    const sessionDir = join(dir, ".wrangler", "alarm-inspector");
    assert.equal(statSync(sessionDir).mode & 0o777, 0o700, "the session folder (the token is in wrangler's bundle there too) is the user's only");
    for (const f of ["session.json", "runtime.json", "entry.mjs"]) assert.equal(statSync(join(sessionDir, f)).mode & 0o077, 0, `${f} is readable by others`);
    const holders = filesBelow(dir).filter((f) => readFileSync(f).includes(token));
    assert.ok(holders.includes(join(sessionDir, "session.json")), "session.json holds the token");
    for (const f of holders) assert.ok(!relative(sessionDir, f).startsWith(".."), `${relative(dir, f)} holds the token outside the session folder`);
  });

  it("refuses a foreign Host (DNS rebinding) with the right token, and accepts loopback names", async function () {
    const port = new URL(session.url).port;
    const auth = { Authorization: `Bearer ${token}` };
    for (const host of [`evil.example:${port}`, `rebind.127.0.0.1.nip.io:${port}`, "attacker.test"]) {
      const r = await handshake(session.info.inspector, { ...auth, Host: host });
      assert.equal(r.status, 403, `Host ${host}`);
      assert.match(r.body, /^alarm-inspector: Host ".*" refused; connect to the inspector through 127\.0\.0\.1 or localhost/);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await handshake(session.info.inspector, { ...auth, Host: host })).status, "open", `Host ${host}`);
    }
    // The user's own Worker is not the inspector: its requests are not filtered.
    assert.equal((await fetch(`${session.url}/echo/alive`, { headers: { Host: "evil.example" } })).status, 200);
  });

  it("runs commands only on the classes the hello names", async function () {
    const rec = await Recorder.connect(session.info);
    try {
      const named = rec.client.hello!.classes.map((c) => c.className);
      assert.deepEqual([...named].sort(), ["KvProbe", "Probe"]);
      for (const className of ["AlarmInspectorHub", "Nope", "constructor", "__proto__", "toString", "hasOwnProperty", "probe"]) {
        for (const op of ["snapshot", "fireNow", "deleteAlarm"] as const) {
          await assert.rejects(rec.client.send({ op, target: { className, name: "x" } }), new RegExp(`unknown class "${className}"; this Worker's Durable Object classes are: `), `${op} on ${className}`);
        }
      }
      // The named ones answer (the refusals above are about the class, not the connection).
      await rec.client.send({ op: "snapshot", target: { className: "Probe", name: "security" } });
    } finally {
      rec.close();
    }
  });
});
