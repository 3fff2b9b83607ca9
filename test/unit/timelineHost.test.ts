import assert from "node:assert/strict";
import type { AgentEvent, ObjectRef } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { objectKey } from "../../extension/model/objectEntry";
import { EMPTY_FILTER, isToHostMessage, isToWebviewMessage, readWebviewState, REPLIES } from "../../extension/shared/timelineMessages";
import type { MessageOf, ToHostMessage } from "../../extension/shared/timelineMessages";
import type { DetailMessage, LaneRow, PackedSliceMessage, SliceMessage, StateMessage, ToWebviewMessage, ViewportRequest } from "../../extension/shared/timelineMessages";
import { unpackSlice } from "../../extension/shared/sliceCodec";
import { TimelineHost } from "../../extension/timeline/timelineHost";
import type { TimelineHostOptions } from "../../extension/timeline/timelineHost";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

// ───────────────────────────── typed builders ─────────────────────────────

/** A host over a fresh model, recording what it posts; `ready()` performs the handshake. */
function harness(options: Partial<TimelineHostOptions> = {}): {
  model: AlarmModel;
  ev: EventBuilder;
  host: TimelineHost;
  posted: ToWebviewMessage[];
  apply: (...events: AgentEvent[]) => void;
  key: (ref: ObjectRef) => string;
  ready: () => void;
  of: <T extends ToWebviewMessage["type"]>(type: T) => Extract<ToWebviewMessage, { type: T }>[];
} {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  const posted: ToWebviewMessage[] = [];
  const host = new TimelineHost({ model, title: "Alarm Timeline", post: (m) => posted.push(m), clock: () => T0 + 60_000, throttleMs: 5, ...options });
  hosts.push(host);
  return {
    model,
    ev: new EventBuilder(),
    host,
    posted,
    apply: (...events) => model.applyEvents(events),
    key: (ref) => objectKey("app", ref.className, ref.id),
    ready: () => host.receive({ type: "ready" }),
    // A flush's slice travels inside its state: read in order, as the webview handles them.
    of: <T extends ToWebviewMessage["type"]>(type: T) =>
      posted.flatMap((m): ToWebviewMessage[] => (m.type === "state" && m.slice ? [m, m.slice] : [m])).filter((m): m is Extract<ToWebviewMessage, { type: T }> => m.type === type),
  };
}

const hosts: TimelineHost[] = [];

function viewport(overrides: Partial<ViewportRequest> = {}): ViewportRequest {
  return { start: T0 - 5000, end: T0 + 30_000, firstRow: 0, rowCount: 20, widthPx: 1000, ...overrides };
}

/** A posted slice as the webview reads it. */
function unpacked(m: PackedSliceMessage): SliceMessage {
  const slice = unpackSlice(JSON.parse(JSON.stringify(m)) as PackedSliceMessage);
  assert.ok(slice, "the slice unpacks");
  return slice;
}

function last<T>(list: readonly T[]): T {
  assert.ok(list.length > 0, "nothing was posted");
  return list[list.length - 1] as T;
}

const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A flaky object: failed twice, then succeeded. */
function flaky(h: ReturnType<typeof harness>): ObjectRef {
  const job = obj("Room", { name: "flaky" });
  const { ev, apply } = h;
  apply(ev.set(job, T0));
  apply(ev.start(job), ev.tick(10).end(job, { outcome: "error", error: { name: "Error", message: "one", stack: "Error: one\n    at x (src/a.ts:3:4)" }, retry: retryYes(1, ev.at) }));
  ev.tick(2200);
  apply(ev.start(job, { retryCount: 1 }), ev.tick(10).end(job, { outcome: "error", error: { name: "Error", message: "two" }, retry: retryYes(2, ev.at) }));
  ev.tick(4300);
  apply(ev.start(job, { retryCount: 2 }), ev.put(job, "done", true, { inHandler: true }), ev.tick(10).end(job));
  return job;
}

// ───────────────────────────── tests ─────────────────────────────

