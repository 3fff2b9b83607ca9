/**
 * `npm run bench`: how the timeline holds up with 100 000 events. Prints figures, asserts nothing (timings depend on
 * the machine; a regression shows as a change in these numbers, read by a person).
 *
 * (a) Host: the model ingesting 100 000 events as they arrive off the wire, indexing every lane, and answering
 *     viewport queries (slices) for many pans and zooms, with the size of what is sent. Printed only.
 * (b) Webview, in headless Chromium (Debian's), the real page, CSP and bundle, answered by the real host logic:
 *     - time to first draw: from navigation start of a fresh page to the end of the first canvas draw with data. The
 *       host is created with the page, as a panel's is, so building its index and slicing the first view count too.
 *       Median (the figure) and p95 of 12 loads.
 *     - scroll frame time: 706 steps of pinch-zooming, panning and scrolling, sent as real (CDP) wheel input at 60 a
 *       second; per step, from the start of the frame that takes it to the end of the draw that shows its view with
 *       data covering it, a round trip to the host for that data included (see media/webview/perf.ts). p95 (the
 *       figure) and median over two walks.
 *     Loads and walks alternate (a walk after every sixth load), so a busy moment of a shared machine falls on both.
 *     With `BENCH_ROWS` naming a file, both figures are appended to it as JSON lines; exit 0 whatever they are.
 *
 *   npm run bench [-- --quick] [-- --screenshots]
 *   node out/bench/timeline.bench.cjs [--quick] [--webview: only (b)] [--bundle <timeline.js>: another build's page]
 *   BENCH_PROFILE=<dir>: a CPU profile of the page during each load (to its first draw) and each walk · BENCH_DUMP=<file>: every load's marks and step
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { MAX_ALARM_RETRIES, PROTOCOL_VERSION, retryWindow } from "../../protocol/protocol";
import type { AgentEvent, HelloMessage, ObjectRef, UnsequencedEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EMPTY_FILTER } from "../../extension/shared/timelineMessages";
import type { ReadyMessage, ViewportRequest } from "../../extension/shared/timelineMessages";
import { packSlice } from "../../extension/shared/sliceCodec";
import { TimelineIndex } from "../../extension/timeline/timelineData";
// The label column, where wheel input would not aim at a time.
import { GUTTER_W } from "../../media/webview/chartMetrics";
import { goalRow, infoRow, printRow } from "./rows.mjs";
import { chromiumAvailable, launchChromium, openTimelinePage, REPO } from "./webviewHarness";
import type { TimelinePage } from "./webviewHarness";

const argv = process.argv.slice(2);
const args = new Set(argv);
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

function ingest(hello: HelloMessage, events: AgentEvent[]): AlarmModel {
  const model = new AlarmModel({ maxEventsPerObject: 1000 });
  model.applyHello(hello, hello.sessionStartedAt);
  for (let i = 0; i < events.length; i += BATCH) model.applyEvents(events.slice(i, i + BATCH));
  return model;
}

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
    bytes.push(JSON.stringify(packSlice(slice)).length);
    markers.push(slice.rows.reduce((n, r) => n + (r.kind === "lane" ? r.markers.length : 0), 0));
  }
  const st = summary(times);
  const sb = summary(bytes);
  const sm = summary(markers);
  line(`viewport slice (${pans} pans, spans 10 s – 1 h, 30 rows)`, `median ${ms(st.median)} · p95 ${ms(st.p95)}`);
  line(`  slice sent to the webview (packed)`, `median ${kb(sb.median)} · p95 ${kb(sb.p95)} · markers median ${sm.median} · p95 ${sm.p95}`);

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

/** One wheel notch (or trackpad step) of the walk: where the pointer is, by how much, and whether Ctrl is held (zoom). */
interface WheelStep {
  /** Pointer x as a fraction of the time area's width (the zoom's anchor). */
  at: number;
  dx: number;
  dy: number;
  ctrl: boolean;
  what: "pan" | "zoom" | "scroll";
}

