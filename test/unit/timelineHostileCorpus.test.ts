/**
 * The timeline webview against a corpus of hostile text (test/unit/timelineWebview.test.ts tries three shapes; this
 * tries forty): each string arrives as an object's name, a storage key and value, an error message and a stack
 * frame, the places a Worker's text reaches the page. Each string, if it ran, would set `window.__pwned` to its
 * number. The page must show every one as text: nothing runs, no element or handler appears, the CSP is never hit.
 * Needs `node scripts/build.mjs` first and /usr/bin/chromium (skipped without).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { StoragePutEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { objectKey } from "../../extension/model/objectEntry";
import { chromiumOrSkip, launchChromium, openTimelinePage, pollPage, REPO } from "../bench/webviewHarness";
import type { TimelinePage } from "../bench/webviewHarness";
import { EventBuilder, hello, obj, T0 } from "./builders";

/** `P` stands for the payload that proves execution: `window.__pwned='<index>'`. */
const TEMPLATES = [
  `<img src=x onerror="P">`,
  `<script>P</script>`,
  `<svg onload="P">`,
  `<svg><script>P</script></svg>`,
  `"><img src=x onerror=P>`,
  `'><script>P</script>`,
  `<iframe srcdoc="<script>parent.P</script>"></iframe>`,
  `<iframe src="javascript:parent.P"></iframe>`,
  `<a href="javascript:P" id=pwnlink>x</a>`,
  `<body onload=P>`,
  `<details open ontoggle=P>`,
  `<input autofocus onfocus=P>`,
  `<video><source onerror=P></video>`,
  `<audio src=x onerror=P>`,
  `<marquee onstart=P>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=P>`,
  `<noscript><p title="</noscript><img src=x onerror=P>">`,
  `<style>@import 'https://example.invalid/x.css';body{background:url(x)}</style>`,
  `<object data="javascript:P"></object>`,
  `<embed src="javascript:P">`,
  `<meta http-equiv="refresh" content="0;url=javascript:P">`,
  `<base href="javascript:P//">`,
  `{{constructor.constructor('P')()}}`,
  "${P}",
  `javascript:P`,
  `</textarea><script>P</script>`,
  `</title><script>P</script>`,
  `<!--<img src=x onerror=P>-->`,
  `<![CDATA[<script>P</script>]]>`,
  `<form><button formaction=javascript:P>x</button></form>`,
  `<div style="background:url(javascript:P)">`,
  `\u202e<img src=x onerror=P>`,
  `\u0000<script>P</script>`,
  `&lt;img src=x onerror=P&gt;`,
  `<img src="x\n" onerror="P">`,
  `<svg><animate onbegin=P attributeName=x dur=1s>`,
  `"><svg/onload=P>`,
  `<scr<script>ipt>P</script>`,
  `<img src=x onerror=&#x50;>`,
  `<template><img src=x onerror=P></template>`,
];
const CORPUS = TEMPLATES.map((t, i) => t.replaceAll("P", `window.__pwned='${i}'`));

function corpusModel(): { model: AlarmModel; keys: string[] } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  const ev = new EventBuilder();
  const keys: string[] = [];
  CORPUS.forEach((text, i) => {
    const o = obj("Room", { name: `${i} ${text}` });
    keys.push(objectKey("app", o.className, o.id));
    const put = ev.put(o, text, null, { inHandler: true }) as StoragePutEvent;
    put.entries = [{ key: text, value: { kind: "json", text: JSON.stringify(text), truncated: false } }];
    model.applyEvents([
      ev.wake(o),
      ev.set(o, ev.at + 10),
      ev.tick(10).start(o),
      put,
      ev.tick(5).end(o, { outcome: "error", error: { name: "Error", message: text, stack: `Error: ${text}\n    at alarm (${text}:1:1)` } }),
    ]);
    ev.tick(20);
  });
  return { model, keys };
}

describe("timeline webview: a corpus of hostile text (headless Chromium)", function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let tp: TimelinePage | undefined;

  before(async function () {
    chromiumOrSkip(this);
    browser = await launchChromium();
  });
  after(async () => {
    await tp?.close();
    await browser?.close();
  });

  it(`shows each of ${CORPUS.length} hostile strings as text, in names, keys, values, errors and stacks: nothing runs`, async () => {
    const { model, keys } = corpusModel();
    tp = await openTimelinePage(browser as Browser, { model, theme: "dark", outDir: join(REPO, "out", "test-webview"), host: { clock: () => T0 + 60_000 } });
    const errors: string[] = [];
    tp.page.on("pageerror", (e) => errors.push(e.message));
    await tp.page.evaluate(`document.addEventListener("securitypolicyviolation", (e) => (window.__csp ??= []).push(e.violatedDirective + " " + e.blockedURI))`);
    await tp.firstDraw();
    const shown: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      tp.host.focus(keys[i]!);
      // The detail of this object's failed attempt: its name, error and storage, each drawn from the hostile text.
      await pollPage(tp.page, `document.querySelector("#detail .object-name")?.textContent?.startsWith(${JSON.stringify(`${i} `)}) && !!document.querySelector("#detail .error-message")`);
      shown.push((await tp.page.evaluate(`document.querySelector("#detail .error-message")?.textContent`)) as string);
      await tp.page.mouse.move(200 + ((i * 37) % 600), 80 + ((i * 53) % 400));
    }
    // What was shown is the text itself (the error line reads "Error: <text>"), not what a browser made of it.
    CORPUS.forEach((text, i) => assert.equal(shown[i], `Error: ${text}`, `corpus entry ${i}`));
    const dom = (await tp.page.evaluate(`({
      pwned: window.__pwned,
      foreign: ["img", "svg", "iframe", "object", "embed", "video", "audio", "math", "marquee", "base", "template", "noscript", "meta[http-equiv=refresh i]", "#pwnlink"]
        .map((s) => [s, document.querySelectorAll(s).length]).filter(([, n]) => n > 0),
      handlers: [...document.querySelectorAll("*")].flatMap((el) => [...el.attributes]
        .filter((a) => /^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)).map((a) => el.tagName + " " + a.name)),
      scripts: document.querySelectorAll("script").length,
      csp: window.__csp ?? [],
    })`)) as { pwned?: string; foreign: unknown[]; handlers: string[]; scripts: number; csp: string[] };
    assert.equal(dom.pwned, undefined, `corpus entry ${dom.pwned} ran`);
    assert.deepEqual(dom.foreign, [], "elements the corpus would create");
    assert.deepEqual(dom.handlers, [], "inline handlers or javascript: URLs");
    assert.equal(dom.scripts, 2, "only the page's own scripts");
    assert.deepEqual(dom.csp, [], "CSP violations");
    assert.deepEqual(errors, []);
  });
});
