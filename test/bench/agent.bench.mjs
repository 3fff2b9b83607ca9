// The inspector measured against the real example Worker (examples/) under `wrangler dev`: plain wrangler and
// `alarm-inspector dev` side by side, in this one process, so every comparison is made between neighbours in time.
//
//   node test/bench/agent.bench.mjs [--quick] [--only limits,lag,firenow,overhead,alarms,burst]
//   node test/bench/agent.bench.mjs --compare REF [--quick]    (also: npm run bench -- --only agent --compare REF)
//
// --compare REF builds REF's launcher and agent (test/bench/refBuild.mjs) and runs the agent measurements for REF and
// for this tree alternately, both on this tree's examples/, printing this tree ÷ REF for each figure.
//
// Prints each figure with how it was taken; with BENCH_ROWS=<file> it also appends one JSON line per figure
// ({name, value, unit, goal, met, method}) for scripts/bench.mjs to gather. Asserts nothing: these machines are
// shared and noisy, so absolute times are context and ratios are the figures.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { editor, get, infoRow, lagSample as lagSampleAt, overheadRounds, post, startServer, throughput, treeCpuMs, wallNow } from "./benchKit.mjs";
import { buildRef } from "./refBuild.mjs";
import { goalRow, median, percentile, printRow, ratioSpread, sleep } from "./rows.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const examples = join(root, "examples");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, compare: { type: "string" } } });
const QUICK = values.quick;
const ONLY = values.only ? new Set(values.only.split(",")) : undefined;
const wanted = (name) => !ONLY || ONLY.has(name);

/** Sizes of each measurement; `--quick` shrinks them for a smoke run, never for the figures in the README. */
const SIZE = QUICK
  ? { lagRequests: 200, fireNows: 40, rounds: 2, windowMs: 1000, alarmWindowMs: 1000, burstRequests: 20 }
  : { lagRequests: 1000, fireNows: 200, rounds: 8, windowMs: 2500, alarmWindowMs: 2500, burstRequests: 100 };
const HOUR = 3_600_000;

// ───────────────────────────── servers ─────────────────────────────

async function plainWrangler(stateDir) {
  const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  return startServer({
    cwd: examples,
    ports: 2,
    makeArgs: (port, inspectorPort) => [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", stateDir, "--show-interactive-dev-session=false"],
    ready: (out, [port]) => /Ready on/.test(out) && { url: `http://127.0.0.1:${port}` },
  });
}

/** `alarm-inspector dev` on examples/, from this tree or from another build of the package (`--compare`). */
async function inspected(stateDir, packageRoot = root, project = examples) {
  // Free ports of our own (the app's and wrangler's inspector's): other sessions on this machine may hold wrangler's
  // defaults, 8787 and 9229, or take the launcher's next free one from there between its check and wrangler's bind.
  return startServer({
    cwd: examples,
    ports: 2,
    makeArgs: (port, inspectorPort) => [join(packageRoot, "dist", "cli.js"), "dev", "--cwd", project, "--port", String(port), "--", "--persist-to", stateDir, "--inspector-port", String(inspectorPort)],
    ready: (out) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      return line && JSON.parse(line);
    },
  });
}

// ───────────────────────────── measurements ─────────────────────────────

/**
 * Event lag and "never behind the app": sequential requests, each making one object call `setAlarm`. Lag is the
 * client's receipt time minus the event's own `at` (taken in the object at the call, same machine clock); "behind"
 * compares the receipt with the moment this process finished reading the HTTP response of the request that caused it.
 */
