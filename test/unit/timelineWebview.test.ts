/**
 * The timeline webview in headless Chromium (the real page, CSP and bundle; see test/bench/webviewHarness.ts): values
 * and messages that came from a Worker are shown as text and never run, and the keyboard steps through a run.
 * Needs `node scripts/build.mjs` first (for dist/webview/timeline.js) and /usr/bin/chromium (skipped without).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { StoragePutEvent, StorageSqlEvent } from "../../protocol/protocol";
import type { PackedSliceMessage } from "../../extension/shared/timelineMessages";
import { AlarmModel } from "../../extension/model/alarmModel";
import { objectKey } from "../../extension/model/objectEntry";
import { chromiumOrSkip, launchChromium, openTimelinePage, pollPage, REPO } from "../bench/webviewHarness";
import type { TimelinePage } from "../bench/webviewHarness";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

/** Markup and script in every shape a Worker could hand us. Any of them running sets `window.__pwned`. */
const IMG = `<img src=x onerror="window.__pwned='img'">`;
const SCRIPT = `</script><script>window.__pwned='script'</script>`;
const SVG = `<svg onload="window.__pwned='svg'"></svg>`;
const HOSTILE = `${IMG}${SCRIPT}${SVG}`;

function hostileModel(): { model: AlarmModel; key: string } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  const ev = new EventBuilder();
  const room = obj("Room", { name: `lobby ${IMG}` });
  const put = (key: string, text: string, inHandler: boolean): StoragePutEvent => {
    const e = ev.put(room, key, null, { inHandler });
    e.entries = [{ key, value: { kind: "json", text, truncated: false } }];
    return e;
  };
  const sql: StorageSqlEvent = { ...ev.sql(room, `INSERT INTO t VALUES ('${SCRIPT}')`, { inHandler: true }) };
  model.applyEvents([
    ev.wake(room),
    put(HOSTILE, JSON.stringify("before"), false),
    ev.set(room, T0 + 10),
    ev.tick(10).start(room),
    put(HOSTILE, JSON.stringify(`${HOSTILE} ${"x".repeat(300)}`), true),
    sql,
    ev.tick(15).end(room, { outcome: "error", error: { name: "Error", message: HOSTILE, stack: `Error: ${HOSTILE}\n    at alarm (${SVG}.ts:1:1)\n    at ${IMG}` }, retry: retryYes(1, ev.at) }),
  ]);
  ev.tick(2200);
  model.applyEvents([ev.start(room, { retryCount: 1 }), ev.tick(5).end(room)]);
  return { model, key: objectKey("app", room.className, room.id) };
}

/**
 * Evaluates an expression in the page. Expressions are strings because this file is compiled without the DOM library
 * (the unit tests run in Node); the page is the real browser.
 */
async function js<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

/** Waits until an expression is true in the page. */
async function until(page: Page, expression: string): Promise<void> {
  await pollPage(page, expression);
}

const POSITION = `document.querySelector("#detail .step-position")?.textContent`;

