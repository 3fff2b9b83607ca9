/**
 * `npm run bench`: how the timeline holds up with 100 000 events. Prints figures, asserts nothing (timings depend on
 * the machine; a regression shows as a change in these numbers, read by a person).
 *
 * (a) Host: the model ingesting 100 000 events as they arrive off the wire, indexing every lane, and answering
 *     viewport queries (slices) for many pans and zooms, with the size of what is sent.
 * (b) Webview, in headless Chromium: time to first draw of the real page with the real bundle, and the frame time
 *     while scrolling and panning with the mouse wheel.
 *
 *   npm run bench [-- --quick] [-- --screenshots]
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MAX_ALARM_RETRIES, PROTOCOL_VERSION, retryWindow } from "../../protocol/protocol";
import type { AgentEvent, HelloMessage, ObjectRef, UnsequencedEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EMPTY_FILTER } from "../../extension/timeline/protocol";
import type { ViewportRequest } from "../../extension/timeline/protocol";
import { TimelineIndex } from "../../extension/timeline/timelineData";
import { chromiumAvailable, launchChromium, openTimelinePage, REPO } from "./webviewHarness";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const SCREENSHOTS = args.has("--screenshots");
const TOTAL_EVENTS = 100_000;
const OBJECTS = 200;
const BATCH = 256;
const OUT = join(REPO, "out", "bench");
const ARTIFACTS = join(REPO, "test-artifacts", "bench");

// ───────────────────────────── statistics ─────────────────────────────

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

function summary(values: readonly number[]): { median: number; p95: number; n: number } {
  const s = [...values].sort((a, b) => a - b);
  return { median: percentile(s, 50), p95: percentile(s, 95), n: s.length };
}

function ms(v: number): string {
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(52)} ${value}`);
}

// ───────────────────────────── a deterministic workload ─────────────────────────────

/** Mulberry32: a small seeded generator, so every run measures the same events. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES = ["Batcher", "ExpiringSession", "FlakyJob", "PeriodicCleaner", "Reminder", "Scheduler", "SqlCounter"];

/**
 * Events of `OBJECTS` objects over about an hour starting an hour before `end`: wakes, sets (some overwriting), deletes, storage
 * writes, and alarm runs of which some fail and retry with the runtime's backoff, a few to abandonment. Returned in
 * time order, numbered as one agent session would number them.
 */
