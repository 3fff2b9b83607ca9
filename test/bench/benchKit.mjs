// What the agent and Vite bench parts share: starting a dev server in its own process group (on ports that are free
// when it starts, retried when another process takes one first), an editor stand-in on the inspector's WebSocket,
// HTTP helpers, and the server's CPU time from /proc.
import { spawn } from "node:child_process";
import { buildSync } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { killGroup } from "../editor/codeServer.mjs";
import { freePort, PORT_CLASH, retryOnPortClash } from "../ports.mjs";
import { median, ratioSpread, sleep } from "./rows.mjs";

/**
 * Starts a server in its own process group; resolves with `ready(output, ports)`'s answer once it gives one. `makeArgs`
 * is called with fresh free ports (`ports` of them) for each try: on a shared machine another process may bind a
 * port between freePort() and the server's own bind, so a start that fails on a port clash is tried again (3 times).
 */
export async function startServer({ cwd, ports = 1, makeArgs, ready, env = {} }) {
  return retryOnPortClash(async () => {
    const chosen = [];
    for (let i = 0; i < ports; i++) chosen.push(await freePort());
    return startOnce(cwd, makeArgs(...chosen), (out) => ready(out, chosen), env);
  }, (line) => console.log(line.trim()));
}

function startOnce(cwd, args, ready, env) {
  const child = spawn(process.execPath, args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...env },
  });
  const exited = new Promise((r) => child.once("exit", r));
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const server = { pid: child.pid, stop: () => killGroup(child.pid, exited) };
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      let r;
      try {
        r = ready(out);
      } catch {
        r = undefined;
      }
      if (r) {
        clearInterval(timer);
        resolve(Object.assign(server, r, { pid: child.pid }));
      } else if (PORT_CLASH.test(out)) {
        // Some servers report a clash and keep running (wrangler's inspector port): stop it and let the caller retry.
        clearInterval(timer);
        void server.stop().then(() => reject(new Error(`port clash: ${out.slice(-1500)}`)));
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`server exited ${code} before it was ready:\n${out.slice(-3000)}`));
    });
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the `Date.now()` workerd stamps. */
export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * The extension's own code for numbered objects (protocol/objectIndex.ts), bundled for these plain scripts once per
 * process, so that the stand-in below asks and reads exactly as the extension does.
 */
let objectIndex;
function objectIndexModule() {
  if (!objectIndex) {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
    const outfile = join(root, "out", "bench", "objectIndex.cjs");
    buildSync({ entryPoints: [join(root, "protocol", "objectIndex.ts")], bundle: true, platform: "node", format: "cjs", outfile, logLevel: "warning" });
    objectIndex = createRequire(import.meta.url)(outfile);
  }
  return objectIndex;
}

/**
 * A WebSocket to the server's inspector, opened as the extension's client opens it (extension/connection/inspectorClient.ts):
 * no compression, objects numbered (`indexed: false` for a client that asks for full references in every event).
 */
export function inspectorSocket(server, { indexed = true } = {}) {
  const url = indexed ? objectIndexModule().withIndexedObjects(server.inspector) : server.inspector;
  return new WebSocket(url, { headers: { Authorization: `Bearer ${server.token}` }, perMessageDeflate: false });
}

/**
 * An editor stand-in: a real WebSocket to the inspector that parses every frame (as the extension does) and lets the
 * measurements watch events as they arrive.
 */
export async function editor(server) {
  const socket = inspectorSocket(server);
  const objects = new (objectIndexModule().ObjectTable)();
  const watchers = new Set();
  const results = new Map();
  let nextId = 1;
  const stats = { events: 0, dropped: 0, lastSeq: 0 };
  let lastFrameAt = performance.now();
  socket.on("message", (data) => {
    const receivedAt = wallNow();
    lastFrameAt = performance.now();
    const msg = JSON.parse(String(data));
    if (msg.type === "events") {
      const problem = objects.expand(msg);
      if (problem) throw new Error(problem);
      for (const e of msg.events) {
        stats.lastSeq = Math.max(stats.lastSeq, e.seq);
        if (e.kind === "dropped") stats.dropped += e.count;
        else stats.events++;
        for (const w of watchers) w(e, receivedAt);
      }
    } else if (msg.type === "result") {
      results.get(msg.id)?.(msg);
      results.delete(msg.id);
    }
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return {
    stats,
    watch(fn) {
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    /**
     * Resolves once no frame has come for `quietMs` (at most `timeoutMs` after the call): on connecting, the hub sends
     * the whole buffer again (up to 10,000 events), which a window that measures a connected editor's steady cost
     * must not start inside. Call it while nothing else makes events.
     */
    async drained(quietMs = 150, timeoutMs = 5_000) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() - lastFrameAt < quietMs && performance.now() < deadline) await sleep(quietMs / 3);
    },
    /** Resolves with (event, receivedAt) for the first event that `test` accepts. */
    next(test, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (off(), reject(new Error("timed out waiting for an event"))), timeoutMs);
        const off = this.watch((e, at) => {
          if (test(e)) {
            clearTimeout(timer);
            off();
            resolve({ event: e, receivedAt: at });
          }
        });
      });
    },
    command(op, target, extra = {}) {
      const id = nextId++;
      const done = new Promise((resolve) => results.set(id, resolve));
      socket.send(JSON.stringify({ type: "command", id, op, target, ...extra }));
      return done;
    },
    async close() {
      socket.close();
      await new Promise((r) => socket.once("close", r));
    },
  };
}