async function lag(agent) {
  const ed = await editor(agent);
  try {
    const name = "bench-lag";
    const path = `/expiry/${name}/update?ttlMs=${HOUR}&fields=0`;
    for (let i = 0; i < 50; i++) await post(`${agent.url}${path}`); // warm the isolate and the object
    await sleep(200);
    const arrivals = [];
    const off = ed.watch((e, at) => {
      if (e.kind === "alarm.set" && e.object.name === name) arrivals.push({ lag: at - e.at, receivedAt: at });
    });
    const responses = [];
    const durations = [];
    for (let i = 0; i < SIZE.lagRequests; i++) {
      const t0 = wallNow();
      await post(`${agent.url}${path}`);
      responses.push(wallNow());
      durations.push(responses[i] - t0);
    }
    const deadline = Date.now() + 10_000;
    while (arrivals.length < SIZE.lagRequests && Date.now() < deadline) await sleep(20);
    off();
    const lags = arrivals.map((a) => a.lag);
    const onTime = responses.filter((r, i) => arrivals[i] && arrivals[i].receivedAt <= r + 1).length;
    const ahead = responses.map((r, i) => (arrivals[i] ? r - arrivals[i].receivedAt : NaN)).filter(Number.isFinite);
    const method = `${SIZE.lagRequests} sequential POST /expiry/:name/update?fields=0 (one setAlarm each, ${median(durations).toFixed(1)} ms median round trip); receipt in this process (performance.timeOrigin + now) minus the event's at (Date.now() in the object at the call)`;
    return [
      goalRow("event lag p50", percentile(lags, 50), "ms", "<=", 1, method),
      goalRow("event lag p99", percentile(lags, 99), "ms", "<=", 3, method),
      goalRow(
        "events no later than 1 ms after the response",
        (100 * onTime) / SIZE.lagRequests,
        "%",
        ">=",
        99,
        `of the same ${SIZE.lagRequests} alarm.set events, the share received by the client ≤ 1 ms after this process finished reading the HTTP response of the request that caused it (${arrivals.length} received; the event came ${median(ahead).toFixed(1)} ms before the response, median)`,
      ),
    ];
  } finally {
    await ed.close();
  }
}

/** fireNow sent → `alarm.start` received, one at a time (each waits for the previous alarm's end). */
async function fireNow(agent) {
  const ed = await editor(agent);
  try {
    const target = { className: "Batcher", name: "bench-fire" };
    await post(`${agent.url}/batcher/bench-fire/add?delayMs=${HOUR}`);
    const times = [];
    const total = SIZE.fireNows + 10;
    for (let i = 0; i < total; i++) {
      const started = ed.next((e) => e.kind === "alarm.start" && e.object.name === target.name);
      const ended = ed.next((e) => e.kind === "alarm.end" && e.object.name === target.name);
      const t0 = wallNow();
      const result = await ed.command("fireNow", target);
      if (!result.ok) throw new Error(`fireNow failed: ${result.error}`);
      const { receivedAt } = await started;
      await ended;
      if (i >= 10) times.push(receivedAt - t0); // the first ten warm the path
    }
    const method = `${SIZE.fireNows} fireNow commands on the example Batcher over the inspector socket, one at a time; command sent → alarm.start received`;
    return [goalRow("fire-now latency p50", percentile(times, 50), "ms", "<=", 5, method), infoRow("fire-now latency p99", percentile(times, 99), "ms", method)];
  } finally {
    await ed.close();
  }
}

/**
 * Requests per second of a storage-heavy request (10 puts + a setAlarm), plain vs instrumented with and without an
 * editor connected. Rounds alternate the three (rotating who goes first); each figure is the median of the
 * per-round ratios, so slow spells of the machine hit both sides of a ratio alike.
 */
async function overhead(plain, agent) {
  const CONCURRENCY = 2;
  const path = (i) => `/expiry/bench-load-${i % 8}/update?ttlMs=${HOUR}&fields=10`;
  const { ratio, med, spread } = await overheadRounds(plain, agent, { path, concurrency: CONCURRENCY, rounds: SIZE.rounds, windowMs: SIZE.windowMs });
  const method = (v) =>
    `POST /expiry/:name/update?fields=10 (10 puts + setAlarm) over 8 objects, ${CONCURRENCY} in flight, ${SIZE.rounds} alternating rounds of ${SIZE.windowMs / 1000} s (the editor connects before each of its rounds, and the hub's replay of its buffer to it is over before the window opens); median of per-round ratios (rounds ${spread(v, "rps")}); requests/s plain ${med("plain", "rps").toFixed(0)}, instrumented ${med(v, "rps").toFixed(0)}`;
  const cpuMethod = (v) =>
    `CPU time of wrangler and workerd per request in the same rounds (/proc): plain ${med("plain", "cpu").toFixed(2)} ms, instrumented ${med(v, "cpu").toFixed(2)} ms (rounds ${spread(v, "cpu")}); steadier than req/s on a shared machine`;
  return [
    goalRow("agent overhead, editor connected (instrumented ÷ plain req/s)", ratio("watched", "rps"), "×", ">=", 0.9, method("watched")),
    goalRow("agent overhead, no editor connected (instrumented ÷ plain req/s)", ratio("alone", "rps"), "×", ">=", 0.97, method("alone")),
    infoRow("server CPU per request, editor connected (instrumented ÷ plain)", ratio("watched", "cpu"), "×", cpuMethod("watched")),
    infoRow("server CPU per request, no editor connected (instrumented ÷ plain)", ratio("alone", "cpu"), "×", cpuMethod("alone")),
  ];
}