function workload(end: number): { hello: HelloMessage; events: AgentEvent[] } {
  const rnd = random(42);
  const perObject = Math.floor(TOTAL_EVENTS / OBJECTS);
  const all: UnsequencedEvent[] = [];
  for (let o = 0; o < OBJECTS; o++) {
    const className = CLASSES[o % CLASSES.length] as string;
    const object: ObjectRef = { className, id: (o + 1).toString(16).padStart(8, "0") + "cd".repeat(28), name: `${className.toLowerCase()}-${o}` };
    const out: UnsequencedEvent[] = [];
    let t = end - 3_600_000 + rnd() * 60_000;
    let pending: number | null = null;
    const push = (e: UnsequencedEvent): void => {
      out.push(e);
    };
    while (out.length < perObject + 10) {
      push({ kind: "object.start", at: t, object });
      const scheduled: number = t + 500 + rnd() * 15_000;
      push({ kind: "alarm.set", at: t, object, scheduledTime: scheduled, previous: pending, origin: "user", inHandler: false, inConstructor: false });
      pending = scheduled;
      push({ kind: "storage.put", at: t + 1, object, entries: [{ key: `job:${out.length}`, value: { kind: "json", text: JSON.stringify({ n: out.length, note: "x".repeat(20) }), truncated: false } }], omitted: 0, origin: "user", inHandler: false });
      if (rnd() < 0.1) {
        push({ kind: "alarm.delete", at: t + 2, object, previous: pending, origin: "user", inHandler: false });
        pending = null;
        t += 1000 + rnd() * 5000;
        continue;
      }
      // The run: fails for a while on some objects, then succeeds (or is abandoned after the last retry).
      const failures = rnd() < 0.2 ? 1 + Math.floor(rnd() * (MAX_ALARM_RETRIES + 1)) : 0;
      let at: number = scheduled + rnd() * 40;
      for (let retry = 0; retry <= Math.min(failures, MAX_ALARM_RETRIES); retry++) {
        const info = { retryCount: retry, isRetry: retry > 0, scheduledTime: scheduled };
        push({ kind: "alarm.start", at, object, alarmInfo: info, trigger: retry > 0 ? "retry" : "scheduled", injectedFailure: false });
        const duration = 2 + rnd() * 40;
        push({ kind: "storage.put", at: at + duration / 2, object, entries: [{ key: "attempts", value: { kind: "json", text: String(retry + 1), truncated: false } }], omitted: 0, origin: "user", inHandler: true });
        const endAt = at + duration;
        if (retry < failures) {
          const last = retry >= MAX_ALARM_RETRIES;
          const w = retryWindow(endAt, retry + 1);
          push({
            kind: "alarm.end",
            at: endAt,
            object,
            outcome: "error",
            durationMs: duration,
            alarmInfo: info,
            error: { name: "Error", message: `job failed on attempt ${retry + 1}`, stack: `Error: job failed on attempt ${retry + 1}\n    at ${className}.alarm (file:///app/src/${className}.ts:${20 + retry}:11)` },
            retry: last ? { willRetry: "no" } : { willRetry: "yes", nextRetryCount: retry + 1, earliest: w.earliest, latest: w.latest },
          });
          at = w.earliest + rnd() * (w.latest - w.earliest);
        } else {
          push({ kind: "alarm.end", at: endAt, object, outcome: "ok", durationMs: duration, alarmInfo: info });
        }
      }
      pending = null;
      // About 100 runs of ~5 events per object: the 500 events of each object span the hour.
      t = at + 15_000 + rnd() * 30_000;
    }
    all.push(...out);
  }
  all.sort((a, b) => a.at - b.at);
  // Exactly TOTAL_EVENTS, cut at one moment: what an agent would have sent by then (a run may still be going).
  const events = all.slice(0, TOTAL_EVENTS).map((e, i) => ({ ...e, at: Math.round(e.at), seq: i + 1 }) as AgentEvent);
  const hello: HelloMessage = {
    type: "hello",
    protocol: PROTOCOL_VERSION,
    worker: "bench",
    classes: CLASSES.map((c) => ({ className: c, binding: c.toUpperCase(), sqlite: c === "SqlCounter" })),
    agentVersion: "bench",
    sessionStartedAt: (events[0]?.at ?? end) - 1000,
    bufferSize: 10_000,
  };
  return { hello, events };
}

// ───────────────────────────── (a) host ─────────────────────────────

