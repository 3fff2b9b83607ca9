import assert from "node:assert/strict";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { AgentEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EMPTY_FILTER } from "../../extension/shared/timelineMessages";
import type { ViewportRequest } from "../../extension/shared/timelineMessages";
import { frameFileCandidates, isInside } from "../../extension/timeline/frameFiles";
import { decodeSession, SessionFileError } from "../../extension/timeline/sessionDecode";
import { stepDetail } from "../../extension/timeline/stepDetail";
import { coverFor, TimelineIndex } from "../../extension/timeline/timelineData";
import { contentSecurityPolicy, escapeHtml, timelineHtml } from "../../extension/timeline/webviewHtml";
import { AXIS_H, GUTTER_W, ROW_H } from "../../media/webview/chartMetrics";
import { covered, firstViewport } from "../../media/webview/sliceCache";
import { ticks, tickStep } from "../../media/webview/timeAxis";
import { fit, followNow, MIN_SPAN_MS, pan, reveal, scrollTo, zoom } from "../../media/webview/viewState";
import type { View } from "../../media/webview/viewState";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

/** A model with a failing-then-succeeding run, a pending alarm and storage writes, exported at `T0 + 60 s`. */
function recorded(): { model: AlarmModel; text: string } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  const ev = new EventBuilder();
  const job = obj("Room", { name: "flaky" });
  const other = obj("Scheduler", { name: "main" });
  const events: AgentEvent[] = [ev.wake(job), ev.set(job, T0), ev.put(job, "failures", 2), ev.start(job), ev.tick(12).end(job, { outcome: "error", error: { name: "Error", message: "one", stack: "Error: one\n    at a (src/a.ts:1:2)" }, retry: retryYes(1, ev.at) })];
  ev.tick(2300);
  events.push(ev.start(job, { retryCount: 1 }), ev.put(job, "attempts", 2, { inHandler: true }), ev.tick(8).end(job), ev.set(other, T0 + 90_000));
  model.applyEvents(events);
  return { model, text: JSON.stringify(model.snapshot(T0 + 60_000)) };
}

const VIEW: ViewportRequest = { start: T0 - 1000, end: T0 + 10_000, firstRow: 0, rowCount: 20, widthPx: 800 };

describe("timeline session files", () => {
  it("reopen to the same timeline: same lanes, markers, chains and step details", () => {
    const { model, text } = recorded();
    const decoded = decodeSession(text, "bug.json");
    assert.equal(decoded.exportedAt, T0 + 60_000);
    const now = T0 + 60_000;
    const live = new TimelineIndex(model).slice(EMPTY_FILTER, VIEW, now);
    const reopened = new TimelineIndex(decoded.model).slice(EMPTY_FILTER, VIEW, now);
    assert.deepEqual(reopened, live);
    for (const o of model.objects()) {
      const twin = decoded.model.getObject(o.key);
      assert.ok(twin);
      for (const run of o.runs) {
        run.attempts.forEach((_, i) => assert.deepEqual(stepDetail(twin, run.id, i, 0), stepDetail(o, run.id, i, 0)));
      }
    }
  });

  it("refuses what is not a session, naming the file and what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["", /^bad\.json is empty/],
      ["{not json", /^bad\.json is not valid JSON \(.+\): it is not an Alarm Inspector session\.$/],
      ["[1,2]", /^bad\.json cannot be opened: This is not an Alarm Inspector export/],
      [JSON.stringify({ type: "alarmInspector.model", format: 99 }), /^bad\.json cannot be opened: .*format 99, newer than this extension reads/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => decodeSession(text, "bad.json"), (err: unknown) => err instanceof SessionFileError && message.test(err.message), text);
    }
    const { text } = recorded();
    const doc = JSON.parse(text) as { objects: { history: unknown[] }[] };
    (doc.objects[0] as { history: unknown[] }).history[0] = { session: "x", event: { kind: "alarm.set" } };
    assert.throws(() => decodeSession(JSON.stringify(doc), "damaged.json"), /^SessionFileError: damaged\.json cannot be opened: objects\[0\]\.history\[0\]/);
  });

  it("falls back to the last activity when the export has no time", () => {
    const { model } = recorded();
    const decoded = decodeSession(JSON.stringify(model.snapshot()), "x.json");
    assert.equal(decoded.exportedAt, null);
    assert.equal(decoded.lastActivity, T0 + 2320);
  });
});