describe("timeline host", () => {
  afterEach(() => {
    for (const h of hosts.splice(0)) h.dispose();
  });

  it("posts nothing before the webview is ready, then the state and an empty detail", () => {
    const h = harness();
    flaky(h);
    h.host.receive({ type: "viewport", requestId: 1, viewport: viewport() });
    assert.equal(h.posted.length, 0, "a webview that has not loaded would lose messages");
    h.ready();
    assert.deepEqual(h.posted.map((m) => m.type), ["state", "detail"]);
    const state = h.of("state")[0] as StateMessage;
    assert.equal(state.offline, false);
    assert.equal(state.follow, true);
    assert.equal(state.totalRows, 2);
    assert.equal(state.now, T0 + 60_000);
    assert.deepEqual(state.classes.map((c) => c.id), ["app/Room"]);
    assert.equal(state.status, "Not connected · showing what was recorded");
    assert.deepEqual(
      state.recentRuns.map((r) => [r.objectLabel, r.state, r.attempts]),
      [["flaky", "succeeded", 3]],
      "the side panel offers the newest runs, to pick one without the canvas",
    );
    assert.ok(h.posted.every(isToWebviewMessage), "every message passes the webview's guards");
  });

  it("answers a viewport with a slice echoing its request id", () => {
    const h = harness();
    const job = flaky(h);
    h.ready();
    h.host.receive({ type: "viewport", requestId: 7, viewport: viewport() });
    const slice = unpacked(last(h.of("slice")));
    assert.equal(slice.requestId, 7);
    const lane = slice.rows.find((r): r is LaneRow => r.kind === "lane");
    assert.equal(lane?.key, h.key(job));
    assert.equal(lane?.runs[0]?.attempts.length, 3);
  });

  it("answers a ready that names its first view with the state, that view's slice and the detail, at once", () => {
    const h = harness();
    flaky(h);
    // The webview's clock is 20 s behind the host's (T0 + 60 s): a following view is moved 20 s later.
    h.host.receive({ type: "ready", first: { requestId: 3, viewport: viewport({ start: T0 - 25_000, end: T0 + 10_000 }), clock: T0 + 40_000, follows: true } });
    assert.deepEqual(h.posted.map((m) => m.type), ["state", "slice", "detail"], "no round trip for the first slice");
    const slice = unpacked(last(h.of("slice")));
    assert.equal(slice.requestId, 3);
    assert.deepEqual([slice.covers.start, slice.covers.end], [T0 - 5000 - 8750, T0 + 30_000 + 8750], "the view at the host's clock, with the default margins");

    const still = harness({ restored: { follow: false } });
    flaky(still);
    still.host.receive({ type: "ready", first: { requestId: 1, viewport: viewport(), clock: T0, follows: false } });
    assert.deepEqual([unpacked(last(still.of("slice"))).covers.start], [T0 - 5000 - 8750], "a view that does not follow stays where it is");
  });

  it("refreshes only the lanes that changed or that the clock moves; the webview keeps the rest", async function () {
    this.timeout(4000);
    const h = harness();
    const quiet = obj("Room", { name: "quiet" });
    const busy = obj("Room", { name: "busy" });
    const waiting = obj("Room", { name: "waiting" });
    h.apply(h.ev.put(quiet, "k", 1), h.ev.put(busy, "k", 1), h.ev.set(waiting, T0 + 120_000));
    await tick();
    h.ready();
    h.host.receive({ type: "viewport", requestId: 1, viewport: viewport() });
    const full = unpacked(last(h.of("slice")));
    assert.deepEqual(full.rows.map((r) => r.label), ["Room", "busy", "quiet", "waiting"]);
    h.posted.length = 0;
    h.apply(h.ev.put(busy, "k", 2));
    await tick();
    const refresh = unpacked(last(h.of("slice")));
    assert.deepEqual(refresh.rows.map((r) => r.label), ["busy", "waiting"], "the lane that changed, and the one whose alarm is pending");
    assert.deepEqual(refresh.kept, { firstRow: full.covers.firstRow, lastRow: full.covers.lastRow });
    assert.deepEqual(refresh.covers, full.covers);
    h.posted.length = 0;
    await tick(1100);
    assert.deepEqual(h.of("slice").map((m) => unpacked(m).rows.map((r) => r.label)), [["waiting"]], "the clock moves only the pending alarm");
  });

  it("stops posting when the webview goes away, and starts again at its next ready", async () => {
    const h = harness();
    const job = flaky(h);
    h.ready();
    h.host.receive({ type: "viewport", requestId: 1, viewport: viewport() });
    h.host.detach();
    h.posted.length = 0;
    h.apply(h.ev.put(job, "k", 1));
    await tick();
    assert.equal(h.posted.length, 0, "a hidden panel has no page to post to");
    h.ready();
    assert.deepEqual(h.of("state").length + h.of("detail").length, 2);
    assert.equal(h.posted.length, 2);
  });

  it("ignores malformed messages", () => {
    const h = harness();
    h.ready();
    const before = h.posted.length;
    for (const bad of [null, 42, "ready", { type: "viewport", requestId: 1, viewport: { start: 5, end: 1, firstRow: 0, rowCount: 1, widthPx: 1 } }, { type: "step", to: "sideways" }, { type: "openFrame", file: "" }, { type: "nope" }]) {
      assert.equal(isToHostMessage(bad), false, JSON.stringify(bad));
      h.host.receive(bad);
    }
    assert.equal(h.posted.length, before);
  });

  it("answers each request only with what REPLIES lists for it, and a viewport and a describe always", () => {
    const h = harness({ openFrame: () => undefined, command: () => undefined });
    const job = flaky(h);
    const key = h.key(job);
    const run = h.model.getObject(key)?.runs[0];
    assert.ok(run);
    const t = run.attempts[0]?.startedAt ?? T0;
    // One of each request, typed by the union: a request added to it needs a sample here to compile.
    const samples: { [K in ToHostMessage["type"]]: MessageOf<ToHostMessage, K> } = {
      ready: { type: "ready", first: { requestId: 1, viewport: viewport(), clock: T0 + 60_000, follows: false } },
      viewport: { type: "viewport", requestId: 2, viewport: viewport() },
      select: { type: "select", objectKey: key, runId: run.id, attemptIndex: 0 },
      selectAt: { type: "selectAt", objectKey: key, kind: "attemptStart", t },
      step: { type: "step", to: "next" },
      selectSchedule: { type: "selectSchedule", scheduleId: null },
      clearSelection: { type: "clearSelection" },
      setFilter: { type: "setFilter", filter: { ...EMPTY_FILTER, hiddenKinds: ["storage"] } },
      setFollow: { type: "setFollow", follow: false },
      openFrame: { type: "openFrame", file: "src/a.ts", line: 3 },
      describe: { type: "describe", requestId: 3, objectKey: key, kind: "attemptStart", from: t, to: t },
      command: { type: "command", command: "export" },
    };
    h.ready();
    for (const message of Object.values(samples)) {
      assert.ok(isToHostMessage(message), message.type);
      h.posted.length = 0;
      h.host.receive(message);
      const allowed: readonly string[] = REPLIES[message.type];
      const sent = h.posted.map((m) => m.type);
      assert.deepEqual(sent.filter((type) => !allowed.includes(type)), [], `${message.type} answered with ${sent.join(", ")}`);
      if (message.type === "viewport") assert.deepEqual(sent, ["slice"]);
      if (message.type === "describe") assert.deepEqual(h.of("description").map((d) => [d.requestId, d.lines.length > 0]), [[3, true]]);
      if (message.type === "ready") assert.deepEqual(sent, ["state", "slice", "detail"]);
    }
  });

  it("selects a run and steps first / previous / next / last through its attempts", () => {
    const h = harness();
    const job = flaky(h);
    h.ready();
    const runId = h.model.getObject(h.key(job))!.runs[0]!.id;
    h.host.receive({ type: "select", objectKey: h.key(job), runId });
    const shown = (): [number, string] => {
      const d = (last(h.of("detail")) as DetailMessage).detail;
      assert.ok(d);
      return [d.attemptIndex, d.attempt.outcome];
    };
    assert.deepEqual(shown(), [2, "ok"], "the newest attempt by default");
    h.host.receive({ type: "step", to: "first" });
    assert.deepEqual(shown(), [0, "error"]);
    h.host.receive({ type: "step", to: "previous" });
    assert.deepEqual(shown(), [0, "error"], "stays at the first");
    h.host.receive({ type: "step", to: "next" });
    assert.deepEqual(shown(), [1, "error"]);
    h.host.receive({ type: "step", to: "last" });
    assert.deepEqual(shown(), [2, "ok"]);
    h.host.receive({ type: "step", to: "next" });
    assert.deepEqual(shown(), [2, "ok"], "stays at the last");
    h.host.receive({ type: "clearSelection" });
    assert.equal((last(h.of("detail")) as DetailMessage).detail, null);
  });

  it("selects the attempt an event happened in (clicking a marker)", () => {
    const h = harness();
    const job = flaky(h);
    h.ready();
    const done = h.model.getObject(h.key(job))!.history.find((r) => r.event.kind === "storage.put")!.event;
    h.host.receive({ type: "selectAt", objectKey: h.key(job), kind: "storage", t: done.at });
    assert.equal((last(h.of("detail")) as DetailMessage).detail?.attemptIndex, 2);
  });

  it("describes a marker on request", () => {
    const h = harness();
    const job = flaky(h);
    h.ready();
    const end = h.model.getObject(h.key(job))!.history.find((r) => r.event.kind === "alarm.end")!.event;
    h.host.receive({ type: "describe", requestId: 3, objectKey: h.key(job), kind: "attemptEnd", from: end.at, to: end.at });
    const d = last(h.of("description"));
    assert.equal(d.requestId, 3);
    assert.match(d.lines[0] ?? "", /Attempt failed after 10ms: Error: one/);
    h.host.receive({ type: "describe", requestId: 4, objectKey: "app/Room/unknown", kind: "storage", from: 0, to: 1 });
    assert.deepEqual(last(h.of("description")).lines, []);
  });

  it("focuses an object: reveals its row once and selects its newest attempt", () => {
    const h = harness();
    const other = obj("Room", { name: "aaa" });
    h.apply(h.ev.put(other, "k", 1));
    const job = flaky(h);
    h.host.receive({ type: "setFilter", filter: { ...EMPTY_FILTER, objects: [h.key(other)] } });
    h.host.focus(h.key(job));
    h.ready();
    const state = h.of("state")[0] as StateMessage;
    assert.equal(state.reveal, 2, "the filter was widened so that the object has a lane");
    assert.deepEqual(state.filter.objects, [h.key(other), h.key(job)]);
    const d = (last(h.of("detail")) as DetailMessage).detail;
    assert.equal(d?.objectKey, h.key(job));
    assert.equal(d?.attemptIndex, 2);
    assert.equal(d?.row, 2);
    h.host.receive({ type: "ready" });
    assert.equal((last(h.of("state")) as StateMessage).reveal, undefined, "a reveal is sent once");
  });

  it("answers a filter and a focus with one state carrying the refreshed slice", () => {
    const h = harness();
    const room = obj("Room", { name: "aaa" });
    h.apply(h.ev.put(room, "k", 1));
    const job = flaky(h);
    h.ready();
    h.host.receive({ type: "viewport", requestId: 1, viewport: viewport() });
    h.posted.length = 0;
    h.host.receive({ type: "setFilter", filter: { ...EMPTY_FILTER, objects: [h.key(room)] } });
    assert.deepEqual(h.posted.map((m) => m.type), ["state", "detail"]);
    const filtered = h.posted[0] as StateMessage;
    assert.ok(filtered.slice && isToWebviewMessage(filtered), "the lanes the filter leaves ride in the state");
    assert.deepEqual(unpacked(filtered.slice).rows.filter((r) => r.kind === "lane").map((r) => r.label), ["aaa"]);
    h.posted.length = 0;
    h.host.focus(h.key(job));
    assert.deepEqual(h.posted.map((m) => m.type), ["state", "detail"]);
    const focused = h.posted[0] as StateMessage;
    assert.equal(focused.reveal, 2, "the filter was widened and the row revealed");
    assert.ok(focused.slice, "with the lanes of the widened filter");
    assert.equal(unpacked(focused.slice).rows.filter((r) => r.kind === "lane").length, 2);
  });

  it("pushes throttled updates after model changes: one state carrying its slice, and the detail of the selected object", async () => {
    const h = harness();
    const job = flaky(h);
    const room = obj("Room", { name: "other" });
    h.apply(h.ev.put(room, "k", 0));
    h.ready();
    h.host.receive({ type: "viewport", requestId: 1, viewport: viewport() });
    h.host.receive({ type: "select", objectKey: h.key(job), runId: h.model.getObject(h.key(job))!.runs[0]!.id });
    await tick();
    h.posted.length = 0;
    for (let i = 1; i <= 20; i++) h.apply(h.ev.put(room, "k", i));
    assert.equal(h.posted.length, 0, "nothing before the throttle interval");
    await tick();
    // Each message is one to the workbench, which answers it: the refresh of the changed lanes rides in the state.
    assert.deepEqual(h.posted.map((m) => m.type), ["state"], "twenty changes, one message; the selected object did not change");
    const state = h.posted[0] as StateMessage;
    assert.ok(state.slice, "the state carries the slice of the lanes that changed");
    assert.ok(isToWebviewMessage(state), "and passes the webview's guard with it");
    assert.equal(unpacked(state.slice).requestId, 0, "an unrequested refresh");
    assert.deepEqual(unpacked(state.slice).rows.map((r) => r.label), ["other"], "only the lane that changed");
    h.posted.length = 0;
    h.ev.tick(1000);
    h.apply(h.ev.set(job, T0 + 100_000));
    await tick();
    assert.deepEqual(h.posted.map((m) => m.type), ["state", "detail"]);
    assert.ok((h.posted[0] as StateMessage).slice);
  });

  it("moves a selection on the newest attempt to a retry that arrives", async () => {
    const h = harness();
    const job = obj();
    h.apply(h.ev.start(job), h.ev.tick(5).end(job, { outcome: "error", retry: retryYes(1, h.ev.at) }));
    h.ready();
    h.host.receive({ type: "select", objectKey: h.key(job), runId: h.model.getObject(h.key(job))!.runs[0]!.id });
    h.ev.tick(2100);
    h.apply(h.ev.start(job, { retryCount: 1 }));
    await tick();
    const d = (last(h.of("detail")) as DetailMessage).detail;
    assert.equal(d?.attemptIndex, 1);
    assert.equal(d?.attempt.outcome, "running");
  });

  it("clears a selection whose run is gone", async () => {
    const h = harness();
    const job = flaky(h);
    h.ready();
    h.host.receive({ type: "select", objectKey: h.key(job), runId: h.model.getObject(h.key(job))!.runs[0]!.id });
    h.model.clear();
    await tick();
    assert.equal((last(h.of("detail")) as DetailMessage).detail, null);
    assert.equal(h.host.selection, undefined);
  });

  it("applies filters and remembers follow; offline it never follows and shows no clock", () => {
    const h = harness();
    flaky(h);
    h.ready();
    h.host.receive({ type: "setFilter", filter: { ...EMPTY_FILTER, hiddenClasses: ["app/Room"] } });
    assert.equal((last(h.of("state")) as StateMessage).totalRows, 0);
    h.host.receive({ type: "setFollow", follow: false });
    assert.equal(h.host.follow, false);

    const off = harness({ offline: { asOf: T0 + 1000, description: "Session file x.json", sessionFile: "file:///x.json" }, restored: { follow: true } });
    flaky(off);
    off.ready();
    const state = off.of("state")[0] as StateMessage;
    assert.deepEqual([state.offline, state.follow, state.now, state.status, state.sessionFile], [true, false, null, "Session file x.json", "file:///x.json"]);
    off.host.receive({ type: "setFollow", follow: true });
    assert.equal(off.host.follow, false);
    off.host.receive({ type: "viewport", requestId: 1, viewport: viewport() });
    assert.equal(unpacked(last(off.of("slice"))).now, null);
  });

  it("hands frames, commands and frame resolution to the panel", async () => {
    const opened: unknown[] = [];
    const commands: string[] = [];
    const h = harness({
      openFrame: (f) => opened.push(f),
      command: (c) => commands.push(c),
      resolveFrames: async (frames) => frames.map((f) => (f.file === "src/a.ts" ? { ...f, openable: true } : f)),
    });
    const job = flaky(h);
    h.ready();
    h.host.receive({ type: "openFrame", file: "src/a.ts", line: 3, column: 4 });
    h.host.receive({ type: "command", command: "export" });
    assert.deepEqual(opened, [{ type: "openFrame", file: "src/a.ts", line: 3, column: 4 }]);
    assert.deepEqual(commands, ["export"]);
    h.host.receive({ type: "select", objectKey: h.key(job), runId: h.model.getObject(h.key(job))!.runs[0]!.id, attemptIndex: 0 });
    await tick(1);
    const d = (last(h.of("detail")) as DetailMessage).detail;
    assert.deepEqual(d?.error?.frames, [{ text: "at x (src/a.ts:3:4)", file: "src/a.ts", line: 3, column: 4, openable: true }]);
  });

  it("offers runs that failed or retried before the others, newest first", () => {
    const h = harness();
    const calm = obj("Room", { name: "calm" });
    h.apply(h.ev.start(calm), h.ev.tick(5).end(calm));
    flaky(h);
    const later = obj("Room", { name: "later" });
    h.ev.tick(1000);
    h.apply(h.ev.start(later), h.ev.tick(5).end(later));
    h.ready();
    assert.deepEqual((h.of("state")[0] as StateMessage).recentRuns.map((r) => r.objectLabel), ["flaky", "later", "calm"]);
  });

  it("reads back only well-formed saved state", () => {
    assert.deepEqual(readWebviewState({ follow: false, filter: EMPTY_FILTER, view: { start: 1, end: 2, firstRow: 3 }, sessionFile: "file:///a.json" }), {
      follow: false,
      filter: EMPTY_FILTER,
      view: { start: 1, end: 2, firstRow: 3 },
      sessionFile: "file:///a.json",
    });
    assert.deepEqual(readWebviewState({ follow: "yes", filter: { hiddenKinds: ["bogus"] }, view: { start: 2, end: 1, firstRow: 0 } }), {});
    assert.deepEqual(readWebviewState(undefined), {});
  });
});
