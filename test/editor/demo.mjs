// The newcomer's path, driven end to end: `npm run demo` exactly as the README says, the printed URL opened in
// Debian's Chromium, the Alarms view showing the example objects (screenshot kept), then Ctrl-C and a check that
// nothing the demo started still answers.
//
//   node test/editor/demo.mjs        (part of `npm test`)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./codeServer.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(root, "test-artifacts", "demo");
const t0 = Date.now();
const lap = (m) => console.log(`[demo-test ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}`);
const DEADLINE_MS = 15 * 60_000;

async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const npm = spawn("npm", ["run", "demo"], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => npm.once("exit", (code, signal) => resolve(code ?? signal)));
  let output = "";
  const onData = (c) => {
    output += c;
    process.stdout.write(String(c).replace(/^/gm, "  | "));
  };
  npm.stdout.on("data", onData);
  npm.stderr.on("data", onData);
  let browser;
  const profile = mkdtempSync(join(tmpdir(), "demo-chromium-"));
  let failure;
  let workerUrl;
  let vscodeUrl;
  try {
    const deadline = Date.now() + DEADLINE_MS;
    while (!/^\s*Open (http\S+)/m.test(output)) {
      if (Date.now() > deadline) throw new Error("the demo printed no URL in time");
      if (npm.exitCode !== null) throw new Error(`npm run demo exited (${npm.exitCode}) before printing a URL`);
      await new Promise((r) => setTimeout(r, 250));
    }
    vscodeUrl = /^\s*Open (http\S+)/m.exec(output)[1];
    workerUrl = /the Worker answers on (http\S+)/.exec(output)?.[1];
    lap(`opening ${vscodeUrl}`);
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [...CHROMIUM_ARGS],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(vscodeUrl);
    // The extension attaches by itself to the demo's session and shows the Alarms view.
    const row = (text) => page.locator(".pane-body .monaco-list-row", { hasText: text }).first();
    await row("call-mom").waitFor({ timeout: 90_000 });
    await row("nightly-export").waitFor({ timeout: 30_000 });
    await row("audit-log").waitFor({ timeout: 30_000 });
    await page.locator(".part.statusbar .statusbar-item", { hasText: "pending" }).first().waitFor({ timeout: 30_000 });
    // Let the retrying job show its state before the picture is taken.
    await row("nightly-export").filter({ hasText: /retrying|running|succeeded|failed/ }).waitFor({ timeout: 60_000 });
    // Widen the side bar as a person would, by dragging its edge, so the states read in full.
    const box = await page.locator(".part.sidebar").boundingBox();
    if (box) {
      await page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + 560, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    await page.screenshot({ path: join(artifacts, "demo-alarms-view.png") });
    lap("the Alarms view shows the example objects (screenshot: test-artifacts/demo/demo-alarms-view.png)");
    // And the timeline, opened from the view's title bar, once the retrying job has a few attempts to show.
    await row("nightly-export").filter({ hasText: /attempt [3-7]|succeeded/ }).waitFor({ timeout: 60_000 });
    await page.locator(".part.sidebar .action-label[aria-label='Open Timeline']").first().click();
    const webview = page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
    await webview.locator("canvas").first().waitFor({ timeout: 30_000 });
    await webview.locator("body", { hasText: "nightly-export" }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000); // one live redraw, so the "now" line and countdowns are current
    await page.screenshot({ path: join(artifacts, "demo-timeline.png") });
    lap("the timeline shows the same objects (screenshot: test-artifacts/demo/demo-timeline.png)");
  } catch (err) {
    failure = err;
    await browser?.pages()[0]?.screenshot({ path: join(artifacts, "demo-failure.png") }).catch(() => undefined);
  } finally {
    await browser?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    lap("Ctrl-C to the demo…");
    try {
      process.kill(-npm.pid, "SIGINT");
    } catch {
      // already gone
    }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 60_000))]);
    if (code === "timeout") {
      process.kill(-npm.pid, "SIGKILL");
      failure ??= new Error("the demo did not stop within 60 s of Ctrl-C");
    } else if (!failure && code !== 0 && code !== 130 && code !== "SIGINT") failure = new Error(`the demo exited with ${code} after Ctrl-C`);
  }
  if (!failure) {
    // Nothing left answering: VS Code and the Worker are both gone.
    for (const url of [vscodeUrl, workerUrl].filter(Boolean)) {
      if (await answers(url)) failure = new Error(`${url} still answers after the demo stopped`);
    }
  }
  if (failure) {
    console.error(`[demo-test] FAIL: ${failure.message}`);
    console.log("demo: 0 passed, 1 failed");
    process.exit(1);
  }
  console.log("demo: 1 passed, 0 failed");
}

await main();
