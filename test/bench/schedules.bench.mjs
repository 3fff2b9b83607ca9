// The cost of schedule decoding on a busy Agents SDK agent (test/fixtures/agents-schedules, agents 0.32) under
// `alarm-inspector dev`: creating schedules back to back while an editor is connected (every write to the SDK's
// table is read back and diffed, and schedule events are sent) against the same with no editor connected (the agent
// then skips decoding after one comparison per write). Alternating rounds, medians; prints figures, asserts nothing.
//
//   node test/bench/schedules.bench.mjs [--quick]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { killGroup } from "../editor/codeServer.mjs";
import { freePort } from "../ports.mjs";
import { inspectorSocket } from "./benchKit.mjs";
import { median, printRow } from "./rows.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixture = join(root, "test", "fixtures", "agents-schedules");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const SIZE = values.quick ? { creations: 40, rounds: 2 } : { creations: 200, rounds: 5 };

async function inspected(stateDir) {
  // Both ports chosen here: on a shared machine another workerd may hold 127.0.0.1:8787 or :9229.
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = [join(root, "dist", "cli.js"), "dev", "--cwd", fixture, "--port", String(port), "--", "--persist-to", stateDir, "--inspector-port", String(inspectorPort)];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const exited = new Promise((r) => child.once("exit", r));
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const info = await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearInterval(timer);
        resolve(JSON.parse(line));
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`launcher exited ${code}:\n${out.slice(-3000)}`));
    });
  });
  return { ...info, stop: () => killGroup(child.pid, exited) };
}

function connect(server) {
  const socket = inspectorSocket(server);
  let scheduleEvents = 0;
  socket.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.type === "events") scheduleEvents += msg.events.filter((e) => e.kind.startsWith("schedule.")).length;
  });
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve({ close: () => socket.close(), count: () => scheduleEvents }));
    socket.once("error", reject);
  });
}

/** ms per schedule created, `n` back to back on one agent. */
async function createRate(url, name, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/p/${name}/delayed?s=${3600 + i}&who=u${i}`);
    if (!r.ok) throw new Error(`create failed: ${r.status} ${await r.text()}`);
  }
  return (performance.now() - t0) / n;
}

const state = mkdtempSync(join(tmpdir(), "sched-bench-"));
const server = await inspected(state);
try {
  await createRate(server.url, "warm", 10);
  const on = [];
  const off = [];
  let seen = 0;
  for (let round = 0; round < SIZE.rounds; round++) {
    const client = await connect(server);
    on.push(await createRate(server.url, `on${round}`, SIZE.creations));
    await new Promise((r) => setTimeout(r, 300));
    seen += client.count();
    client.close();
    await new Promise((r) => setTimeout(r, 300));
    off.push(await createRate(server.url, `off${round}`, SIZE.creations));
  }
  const ratio = median(on) / median(off);
  // `seen` counts the hub's replay of its buffer to each new connection too: a check that decoding ran, not a rate.
  if (seen < SIZE.creations * SIZE.rounds) throw new Error(`only ${seen} schedule events arrived while connected: decoding did not run`);
  const method = `${SIZE.rounds} alternating rounds of ${SIZE.creations} this.schedule() calls over HTTP+RPC on one agent each, medians`;
  printRow({ name: "Schedule creation, editor connected (decoding on)", value: median(on), unit: "ms", goal: null, met: null, method });
  printRow({ name: "Schedule creation, no editor (decoding off)", value: median(off), unit: "ms", goal: null, met: null, method });
  printRow({ name: "Schedule decoding cost (ratio on/off)", value: ratio, unit: "x", goal: "<= 1.5", met: ratio <= 1.5, method: `${method}; includes the other per-write costs of a connected editor (events, alarm call sites)` });
} finally {
  await server.stop();
  rmSync(state, { recursive: true, force: true });
}
