// Starts and stops a real VS Code (code-server) for the editor tests, the way the recipe in shared/recipes/real-vscode/
// found reliable on this machine:
//   • its own process group (`detached: true`), stopped with a signal to the whole group: a plain SIGTERM to the
//     leader leaves a file watcher behind;
//   • `--reconnection-grace-time 5`: without it every closed browser session keeps an extension host alive for hours;
//   • `--config`, the user-data, extensions and XDG folders all inside `.vscode-test/run-<pid>/`, so nothing is
//     written to ~/.config or ~/.local, and two runs never share state;
//   • `EXTENSIONS_GALLERY='{}'`: there is no marketplace to reach from here;
//   • `--vscode-option enable-smoke-test-driver`: without it the workbench ignores the test payload
//     (extensionTestsPath) and a run waits forever.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { provisionVSCode, VSCODE_TEST_ROOT } from "../../scripts/provision-vscode.mjs";
import { freePort, retryOnPortClash } from "../ports.mjs";

/** User settings for a quiet, offline, deterministic workbench. Tests may add to these but not need to repeat them. */
export const DEFAULT_USER_SETTINGS = Object.freeze({
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": "off",
  "update.mode": "none",
  "workbench.startupEditor": "none",
  "workbench.enableExperiments": false,
  "workbench.tips.enabled": false,
  "chat.disableAIFeatures": true,
  "security.workspace.trust.enabled": false,
  // The secondary side bar opens empty (its chat view is disabled above) and takes a quarter of the width.
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  // Recommendation toasts cover the bottom-right of the workbench and can take clicks meant for what is under them.
  "extensions.ignoreRecommendations": true,
  // code-server is a remote to VS Code, so it looks for new listening ports every few seconds (spawning and reading
  // /proc in the extension host) and offers to forward each Worker a test starts; a desktop window on a local folder
  // does neither. Off, the extension host's CPU is ours to measure and no forwarding toast covers the view. The scan
  // needs both off: code-server has a tunnel provider, and with one the workbench keeps the process scan going unless
  // the source is "output" (`processFindingEnabled` in its mainThreadTunnelService; seen as `findCandidatePorts` in
  // an idle profile of the extension host).
  "remote.autoForwardPorts": false,
  "remote.autoForwardPortsSource": "output",
});

/**
 * This process's scratch folder, `.vscode-test/run-<pid>/`. Folders left by runs that died (their pid is gone) are
 * removed the first time it is asked for, so the folder does not grow without bound.
 * @returns {string}
 */
export function runDir() {
  const dir = join(VSCODE_TEST_ROOT, `run-${process.pid}`);
  if (!existsSync(dir)) {
    pruneStaleRunDirs();
    mkdirSync(dir, { recursive: true });
  }
  return dir;
}

/** Removes this process's scratch folder; call it last, after every server started from it has stopped. */
export function removeRunDir() {
  rmSync(join(VSCODE_TEST_ROOT, `run-${process.pid}`), { recursive: true, force: true });
}