function benchHost(hello: HelloMessage, events: AgentEvent[], now: number): AlarmModel {
  console.log(`(a) host: model and viewport slices`);
  const runs = QUICK ? 1 : 3;
  const ingest: number[] = [];
  let model = new AlarmModel({ maxEventsPerObject: 1000 });
  for (let r = 0; r < runs; r++) {
    model = new AlarmModel({ maxEventsPerObject: 1000 });
    const t0 = performance.now();
    model.applyHello(hello, hello.sessionStartedAt);
    for (let i = 0; i < events.length; i += BATCH) model.applyEvents(events.slice(i, i + BATCH));
    ingest.push(performance.now() - t0);
  }
  const ing = summary(ingest);
  line(`ingest ${events.length.toLocaleString()} events (batches of ${BATCH}, ${runs} runs)`, `median ${ms(ing.median)} · ${Math.round(events.length / (ing.median / 1000)).toLocaleString()} events/s`);
  line(`  held after the model's bounds`, `${model.totalEvents.toLocaleString()} events, ${model.objects().length} objects`);

  const index = new TimelineIndex(model);
  let t0 = performance.now();
  const layout = index.layout(EMPTY_FILTER);
  const extent = index.extent(layout, now);
  const cold = performance.now() - t0;
  line(`index every lane (cold: layout + extent)`, `${ms(cold)} for ${layout.lanes} lanes, ${layout.rows.length} rows`);
  if (!extent) throw new Error("no extent: the workload is empty");

  const rnd = random(7);
  const spans = [10_000, 60_000, 300_000, 1_200_000, 3_600_000];
  const times: number[] = [];
  const bytes: number[] = [];
  const markers: number[] = [];
  const pans = QUICK ? 300 : 2000;
  for (let i = 0; i < pans; i++) {
    const span = spans[i % spans.length] as number;
    const start = extent.min + rnd() * Math.max(1, extent.max - extent.min - span);
    const vp: ViewportRequest = { start, end: start + span, firstRow: Math.floor(rnd() * Math.max(1, layout.rows.length - 30)), rowCount: 30, widthPx: 1200 };
    t0 = performance.now();
    const slice = index.slice(EMPTY_FILTER, vp, now, { requestId: i + 1 });
    times.push(performance.now() - t0);
    bytes.push(JSON.stringify(slice).length);
    markers.push(slice.rows.reduce((n, r) => n + (r.kind === "lane" ? r.markers.length : 0), 0));
  }
  const st = summary(times);
  const sb = summary(bytes);
  const sm = summary(markers);
  line(`viewport slice (${pans} pans, spans 10 s – 1 h, 30 rows)`, `median ${ms(st.median)} · p95 ${ms(st.p95)}`);
  line(`  slice sent to the webview`, `median ${kb(sb.median)} · p95 ${kb(sb.p95)} · markers median ${sm.median} · p95 ${sm.p95}`);

  // Live: a batch arrives, the changed lanes are rebuilt and the view re-sliced (what each throttled push costs).
  const live: number[] = [];
  const liveModel = AlarmModel.fromJSON(model.snapshot(), { maxEventsPerObject: 1000 });
  const liveIndex = new TimelineIndex(liveModel);
  liveIndex.extent(liveIndex.layout(EMPTY_FILTER), now);
  const vp: ViewportRequest = { start: now - 300_000, end: now, firstRow: 0, rowCount: 30, widthPx: 1200 };
  let seq = events.length;
  const sessionId = liveModel.allSessions()[0]?.id;
  const objects = liveModel.objects();
  for (let i = 0; i < (QUICK ? 20 : 100); i++) {
    const batch: AgentEvent[] = [];
    for (let k = 0; k < 50; k++) {
      const o = objects[(i * 50 + k) % objects.length] as (typeof objects)[number];
      batch.push({ kind: "storage.put", seq: ++seq, at: now + i * 100 + k, object: o.ref, entries: [{ key: "live", value: { kind: "json", text: String(k), truncated: false } }], omitted: 0, origin: "user", inHandler: false });
    }
    const changed = new Set<string>();
    const sub = liveModel.onDidChange((c) => c.objects.forEach((k) => changed.add(k)));
    t0 = performance.now();
    liveModel.applyEvents(batch, sessionId);
    liveIndex.invalidate([...changed], false);
    liveIndex.slice(EMPTY_FILTER, vp, now + i * 100);
    live.push(performance.now() - t0);
    sub.dispose();
  }
  const sl = summary(live);
  line(`live update (50 new events → rebuild lanes → re-slice)`, `median ${ms(sl.median)} · p95 ${ms(sl.p95)}`);
  return model;
}

// ───────────────────────────── (b) webview ─────────────────────────────

interface ScrollResult {
  intervals: number[];
  draws: number[];
}

