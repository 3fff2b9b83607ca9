// What the agent costs the user's Worker: the same requests against plain `wrangler dev` and against
// `alarm-inspector dev` (no editor connected, then an editor connected), in one process, interleaved in rounds so
// that the machine's noise hits all three alike. Prints medians, p95 and ratios; asserts nothing.
//
//   node test/bench/agentOverhead.mjs [--rounds 5] [--requests 200]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixture = join(root, "test", "fixtures", "conformance");
const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, requests: { type: "string", default: "200" } } });
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);

/** The requests of one sample: a write-heavy one (10 puts, a list, a setAlarm) and a plain RPC round trip. */
const WORKLOADS = [
  { name: "10 puts + list + setAlarm", path: (i) => `/write/bench-${i % 8}?n=10` },
  { name: "RPC echo (no storage)", path: () => "/echo/bench" },
];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function stop(child, exited) {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return Promise.resolve();
  }
  const t = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  }, 8000);
  return exited.finally(() => clearTimeout(t));
}

/** Starts a server in its own process group and resolves when `ready(output)` says so. */
function start(args, ready) {
  const child = spawn(process.execPath, args, { cwd: fixture, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  const exited = new Promise((r) => child.once("exit", r));
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const r = ready(out);
      if (r) {
        clearInterval(timer);
        resolve({ ...r, stop: () => stop(child, exited) });
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`exited ${code}: ${out.slice(-2000)}`));
    });
  });
}

async function plain(stateDir) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", stateDir, "--show-interactive-dev-session=false"];
  return start(args, (out) => /Ready on/.test(out) && { url: `http://127.0.0.1:${port}` });
}

async function instrumented(stateDir) {
  const args = [join(root, "dist", "cli.js"), "dev", "--cwd", fixture, "--", "--persist-to", stateDir];
  return start(args, (out) => {
    const line = out.split("\n").find((l) => l.startsWith("{"));
    return line && JSON.parse(line);
  });
}

/** Sequential requests (one user clicking around), each timed. */
async function sample(url, workload, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(`${url}${workload.path(i)}`);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`${workload.path(i)} → ${r.status}`);
    times.push(performance.now() - t);
  }
  return times;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "alarm-inspector-bench-")));
  const servers = [];
  try {
    console.log(`agent overhead: ${ROUNDS} rounds × ${REQUESTS} sequential requests per workload and variant, interleaved`);
    const base = await plain(dirs[0]);
    servers.push(base);
    const agent = await instrumented(dirs[1]);
    servers.push(agent);
    const variants = { plain: base.url, "agent, no editor": agent.url, "agent, editor connected": agent.url };
    for (const wl of WORKLOADS) {
      for (const url of new Set(Object.values(variants))) await sample(url, wl, 20); // warm both isolates
      const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, url] of Object.entries(variants)) {
          let socket;
          if (name === "agent, editor connected") {
            socket = new WebSocket(agent.inspector, { headers: { Authorization: `Bearer ${agent.token}` } });
            socket.on("message", () => undefined);
            await new Promise((r, j) => (socket.once("open", r), socket.once("error", j)));
          }
          results[name].push(...(await sample(url, wl, REQUESTS)));
          if (socket) {
            socket.close();
            await new Promise((r) => socket.once("close", r));
          }
        }
      }
      console.log(`\n  ${wl.name}`);
      const baseMedian = pct(results.plain, 50);
      for (const [name, times] of Object.entries(results)) {
        const median = pct(times, 50);
        console.log(
          `    ${name.padEnd(26)} median ${median.toFixed(2).padStart(6)} ms   p95 ${pct(times, 95).toFixed(2).padStart(6)} ms   ×${(median / baseMedian).toFixed(3)} of plain`,
        );
      }
    }
  } finally {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