function pruneStaleRunDirs() {
  if (!existsSync(VSCODE_TEST_ROOT)) return;
  for (const name of readdirSync(VSCODE_TEST_ROOT)) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    rmSync(join(VSCODE_TEST_ROOT, name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is someone else's, which still means "alive".
    return err?.code === "EPERM";
  }
}

/**
 * Flags for the headless Chromium that shows the workbench (tests, demo test, activation bench). Without the
 * networking ones Chromium keeps dialling Google's hosts, which this machine refuses.
 */
export const CHROMIUM_ARGS = Object.freeze(["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]);

/**
 * Starts Debian's Chromium headless in a fresh profile under this run's folder, at the size every screenshot is taken
 * at. Playwright's own signal handlers are off: they would close the browser and exit(130) before code-server is
 * stopped, and the callers' cleanups do it in order. Resolves to the browser context and a `close()` that also removes
 * the profile.
 */
export async function launchChromium(chromium, executablePath, profilePrefix = "chromium-") {
  const profile = mkdtempSync(join(runDir(), profilePrefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    viewport: { width: 1400, height: 900 },
    args: [...CHROMIUM_ARGS],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The environment code-server runs with: the caller's, without anything that would make it talk to another VS Code
 * (`VSCODE_IPC_HOOK_CLI` turns `code-server DIR` into "open DIR in the editor I am running in"), plus the offline
 * gallery and XDG folders of its own.
 */
function serverEnv(home) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VSCODE_")));
  return {
    ...env,
    EXTENSIONS_GALLERY: "{}",
    XDG_CONFIG_HOME: join(home, "xdg", "config"),
    XDG_DATA_HOME: join(home, "xdg", "data"),
    XDG_CACHE_HOME: join(home, "xdg", "cache"),
    XDG_STATE_HOME: join(home, "xdg", "state"),
  };
}

let serverCount = 0;

/**
 * @typedef {object} RunningCodeServer
 * @property {string} url            Base URL, `http://127.0.0.1:<port>`.
 * @property {number} port
 * @property {string} host           `127.0.0.1:<port>`, the authority of `vscode-remote://` URIs for this server.
 * @property {string} home           Its folder under `.vscode-test/run-<pid>/` (user data, extensions, XDG, config).
 * @property {string} logFile        code-server's own stdout and stderr.
 * @property {number} pid            code-server's own pid (the leader of its process group).
 * @property {() => Promise<void>} stop  Stops the whole process group and removes `home` (a `logFile` given to
 *                                       startCodeServer stays); safe to call twice.
 */

/**
 * Starts code-server on a free loopback port and resolves once `/healthz` answers.
 * @param {object} options
 * @param {string} options.workspace                   Folder to open.
 * @param {number} [options.port]                      Fixed port (else a free one).
 * @param {string} [options.extensionsDir]             Installed extensions (else an empty folder of its own).
 * @param {Record<string, unknown>} [options.userSettings]  Added to DEFAULT_USER_SETTINGS.
 * @param {string} [options.logFile]                   Where its output goes (else `home`, removed by stop()).
 * @param {import("../../scripts/provision-vscode.mjs").ProvisionedVSCode} [options.vscode]  From provisionVSCode().
 * @param {boolean} [options.smokeTestDriver]          `--vscode-option enable-smoke-test-driver` (default true): needed
 *   for a test payload, and hides notification toasts. False for a window as a person sees it (toasts shown), where
 *   the extension must be installed in `extensionsDir` and nothing runs mocha (see toastWindow.mjs).
 * @returns {Promise<RunningCodeServer>}
 */
export async function startCodeServer({ workspace, port, extensionsDir, userSettings = {}, logFile, vscode, smokeTestDriver = true }) {
  const installed = vscode ?? (await provisionVSCode());
  // A port we chose can be taken between our probe and code-server's bind (see ../ports.mjs); a given one is tried once.
  const once = async (chosen) => startOnce({ workspace, port: chosen, extensionsDir, userSettings, logFile, installed, smokeTestDriver });
  return port !== undefined ? once(port) : retryOnPortClash(async () => once(await freePort()));
}

async function startOnce({ workspace, port, extensionsDir, userSettings, logFile: logTo, installed, smokeTestDriver }) {
  const home = join(runDir(), `server-${++serverCount}-${port}`);
  const userDataDir = join(home, "user-data");
  const extDir = extensionsDir ?? join(home, "extensions");
  for (const d of [join(userDataDir, "User"), extDir, join(home, "xdg")]) mkdirSync(d, { recursive: true });
  writeFileSync(join(userDataDir, "User", "settings.json"), JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...userSettings }, null, 2) + "\n");
  const config = join(home, "config.yaml");
  // Without --config code-server writes ~/.config/code-server/config.yaml with a generated password.
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  const logFile = logTo ?? join(home, "code-server.log");
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn(
    installed.nodeBin,
    [
      installed.codeServerEntry,
      "--config", config,
      "--user-data-dir", userDataDir,
      "--extensions-dir", extDir,
      "--auth", "none",
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--bind-addr", `127.0.0.1:${port}`,
      "--reconnection-grace-time", "5",
      ...(smokeTestDriver ? ["--vscode-option", "enable-smoke-test-driver"] : []),
      workspace,
    ],
    { cwd: home, env: serverEnv(home), detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let output = "";
  const remember = (chunk) => { output = (output + chunk).slice(-4000); };
  child.stdout.on("data", remember);
  child.stderr.on("data", remember);
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
    // A spawn failure (no such binary) emits only "error".
    child.once("error", (err) => resolveExit({ code: null, signal: null, error: err }));
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(child.pid, exited);
    log.end();
    rmSync(home, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, exited, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, host: `127.0.0.1:${port}`, home, logFile, pid: child.pid, stop };
}

/** Polls `/healthz` until it answers, code-server exits, or 60 s pass (it is usually ready in under a second). */
async function waitForHealth(url, exited, output) {
  const deadline = Date.now() + 60_000;
  let gone;
  exited.then((e) => (gone = e));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`code-server exited (${gone.error?.message ?? gone.signal ?? `code ${gone.code}`}) before it was healthy:\n${output()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${output()}`);
}

/**
 * SIGTERM to the whole group, then SIGKILL for whatever is left after 10 s. Waits for the leader's exit and for the
 * group to be empty, so the caller can remove the folder the server was writing into.
 */
export async function killGroup(pid, exited) {
  if (!pid) return;
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // ESRCH: the group is already gone
    }
  };
  if (!signal("SIGTERM")) return;
  const groupGone = async (ms) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!signal(0)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (!(await groupGone(2_000))) {
    signal("SIGKILL");
    await groupGone(5_000);
  }
}

/**
 * Installs a VSIX into an extensions folder with code-server's own `--install-extension`, as a user would.
 * @param {string} vsixPath
 * @param {string} extensionsDir
 * @param {import("../../scripts/provision-vscode.mjs").ProvisionedVSCode} [vscode]
 * @returns {Promise<string>} what code-server printed
 */
export async function installVsix(vsixPath, extensionsDir, vscode) {
  const installed = vscode ?? (await provisionVSCode());
  const home = join(runDir(), `install-${++serverCount}`);
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(join(home, "xdg"), { recursive: true });
  // Without --config code-server writes a config.yaml with a generated password, even just to install.
  writeFileSync(join(home, "config.yaml"), "auth: none\ncert: false\n");
  try {
    return await new Promise((resolveInstall, reject) => {
      const child = spawn(
        installed.nodeBin,
        [installed.codeServerEntry, "--config", join(home, "config.yaml"), "--user-data-dir", join(home, "user-data"), "--extensions-dir", extensionsDir, "--install-extension", vsixPath, "--force"],
        { cwd: home, env: serverEnv(home), stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (c) => (out += c));
      child.stderr.on("data", (c) => (out += c));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolveInstall(out) : reject(new Error(`installing ${vsixPath} failed (exit ${code}):\n${out}`))));
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