async function benchWebview(model: AlarmModel, now: number): Promise<void> {
  console.log(`(b) webview: headless Chromium, dist/webview/timeline.js, 1400×800`);
  if (!chromiumAvailable()) {
    console.log("  skipped: no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)");
    return;
  }
  const browser = await launchChromium();
  try {
    console.log(`  browser: Chromium ${browser.version()} (headless, --disable-gpu)`);
    const loads = QUICK ? 3 : 7;
    const firstDraws: number[] = [];
    for (let i = 0; i < loads; i++) {
      const tp = await openTimelinePage(browser, { model, theme: "dark", outDir: OUT, host: { clock: () => now } });
      firstDraws.push(await tp.firstDraw());
      await tp.close();
    }
    const fd = summary(firstDraws);
    line(`time to first draw (${loads} fresh loads, from navigation)`, `median ${ms(fd.median)} · p95 ${ms(fd.p95)}`);

    const tp = await openTimelinePage(browser, { model, theme: "dark", outDir: OUT, host: { clock: () => now } });
    const errors: string[] = [];
    tp.page.on("pageerror", (e) => errors.push(e.message));
    await tp.firstDraw();
    const frames = QUICK ? 120 : 360;
    const scroll = async (label: string): Promise<void> => {
      const before = tp.posted.length;
      const r = await tp.page.evaluate(async (n: number): Promise<ScrollResult> => {
        const chart = document.querySelector(".chart") as HTMLElement;
        const draws0 = window.__timelineBench?.draws.length ?? 0;
        const stamps: number[] = [];
        await new Promise<void>((resolve) => {
          let i = 0;
          const step = (ts: number): void => {
            stamps.push(ts);
            if (i >= n) return resolve();
            // A second of panning later, a second of scrolling down the lanes, a second of panning back, and so on.
            const phase = Math.floor(i / 60) % 4;
            const dx = phase === 0 ? 12 : phase === 2 ? -12 : 0;
            const dy = phase === 1 ? 10 : phase === 3 ? -4 : 0;
            chart.dispatchEvent(new WheelEvent("wheel", { deltaX: dx, deltaY: dy, bubbles: true, cancelable: true }));
            i++;
            requestAnimationFrame(step);
          };
          requestAnimationFrame(step);
        });
        const intervals = stamps.slice(2).map((t, k) => t - (stamps[k + 1] as number));
        return { intervals, draws: (window.__timelineBench?.draws ?? []).slice(draws0) };
      }, frames);
      const slices = tp.posted.slice(before).filter((p) => p.message.type === "slice");
      const fi = summary(r.intervals);
      const dr = summary(r.draws);
      line(`scrolling, ${label} (${frames} frames)`, `frame median ${ms(fi.median)} · p95 ${ms(fi.p95)}`);
      line(`  draw per frame`, `median ${ms(dr.median)} · p95 ${ms(dr.p95)} · ${slices.length} slices fetched, ${kb(slices.reduce((n, p) => n + p.bytes, 0))}`);
    };
    // The live view starts on the last minute; zoom out to ~3.4 minutes, then to the whole hour.
    for (let i = 0; i < 3; i++) await tp.page.keyboard.press("-");
    await tp.page.waitForTimeout(300);
    if (SCREENSHOTS) await shoot(tp.page, "bench-zoomed-dark");
    await scroll("3.4-minute window");
    await tp.page.keyboard.press("0");
    await tp.page.waitForTimeout(300);
    if (SCREENSHOTS) await shoot(tp.page, "bench-hour-dark");
    await scroll("whole hour");
    if (errors.length > 0) console.log(`  page errors: ${errors.join(" | ")}`);
    await tp.close();
    if (SCREENSHOTS) {
      const light = await openTimelinePage(browser, { model, theme: "light", outDir: OUT, host: { clock: () => now } });
      await light.firstDraw();
      await light.page.waitForTimeout(300);
      await shoot(light.page, "bench-live-light");
      await light.close();
    }
  } finally {
    await browser.close();
  }
}

async function shoot(page: import("playwright-core").Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  line(`screenshot`, path);
}

async function main(): Promise<void> {
  const { hello, events } = workload(Date.UTC(2026, 10, 23, 10, 0, 0));
  // "Now" is just after the last event, as when the agent has just sent it.
  const now = (events[events.length - 1]?.at ?? 0) + 1000;
  console.log(`Timeline bench: ${events.length.toLocaleString()} events, ${OBJECTS} objects, ${CLASSES.length} classes · Node ${process.version}${QUICK ? " · quick" : ""}`);
  const model = benchHost(hello, events, now);
  if (process.env.BENCH_SNAPSHOT) (await import("node:fs")).writeFileSync(process.env.BENCH_SNAPSHOT, JSON.stringify(model.snapshot()));
  await benchWebview(model, now);
  console.log("Figures only: nothing is asserted. Compare runs on the same machine.");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
