// The UI bridge: lets mocha tests that run inside the extension host (Node, no browser) drive the workbench with
// Playwright, as a person would: click, hover, type, read text, look inside webviews, take screenshots.
//
// run.mjs owns the browser page. It starts this tiny HTTP server on 127.0.0.1 and hands its URL to the extension host
// as ALARM_INSPECTOR_UI_BRIDGE (`http://127.0.0.1:<port>/<token>`); test/editor/suite/ui.ts is the typed client.
// The random token in the path keeps other local processes from driving the page.
//
// Wire format: POST a JSON object `{ op, ... }` (the ops are listed in `handlers` below and typed in ui.ts), get back
// `{ ok: true, value? }` or `{ ok: false, error }`, always with HTTP 200 unless the request itself was malformed.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

/** How long an op waits for its element when the test does not say. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** No single op may hold the page longer than this, whatever the test asks. */
const MAX_TIMEOUT_MS = 120_000;
/** Commands are small; anything bigger is not ours. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The content document of the visible webview. A webview is two nested iframes: `iframe.webview` (served from the
 * webview origin, `.ready` once loaded) and, inside it, `#active-frame` with the extension's HTML. Hidden webviews
 * (background editor tabs, collapsed views) keep their iframes, so take the first visible one.
 */
function webviewFrame(page) {
  return page.locator("iframe.webview.ready:visible").first().contentFrame().locator("#active-frame").contentFrame();
}

/** `selector`, narrowed to elements containing `text` when given (case-insensitive substring, Playwright's hasText). */
function locate(root, { selector, text }) {
  if (typeof selector !== "string" || !selector) throw new Error("`selector` (a non-empty string) is required");
  const all = root.locator(selector);
  return text === undefined ? all : all.filter({ hasText: String(text) });
}

