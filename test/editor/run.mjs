// `npm run test:editor`: the editor tier. Mocha runs inside the extension host of a real VS Code (code-server), with
// this repo loaded as the extension under development, while headless Chromium shows the workbench and the tests
// drive it through the UI bridge. See test/editor/README.md.
//
//   node test/editor/run.mjs [--workspace DIR] [--grep PATTERN] [--verbose] [--vsix FILE] [--tests FILE]
//
// With --vsix, the extension under test is the packaged VSIX installed with code-server's --install-extension (what a
// user installs), not this folder: the development path is then an empty stub that only carries the tests.
//
// Needs `npm run build` first (it bundles test/editor/suite/*.ts into out/test/editor/suite/). Exit code: 0 when every
// test passed, 1 when a test failed or the run timed out, 2 when the harness itself could not start.
import { watchFirstScreen } from "./firstScreen.mjs";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { provisionVSCode } from "../../scripts/provision-vscode.mjs";
import { installVsix, launchChromium, removeRunDir, runDir, startCodeServer } from "./codeServer.mjs";
import { startUiBridge } from "./uiBridge.mjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values: args } = parseArgs({
  options: {
    workspace: { type: "string" },
    grep: { type: "string" },
    verbose: { type: "boolean", default: false },
    vsix: { type: "string" },
    // Another mocha runner bundle than the suite's: `npm run bench` runs its editor rows (test/editor/bench/) so.
    tests: { type: "string" },
  },
});
const vsix = args.vsix ? resolve(args.vsix) : undefined;
/** A VSIX run keeps its own screenshots, so it does not wipe those of the development run before it. */
const artifactsDir = join(repoRoot, "test-artifacts", vsix ? "editor-vsix" : "editor");
const suiteIndex = args.tests ? resolve(args.tests) : join(repoRoot, "out", "test", "editor", "suite", "index.js");

const workspace = resolve(args.workspace ?? process.env.ALARM_INSPECTOR_EDITOR_WORKSPACE ?? join(repoRoot, "examples"));
const grep = args.grep ?? process.env.ALARM_INSPECTOR_TEST_GREP;
const verbose = args.verbose || process.env.ALARM_INSPECTOR_EDITOR_VERBOSE === "1";
/** From code-server's start to mocha's exit code; provisioning prints its own progress and is not counted. */
const deadlineMs = Number(process.env.ALARM_INSPECTOR_EDITOR_TIMEOUT_S ?? 600) * 1000;

const t0 = Date.now();
/** Mocha's own counts, read off its epilogue, for the summary line. */
const counts = { passing: undefined, failing: 0, pending: 0 };
const lap = (message) => console.log(`[editor ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${message}`);

// ───────────────────────────── cleanup, also on Ctrl-C ─────────────────────────────