describe("timeline webview (headless Chromium)", function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let tp: TimelinePage | undefined;
  const violations: string[] = [];
  const errors: string[] = [];

  before(async function () {
    chromiumOrSkip(this);
    browser = await launchChromium();
  });

  after(async () => {
    await tp?.close();
    await browser?.close();
  });

  it("shows Worker text as text: markup in keys, values, errors, stacks, SQL and names never becomes elements or runs", async () => {
    const { model, key } = hostileModel();
    tp = await openTimelinePage(browser as Browser, { model, theme: "dark", outDir: join(REPO, "out", "test-webview"), host: { clock: () => T0 + 5000 } });
    tp.page.on("pageerror", (e) => errors.push(e.message));
    tp.page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await js(tp.page, `document.addEventListener("securitypolicyviolation", (e) => (window.__csp ??= []).push(e.violatedDirective + " " + e.blockedURI))`);
    await tp.firstDraw();
    tp.host.focus(key);
    await until(tp.page, `${POSITION} !== undefined`);
    // The failed attempt: its error, stack and the storage it changed.
    await tp.page.keyboard.press("Home");
    await until(tp.page, `${POSITION}?.startsWith("Attempt 1")`);

    const text = await js<Record<string, string | string[] | undefined>>(
      tp.page,
      `({
        title: document.querySelector("#detail .object-name")?.textContent,
        message: document.querySelector("#detail .error-message")?.textContent,
        frames: [...document.querySelectorAll("#detail .stack li")].map((li) => li.textContent),
        key: document.querySelector("#detail .storage-diff th.key")?.textContent,
        after: document.querySelector("#detail .storage-diff td.after .value-text")?.textContent,
        before: document.querySelector("#detail .storage-diff td.before .value-text")?.textContent,
        sql: document.querySelector("#detail .sql-query")?.textContent,
      })`,
    );
    assert.equal(text.title, `lobby ${IMG}`);
    assert.equal(text.message, `Error: ${HOSTILE}`);
    assert.deepEqual(text.frames, [`at alarm (${SVG}.ts:1:1)`, `at ${IMG}`]);
    assert.match(String(text.key), /^<img src=x onerror=/);
    assert.equal(text.before, JSON.stringify("before"));
    assert.ok(String(text.after).endsWith("…"), "a long value is cut, with a way to see all of it");
    assert.equal(text.sql, `INSERT INTO t VALUES ('${SCRIPT}')`);

    // "Show all" shows the whole value, still as text.
    await tp.page.click("#detail .storage-diff td.after .show-all");
    const full = await js<string>(tp.page, `document.querySelector("#detail .storage-diff td.after .value-text")?.textContent`);
    assert.equal(full, JSON.stringify(`${HOSTILE} ${"x".repeat(300)}`));

    // Hovering the lanes shows tooltips built from the same text.
    await tp.page.mouse.move(400, 120);
    await tp.page.mouse.move(600, 300);

    const dom = await js<{ pwned?: string; imgs: number; svgs: number; scripts: number; csp: string[] }>(
      tp.page,
      `({
        pwned: window.__pwned,
        imgs: document.querySelectorAll("img").length,
        svgs: document.querySelectorAll("svg").length,
        scripts: document.querySelectorAll("script").length,
        csp: window.__csp ?? [],
      })`,
    );
    assert.equal(dom.pwned, undefined, "no hostile markup ran");
    assert.equal(dom.imgs, 0);
    assert.equal(dom.svgs, 0);
    assert.equal(dom.scripts, 2, "only the page's own scripts: the prelude and the bundle");
    violations.push(...dom.csp);
    assert.deepEqual(violations, [], "the page itself never needs what the CSP forbids");
    assert.deepEqual(errors, []);
  });

  it("steps through the run with the keyboard and the buttons", async () => {
    assert.ok(tp, "the previous test opened the page");
    const page = tp.page;
    await page.keyboard.press("End");
    await until(page, `${POSITION}?.startsWith("Attempt 2")`);
    assert.equal(await js(page, POSITION), "Attempt 2 · 2 of 2");
    assert.equal(await js(page, `document.querySelector('#detail [data-fact="trigger"] dd')?.textContent`), "retry");
    assert.match(await js<string>(page, `document.querySelector('#detail [data-fact="expected"] dd')?.textContent ?? ""`), /started inside it$/);
    await page.keyboard.press("[");
    await until(page, `${POSITION}?.startsWith("Attempt 1")`);
    await page.click('#detail [data-step="next"]');
    await until(page, `${POSITION}?.startsWith("Attempt 2")`);
    assert.equal(await js(page, `document.querySelector('#detail [data-step="next"]')?.hasAttribute("disabled")`), true);
    const sent = tp.received.filter((m): m is { type: string; to?: string } => typeof m === "object" && m !== null && "type" in m).filter((m) => m.type === "step").map((m) => m.to);
    assert.deepEqual(sent, ["first", "last", "previous", "next"]);
  });

  it("draws the lanes of new events from the state that carries them, without asking the host again", async () => {
    // An empty model: the first slice has no rows, so nothing is drawn with data until events arrive.
    const model = new AlarmModel();
    model.applyHello(hello(), T0);
    const page = await openTimelinePage(browser as Browser, { model, theme: "dark", outDir: join(REPO, "out", "test-webview"), host: { clock: () => T0 + 5000, throttleMs: 5 } });
    try {
      await until(page.page, `document.querySelector("#app")?.dataset.drawnTheme !== undefined`);
      const asked0 = page.hostTime.length;
      const posted0 = page.posted.length;
      const ev = new EventBuilder();
      model.applyEvents([ev.tick(1000).put(obj("Room", { name: "arrived" }), "k", 1), ev.set(obj("Room", { name: "arrived-too" }), T0 + 20_000)]);
      await page.firstDraw(10_000);
      // Up to the first draw with data (afterwards the page asks for room around its view, as it always does).
      const drawnAt = page.markWalls.get("timeline:first-draw") ?? NaN;
      const posted = page.posted.slice(posted0).filter((p) => p.at <= drawnAt).map((p) => p.message);
      assert.deepEqual(posted.map((m) => m.type), ["state"], "one message for the flush");
      const state = posted[0];
      assert.ok(state?.type === "state" && state.slice, "the state carries the slice");
      assert.deepEqual(
        page.hostTime.slice(asked0).filter((h) => h.at <= drawnAt).map((h) => h.type),
        [],
        "the page drew the new lanes from that message: it asked the host for nothing",
      );
    } finally {
      await page.close();
    }
  });

  it("asks for room around its view before it needs it, and scrolling the lanes fetches only the rows it lacks", async () => {
    // Eighty lanes of a few events each: several screens of rows.
    const model = new AlarmModel();
    model.applyHello(hello(), T0);
    const ev = new EventBuilder();
    for (let i = 0; i < 80; i++) model.applyEvents([ev.tick(50).put(obj("Room", { name: `room-${String(i).padStart(2, "0")}` }), "k", i)]);
    const page = await openTimelinePage(browser as Browser, { model, theme: "dark", outDir: join(REPO, "out", "test-webview"), host: { clock: () => T0 + 5000 } });
    try {
      const pageErrors: string[] = [];
      page.page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.firstDraw();
      const viewports = (): { cover?: { firstRow: number; lastRow: number }; have?: unknown; firstRow: number }[] =>
        page.received.filter((m): m is { type: "viewport"; viewport: { cover?: { firstRow: number; lastRow: number }; have?: unknown; firstRow: number } } => (m as { type?: unknown }).type === "viewport").map((m) => m.viewport);
      // After the first frame (a small slice, to draw soon), the page asks for more room around its view.
      const deadline = Date.now() + 5000;
      while (!viewports().some((v) => v.cover) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const room = viewports().find((v) => v.cover);
      assert.ok(room?.cover && room.cover.lastRow > room.firstRow + 20, "rows beyond the screen are asked for up front");

      const box = (await js<{ x: number; y: number }>(page.page, `(() => { const r = document.querySelector(".chart").getBoundingClientRect(); return { x: r.x + 400, y: r.y + 200 }; })()`)) as { x: number; y: number };
      await page.page.mouse.move(box.x, box.y);
      for (let i = 0; i < 12 && !viewports().some((v) => v.have); i++) {
        await page.page.mouse.wheel(0, 200);
        await new Promise((r) => setTimeout(r, 100));
      }
      const scrolled = viewports().find((v) => v.have);
      assert.ok(scrolled, "scrolling down asked for more rows, saying which it has");
      const answer = page.posted
        .map((p) => p.message)
        .filter((m): m is PackedSliceMessage => m.type === "slice" && m.kept !== undefined && m.requestId !== 0)
        .at(-1);
      assert.ok(answer?.kept, "the answer leaves out the rows the page has");
      assert.ok(answer.rows.every((r) => r.row < answer.kept!.firstRow || r.row > answer.kept!.lastRow), "and sends none of them");
      await until(page.page, `document.querySelector("#app").dataset.drawnTheme !== undefined`);
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close();
    }
  });
});