const CLEANERS = Array.from({ length: 16 }, (_, i) => `bench-cycle-${i}`);

/** Alarms per second (and server CPU ms per alarm) of `names` PeriodicCleaners re-arming every 1 ms for a window. */
async function alarmWindow(server, names) {
  const runs = async (base) => (await Promise.all(names.map((n) => get(`${base}/cleaner/${n}`)))).reduce((s, r) => s + r.runs, 0);
  const stopAll = async (base) => {
    // Twice: a run in progress when the first stop lands re-arms after it.
    for (let k = 0; k < 2; k++) {
      await Promise.all(names.map((n) => post(`${base}/cleaner/${n}/stop`)));
      await sleep(100);
    }
  };
  const before = await runs(server.url);
  const t0 = performance.now();
  const cpu0 = treeCpuMs(server.pid);
  await Promise.all(names.map((n) => post(`${server.url}/cleaner/${n}/start?intervalMs=1`)));
  await sleep(SIZE.alarmWindowMs);
  await stopAll(server.url);
  const seconds = (performance.now() - t0) / 1000;
  const fired = (await runs(server.url)) - before;
  return { rate: fired / seconds, cpu: (treeCpuMs(server.pid) - cpu0) / fired };
}

/**
 * Alarms fired per second: example PeriodicCleaners re-arming every 1 ms (each run lists, deletes, reads, writes
 * and sets its next alarm), plain vs instrumented with an editor connected, alternating rounds.
 */
async function alarmRate(plain, agent) {
  const window = (server) => alarmWindow(server, CLEANERS);
  const results = { plain: [], watched: [] };
  const ed = await editor(agent);
  try {
    await window(plain); // warm-up
    await window(agent);
    for (let round = 0; round < SIZE.rounds; round++) {
      const order = round % 2 === 0 ? ["plain", "watched"] : ["watched", "plain"];
      for (const v of order) results[v].push(await window(v === "plain" ? plain : agent));
    }
  } finally {
    await ed.close();
  }
  const ratios = (key) => results.watched.map((x, i) => x[key] / results.plain[i][key]);
  const ratio = (key) => median(ratios(key));
  const med = (v, key) => median(results[v].map((x) => x[key]));
  const method = `${CLEANERS.length} example PeriodicCleaners re-arming every 1 ms for ${SIZE.alarmWindowMs / 1000} s, ${SIZE.rounds} alternating rounds, editor connected; median of per-round ratios (rounds ${ratioSpread(ratios("rate"))}); alarms/s plain ${med("plain", "rate").toFixed(0)}, instrumented ${med("watched", "rate").toFixed(0)}`;
  return [
    goalRow("alarm handler overhead (instrumented ÷ plain alarms/s)", ratio("rate"), "×", ">=", 0.95, method),
    infoRow("server CPU per alarm, editor connected (instrumented ÷ plain)", ratio("cpu"), "×", `CPU time of wrangler and workerd per alarm run in the same rounds (/proc): plain ${med("plain", "cpu").toFixed(2)} ms, instrumented ${med("watched", "cpu").toFixed(2)} ms`),
  ];
}

/**
 * A burst of 100,000 storage writes (requests of 1,000 puts each, two objects at a time) with an editor connected:
 * events delivered per second, and the accounting: every sequence number produced is either delivered or counted in
 * a `dropped` marker.
 */