describe("stack frame files", () => {
  const root = path.resolve("/work/app");
  const folders = [root];

  it("accepts absolute paths and file URLs inside a workspace folder", () => {
    assert.deepEqual(frameFileCandidates(path.join(root, "src", "a.ts"), folders), [path.join(root, "src", "a.ts")]);
    assert.deepEqual(frameFileCandidates(pathToFileURL(path.join(root, ".wrangler", "tmp", "entry.js")).href, folders), [path.join(root, ".wrangler", "tmp", "entry.js")]);
  });

  it("resolves relative paths against each folder, never outside it", () => {
    assert.deepEqual(frameFileCandidates("src/a.ts", [root, path.resolve("/work/other")]), [path.join(root, "src", "a.ts"), path.join(path.resolve("/work/other"), "src", "a.ts")]);
    assert.deepEqual(frameFileCandidates("../../etc/passwd", folders), []);
    assert.deepEqual(frameFileCandidates("/etc/passwd", folders), []);
    assert.deepEqual(frameFileCandidates(pathToFileURL("/etc/passwd").href, folders), []);
  });

  it("refuses other schemes and empty names", () => {
    assert.deepEqual(frameFileCandidates("https://example.com/a.js", folders), []);
    assert.deepEqual(frameFileCandidates("webpack://app/src/a.ts", folders), []);
    assert.deepEqual(frameFileCandidates("  ", folders), []);
    assert.equal(isInside(root, path.join(root, "x")), true);
    assert.equal(isInside(root, `${root}-evil/x`), false);
  });
});

describe("timeline page", () => {
  it("allows scripts only by nonce, and styles, fonts and images only from the extension", () => {
    const csp = contentSecurityPolicy("https://file+.vscode-resource.vscode-cdn.net", "abc123");
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-abc123'; style-src https://file+.vscode-resource.vscode-cdn.net; font-src https://file+.vscode-resource.vscode-cdn.net; img-src https://file+.vscode-resource.vscode-cdn.net data:",
    );
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it("escapes what it puts in the page, and gives every script the nonce", () => {
    const html = timelineHtml({ cspSource: "vscode-resource:", nonce: "N0NCE", scriptUri: "x.js", styleUri: "x.css", codiconsUri: "c.css", title: `bug "</title><script>alert(1)</script>.json` });
    assert.match(html, /<title>bug &#34;&#60;\/title&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;\.json<\/title>/);
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script nonce="N0NCE" src="x.js">']);
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
  });
});

describe("timeline view math (webview)", () => {
  const v: View = { start: 1000, end: 2000, scrollY: 0, follow: false };

  it("pans, zooms around an anchor, fits and follows", () => {
    assert.deepEqual(pan(v, 500), { ...v, start: 1500, end: 2500 });
    assert.deepEqual(zoom(v, 0.5, 0), { ...v, start: 1000, end: 1500 });
    assert.deepEqual(zoom(v, 2, 0.5), { ...v, start: 500, end: 2500 });
    assert.equal(zoom(v, 1e-9).end - zoom(v, 1e-9).start, MIN_SPAN_MS);
    assert.deepEqual(fit(v, 0, 100, 0), { ...v, start: 0, end: 100 });
    assert.deepEqual(followNow(v, 10_000), { ...v, start: 9150, end: 10_150 });
    assert.deepEqual(reveal(v, 1500), v);
    assert.deepEqual(reveal(v, 5000), { ...v, start: 4500, end: 5500 });
    assert.equal(scrollTo(v, 500, 300, 200).scrollY, 100);
    assert.equal(scrollTo(v, -5, 300, 200).scrollY, 0);
  });

  it("asks for its first slice before it is laid out, and the host's answer covers the chart it turns out to have", () => {
    const live: View = { start: T0 - 51_000, end: T0 + 9000, scrollY: 0, follow: true };
    const scrolled: View = { ...live, scrollY: 40 * ROW_H };
    const totalRows = 200;
    // A 1400 × 800 window; the chart below a toolbar, beside the detail panel or not, the window or not much less.
    for (const view of [live, scrolled]) {
      const first = firstViewport(view, 1400, 800);
      const held = { covers: coverFor(first, totalRows), totalRows };
      for (const [w, h] of [[1400, 800], [1400, 740], [900, 740], [520, 300]] as const) {
        const chart: ViewportRequest = { start: view.start, end: view.end, firstRow: Math.floor(view.scrollY / ROW_H), rowCount: Math.ceil((h - AXIS_H) / ROW_H) + 1, widthPx: w - GUTTER_W };
        assert.ok(covered(held, chart), `a ${w} × ${h} chart, scrolled to ${view.scrollY}, is drawn from the first answer`);
      }
      // Far narrower than the window (a panel split in four): the slice is finer than drawing needs, and the page asks
      // again once it has drawn.
      const narrow: ViewportRequest = { start: view.start, end: view.end, firstRow: 0, rowCount: 10, widthPx: 40 };
      assert.equal(covered({ covers: coverFor(firstViewport(view, 1400, 800), totalRows), totalRows }, narrow), false);
    }
    // A page with no size yet (a webview still hidden) asks for something valid, and the host answers it.
    const none = firstViewport(live, 0, 0);
    assert.ok(none.widthPx >= 1 && none.rowCount >= 1);
    assert.ok(coverFor(none, totalRows).lastRow >= 0);
  });

  it("puts axis ticks at round times, far enough apart for their labels", () => {
    assert.equal(tickStep(10, 90), 1000);
    assert.equal(tickStep(1000, 90), 120_000);
    const t = ticks(T0 + 500, T0 + 10_500, 10);
    assert.equal(t.step, 1000);
    assert.deepEqual(t.ticks.map((x) => x.t - T0), [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  });
});
