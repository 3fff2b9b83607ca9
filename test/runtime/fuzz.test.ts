/**
 * Fuzzing the inspector endpoint (seeded, reproducible: FUZZ_SEED, FUZZ_FRAMES): 10,000 generated and mutated frames
 * (wrong types in every field of every command, huge numbers and strings, deep nesting, random JSON, invalid UTF-8,
 * binary, oversized), a flood sent without waiting, and a client that never reads. Every frame must get exactly one
 * clear answer (or, for bytes that are not UTF-8, a close that says so), the Worker must keep serving and its isolate
 * must never restart (the agent session in `hello` stays the same), and workerd's memory must stay bounded.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import { cleanup, FIXTURES, json, launchOnFreePorts, Recorder } from "./helpers";
import type { Launched } from "./helpers";
import { generateFrames } from "./fuzzFrames";
import type { Frame } from "./fuzzFrames";

const SEED = Number(process.env.FUZZ_SEED ?? 1515);
const COUNT = Number(process.env.FUZZ_FRAMES ?? 10_000);
const FLOOD = 2000;

type Answer = { type: "result" | "error"; text: string } | { type: "closed"; code: number; reason: string } | { type: "none" };

/** What makes an answer unclear to the person who reads it; undefined when it is clear. */
function unclear(text: string): string | undefined {
  if (text.trim() === "") return "it is empty";
  if (text.length > 600) return `it is ${text.length} characters long`;
  if (/\n/.test(text)) return "it is more than one line";
  if (/Maximum call stack|Cannot read prop|is not a function|\[object Object\]|undefined is not|internal error/i.test(text)) return "it is an internal error";
  return undefined;
}

/** A socket that keeps the answers (results and errors) apart from `hello` and events. */
class FuzzSocket {
  private readonly answers: Answer[] = [];
  private waiter: (() => void) | undefined;
  closed: Answer | undefined;
  helloSession: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as { type: string; error?: string; ok?: boolean; sessionStartedAt?: number };
      if (m.type === "hello") this.helloSession = m.sessionStartedAt;
      if (m.type !== "result" && m.type !== "error") return;
      this.answers.push({ type: m.type, text: m.ok === true ? "ok" : String(m.error) });
      this.waiter?.();
    });
    ws.on("close", (code, reason) => {
      this.closed = { type: "closed", code, reason: reason.toString() };
      this.waiter?.();
    });
    ws.on("error", () => undefined);
  }

  static open(inspector: string, token: string): Promise<FuzzSocket> {
    const ws = new WebSocket(inspector, { headers: { Authorization: `Bearer ${token}` } });
    const s = new FuzzSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(s));
      ws.once("unexpected-response", (_q, r) => reject(new Error(`handshake refused: ${r.statusCode}`)));
      ws.once("error", reject);
    });
  }

  send(frame: Frame): void {
    if (frame.kind === "text") this.ws.send(frame.text);
    else this.ws.send(frame.bytes, { binary: frame.binary });
  }

  /** The next `n` answers, or fewer when the socket closed or `ms` passed. */
  async take(n: number, ms: number): Promise<Answer[]> {
    const deadline = Date.now() + ms;
    while (this.answers.length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, Math.max(0, Math.min(1000, deadline - Date.now())));
      });
      this.waiter = undefined;
    }
    return this.answers.splice(0, n);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The workerd processes below `pid` (from /proc). */
function workerdPids(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited while read
    }
  }
  const below = (p: number): boolean => {
    for (let q = parent.get(p); q !== undefined && q > 1; q = parent.get(q)) if (q === pid) return true;
    return false;
  };
  return [...parent.keys()].filter((p) => {
    try {
      return below(p) && readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd");
    } catch {
      return false; // exited while read
    }
  });
}