async function burst(plain, agent) {
  const PUTS = 1000;
  const paths = Array.from({ length: SIZE.burstRequests }, (_, i) => `/expiry/bench-burst-${i % 2}/update?ttlMs=${HOUR}&fields=${PUTS}`);
  const send = (base) =>
    Promise.all([0, 1].map(async (lane) => {
      for (let i = lane; i < paths.length; i += 2) await post(`${base}${paths[i]}`);
    }));
  // The same writes against plain wrangler first: how fast the Worker itself takes them, the ceiling for delivery.
  await post(`${plain.url}/expiry/bench-burst-warm/update?ttlMs=${HOUR}&fields=${PUTS}`);
  const p0 = performance.now();
  await send(plain.url);
  const plainRate = (SIZE.burstRequests * PUTS * 1000) / (performance.now() - p0);
  const ed = await editor(agent);
  try {
    await post(`${agent.url}/expiry/bench-burst-warm/update?ttlMs=${HOUR}&fields=${PUTS}`);
    const sentinelName = "bench-burst-end";
    // Watch before asking: the event may well arrive before the response does.
    const opened = ed.next((e) => e.kind === "alarm.set" && e.object.name === sentinelName);
    await post(`${agent.url}/expiry/${sentinelName}/update?ttlMs=${HOUR}&fields=0`);
    const first = await opened;
    const fromSeq = first.event.seq; // everything after this is the burst
    let delivered = 0;
    let dropped = 0;
    let lastAt = 0;
    const off = ed.watch((e, at) => {
      if (e.seq <= fromSeq) return;
      if (e.kind === "dropped") dropped += Math.min(e.count, e.seq - fromSeq);
      else delivered++;
      lastAt = at;
    });
    const t0 = wallNow();
    await send(agent.url);
    const end = ed.next((e) => e.kind === "alarm.set" && e.object.name === sentinelName && e.seq > fromSeq, 60_000).catch(() => undefined);
    const sentinel = post(`${agent.url}/expiry/${sentinelName}/update?ttlMs=${HOUR}&fields=0`);
    await sentinel;
    const last = await end;
    off();
    const produced = last ? last.event.seq - fromSeq - 1 : NaN; // the burst's events, the closing sentinel excluded
    if (last) delivered--; // the sentinel itself
    const writes = SIZE.burstRequests * PUTS;
    const seconds = (lastAt - t0) / 1000;
    const method = `${writes.toLocaleString("en")} puts in ${SIZE.burstRequests} requests of ${PUTS} (two objects at a time), editor connected; first write to last event received; plain wrangler takes the same writes at ${Math.round(plainRate).toLocaleString("en")}/s; produced = sequence numbers issued (${produced}), delivered ${delivered}, counted as dropped ${dropped}`;
    return [
      // The issue's goal: delivery keeps up with the Worker's own writes, read against plain wrangler in this same run.
      goalRow("burst: events delivered per second (goal: plain wrangler's write rate, same run)", delivered / seconds, "events/s", ">=", Math.round(plainRate), method),
      infoRow("burst: delivered ÷ plain wrangler's write rate", delivered / seconds / plainRate, "×", method),
      goalRow("burst: events unaccounted for", produced - delivered - dropped, "events", "<=", 0, method),
    ];
  } finally {
    await ed.close();
  }
}

/** Lags (ms) of `count` sequential one-setAlarm requests on `server`, received by `ed`. */
function lagSample(server, ed, name, count) {
  return lagSampleAt(server, ed, `/expiry/${name}/update?ttlMs=${HOUR}&fields=0`, name, count);
}

/**
 * `--compare REF`: the same measurements for REF's build and this tree's, alternately (the order rotates each round),
 * each figure the median of per-round ratios this tree ÷ REF. Above 1 is better for rates, below 1 for CPU and lag.
 */