/**
 * The walk every scroll measurement replays, at 60 steps a second as a trackpad sends them: 706 steps of pinch-zooming
 * (Ctrl+wheel), panning and scrolling, from the whole session fitted to the screen, that visit the whole hour at spans
 * from seconds to the whole hour, and every lane. About two screen widths a second when panning. Deterministic, so
 * runs compare.
 */
function walk(): WheelStep[] {
  const out: WheelStep[] = [];
  const add = (n: number, s: Omit<WheelStep, "what">): void => {
    const what = s.ctrl ? "zoom" : Math.abs(s.dx) > Math.abs(s.dy) ? "pan" : "scroll";
    for (let i = 0; i < n; i++) out.push({ ...s, what });
  };
  add(30, { at: 0.5, dx: 0, dy: 60, ctrl: false }); // down the lanes with the whole hour on screen (the most per row)
  add(30, { at: 0.5, dx: 0, dy: -60, ctrl: false }); // and back up
  add(52, { at: 0.05, dx: 0, dy: -25, ctrl: true }); // from the whole hour into its first five minutes
  add(160, { at: 0.5, dx: 100, dy: 0, ctrl: false }); // across the whole hour, five minutes wide
  add(90, { at: 0.5, dx: 0, dy: 60, ctrl: false }); // down through every lane
  add(40, { at: 0.5, dx: 0, dy: 25, ctrl: true }); // out to about forty minutes
  add(12, { at: 0.5, dx: -100, dy: 0, ctrl: false }); // back towards the start
  add(60, { at: 0.5, dx: 0, dy: -60, ctrl: false }); // up the lanes
  add(110, { at: 0.5, dx: 0, dy: -25, ctrl: true }); // into ten seconds
  add(40, { at: 0.5, dx: 100, dy: 0, ctrl: false }); // along them
  add(82, { at: 0.9, dx: 0, dy: 25, ctrl: true }); // out to ten minutes
  return out;
}

/** What a page recorded (see media/webview/perf.ts), read back after a walk. */
interface PageStats {
  steps: { inputAt: number; handledAt: number; frameAt: number; doneAt: number; slices: number }[];
  draws: number[];
  /** Main-thread time of each slice delivered (parsing it and handling it: see the harness). */
  deliveries: number[];
}

/** Where a page's load reached each of its marks, in ms since navigation start. */
interface LoadMarks {
  start: number;
  ready: number;
  state: number;
  firstSlice: number;
  firstDraw: number;
  /** Host time answering `ready`: the state and the first view's slice (what its warm-up left to do). */
  hostReady: number;
  /** When the page had built and laid out its elements (its constructor and first layout, after `ready`). */
  laidOut: number;
  /**
   * The harness's own transport (Playwright's DevTools-protocol session, not VS Code's webview messaging), on the
   * critical path twice: from the page's `ready` mark to the host having it, and from the host posting the state (or
   * the page finishing its layout, whichever is later) to the page starting to handle it. Wall clocks of one machine.
   */
  toHost: number;
  toPage: number;
}

/** Steps per second of the walk: one per frame, what a trackpad or a fast wheel delivers. */
const STEP_HZ = 60;


/**
 * Writes the floor's script: it posts the `ready` the real page posted (with the clock of now), and when the first
 * slice arrives (the harness replays the state and slice that load got), fills a rectangle on a canvas in the next
 * frame and marks `timeline:first-draw`, as the real page does after its first draw. What is left is the real page's
 * too: a new renderer, the HTML, CSP and styles, the harness's transport of the same bytes.
 */