/** Sums a figure over the workerd processes below `pid`; a process that exits while read counts 0. */
function sumOverWorkerd(pid: number, read: (p: number) => number): number {
  let total = 0;
  for (const p of workerdPids(pid)) {
    try {
      total += read(p);
    } catch {
      // exited while read
    }
  }
  return total;
}

/** Resident memory of the workerd processes below `pid`, in bytes. */
function workerdRss(pid: number): number {
  return sumOverWorkerd(pid, (p) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) * 1024);
}

/** CPU time used so far by the workerd processes below `pid`, in clock ticks (user + system). */
function workerdCpuTicks(pid: number): number {
  return sumOverWorkerd(pid, (p) => {
    const fields = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  });
}

/**
 * Waits until workerd has worked through what it was sent: its CPU time stays still (at most 3 ticks, 30 ms, per
 * second) for two seconds in a row, or `ms` pass. A fixed pause was not enough on a loaded machine: CI read the
 * answers before the hub had answered them all, the socket drained, and the limit was never reached.
 */
async function workerdIdle(pid: number, ms: number): Promise<number> {
  const started = Date.now();
  let last = workerdCpuTicks(pid);
  let still = 0;
  while (still < 2 && Date.now() - started < ms) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = workerdCpuTicks(pid);
    still = now - last <= 3 ? still + 1 : 0;
    last = now;
  }
  return Date.now() - started;
}

/** One masked client text frame (RFC 6455 §5.2), for the raw socket that never reads. */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  for (let i = 0; i < len; i++) payload[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, payload]);
}

/** A raw client socket that never reads, and the frame bytes that came in the same read as its handshake's answer. */
interface NeverReads {
  socket: Socket;
  /** The server's first frames when they arrived with the `101` (its `hello`, often): the stream starts here. */
  early: Buffer;
}