/** @type {Array<() => Promise<void>>} run last-in first-out, each at most once */
const cleanups = [];
async function cleanUp() {
  while (cleanups.length) {
    const step = cleanups.pop();
    try {
      await step();
    } catch (err) {
      // One line: Playwright's messages carry a call log that says nothing more here.
      console.error(`[editor] cleanup: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
    }
  }
}
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
  process.once(signal, () => {
    lap(`${signal}: stopping code-server and the browser…`);
    void cleanUp().finally(() => process.exit(code));
  });
}

// ───────────────────────────── what the extension host sees ─────────────────────────────

/**
 * The extension host's console reaches the page only as workbench log lines (`%c INFO`, a colour, then the text),
 * among the workbench's own chatter. Mocha's reporter in test/editor/suite/index.ts and `log()` in suite/ui.ts start
 * their lines with this mark (keep them in step), so those are shown and the rest only with --verbose.
 */
const HOST_MARK = "[editor-test] ";
/** Errors, and the workbench's reports about the extension host itself (a crash, a failed activation), show too. */
const HOST_TROUBLE = /^(ERR|ERROR)\b|\[Extension Host\]|Extension host .*(terminated|crashed|exited)|Activating extension .* failed/i;
/**
 * Said about nothing of ours: the sandbox has no network (gallery, telemetry and update hosts fail to resolve),
 * webviews warn about their own iframe sandboxing, and when a short run ends the extension host goes away under
 * calls the workbench still had in flight (its accounts lookup), which it logs as `ERR Canceled`.
 */
const NOISE = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|Failed to load resource|same-origin iframe|allow-same-origin|^ERR Canceled: Canceled/i;

/** What to print for one console message of the page, or undefined to stay quiet. */
function consoleLine(text) {
  const at = text.indexOf(HOST_MARK);
  if (at >= 0) return text.slice(at + HOST_MARK.length).trimEnd();
  const plain = text.replace(/%c/g, "").replace(/\s*color:\s*#?[a-z0-9]+;?\s*/gi, " ").trim();
  if (verbose) return plain;
  if (HOST_TROUBLE.test(plain) && !NOISE.test(plain)) return plain;
  return undefined;
}

// ───────────────────────────── the run ─────────────────────────────

async function main() {
  if (!existsSync(suiteIndex)) {
    console.error(`[editor] ${suiteIndex} is missing: run \`npm run build\` first (it bundles test/editor/suite/).`);
    return 2;
  }
  if (!existsSync(workspace)) {
    console.error(`[editor] workspace ${workspace} does not exist`);
    return 2;
  }
  rmSync(artifactsDir, { recursive: true, force: true });
  mkdirSync(artifactsDir, { recursive: true });

  const vscode = await provisionVSCode();
  const deadline = Date.now() + deadlineMs;
  // First in, so it runs last: the scratch folder goes once the server and the browser are gone.
  cleanups.push(async () => removeRunDir());

  /** @type {import("playwright-core").Page | undefined} */
  let page;
  const bridge = await startUiBridge({ getPage: () => page, artifactsDir, log: (l) => lap(l), verbose });
  cleanups.push(() => bridge.close());

  let extensionsDir;
  if (vsix) {
    if (!existsSync(vsix)) {
      console.error(`[editor] ${vsix} does not exist: run \`npm run package\` first`);
      return 2;
    }
    extensionsDir = join(runDir(), "vsix-extensions");
    lap(`installing ${vsix} with --install-extension…`);
    await installVsix(vsix, extensionsDir, vscode);
  }
  lap(`starting code-server on ${workspace}…`);
  // The server's own log goes beside the screenshots: it is where an extension host crash shows up.
  // VS Code hands its extension host the login shell's PATH, where `node` is this machine's Node 20; wrangler needs
  // Node 22.12+, which this repository installs (npm's node@22). A user with an older default Node sets the same.
  // Auto-attach off: a test starts its own session and must not pick up one that something else left running.
  const userSettings = { "alarmInspector.nodePath": join(repoRoot, "node_modules", "node", "bin", "node"), "alarmInspector.autoAttach": false };
  const server = await startCodeServer({ workspace, vscode, extensionsDir, userSettings, logFile: join(artifactsDir, "code-server.log") });
  cleanups.push(() => server.stop());
  lap(`code-server ready at ${server.url}`);

  const extensionEnvironment = {
    // Anything the caller set for the tests (a wrangler path, a fixture name, …) reaches them too.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("ALARM_INSPECTOR_"))),
    ALARM_INSPECTOR_REPO_ROOT: repoRoot,
    ALARM_INSPECTOR_TEST_ARTIFACTS: artifactsDir,
    ALARM_INSPECTOR_EDITOR_WORKSPACE: workspace,
    ALARM_INSPECTOR_UI_BRIDGE: bridge.url,
    ...(vsix ? { ALARM_INSPECTOR_EXPECT_INSTALLED: extensionsDir } : {}),
    ...(grep ? { ALARM_INSPECTOR_TEST_GREP: grep } : {}),
  };
  // The extension host is code-server's, on this machine: paths are `vscode-remote://HOST:PORT/abs/path`.
  const remote = (path) => `vscode-remote://${server.host}${path}`;
  const payload = [
    ["extensionDevelopmentPath", remote(vsix ? join(repoRoot, "test", "editor", "host-stub") : repoRoot)],
    ["extensionTestsPath", remote(suiteIndex)],
    ["extensionEnvironment", JSON.stringify(extensionEnvironment)],
  ];
  const url = `${server.url}/?${new URLSearchParams({ folder: workspace, payload: JSON.stringify(payload) })}`;

  lap("starting headless Chromium…");
  const browser = await launchChromium(chromium, vscode.chromium);
  cleanups.push(browser.close);
  const { context } = browser;
  page = context.pages()[0] ?? (await context.newPage());
  const shown = page;
  cleanups.push(async () => {
    // The last thing a person would have seen, whatever the outcome: pass, failure or timeout.
    await shown.screenshot({ path: join(artifactsDir, "final.png"), timeout: 10_000 });
  });

  /** @type {(outcome: number | "crash") => void} */
  let settle = () => {};
  /** @type {Promise<number | "crash">} */
  const exitCode = new Promise((resolveExit) => { settle = resolveExit; });
  // The workbench calls this (enabled by --vscode-option enable-smoke-test-driver) when extensionTestsPath's run()
  // settles: 0 when it resolved, 1 when it rejected. Registered before the page loads, or the call would be missed.
  await shown.exposeFunction("codeAutomationExit", (code) => settle(Number(code)));
  // What the Alarms view showed from the first paint on (read by tests through the bridge's firstScreen op).
  await shown.addInitScript(watchFirstScreen);
  shown.on("crash", () => settle("crash"));
  shown.on("console", (message) => {
    const line = consoleLine(message.text());
    if (line === undefined) return;
    console.log(line.split("\n").map((l) => `  |${l ? ` ${l}` : ""}`).join("\n"));
    // Mocha's epilogue: kept for the one-line summary at the end.
    for (const [, n, what] of line.matchAll(/^\s*(\d+) (passing|failing|pending)\b/gm)) counts[what] = Number(n);
  });
  shown.on("pageerror", (err) => { if (verbose) console.log(`  [pageerror] ${String(err).slice(0, 500)}`); });

  lap(`opening the workbench; tests: ${suiteIndex}${grep ? ` (grep ${JSON.stringify(grep)})` : ""}`);
  await shown.goto(url);

  let timer;
  const timedOut = new Promise((resolveTimeout) => { timer = setTimeout(() => resolveTimeout("timeout"), Math.max(0, deadline - Date.now())); });
  const outcome = await Promise.race([exitCode, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    lap(`TIMEOUT: the editor tests did not report an exit code within ${deadlineMs / 1000} s. ` +
      `Either a test hangs (its mocha timeout should have caught that) or the workbench never started the tests ` +
      `(look at test-artifacts/editor/final.png and code-server.log, or rerun with --verbose).`);
    return 1;
  }
  if (outcome === "crash") {
    lap("the workbench page crashed before the tests reported (Chromium ran out of memory, or was killed)");
    return 1;
  }
  lap(`extension host tests exited with code ${outcome}`);
  return outcome === 0 ? 0 : 1;
}

let code = 2;
try {
  code = await main();
} catch (err) {
  console.error(`[editor] harness error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  code = 2;
} finally {
  await cleanUp();
}
lap(`done: ${code === 0 ? "PASS" : "FAIL"} (artifacts in ${artifactsDir})`);
// The plain closing line CI reads, only when mocha really reported (a timeout or harness error has no counts to give).
if (counts.passing !== undefined) {
  console.log(`editor: ${counts.passing} passed, ${counts.failing} failed${counts.pending ? `, ${counts.pending} skipped` : ""}`);
}
process.exit(code);