function floorBundle(ready: ReadyMessage | undefined): string {
  const file = join(OUT, "floor.js");
  writeFileSync(
    file,
    `(() => {
  performance.mark("timeline:start");
  const api = acquireVsCodeApi();
  const ready = ${JSON.stringify(ready)};
  const want = ready && ready.first ? ready.first.requestId : null;
  addEventListener("message", (e) => {
    const m = e.data;
    if (m.type === "state") performance.mark("timeline:state");
    if (want === null ? m.type !== "state" : m.type !== "slice" || m.requestId !== want) return;
    performance.mark("timeline:first-slice");
    requestAnimationFrame(() => {
      const canvas = document.createElement("canvas");
      canvas.width = innerWidth;
      canvas.height = innerHeight;
      document.body.append(canvas);
      const g = canvas.getContext("2d");
      g.fillStyle = "#3794ff";
      g.fillRect(0, 0, 100, 10);
      performance.mark("timeline:first-draw");
    });
  });
  if (ready && ready.first) ready.first.clock = Date.now();
  api.postMessage(ready);
  performance.mark("timeline:ready");
})();
`,
  );
  return file;
}

let loadsProfiled = 0;

async function loadOnce(browser: import("playwright-core").Browser, model: AlarmModel, now: number, bundle: string | undefined): Promise<{ tp: TimelinePage; marks: LoadMarks }> {
  // `BENCH_PROFILE=<dir>`: also a CPU profile of the page from navigation to its first draw.
  const profileDir = process.env.BENCH_PROFILE;
  let cdp: import("playwright-core").CDPSession | undefined;
  const beforeLoad = profileDir
    ? async (page: import("playwright-core").Page): Promise<void> => {
        cdp = await page.context().newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
        await cdp.send("Profiler.start");
      }
    : undefined;
  const tp = await openTimelinePage(browser, { model, theme: "dark", outDir: OUT, host: { clock: () => now }, ...(bundle !== undefined ? { bundle } : {}), ...(beforeLoad ? { beforeLoad } : {}) });
  const firstDraw = await tp.firstDraw();
  if (cdp && profileDir) {
    const { profile } = await cdp.send("Profiler.stop");
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `load-${++loadsProfiled}.cpuprofile`), JSON.stringify(profile));
  }
  const mark = (name: string): number => tp.marks.get(`timeline:${name}`) ?? NaN;
  const host = (type: string): number => tp.hostTime.find((h) => h.type === type)?.ms ?? NaN;
  const toHost = (tp.hostTime.find((h) => h.type === "ready")?.at ?? NaN) - (tp.markWalls.get("timeline:ready") ?? NaN);
  // Read once the page has drawn, so that the reading does not compete with what it reads.
  const delivered = (await tp.page.evaluate(`(window.__deliveries ?? []).find((d) => d[0] === "state")?.[4] ?? null`)) as number | null;
  const toPage = (delivered ?? NaN) - Math.max(tp.posted.find((p) => p.message.type === "state")?.at ?? NaN, tp.markWalls.get("timeline:laid-out") ?? NaN);
  return { tp, marks: { start: mark("start"), ready: mark("ready"), laidOut: mark("laid-out"), state: mark("state"), firstSlice: mark("first-slice"), firstDraw, hostReady: host("ready"), toHost, toPage } };
}

/**
 * Replays the walk with real input (CDP mouse wheel events, which Chromium delivers aligned to frames as it does a
 * person's), one step per frame without waiting for the page, and returns what the page recorded plus the slices
 * posted meanwhile.
 */