/** A WebSocket client that completes the handshake and then never reads another byte. */
function neverReads(inspector: string, token: string): Promise<NeverReads> {
  const u = new URL(inspector);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(
        `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
    });
    let head = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      head = Buffer.concat([head, c]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const status = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
      if (!status.startsWith("HTTP/1.1 101")) return reject(new Error(status));
      // From here on nothing is read: the kernel's buffers fill, then workerd's side must hold or give up. Bytes past
      // the head are frames already (CI once lost a 1008 to a walk that began mid-frame, where `hello` had been cut).
      socket.pause();
      resolve({ socket, early: head.subarray(end + 4) });
    };
    socket.on("data", onData);
    socket.on("error", () => undefined);
  });
}

/** Everything a paused socket holds and is still sent, until it ends or `ms` pass. */
function readAll({ socket, early }: NeverReads, ms: number): Promise<Buffer> {
  const chunks: Buffer[] = [early];
  return new Promise((resolve) => {
    const done = () => resolve(Buffer.concat(chunks));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("end", done);
    socket.once("close", done);
    setTimeout(done, ms);
    socket.resume();
  });
}

/** What a server's frames (RFC 6455: unmasked) held: its answers, its event frames, and its close, if it got that far. */
interface Received {
  megabytes: number;
  resultsOk: number;
  resultsFailed: number;
  /** The first failed result's error, which says why the answers were small when no close came. */
  firstFailure?: string;
  eventFrames: number;
  closeCode?: number;
  closeReason?: string;
}

function summarize(stream: Buffer): Received {
  const got: Received = { megabytes: stream.length / 1048576, resultsOk: 0, resultsFailed: 0, eventFrames: 0 };
  for (let at = 0; at + 2 <= stream.length; ) {
    const opcode = stream[at]! & 0x0f;
    let len = stream[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) [len, head] = [stream.readUInt16BE(at + 2), 4];
    else if (len === 127) [len, head] = [Number(stream.readBigUInt64BE(at + 2)), 10];
    if (at + head + len > stream.length) break;
    const payload = stream.subarray(at + head, at + head + len);
    if (opcode === 8) {
      got.closeCode = len >= 2 ? payload.readUInt16BE(0) : 1005;
      got.closeReason = payload.subarray(2).toString("utf8");
      break;
    }
    if (opcode === 1) {
      const message = JSON.parse(payload.toString("utf8")) as { type: string; ok?: boolean; error?: string };
      if (message.type === "events") got.eventFrames++;
      else if (message.type === "result" && message.ok) got.resultsOk++;
      else if (message.type === "result") {
        got.resultsFailed++;
        got.firstFailure ??= message.error;
      }
    }
    at += head + len;
  }
  return got;
}

describe("fuzzing the inspector endpoint", function () {
  let session: Launched;
  let sessionStartedAt: number;
  const failures: string[] = [];
  const fail = (line: string) => {
    if (failures.length < 30) failures.push(line);
  };

  before(async function () {
    this.timeout(200_000);
    session = await launchOnFreePorts(join(FIXTURES, "soak"));
    const rec = await Recorder.connect(session.info);
    sessionStartedAt = rec.client.hello!.sessionStartedAt;
    rec.close();
  });
  after(async () => {
    await session?.stop();
    if (session) cleanup(session.persistDir);
  });

  async function stillServing(): Promise<void> {
    const before = await json<{ requests: number }>(`${session.url}/get/alive?key=k`);
    assert.deepEqual(await json(`${session.url}/put/alive?key=k&value=v`), { name: "alive", op: "put", requests: before.requests + 1 });
    const rec = await Recorder.connect(session.info);
    try {
      assert.equal(rec.client.hello!.sessionStartedAt, sessionStartedAt, "the Worker's isolate restarted (a crash, or memory exhausted)");
      await rec.client.send({ op: "fireNow", target: { className: "Soak", name: "alive" } });
      await rec.waitFor("the fired alarm's end", "alarm.end", (e) => e.object.name === "alive");
    } finally {
      rec.close();
    }
  }

  it(`answers each of ${COUNT} generated and mutated frames (seed ${SEED}) with one clear answer, then a flood of ${FLOOD}`, async function () {
    this.timeout(900_000);
    const frames = generateFrames(SEED, COUNT);
    const rssBefore = workerdRss(session.child.pid!);
    const { inspector, token } = session.info;
    let socket = await FuzzSocket.open(inspector, token);
    const tally = { answered: 0, refused: 0, accepted: 0, closedOnBadUtf8: 0 };
    const sequential = frames.slice(0, frames.length - FLOOD);
    for (let i = 0; i < sequential.length; i++) {
      const frame = sequential[i]!;
      socket.send(frame);
      const [answer] = await socket.take(1, 20_000);
      const got: Answer = answer ?? socket.closed ?? { type: "none" };
      const where = `frame ${i} (${frame.why})`;
      if (got.type === "closed") {
        // Bytes that are not UTF-8 in a text frame break the WebSocket protocol itself: a close (1007) is the answer.
        if (frame.kind === "bytes" && !frame.binary && got.code === 1007) tally.closedOnBadUtf8++;
        else fail(`${where}: connection closed (${got.code} ${got.reason})`);
        socket = await FuzzSocket.open(inspector, token);
        continue;
      }
      if (got.type === "none") {
        fail(`${where}: no answer within 20 s`);
        continue;
      }
      tally.answered++;
      if (got.text === "ok") tally.accepted++;
      else {
        tally.refused++;
        const why = unclear(got.text);
        if (why) fail(`${where}: the refusal is unclear (${why}): ${got.text.slice(0, 200)}`);
      }
    }
    // The flood: the rest sent at once, without waiting for answers; each must still get one.
    const flood = frames.slice(frames.length - FLOOD).filter((f): f is Extract<Frame, { kind: "text" }> => f.kind === "text");
    for (const f of flood) socket.send(f);
    const answers = await socket.take(flood.length, 120_000);
    if (answers.length !== flood.length) fail(`flood: ${answers.length} answers to ${flood.length} frames${socket.closed ? ` (closed: ${JSON.stringify(socket.closed)})` : ""}`);
    for (const a of answers) if ((a.type === "result" || a.type === "error") && a.text !== "ok" && unclear(a.text)) fail(`flood: unclear refusal: ${a.text.slice(0, 200)}`);
    socket.close();
    const rssAfter = workerdRss(session.child.pid!);
    console.log(`      ${frames.length} frames: ${tally.answered} answered (${tally.refused} refused, ${tally.accepted} accepted), ${tally.closedOnBadUtf8} closed for bad UTF-8, flood ${answers.length}/${flood.length}; workerd RSS ${(rssBefore / 1048576).toFixed(0)} -> ${(rssAfter / 1048576).toFixed(0)} MB`);
    assert.deepEqual(failures, []);
    assert.ok(frames.length >= 10_000 || COUNT < 10_000);
    assert.ok(rssAfter - rssBefore < 512 * 1048576, `workerd grew by ${rssAfter - rssBefore} bytes`);
    await stillServing();
  });

  it("keeps serving, and keeps its memory bounded, while a client never reads what it is sent", async function () {
    this.timeout(300_000);
    const { inspector, token } = session.info;
    const rssBefore = workerdRss(session.child.pid!);
    const slow = await neverReads(inspector, token);
    try {
      // Work for it to be sent: snapshot results, and events from a busy Worker.
      const big = "z".repeat(2000);
      for (let k = 0; k < 100; k++) await json(`${session.url}/put/slowpoke?key=k${k}&value=${big}`);
      let sent = 0;
      let i = 0;
      // About 25 KB a snapshot (100 keys of 2,000 characters, previews clipped): 10,000 asked is 250 MB, ten times the
      // hub's limit of unsent bytes (16 MB) plus what the sockets on the way hold (about 8 MB here: the client reads
      // about 24 MB, 930 snapshots, before the close). Two CI failures here, read as a thin margin at the time, were
      // the frame walk starting mid-frame (see `neverReads`).
      for (let round = 0; round < 40; round++) {
        for (let k = 0; k < 250; k++) slow.socket.write(clientFrame(JSON.stringify({ type: "command", id: ++sent, op: "snapshot", target: { className: "Soak", name: "slowpoke" } })));
        for (let k = 0; k < 10; k++) await json(`${session.url}/set/busy${i++ % 50}?inMs=100000&fails=0`);
      }
      // The hub answers each snapshot it read; wait until it has read them all, or stopped reading.
      const waited = await workerdIdle(session.child.pid!, 120_000);
      const rssDuring = workerdRss(session.child.pid!);
      console.log(`      ${sent} snapshots asked and ${i} alarms set while the client read nothing; workerd idle after ${(waited / 1000).toFixed(0)} s; RSS ${(rssBefore / 1048576).toFixed(0)} -> ${(rssDuring / 1048576).toFixed(0)} MB`);
      await stillServing();
      // Now read what it was sent: the hub let it go once too much waited unsent, and said why.
      const received = summarize(await readAll(slow, 20_000));
      const told = `the client then read ${received.megabytes.toFixed(1)} MB: ${received.resultsOk} snapshots, ${received.resultsFailed} failed (first: ${received.firstFailure ?? "none"}), ${received.eventFrames} event frames; close ${received.closeCode ?? "none"} ${received.closeReason ?? ""}`;
      console.log(`      ${told}`);
      // Loose: workerd's heap grows with 10,000 snapshots whoever reads them; the unsent bytes are what the hub bounds.
      assert.ok(rssDuring - rssBefore < 512 * 1048576, `workerd grew by ${rssDuring - rssBefore} bytes`);
      assert.equal(received.closeCode, 1008, `the hub closed the client that did not read, with 1008; ${told}`);
    } finally {
      slow.socket.destroy();
    }
    await stillServing();
  });
});
