// The Vite path (`alarm-inspector vite`: the project's own `vite dev` with @cloudflare/vite-plugin, the agent added by
// the inspector's Vite plugin) measured on examples/vite as the agent part measures wrangler dev: event lag, and the
// agent's overhead (requests per second instrumented ÷ plain `vite dev`, with and without an editor connected),
// alternating rounds in this one process. Each server runs on its own scratch copy of the example (Vite and the
// plugin keep local state in the project's .wrangler/).
//
//   node test/bench/vite.bench.mjs [--quick]
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { editor, infoRow, lagSample, overheadRounds, startServer } from "./benchKit.mjs";
import { goalRow, percentile, printRow, sleep } from "./rows.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const SIZE = values.quick ? { lagRequests: 200, rounds: 2, windowMs: 1000 } : { lagRequests: 1000, rounds: 5, windowMs: 2500 };
const HOUR = 3_600_000;
const VITE = join(root, "node_modules", "vite", "bin", "vite.js");

/** A scratch copy of examples/vite beside a link to this repository's node_modules (where its tools come from). */
function scratchProject(scratch, name) {
  const base = join(scratch, name);
  cpSync(join(root, "examples", "vite"), join(base, "vite"), { recursive: true, filter: (src) => !src.includes(".wrangler") });
  symlinkSync(join(root, "node_modules"), join(base, "node_modules"), "dir");
  return join(base, "vite");
}

function plainVite(dir) {
  return startServer({
    cwd: dir,
    makeArgs: (port) => [VITE, "dev", "--port", String(port), "--strictPort", "--host", "127.0.0.1"],
    // Vite prints its URL before the Worker's runtime is up: ready once the Worker answers (polled below).
    ready: (out, [port]) => /Local/.test(out) && { url: `http://127.0.0.1:${port}` },
  });
}

function inspectedVite(dir) {
  return startServer({
    cwd: dir,
    makeArgs: (port) => [join(root, "dist", "cli.js"), "vite", "--cwd", dir, "--port", String(port)],
    ready: (out) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      return line && JSON.parse(line);
    },
  });
}

async function answering(server) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${server.url}/task/bench-probe`)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${server.url} never answered GET /task/bench-probe`);
    await sleep(250);
  }
}

const taskPath = (name) => `/task/${name}?inMs=${HOUR}&failures=0`;
/**
 * Requests go without a body: under `vite dev` (plain as well as instrumented) a POST whose body the Worker never
 * reads fails about one time in three with a 500 "fetch failed" from the Cloudflare plugin's dispatch into workerd
 * (seen with @cloudflare/vite-plugin 1.64 and Node's fetch keeping connections alive; curl and body-less requests do not).
 */
const NO_BODY = null;

async function lag(agent) {
  const ed = await editor(agent);
  try {
    await lagSample(agent, ed, taskPath("bench-lag"), "bench-lag", 50, NO_BODY); // warm the isolate and the object
    const lags = await lagSample(agent, ed, taskPath("bench-lag"), "bench-lag", SIZE.lagRequests, NO_BODY);
    const method = `${SIZE.lagRequests} sequential POST /task/:name (a put and a setAlarm each) to examples/vite under alarm-inspector vite; ${lags.length} alarm.set events received; receipt in this process minus the event's at (Date.now() in the object at the call)`;
    return [goalRow("vite: event lag p50", percentile(lags, 50), "ms", "<=", 1, method), goalRow("vite: event lag p99", percentile(lags, 99), "ms", "<=", 3, method)];
  } finally {
    await ed.close();
  }
}

async function overhead(plain, agent) {
  const CONCURRENCY = 2;
  const path = (i) => taskPath(`bench-load-${i % 8}`);
  const { ratio, med, spread } = await overheadRounds(plain, agent, { path, concurrency: CONCURRENCY, rounds: SIZE.rounds, windowMs: SIZE.windowMs, body: NO_BODY });
  const method = (v) =>
    `POST /task/:name (put + setAlarm) over 8 objects of examples/vite, ${CONCURRENCY} in flight, ${SIZE.rounds} alternating rounds of ${SIZE.windowMs / 1000} s, alarm-inspector vite vs plain vite dev (the editor's replay of the buffer over before each window); median of per-round ratios (rounds ${spread(v, "rps")}); requests/s plain ${med("plain", "rps").toFixed(0)}, instrumented ${med(v, "rps").toFixed(0)}`;
  const cpuMethod = (v) => `CPU time of vite and workerd per request in the same rounds (/proc): plain ${med("plain", "cpu").toFixed(2)} ms, instrumented ${med(v, "cpu").toFixed(2)} ms (rounds ${spread(v, "cpu")})`;
  return [
    goalRow("vite: agent overhead, editor connected (req/s ratio)", ratio("watched", "rps"), "×", ">=", 0.9, method("watched")),
    goalRow("vite: agent overhead, no editor connected (req/s ratio)", ratio("alone", "rps"), "×", ">=", 0.97, method("alone")),
    infoRow("vite: server CPU per request, editor connected (ratio)", ratio("watched", "cpu"), "×", cpuMethod("watched")),
    infoRow("vite: server CPU per request, no editor connected (ratio)", ratio("alone", "cpu"), "×", cpuMethod("alone")),
  ];
}

const servers = [];
const scratch = mkdtempSync(join(tmpdir(), "alarm-inspector-vite-bench-"));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void Promise.all(servers.map((s) => s.stop())).finally(() => process.exit(130)));
}
try {
  console.log("vite: starting plain vite dev and alarm-inspector vite on copies of examples/vite …");
  const plain = await plainVite(scratchProject(scratch, "plain"));
  servers.push(plain);
  const agent = await inspectedVite(scratchProject(scratch, "inspected"));
  servers.push(agent);
  await answering(plain);
  await answering(agent);
  for (const [name, run] of [["lag", () => lag(agent)], ["overhead", () => overhead(plain, agent)]]) {
    const t0 = performance.now();
    for (const row of await run()) printRow(row);
    console.log(`  (vite ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
} finally {
  for (const s of servers) await s.stop();
  rmSync(scratch, { recursive: true, force: true });
}