async function compare(ref, head, label) {
  const CONCURRENCY = 2;
  const path = (i) => `/expiry/bench-load-${i % 8}/update?ttlMs=${HOUR}&fields=10`;
  const side = { ref, head };
  for (const s of [ref, head]) await throughput(s, path, CONCURRENCY, 1000); // warm-up
  const variants = ["ref-alone", "head-alone", "ref-watched", "head-watched"];
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < SIZE.rounds; round++) {
    const order = [...variants];
    for (let k = 0; k < round % 4; k++) order.push(order.shift());
    for (const v of order) {
      const [who, mode] = v.split("-");
      const ed = mode === "watched" ? await editor(side[who]) : undefined;
      await ed?.drained();
      runs[v].push(await throughput(side[who], path, CONCURRENCY, SIZE.windowMs));
      await ed?.close();
    }
  }
  const alarms = { ref: [], head: [] };
  const lags = { ref: [], head: [] };
  const eds = { ref: await editor(ref), head: await editor(head) };
  try {
    for (const who of ["ref", "head"]) {
      await alarmWindow(side[who], CLEANERS); // warm-up
      await lagSample(side[who], eds[who], "bench-lag", 50);
    }
    for (let round = 0; round < SIZE.rounds; round++) {
      const order = round % 2 === 0 ? ["ref", "head"] : ["head", "ref"];
      for (const who of order) alarms[who].push(await alarmWindow(side[who], CLEANERS));
      for (const who of order) lags[who].push(...(await lagSample(side[who], eds[who], "bench-lag", SIZE.lagRequests / SIZE.rounds)));
    }
  } finally {
    await eds.ref.close();
    await eds.head.close();
  }
  const ratio = (a, b, key) => median(a.map((x, i) => x[key] / b[i][key]));
  const med = (xs, key) => median(xs.map((x) => x[key]));
  const rounds = `${SIZE.rounds} alternating rounds, median of per-round ratios`;
  const load = (mode) => `POST /expiry/:name/update?fields=10, ${CONCURRENCY} in flight, ${mode}, ${rounds}; req/s REF ${med(runs[`ref-${mode}`], "rps").toFixed(0)}, this tree ${med(runs[`head-${mode}`], "rps").toFixed(0)}; CPU ms/request REF ${med(runs[`ref-${mode}`], "cpu").toFixed(2)}, this tree ${med(runs[`head-${mode}`], "cpu").toFixed(2)}`;
  const cleaners = `${CLEANERS.length} PeriodicCleaners re-arming every 1 ms, editor connected, ${rounds}; alarms/s REF ${med(alarms.ref, "rate").toFixed(0)}, this tree ${med(alarms.head, "rate").toFixed(0)}; CPU ms/alarm REF ${med(alarms.ref, "cpu").toFixed(2)}, this tree ${med(alarms.head, "cpu").toFixed(2)}`;
  const lagMethod = `${lags.ref.length} / ${lags.head.length} one-setAlarm requests in interleaved blocks; p50 REF ${percentile(lags.ref, 50).toFixed(2)} ms, this tree ${percentile(lags.head, 50).toFixed(2)} ms; p99 REF ${percentile(lags.ref, 99).toFixed(2)} ms, this tree ${percentile(lags.head, 99).toFixed(2)} ms`;
  return [
    infoRow(`${label}: req/s, no editor`, ratio(runs["head-alone"], runs["ref-alone"], "rps"), "×", load("alone")),
    infoRow(`${label}: CPU per request, no editor`, ratio(runs["head-alone"], runs["ref-alone"], "cpu"), "×", load("alone")),
    infoRow(`${label}: req/s, editor connected`, ratio(runs["head-watched"], runs["ref-watched"], "rps"), "×", load("watched")),
    infoRow(`${label}: CPU per request, editor connected`, ratio(runs["head-watched"], runs["ref-watched"], "cpu"), "×", load("watched")),
    infoRow(`${label}: alarms/s`, ratio(alarms.head, alarms.ref, "rate"), "×", cleaners),
    infoRow(`${label}: CPU per alarm`, ratio(alarms.head, alarms.ref, "cpu"), "×", cleaners),
    infoRow(`${label}: event lag p50`, percentile(lags.head, 50) / percentile(lags.ref, 50), "×", lagMethod),
  ];
}

/**
 * The physical limits the lag and fire-now figures cannot beat, measured in the same run: a WebSocket round trip over
 * loopback between two Node sockets (no workerd), an HTTP round trip through wrangler's proxy into workerd and back
 * (the health probe, which the agent answers without touching any object), and one Worker → Durable Object call.
 */