function timeoutOf(cmd) {
  const t = Number(cmd.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return Number.isFinite(t) && t > 0 ? Math.min(t, MAX_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS;
}

/** Screenshot names become file names: keep them to a safe alphabet. */
function safeName(name) {
  const n = String(name ?? "").replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  if (!n) throw new Error("`name` is required for a screenshot");
  return n.endsWith(".png") ? n : `${n}.png`;
}

/** Every op, by name. Each gets the parsed command and returns the `value` to send back (or throws). */
function handlers(page, artifactsDir) {
  const ui = (cmd) => locate(page, cmd);
  const frame = (cmd) => locate(webviewFrame(page), cmd);
  const screenshot = async (cmd) => {
    mkdirSync(artifactsDir, { recursive: true });
    const path = join(artifactsDir, safeName(cmd.name));
    if (cmd.selector) await ui(cmd).first().screenshot({ path, timeout: timeoutOf(cmd) });
    else await page.screenshot({ path });
    return path;
  };
  return {
    click: async (cmd) => {
      const target = ui(cmd).first();
      try {
        await target.click({ timeout: timeoutOf(cmd) });
      } catch (err) {
        // Playwright clicks only once the element's box is the same in two consecutive frames. One CI run saw a
        // quick-pick row that was there, visible and focused fail that check for 10 s (not reproduced in the same
        // suites here): a person clicks it anyway, and so does the test, saying so. What the click should have done
        // is still checked by the test after it.
        if (!String(err).includes("element is not stable")) throw err;
        console.log(`ui> click ${cmd.selector}: the element never held still for ${timeoutOf(cmd)} ms; clicking where it is now`);
        await target.click({ force: true, timeout: 5_000 });
      }
    },
    hover: async (cmd) => { await ui(cmd).first().hover({ timeout: timeoutOf(cmd) }); },
    // Context menus open on a right click, as a person opens them.
    rightClick: async (cmd) => { await ui(cmd).first().click({ button: "right", timeout: timeoutOf(cmd) }); },
    waitFor: async (cmd) => { await ui(cmd).first().waitFor({ state: cmd.state ?? "visible", timeout: timeoutOf(cmd) }); },
    text: async (cmd) => ui(cmd).first().innerText({ timeout: timeoutOf(cmd) }),
    count: async (cmd) => ui(cmd).count(),
    press: async (cmd) => {
      if (typeof cmd.key !== "string" || !cmd.key) throw new Error("`key` is required, e.g. \"Enter\" or \"Control+Shift+P\"");
      await page.keyboard.press(cmd.key);
    },
    type: async (cmd) => {
      if (typeof cmd.text !== "string") throw new Error("`text` is required");
      await page.keyboard.type(cmd.text);
    },
    screenshot,
    frameText: async (cmd) => frame(cmd).first().innerText({ timeout: timeoutOf(cmd) }),
    frameClick: async (cmd) => { await frame(cmd).first().click({ timeout: timeoutOf(cmd) }); },
    frameWaitFor: async (cmd) => { await frame(cmd).first().waitFor({ state: cmd.state ?? "visible", timeout: timeoutOf(cmd) }); },
    frameCount: async (cmd) => frame(cmd).count(),
    // The innerText of every element matching each CSS selector, read in one go (one moment of the page), as JSON:
    // for comparing parts of the window that must agree (tree rows and the status bar).
    texts: async (cmd) => {
      if (!Array.isArray(cmd.selectors) || cmd.selectors.some((s) => typeof s !== "string")) throw new Error("`selectors` (an array of CSS selectors) is required");
      const value = await page.evaluate((selectors) => selectors.map((s) => [...document.querySelectorAll(s)].map((e) => e.innerText)), cmd.selectors);
      return JSON.stringify(value);
    },
    // For `npm run bench` (test/editor/bench/): watch the innerText of the tree rows containing `text` from inside the
    // page, so a repaint is timed when the DOM changes (a MutationObserver), not when a bridge round trip notices it.
    // `watchRow` starts (or restarts) the watch; `rowChanges` answers, as JSON, every change since the last call:
    // [{ at: Date.now() in the page, text }] (the page and the extension host share this machine's clock).
    watchRow: async (cmd) => {
      if (typeof cmd.text !== "string" || !cmd.text) throw new Error("`text` (part of the row's text) is required");
      await page.evaluate(watchRowInPage, cmd.text);
    },
    rowChanges: async () => JSON.stringify(await page.evaluate(() => window.__alarmInspectorRowWatch?.take() ?? [])),
    // The notes of the first-screen watcher (firstScreen.mjs), as JSON.
    firstScreen: async () => JSON.stringify(await page.evaluate(() => window.__alarmInspectorFirstScreen ?? null)),
  };
}

/**
 * Runs in the page: records each new innerText of the first tree row whose text contains `name`, stamped with
 * Date.now() in the MutationObserver callback (the microtask after the DOM change, before the frame is painted).
 */
function watchRowInPage(name) {
  window.__alarmInspectorRowWatch?.stop();
  const changes = [];
  const rowText = () => {
    for (const row of document.querySelectorAll(".pane-body .monaco-list-row")) if (row.innerText.includes(name)) return row.innerText;
    return undefined;
  };
  let last = rowText();
  const observer = new MutationObserver(() => {
    const text = rowText();
    if (text !== last) {
      last = text;
      changes.push({ at: Date.now(), text: text ?? "" });
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  window.__alarmInspectorRowWatch = {
    take: () => changes.splice(0),
    stop: () => observer.disconnect(),
  };
}

/** Playwright errors carry a long call log; the first lines say what went wrong. */
function shortError(err) {
  const message = err instanceof Error ? err.message : String(err);
  // eslint-disable-next-line no-control-regex -- the call log is coloured for a terminal; these are ANSI escapes
  return message.replace(/\x1b\[[0-9;]*m/g, "").split("\n").slice(0, 12).join("\n");
}

/**
 * Starts the bridge. `getPage()` is asked on every request, so the server can start before the browser does.
 * @param {object} options
 * @param {() => import("playwright-core").Page | undefined} options.getPage
 * @param {string} options.artifactsDir   Where `screenshot` writes.
 * @param {(line: string) => void} [options.log]  Told about every op that failed (and every op, when verbose).
 * @param {boolean} [options.verbose]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startUiBridge({ getPage, artifactsDir, log = console.log, verbose = false }) {
  const token = randomBytes(16).toString("hex");
  let failures = 0;
  const server = createServer((req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== `/${token}`) return reply(404, { ok: false, error: "not found" });
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on("end", async () => {
      let cmd;
      try {
        cmd = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (typeof cmd !== "object" || cmd === null || typeof cmd.op !== "string") throw new Error("expected {op, ...}");
      } catch (err) {
        return reply(400, { ok: false, error: `bad request: ${shortError(err)}` });
      }
      const page = getPage();
      if (!page) return reply(200, { ok: false, error: "the browser page is not open yet" });
      const ops = handlers(page, artifactsDir);
      if (!Object.hasOwn(ops, cmd.op)) return reply(200, { ok: false, error: `unknown op "${cmd.op}"` });
      const handler = ops[cmd.op];
      const t0 = Date.now();
      const what = `${cmd.op} ${cmd.selector ?? cmd.key ?? cmd.name ?? ""}${cmd.text !== undefined ? ` "${cmd.text}"` : ""}`;
      try {
        const value = await handler(cmd);
        if (verbose) log(`ui> ${what} (${Date.now() - t0} ms)`);
        reply(200, value === undefined ? { ok: true } : { ok: true, value });
      } catch (err) {
        // A picture of the moment an op failed is usually the fastest way to see why.
        let shot = "";
        try {
          shot = await ops.screenshot({ name: `ui-failure-${++failures}-${cmd.op}` });
        } catch {
          // the page may be gone; the error below still says what failed
        }
        log(`ui> ${what} FAILED after ${Date.now() - t0} ms${shot ? ` (screenshot ${shot})` : ""}`);
        reply(200, { ok: false, error: shortError(err) + (shot ? `\n(screenshot: ${shot})` : "") });
      }
    });
  });
  await new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolveListen);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/${token}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