async function replayWalk(tp: TimelinePage): Promise<{ stats: PageStats; slices: number; sliceBytes: number; unanswered: number; views: { start: number; end: number }[] }> {
  const page = tp.page;
  const box = (await page.evaluate(`(() => { const r = document.querySelector(".chart").getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; })()`)) as { x: number; y: number; w: number; h: number };
  const plotX = (f: number): number => box.x + GUTTER_W + f * (box.w - GUTTER_W);
  const y = box.y + box.h / 2;
  const posted0 = tp.posted.length;
  const received0 = tp.received.length;
  const steps0 = Number(await page.evaluate(`window.__timelineBench?.steps.length ?? 0`));
  const draws0 = Number(await page.evaluate(`window.__timelineBench?.draws.length ?? 0`));
  const deliveries0 = Number(await page.evaluate(`window.__deliveries?.length ?? 0`));
  let ctrl = false;
  let at = -1;
  const period = 1000 / STEP_HZ;
  let next = performance.now();
  // Wheel events are sent on time, not after the page acknowledged the last one: a person does not wait either.
  let sent: Promise<void>[] = [];
  for (const s of walk()) {
    if (s.ctrl !== ctrl || s.at !== at) {
      await Promise.all(sent);
      sent = [];
    }
    if (s.ctrl !== ctrl) {
      ctrl = s.ctrl;
      await (ctrl ? page.keyboard.down("Control") : page.keyboard.up("Control"));
    }
    if (s.at !== at) {
      at = s.at;
      await page.mouse.move(plotX(at), y);
    }
    sent.push(page.mouse.wheel(s.dx, s.dy));
    next += period;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(sent);
  if (ctrl) await page.keyboard.up("Control");
  // Let the last steps finish: a slice on its way, a frame to draw.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && (await page.evaluate(`window.__timelineBench.steps.some((s) => s.doneAt < 0)`))) await new Promise((r) => setTimeout(r, 20));
  const all = (await page.evaluate(`window.__timelineBench`)) as Omit<PageStats, "deliveries">;
  const deliveries = ((await page.evaluate(`(window.__deliveries ?? []).slice(${deliveries0})`)) as [string, number, number, number][]).filter((d) => d[0] === "slice").map((d) => d[3]);
  const stats: PageStats = { steps: all.steps.slice(steps0), draws: all.draws.slice(draws0), deliveries };
  const slices = tp.posted.slice(posted0).filter((p) => p.message.type === "slice");
  const views = tp.received
    .slice(received0)
    .filter((m): m is { type: "viewport"; viewport: { start: number; end: number } } => typeof m === "object" && m !== null && (m as { type?: unknown }).type === "viewport")
    .map((m) => m.viewport);
  return { stats, slices: slices.length, sliceBytes: slices.reduce((n, p) => n + p.bytes, 0), unanswered: stats.steps.filter((s) => s.doneAt < 0).length, views };
}

async function benchWebview(model: AlarmModel, now: number): Promise<void> {
  const bundleArg = argv.indexOf("--bundle");
  const bundle = bundleArg >= 0 ? argv[bundleArg + 1] : undefined;
  console.log(`(b) webview: headless Chromium, ${bundle ?? "dist/webview/timeline.js"}, 1400×800`);
  if (!chromiumAvailable()) {
    console.log("  skipped: no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)");
    return;
  }
  const browser = await launchChromium();
  try {
    console.log(`  browser: Chromium ${browser.version()} (headless, --disable-gpu) · ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)}`);
    // Fresh loads and walks alternate, so a busy moment of a shared machine falls on both kinds of figure.
    const loads = QUICK ? 4 : 12;
    const walkEvery = QUICK ? 4 : 6;
    const marks: LoadMarks[] = [];
    const walks: Awaited<ReturnType<typeof replayWalk>>[] = [];
    const errors: string[] = [];
    const floors: number[] = [];
    const floorMarks: number[][] = [];
    for (let i = 0; i < loads; i++) {
      const { tp, marks: m } = await loadOnce(browser, model, now, bundle);
      tp.page.on("pageerror", (e) => errors.push(e.message));
      marks.push(m);
      // The floor, alternating with the real loads: the same page, transport and bytes (the state and first slice
      // this load got, replayed) around a script that does nothing of the timeline's own (see floorBundle).
      const ready = tp.received[0] as ReadyMessage | undefined;
      const sent = tp.posted.map((p) => p.message);
      const answer = [sent.find((m) => m.type === "state"), sent.find((m) => m.type === "slice" && m.requestId === ready?.first?.requestId)].filter((m) => m !== undefined);
      const floor = await openTimelinePage(browser, { model: new AlarmModel(), theme: "dark", outDir: OUT, bundle: floorBundle(ready), replay: answer });
      floors.push(await floor.firstDraw());
      floorMarks.push(["start", "ready", "state", "first-slice"].map((n) => floor.marks.get(`timeline:${n}`) ?? NaN));
      await floor.close();
      if ((i + 1) % walkEvery === 0) {
        // The walk starts from the whole session on screen (the "0" key: fit), which also stops following the clock;
        // the page settles first: what it does after a key press is not part of a step.
        await tp.page.keyboard.press("0");
        await tp.page.waitForTimeout(500);
        // `BENCH_PROFILE=<dir>`: a CPU profile of the page during each walk (open it in Chrome's DevTools).
        const profileDir = process.env.BENCH_PROFILE;
        const cdp = profileDir ? await tp.page.context().newCDPSession(tp.page) : undefined;
        if (cdp) {
          await cdp.send("Profiler.enable");
          await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
          await cdp.send("Profiler.start");
        }
        walks.push(await replayWalk(tp));
        if (cdp && profileDir) {
          const { profile } = await cdp.send("Profiler.stop");
          mkdirSync(profileDir, { recursive: true });
          writeFileSync(join(profileDir, `walk-${walks.length}.cpuprofile`), JSON.stringify(profile));
        }
        if (SCREENSHOTS && walks.length === 1) await shoot(tp.page, "bench-walk-end-dark");
      }
      await tp.close();
    }

    // `BENCH_DUMP`: every load's marks and every step, for looking closer at a distribution.
    if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, JSON.stringify({ marks, walks: walks.map((w) => ({ ...w.stats, walk: walk() })) }));
    const fd = summary(marks.map((m) => m.firstDraw));
    const phase = (f: (m: LoadMarks) => number): string => ms(summary(marks.map(f)).median);
    line(`time to first draw (${loads} fresh loads, from navigation start)`, `median ${ms(fd.median)} · p95 ${ms(fd.p95)}`);
    line(`  medians: script runs · ready · laid out · state · first slice`, `${phase((m) => m.start)} · ${phase((m) => m.ready)} · ${phase((m) => m.laidOut)} · ${phase((m) => m.state)} · ${phase((m) => m.firstSlice)}`);
    line(`  host: answering ready (state + first slice)`, `median ${phase((m) => m.hostReady)}`);
    line(`  the harness's transport: ready to the host · state to the page`, `median ${phase((m) => m.toHost)} · ${phase((m) => m.toPage)} (Playwright's CDP session, not VS Code's messaging)`);
    line(`  the floor: an empty page's first draw, same page, transport and bytes, no host (${floors.length} loads)`, `median ${ms(summary(floors).median)}`);
    line(`    its medians: script runs · ready · state · first slice`, [0, 1, 2, 3].map((k) => ms(summary(floorMarks.map((f) => f[k] as number)).median)).join(" · "));

    const steps = walks.flatMap((w) => w.stats.steps);
    // From the start of the first frame that took the input (see media/webview/perf.ts) to the end of the draw that
    // showed it with its data. An input never answered counts as the whole wait: the worst frame, not a missing one.
    const frame = steps.map((s) => (s.doneAt >= 0 ? s.doneAt : Infinity) - (s.frameAt >= 0 ? Math.min(s.frameAt, s.doneAt) : s.handledAt));
    const fromHandler = summary(steps.map((s) => (s.doneAt >= 0 ? s.doneAt : Infinity) - s.handledAt));
    const fs = summary(frame);
    const tripped = steps.map((s, i) => ({ s, f: frame[i] as number })).filter((x) => x.s.slices > 0);
    const pipeline = summary(steps.map((s) => s.handledAt - s.inputAt));
    const draws = summary(walks.flatMap((w) => w.stats.draws));
    const handling = summary(walks.flatMap((w) => w.stats.deliveries));
    const sent = walks.reduce((n, w) => n + w.slices, 0);
    const bytes = walks.reduce((n, w) => n + w.sliceBytes, 0);
    const spans = walks.flatMap((w) => w.views.map((v) => v.end - v.start));
    const unanswered = walks.reduce((n, w) => n + w.unanswered, 0);
    line(`scroll frame: frame start → drawn with data (${steps.length} steps, ${walks.length} walks)`, `median ${ms(fs.median)} · p95 ${ms(fs.p95)} · max ${ms(Math.max(...frame))}`);
    line(`  from the handler instead (+ waits for the display)`, `median ${ms(fromHandler.median)} · p95 ${ms(fromHandler.p95)}`);
    line(`  steps that waited for a slice from the host`, `${tripped.length} (${((100 * tripped.length) / Math.max(1, steps.length)).toFixed(0)} %) · median ${ms(summary(tripped.map((x) => x.f)).median)} · p95 ${ms(summary(tripped.map((x) => x.f)).p95)}`);
    line(`  draw`, `median ${ms(draws.median)} · p95 ${ms(draws.p95)} · ${draws.n} draws for ${steps.length} steps`);
    line(`  slices`, `${sent} · ${kb(bytes / Math.max(1, sent))} each · on the page (parse + handle) median ${ms(handling.median)} · p95 ${ms(handling.p95)} · max ${ms(Math.max(...walks.flatMap((w) => w.stats.deliveries)))}`);
    line(`  spans visited`, `${ms(Math.min(...spans))} – ${(Math.max(...spans) / 60_000).toFixed(0)} min`);
    line(`  not counted: Chromium's input pipeline`, `median ${ms(pipeline.median)} (event timeStamp → the page's handler)`);
    if (unanswered > 0) line(`  steps never answered by a complete frame`, String(unanswered));
    if (errors.length > 0) console.log(`  page errors: ${errors.join(" | ")}`);

    printRow(goalRow("timeline first draw (median), 100,000 events", fd.median, "ms", "<=", 300, `headless Chromium, real page/CSP/bundle, 200 lanes; navigation start → end of the first canvas draw with data, host cold (index, state, first slice) included; median of ${fd.n} fresh loads (p95 ${fd.p95.toFixed(0)} ms)`));
    printRow(infoRow("limit: timeline first draw of a page that draws nothing of its own", summary(floors).median, "ms", `the same page (HTML, CSP, styles) and harness transport, loaded alternately with the real ones, with the state and first slice of the load before it replayed (no host work); its script only posts the real page's ready and fills one rectangle in the next frame once that slice arrives; median of ${floors.length} fresh loads: what is neither the timeline's page code nor its host`));
    printRow(goalRow("timeline scroll frame p95, 100,000 events", fs.p95, "ms", "<=", 16, `headless Chromium, ${walks.length} walks of ${walk().length} CDP wheel steps at ${STEP_HZ}/s (pan, Ctrl-zoom, scroll; spans 8 s–1 h; ${steps.length} events reached the page); start of the frame taking the input → end of the draw showing that view with data covering it, host round trips included; p95 (median ${fs.median.toFixed(1)} ms)`));

    if (SCREENSHOTS) {
      const light = await openTimelinePage(browser, { model, theme: "light", outDir: OUT, host: { clock: () => now }, ...(bundle !== undefined ? { bundle } : {}) });
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
  // `--webview`: only (b), for working on the webview (the model is still built the same way, untimed).
  const model = args.has("--webview") ? ingest(hello, events) : benchHost(hello, events, now);
  if (process.env.BENCH_SNAPSHOT) (await import("node:fs")).writeFileSync(process.env.BENCH_SNAPSHOT, JSON.stringify(model.snapshot()));
  await benchWebview(model, now);
  console.log("Figures only: nothing is asserted. Compare runs on the same machine.");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