/** POSTs to `url` (with a 32-byte body unless `body` is null) and resolves with the response's text; throws unless 2xx. */
export async function post(url, body = "v".repeat(32)) {
  const r = await fetch(url, body === null ? { method: "POST" } : { method: "POST", body });
  const text = await r.text();
  if (!r.ok) throw new Error(`POST ${url} → ${r.status} ${text}`);
  return text;
}

export async function get(url) {
  const r = await fetch(url);
  const body = await r.text();
  if (!r.ok) throw new Error(`GET ${url} → ${r.status} ${body}`);
  return JSON.parse(body);
}

/**
 * CPU time (ms) used so far by a process and everything it started (wrangler, both workerd processes, esbuild), read
 * from /proc. On a shared machine wall-clock rates move with the neighbours' load; CPU time per request does not, so
 * it is printed beside each rate as the steadier view of the same cost. NaN where /proc is not available.
 */
export function treeCpuMs(rootPid) {
  try {
    const parent = new Map();
    const ticks = new Map();
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        parent.set(Number(name), Number(fields[1]));
        ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
      } catch {
        // the process ended while we looked
      }
    }
    let total = 0;
    for (const [pid, t] of ticks) {
      for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
        if (p === rootPid) {
          total += t;
          break;
        }
      }
    }
    return total * 10; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Requests per second of `path(i)` with `concurrency` requests in flight, for `ms`, and server CPU ms per request. */
export async function throughput(server, path, concurrency, ms, body) {
  let done = 0;
  const until = performance.now() + ms;
  const t0 = performance.now();
  const cpu0 = treeCpuMs(server.pid);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      for (let i = lane; performance.now() < until; i += concurrency) {
        await post(`${server.url}${path(i)}`, body);
        done++;
      }
    }),
  );
  return { rps: (done * 1000) / (performance.now() - t0), cpu: (treeCpuMs(server.pid) - cpu0) / done };
}

/**
 * Throughput of the plain server, the instrumented one with no editor ("alone") and with one connected ("watched"),
 * each warmed up first, in `rounds` alternating rounds of `windowMs` (rotating who goes first, so a slow spell of the
 * machine hits every side). Resolves to `ratio(variant, key)`, the median of the per-round ratios against plain,
 * `spread(variant, key)`, their range, and `med(variant, key)`, the median of a variant's own figures; `key` is "rps"
 * or "cpu" (server CPU ms per request).
 */
export async function overheadRounds(plain, agent, { path, concurrency, rounds, windowMs, body }) {
  for (const s of [plain, agent]) await throughput(s, path, concurrency, 1000, body); // warm-up
  const runs = { plain: [], alone: [], watched: [] };
  for (let round = 0; round < rounds; round++) {
    const order = ["plain", "alone", "watched"];
    for (let k = 0; k < round % 3; k++) order.push(order.shift());
    for (const variant of order) {
      const ed = variant === "watched" ? await editor(agent) : undefined;
      await ed?.drained();
      runs[variant].push(await throughput(variant === "plain" ? plain : agent, path, concurrency, windowMs, body));
      await ed?.close();
    }
  }
  const ratios = (v, key) => runs[v].map((x, i) => x[key] / runs.plain[i][key]);
  return {
    ratio: (v, key) => median(ratios(v, key)),
    med: (v, key) => median(runs[v].map((x) => x[key])),
    spread: (v, key) => ratioSpread(ratios(v, key)),
  };
}

/** Lags (ms) of `count` sequential requests to `path` on `server`, each making one `alarm.set` of object `name`. */
export async function lagSample(server, ed, path, name, count, body) {
  const lags = [];
  const off = ed.watch((e, at) => {
    if (e.kind === "alarm.set" && e.object.name === name) lags.push(at - e.at);
  });
  for (let i = 0; i < count; i++) await post(`${server.url}${path}`, body);
  const deadline = Date.now() + 5_000;
  while (lags.length < count && Date.now() < deadline) await sleep(10);
  off();
  return lags;
}

// Figures that explain others (no goal) are made where every row is: rows.mjs.
export { infoRow } from "./rows.mjs";
