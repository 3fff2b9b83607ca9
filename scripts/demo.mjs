// `npm run demo`: the product working, in a browser, from a fresh clone.
//
//   1. builds the extension and its VSIX,
//   2. provisions the test copy of VS Code (code-server) if it is not there yet (the first time takes a few minutes),
//   3. installs the VSIX into it,
//   4. starts `alarm-inspector dev` on examples/ (real wrangler, real workerd),
//   5. pokes a few example objects so alarms are pending, retrying and firing,
//   6. starts VS Code on examples/ and prints the URL to open.
// Ctrl-C stops everything it started (each long process runs in its own process group), and nothing is left running.
//
// Environment: DEMO_PORT picks VS Code's port (default: the first free one from 8080).
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { provisionVSCode, VSCODE_TEST_ROOT } from "./provision-vscode.mjs";
import { installVsix, killGroup, startCodeServer } from "../test/editor/codeServer.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");
const demoDir = join(VSCODE_TEST_ROOT, "demo");
const t0 = Date.now();
const step = (message) => console.log(`[demo ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${message}`);

/** Run last-in first-out on exit, each once. */
const cleanups = [];
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  step("stopping everything the demo started…");
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (err) {
      console.error(`[demo] cleanup: ${String(err?.message ?? err).split("\n")[0]}`);
    }
  }
  step("stopped; nothing is left running");
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void stopAll(0));

function run(cmd, args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code})`))));
  });
}

async function firstFreePort(start) {
  for (let port = start; port < start + 100; port++) {
    const free = await new Promise((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port from ${start}`);
}

/** `alarm-inspector dev` on the examples, in its own process group; resolves with its ready line. */
function startInspector(stateDir) {
  const child = spawn(process.execPath, [join(root, "dist", "cli.js"), "dev", "--cwd", examples, "--", "--persist-to", stateDir], {
    cwd: examples,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  cleanups.push(() => killGroup(child.pid, exited));
  let err = "";
  child.stderr.on("data", (c) => (err += c).length > 20_000 && (err = err.slice(-10_000)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    void exited.then((code) => reject(new Error(`alarm-inspector dev exited (${code}):\n${err.slice(-3000)}`)));
  });
}

/** Gives the examples something to show: alarms pending, one retrying, some firing on their own. */
async function poke(base) {
  const post = async (path, body) => {
    const r = await fetch(`${base}${path}`, { method: "POST", body });
    if (!r.ok) throw new Error(`POST ${path} → ${r.status}: ${await r.text()}`);
  };
  await post("/reminder/call-mom/set?inMs=5400000&message=call%20mom");
  await post("/reminder/stand-up/set?inMs=8000&message=stand-up");
  await post("/flaky/nightly-export/arm?failures=3&inMs=3000");
  await post("/batcher/audit-log/add?delayMs=45000", "user signed in");
  await post("/batcher/audit-log/add?delayMs=45000", "user changed password");
  await post("/cleaner/tmp-files/start?intervalMs=20000");
  await post("/cleaner/tmp-files/tmp", "scratch");
  await post("/scheduler/digest/schedule?id=heartbeat&inMs=4000&repeatMs=15000");
  await post("/scheduler/digest/schedule?id=weekly-report&inMs=600000");
  await post("/expiry/session-42/touch?ttlMs=120000", "cart: 2 items");
  await post("/sql/page-views/tick?inMs=30000");
}

async function main() {
  step("building the extension and its VSIX…");
  await run(process.execPath, [join(root, "scripts", "package.mjs")], "packaging");
  step("provisioning the test copy of VS Code (code-server; the first time takes a few minutes)…");
  const vscode = await provisionVSCode({ log: (line) => step(line) });
  rmSync(demoDir, { recursive: true, force: true });
  const extensionsDir = join(demoDir, "extensions");
  const stateDir = join(demoDir, "state");
  mkdirSync(stateDir, { recursive: true });
  step("installing the VSIX into it…");
  await installVsix(join(root, "alarm-inspector.vsix"), extensionsDir, vscode);

  step("starting wrangler dev with the Alarm Inspector on examples/…");
  const session = await startInspector(stateDir);
  step(`the Worker answers on ${session.url}`);
  await poke(session.url);
  step("poked the examples: alarms pending, a job failing and retrying, others firing on their own");

  const port = Number(process.env.DEMO_PORT) || (await firstFreePort(8080));
  const server = await startCodeServer({
    workspace: examples,
    port,
    extensionsDir,
    vscode,
    userSettings: {
      // wrangler needs Node 22.12+; this repository provides it (VS Code would otherwise use the PATH's `node`).
      "alarmInspector.nodePath": join(root, "node_modules", "node", "bin", "node"),
      "alarmInspector.autoAttach": true,
      "alarmInspector.revealOnAttach": true,
      "workbench.colorTheme": "Default Dark Modern",
    },
  });
  cleanups.push(() => server.stop());
  const url = `${server.url}/?folder=${encodeURIComponent(examples)}`;
  console.log("");
  console.log(`  Open ${url}`);
  console.log("  The Alarms view (the alarm-clock icon) shows the example objects live. Ctrl-C stops everything.");
  console.log("");
  // Stay up until Ctrl-C; a dying child ends the demo with its reason.
  await new Promise(() => undefined);
}

main().catch((err) => {
  console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
