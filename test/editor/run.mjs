// `npm run test:editor`: the editor tier. Mocha runs inside the extension host of a real VS Code (code-server), with
// this repo loaded as the extension under development, while headless Chromium shows the workbench and the tests
// drive it through the UI bridge. See test/editor/README.md.
//
//   node test/editor/run.mjs [--workspace DIR] [--grep PATTERN] [--verbose]
//
// Needs `npm run build` first (it bundles test/editor/suite/*.ts into out/test/editor/suite/). Exit code: 0 when every
// test passed, 1 when a test failed or the run timed out, 2 when the harness itself could not start.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { provisionVSCode } from "../../scripts/provision-vscode.mjs";
import { runDir, startCodeServer } from "./codeServer.mjs";
import { startUiBridge } from "./uiBridge.mjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifactsDir = join(repoRoot, "test-artifacts", "editor");
const suiteIndex = join(repoRoot, "out", "test", "editor", "suite", "index.js");

const { values: args } = parseArgs({
  options: {
    workspace: { type: "string" },
    grep: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});
const workspace = resolve(args.workspace ?? process.env.ALARM_INSPECTOR_EDITOR_WORKSPACE ?? join(repoRoot, "examples"));
const grep = args.grep ?? process.env.ALARM_INSPECTOR_TEST_GREP;
const verbose = args.verbose || process.env.ALARM_INSPECTOR_EDITOR_VERBOSE === "1";
/** From code-server's start to mocha's exit code; provisioning prints its own progress and is not counted. */
const deadlineMs = Number(process.env.ALARM_INSPECTOR_EDITOR_TIMEOUT_S ?? 600) * 1000;

const t0 = Date.now();
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
      console.error(`[editor] cleanup: ${err instanceof Error ? err.message : String(err)}`);
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
 * Renderer console noise that says nothing about our tests: the sandbox has no network (gallery, telemetry and
 * update hosts fail to resolve) and webviews warn about their own iframe sandboxing.
 */
const NOISE = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|Failed to load resource|same-origin iframe|allow-same-origin|marketplace|copilot/i;

/** In test mode the renderer re-logs the extension host's stdout and console; strip the `%c` colouring it adds. */
function hostLine(text) {
  return text.replace(/%c/g, "").replace(/\s*color:\s*#?[a-z0-9]+;?\s*/gi, " ").trimEnd();
}

function isTestOutput(text) {
  return text.includes("[Extension Host]") || /passing|failing|pending|✔|✓|^\s*\d+\) |Error|AssertionError/.test(text);
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

  /** @type {import("playwright-core").Page | undefined} */
  let page;
  const bridge = await startUiBridge({ getPage: () => page, artifactsDir, log: (l) => lap(l), verbose });
  cleanups.push(() => bridge.close());

  lap(`starting code-server on ${workspace}…`);
  const server = await startCodeServer({ workspace, vscode });
  cleanups.push(async () => {
    // Keep the server's own log beside the screenshots: it is where an extension host crash shows up.
    try { copyFileSync(server.logFile, join(artifactsDir, "code-server.log")); } catch { /* nothing was written */ }
    await server.stop();
  });
  lap(`code-server ready at ${server.url}`);

  const extensionEnvironment = {
    // Anything the caller set for the tests (a wrangler path, a fixture name, …) reaches them too.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("ALARM_INSPECTOR_"))),
    ALARM_INSPECTOR_REPO_ROOT: repoRoot,
    ALARM_INSPECTOR_TEST_ARTIFACTS: artifactsDir,
    ALARM_INSPECTOR_EDITOR_WORKSPACE: workspace,
    ALARM_INSPECTOR_UI_BRIDGE: bridge.url,
    ...(grep ? { ALARM_INSPECTOR_TEST_GREP: grep } : {}),
  };
  // The extension host is code-server's, on this machine: paths are `vscode-remote://HOST:PORT/abs/path`.
  const remote = (path) => `vscode-remote://${server.host}${path}`;
  const payload = [
    ["extensionDevelopmentPath", remote(repoRoot)],
    ["extensionTestsPath", remote(suiteIndex)],
    ["extensionEnvironment", JSON.stringify(extensionEnvironment)],
  ];
  const url = `${server.url}/?${new URLSearchParams({ folder: workspace, payload: JSON.stringify(payload) })}`;

  const profile = mkdtempSync(join(runDir(), "chromium-"));
  cleanups.push(async () => rmSync(profile, { recursive: true, force: true }));
  lap("starting headless Chromium…");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: vscode.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    // Without the networking flags Chromium keeps dialling Google's hosts, which this machine refuses.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanups.push(() => context.close());
  page = context.pages()[0] ?? (await context.newPage());
  const shown = page;
  cleanups.push(async () => {
    // The last thing a person would have seen, whatever the outcome: pass, failure or timeout.
    await shown.screenshot({ path: join(artifactsDir, "final.png"), timeout: 10_000 });
  });

  /** @type {Promise<number>} */
  const exitCode = new Promise((resolveExit) => {
    // The workbench calls this (enabled by --vscode-option enable-smoke-test-driver) when extensionTestsPath's run()
    // settles: 0 when it resolved, 1 when it rejected.
    void shown.exposeFunction("codeAutomationExit", (code) => resolveExit(Number(code)));
  });
  shown.on("console", (message) => {
    const text = message.text();
    if (verbose) return console.log(`  | ${hostLine(text).slice(0, 2000)}`);
    if (NOISE.test(text) || !isTestOutput(text)) return;
    console.log(`  | ${hostLine(text).slice(0, 2000)}`);
  });
  shown.on("pageerror", (err) => { if (verbose) console.log(`  [pageerror] ${String(err).slice(0, 500)}`); });
  shown.on("crash", () => lap("the workbench page crashed"));

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
process.exit(code);