async function limits(plain, agent) {
  const { WebSocketServer } = await import("ws");
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  server.on("connection", (s) => s.on("message", (d) => s.send(d)));
  const socket = new WebSocket(`ws://127.0.0.1:${server.address().port}`);
  await new Promise((r) => socket.once("open", r));
  const ws = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    socket.send("x".repeat(350));
    await new Promise((r) => socket.once("message", r));
    if (i >= 100) ws.push(performance.now() - t0);
  }
  socket.close();
  await new Promise((r) => server.close(r));
  const health = new URL(agent.inspector.replace(/^ws/, "http"));
  health.pathname = health.pathname.replace(/[^/]+$/, "health");
  const http = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const r = await fetch(health);
    await r.text();
    if (i >= 50) http.push(performance.now() - t0);
  }
  // A Worker → Durable Object call, on plain wrangler: the same request path with and without one RPC to an object
  // (the example's alarmAt(), one getAlarm()), interleaved so both see the same load; the difference is the call.
  const worker = [];
  const withCall = [];
  for (let i = 0; i < 300; i++) {
    for (const [path, into] of [["/", worker], ["/reminder/bench-limit/alarm", withCall]]) {
      const t0 = performance.now();
      const r = await fetch(`${plain.url}${path}`);
      await r.text();
      if (i >= 50) into.push(performance.now() - t0);
    }
  }
  return [
    infoRow("limit: loopback WebSocket round trip p50", percentile(ws, 50), "ms", `900 echoes of a 350-byte text frame between two ws sockets in Node over 127.0.0.1 (no workerd), the hop an event makes to the editor twice over; p99 ${percentile(ws, 99).toFixed(2)} ms`),
    infoRow("limit: HTTP round trip into workerd p50", percentile(http, 50), "ms", `250 GET ${health.pathname} through wrangler's proxy Worker into the user's workerd and back (the agent answers, no Durable Object); p99 ${percentile(http, 99).toFixed(2)} ms`),
    infoRow("limit: a Worker → Durable Object call p50", percentile(withCall, 50) - percentile(worker, 50), "ms", `plain wrangler: 250 GET /reminder/bench-limit/alarm (one RPC, alarmAt() → getAlarm()) interleaved with 250 GET / (no object), p50 ${percentile(withCall, 50).toFixed(2)} − ${percentile(worker, 50).toFixed(2)} ms; fire-now makes this call, then the runtime's scheduler starts the alarm`),
  ];
}

// ───────────────────────────── main ─────────────────────────────

const servers = [];

async function main() {
  // Ctrl-C or a timeout's SIGTERM must not leave wrangler running: stop the servers, then go.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => void Promise.all(servers.map((s) => s.stop())).finally(() => process.exit(130)));
  }
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "alarm-inspector-bench-")));
  try {
    if (values.compare) {
      const ref = buildRef(root, values.compare);
      const label = `this tree ÷ ${values.compare} (${ref.sha.slice(0, 10)})`;
      console.log(`agent: comparing this tree with ${values.compare} (${ref.sha.slice(0, 12)}, built in ${ref.dir}${ref.note}) …`);
      // A copy of examples/ for REF: the launcher runs one session per project folder.
      const project = join(dirs[0], "project");
      for (const f of ["src", "wrangler.jsonc", "package.json", "tsconfig.json"]) cpSync(join(examples, f), join(project, f), { recursive: true });
      const refServer = await inspected(join(dirs[0], "state"), ref.dir, project);
      servers.push(refServer);
      const head = await inspected(dirs[1]);
      servers.push(head);
      const t0 = performance.now();
      for (const row of await compare(refServer, head, label)) printRow(row);
      console.log(`  (compare: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      return;
    }
    console.log("agent: starting plain wrangler dev and alarm-inspector dev on examples/ …");
    const plain = await plainWrangler(dirs[0]);
    servers.push(plain);
    const agent = await inspected(dirs[1]);
    servers.push(agent);
    const steps = [
      ["limits", () => limits(plain, agent)],
      ["lag", () => lag(agent)],
      ["firenow", () => fireNow(agent)],
      ["overhead", () => overhead(plain, agent)],
      ["alarms", () => alarmRate(plain, agent)],
      ["burst", () => burst(plain, agent)],
    ];
    for (const [name, run] of steps) {
      if (!wanted(name)) continue;
      const t0 = performance.now();
      const rows = await run();
      for (const row of rows) printRow(row);
      console.log(`  (${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
