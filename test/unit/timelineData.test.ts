import assert from "node:assert/strict";
import type { AgentEvent, ObjectRef } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { objectKey } from "../../extension/model/objectEntry";
import type { ObjectView } from "../../extension/model/types";
import { EMPTY_FILTER } from "../../extension/shared/timelineMessages";
import type { LaneRow, Marker, RunChain, SliceMessage, TimelineFilter, ViewportRequest } from "../../extension/shared/timelineMessages";
import { backoffGaps, runChain, waitingWindow, windowVerdict } from "../../extension/timeline/runChains";
import { describeMarker } from "../../extension/timeline/eventText";
import { attemptAt, buildLaneIndex, laneBounds, lowerBound, markerKind, TimelineIndex, upperBound } from "../../extension/timeline/timelineData";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

// ───────────────────────────── typed builders ─────────────────────────────

/** A model that has seen the default hello, a builder for its session, and a way to feed it. */
function scenario(): { model: AlarmModel; ev: EventBuilder; apply: (...events: AgentEvent[]) => void; key: (ref: ObjectRef) => string } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  const ev = new EventBuilder();
  return { model, ev, apply: (...events) => model.applyEvents(events), key: (ref) => objectKey("app", ref.className, ref.id) };
}

/**
 * A run that fails `failures` times and then succeeds (or keeps failing when `succeed` is false): attempts of
 * `durationMs`, retries `backoff[i]` ms after each failure, each failure announcing its window with `retryYes`.
 */
function failingRun(ev: EventBuilder, ref: ObjectRef, o: { failures: number; succeed?: boolean; durationMs?: number; backoff?: number[] }): AgentEvent[] {
  const out: AgentEvent[] = [];
  const duration = o.durationMs ?? 20;
  const attempts = o.failures + (o.succeed === false ? 0 : 1);
  for (let i = 0; i < attempts; i++) {
    out.push(ev.start(ref, { retryCount: i }));
    ev.tick(duration);
    if (i < o.failures) {
      out.push(ev.end(ref, { outcome: "error", error: { name: "Error", message: `failed on attempt ${i + 1}` }, retry: retryYes(i + 1, ev.at) }));
      ev.tick(o.backoff?.[i] ?? 2000 * 2 ** i + 300);
    } else {
      out.push(ev.end(ref, { outcome: "ok" }));
    }
  }
  return out;
}

/** A viewport over `[start, end]`, 1000 px wide, rows 0–40, unless overridden. */
function viewport(start: number, end: number, overrides: Partial<ViewportRequest> = {}): ViewportRequest {
  return { start, end, firstRow: 0, rowCount: 40, widthPx: 1000, ...overrides };
}

function filter(overrides: Partial<TimelineFilter> = {}): TimelineFilter {
  return { ...EMPTY_FILTER, ...overrides };
}

function lanes(slice: SliceMessage): LaneRow[] {
  return slice.rows.filter((r): r is LaneRow => r.kind === "lane");
}

function laneOf(slice: SliceMessage, key: string): LaneRow {
  const lane = lanes(slice).find((l) => l.key === key);
  assert.ok(lane, `no lane for ${key} in the slice`);
  return lane;
}

function kinds(markers: readonly Marker[]): string[] {
  return markers.map((m) => m.kind);
}

function objectOf(model: AlarmModel, ref: ObjectRef): ObjectView {
  const o = model.getObject(objectKey("app", ref.className, ref.id));
  assert.ok(o);
  return o;
}

// ───────────────────────────── tests ─────────────────────────────

describe("timeline data", () => {
  describe("binary search helpers", () => {
    it("find the first index at or after, and after, a time", () => {
      const a = new Float64Array([1, 3, 3, 5]);
      assert.deepEqual([0, 1, 3, 4, 6].map((x) => lowerBound(a, x)), [0, 0, 1, 3, 4]);
      assert.deepEqual([0, 1, 3, 4, 6].map((x) => upperBound(a, x)), [0, 1, 3, 3, 4]);
      assert.equal(lowerBound(new Float64Array(0), 5), 0);
    });
  });

  describe("markers", () => {
    it("draws set, overwrite, delete, wake, attempt start and end, and storage writes as their own kinds", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj("Room", { name: "lobby" });
      apply(ev.wake(room), ev.set(room, T0 + 60_000));
      ev.tick(1000);
      apply(ev.set(room, T0 + 5000, { previous: T0 + 60_000 }), ev.put(room, "count", 1));
      ev.tick(1000);
      apply(ev.del(room, { previous: T0 + 5000 }));
      ev.tick(1000);
      apply(ev.set(room, T0 + 4000), ev.start(room), ev.put(room, "count", 2, { inHandler: true }), ev.end(room));
      const slice = new TimelineIndex(model).slice(filter(), viewport(T0 - 1000, T0 + 10_000), T0 + 5000);
      const lane = laneOf(slice, key(room));
      assert.deepEqual(kinds(lane.markers), ["wake", "set", "overwrite", "storage", "delete", "set", "attemptStart", "storage", "attemptEnd"]);
      const index = new TimelineIndex(model);
      const overwrite = lane.markers[2]!;
      assert.match(describeMarker(index.lane(key(room))!, "overwrite", overwrite.t, overwrite.t).join("\n"), /setAlarm → .*replacing/);
      // Events inside an attempt say so, and `selectAt` finds the attempt: clicking them selects it.
      const inHandler = lane.markers[7]!;
      assert.equal(inHandler.inAttempt, true);
      assert.deepEqual(attemptAt(index.lane(key(room))!, "storage", inHandler.t), { runId: objectOf(model, room).runs[0]!.id, attemptIndex: 0 });
      assert.equal(lane.markers[3]!.inAttempt, undefined, "a write outside an attempt belongs to none");
      assert.equal(attemptAt(index.lane(key(room))!, "storage", lane.markers[3]!.t), undefined);
    });

    it("classifies events by kind", () => {
      const ev = new EventBuilder();
      const r = obj();
      assert.equal(markerKind(ev.set(r, T0, { previous: null })), "set");
      assert.equal(markerKind(ev.set(r, T0, { previous: T0 })), "overwrite");
      assert.equal(markerKind(ev.sql(r, "INSERT INTO t VALUES (1)")), "storage");
      assert.equal(markerKind(ev.remove(r, ["a"])), "storage");
    });

    it("marks a failed end and a constructor overwrite as alerts", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      apply(ev.set(room, T0 + 90_000), ev.wake(room), ev.set(room, T0 + 5000, { previous: T0 + 90_000, inConstructor: true }));
      apply(...failingRun(ev, room, { failures: 1, succeed: false }));
      const lane = laneOf(new TimelineIndex(model).slice(filter(), viewport(T0 - 100, T0 + 10_000), T0 + 100), key(room));
      assert.deepEqual(lane.markers.filter((m) => m.alert).map((m) => m.kind), ["overwrite", "attemptEnd"]);
    });

    it("merges markers of one kind closer than six pixels, and says how many", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      for (let i = 0; i < 10; i++) {
        apply(ev.put(room, `k${i}`, i));
        ev.tick(1);
      }
      apply(ev.set(room, T0 + 100_000));
      const index = new TimelineIndex(model);
      // 1000 ms over 1000 px: 1 ms per px, so ten writes 1 ms apart merge six by six.
      const fine = laneOf(index.slice(filter(), viewport(T0, T0 + 1000), ev.at), key(room));
      assert.deepEqual(fine.markers.filter((m) => m.kind === "storage").map((m) => [m.count, m.last]), [[6, T0 + 5], [4, T0 + 9]]);
      // 100 s over 1000 px: everything within 200 ms is one marker.
      const coarse = laneOf(index.slice(filter(), viewport(T0, T0 + 100_000), ev.at), key(room));
      const storage = coarse.markers.filter((m) => m.kind === "storage");
      assert.equal(storage.length, 1);
      assert.equal(storage[0]!.count, 10);
      assert.equal(storage[0]!.last! - storage[0]!.t, 9);
      const lines = describeMarker(index.lane(key(room))!, "storage", storage[0]!.t, storage[0]!.last!);
      assert.match(lines[0]!, /^10 × Storage write/);
      assert.equal(lines.length, 1 + 5 + 1, "a heading, the first five, and how many more");
      assert.match(lines[1]!, /put k0/);
      assert.equal(coarse.markers.filter((m) => m.kind === "set").length, 1, "other kinds are kept apart");
    });

    it("sends only markers in the viewport plus a quarter of its span each side", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      for (let i = 0; i < 100; i++) {
        apply(ev.put(room, "k", i));
        ev.tick(1000);
      }
      const slice = new TimelineIndex(model).slice(filter(), viewport(T0 + 40_000, T0 + 50_000), T0);
      const times = laneOf(slice, key(room)).markers.map((m) => m.t);
      assert.equal(slice.covers.start, T0 + 37_500);
      assert.equal(slice.covers.end, T0 + 52_500);
      assert.equal(times.length, 15);
      assert.equal(Math.min(...times), T0 + 38_000);
      assert.equal(Math.max(...times), T0 + 52_000);
    });

    it("hides marker kinds the filter hides", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      apply(ev.wake(room), ev.set(room, T0 + 1000), ev.put(room, "a", 1));
      const lane = laneOf(new TimelineIndex(model).slice(filter({ hiddenKinds: ["storage", "wake"] }), viewport(T0 - 10, T0 + 2000), T0), key(room));
      assert.deepEqual(kinds(lane.markers), ["set"]);
    });
  });

  describe("run chains", () => {
    it("draws a run as one chain: attempts, the backoff gaps between them, and whether each retry came in its window", () => {
      const { model, ev, apply, key } = scenario();
      const job = obj("Room", { name: "flaky" });
      apply(ev.set(job, T0 + 10), ...failingRun(ev, job, { failures: 2, backoff: [2400, 4200] }));
      const slice = new TimelineIndex(model).slice(filter(), viewport(T0 - 1000, T0 + 20_000), ev.at);
      const [chain] = laneOf(slice, key(job)).runs;
      assert.ok(chain);
      assert.equal(chain.state, "succeeded");
      assert.deepEqual(chain.attempts.map((a) => [a.number, a.outcome, a.trigger]), [
        [1, "error", "scheduled"],
        [2, "error", "retry"],
        [3, "ok", "retry"],
      ]);
      assert.deepEqual(chain.gaps.map((g) => g.to - g.from), [2400, 4200]);
      // retryYes(1): window [+2000, +3000]; retryYes(2): [+4000, +5500].
      assert.deepEqual(chain.gaps.map((g) => g.verdict), ["inWindow", "inWindow"]);
      assert.deepEqual(chain.attempts[1]!.expected, { earliest: chain.gaps[0]!.from + 2000, latest: chain.gaps[0]!.from + 3000 });
      assert.equal(chain.waiting, null, "nothing is awaited after a success");
      assert.equal(chain.start, T0);
      assert.equal(chain.end, chain.attempts[2]!.end);
    });

    it("shows the expected window of the next attempt while a retry is awaited", () => {
      const { model, ev, apply, key } = scenario();
      const job = obj();
      apply(...failingRun(ev, job, { failures: 1, succeed: false }));
      const failedAt = T0 + 20;
      const now = failedAt + 500;
      const [chain] = laneOf(new TimelineIndex(model).slice(filter(), viewport(T0 - 1000, T0 + 5000), now), key(job)).runs;
      assert.equal(chain!.state, "retrying");
      assert.deepEqual(chain!.waiting, { earliest: failedAt + 2000, latest: failedAt + 3000, retryCount: 1 });
      assert.equal(chain!.end, failedAt + 3000, "the chain reaches to the end of the window");
    });

    it("stops waiting when the alarm is deleted after the failure", () => {
      const { model, ev, apply, key } = scenario();
      const job = obj();
      apply(...failingRun(ev, job, { failures: 1, succeed: false }));
      ev.tick(100);
      apply(ev.del(job));
      const [chain] = laneOf(new TimelineIndex(model).slice(filter(), viewport(T0 - 100, T0 + 500), ev.at), key(job)).runs;
      assert.equal(chain!.state, "retrying", "the run itself still says what the runtime announced");
      assert.equal(chain!.waiting, null);
    });

    it("extends a running attempt to now, and collapses runs too narrow to show", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      for (let i = 0; i < 5; i++) {
        apply(ev.start(room), ev.tick(5).end(room));
        ev.tick(1000);
      }
      apply(ev.start(room));
      const now = ev.at + 300;
      const index = new TimelineIndex(model);
      const close = laneOf(index.slice(filter(), viewport(T0 - 100, now + 100), now), key(room));
      // ~5.4 s over 1000 px: a 5 ms attempt is under 1 px, so the five short runs are ticks; the running one is 300 ms.
      assert.equal(close.runs.length, 1);
      const running = close.runs[0]!;
      assert.equal(running.state, "running");
      assert.equal(running.end, now, "a running attempt ends at now");
      assert.deepEqual(close.ticks.map((t) => [t.state, t.count]), Array.from({ length: 5 }, () => ["succeeded", 1]));
      // Zoomed out to an hour, ticks 1 s apart merge into one.
      const far = laneOf(index.slice(filter(), viewport(T0 - 1_800_000, T0 + 1_800_000), now), key(room));
      assert.equal(far.runs.length, 0);
      assert.deepEqual(far.ticks.map((t) => t.count), [6]);
    });

    it("keeps the selected run whole however narrow", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      apply(ev.start(room), ev.tick(5).end(room));
      const runId = objectOf(model, room).runs[0]!.id;
      const slice = new TimelineIndex(model).slice(filter(), viewport(T0 - 1_800_000, T0 + 1_800_000), T0 + 10, { keepRunId: runId });
      const chain = laneOf(slice, key(room)).runs[0] as RunChain;
      assert.equal(chain.attempts.length, 1);
    });

    it("finds only runs that reach into the range, by binary search over their starts and ends", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      for (let i = 0; i < 20; i++) {
        apply(ev.start(room), ev.tick(100).end(room));
        ev.tick(9900);
      }
      const lane = buildLaneIndex(objectOf(model, room));
      assert.equal(lane.runs.length, 20);
      // Viewport [50 s, 60 s] → covered [45 s, 65 s]: runs starting at 50 s and 60 s; the one at 40 s ends at 40.1 s.
      const runs = laneOf(new TimelineIndex(model).slice(filter(), viewport(T0 + 50_000, T0 + 60_000), ev.at), key(room)).runs;
      assert.deepEqual(runs.map((r) => (r.start - T0) / 1000), [50, 60]);
    });

    it("computes gaps and verdicts as pure functions", () => {
      assert.equal(windowVerdict(5, { earliest: 10, latest: 20 }), "early");
      assert.equal(windowVerdict(15, { earliest: 10, latest: 20 }), "inWindow");
      assert.equal(windowVerdict(25, { earliest: 10, latest: 20 }), "late");
      const { model, ev, apply } = scenario();
      const job = obj();
      apply(...failingRun(ev, job, { failures: 1, backoff: [9000] }));
      const run = objectOf(model, job).runs[0]!;
      assert.deepEqual(backoffGaps(run.attempts).map((g) => g.verdict), ["late"]);
      const status = model.status(objectOf(model, job), ev.at);
      assert.equal(waitingWindow(run, true, status), null);
      assert.equal(runChain(run, ev.at, null).attempts.length, 2);
    });
  });

  describe("pending alarm", () => {
    it("is drawn where it will fire, and flagged once overdue", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      apply(ev.set(room, T0 + 10_000));
      const index = new TimelineIndex(model);
      const soon = laneOf(index.slice(filter(), viewport(T0, T0 + 1000), T0 + 1000), key(room));
      assert.deepEqual(soon.pending, { t: T0 + 10_000, overdue: false, origin: "user" });
      assert.equal(soon.status, "scheduled");
      // Sent even when off screen, so the view can point at it.
      const late = laneOf(index.slice(filter(), viewport(T0, T0 + 1000), T0 + 20_000), key(room));
      assert.deepEqual(late.pending, { t: T0 + 10_000, overdue: true, origin: "user" });
      assert.equal(late.status, "overdue");
    });
  });

  describe("lanes and filters", () => {
    function populated(): { model: AlarmModel; keys: Record<string, string> } {
      const { model, ev, apply, key } = scenario();
      const lobby = obj("Room", { name: "lobby" });
      const attic = obj("Room", { name: "attic" });
      const sched = obj("Scheduler", { name: "main" });
      apply(ev.put(lobby, "user:alice", 1), ev.set(attic, T0 + 1000), ...failingRun(ev, sched, { failures: 1, succeed: false }));
      return { model, keys: { lobby: key(lobby), attic: key(attic), sched: key(sched) } };
    }

    it("groups lanes by class under a heading, sorted by name", () => {
      const { model, keys } = populated();
      const index = new TimelineIndex(model);
      const slice = index.slice(filter(), viewport(T0 - 1000, T0 + 10_000), T0);
      assert.deepEqual(
        slice.rows.map((r) => (r.kind === "class" ? `# ${r.label} (${r.objects})` : r.label)),
        ["# Room (2)", "attic", "lobby", "# Scheduler (1)", "main"],
      );
      assert.equal(slice.totalRows, 5);
      const layout = index.layout(filter());
      assert.equal(layout.rowOf.get(keys.lobby), 2);
      assert.deepEqual(layout.classes.map((c) => c.id), ["app/Room", "app/Scheduler"]);
    });

    it("keeps its layout while events only change lanes, and lays out again when rows may move", () => {
      const { model, ev, apply, key } = scenario();
      const index = new TimelineIndex(model);
      model.onDidChange((c) => index.invalidate(c.objects, c.structural));
      const lobby = obj("Room", { name: "lobby" });
      const anon = obj("Room");
      apply(ev.put(lobby, "user:alice", 1), ev.set(anon, T0 + 1000));
      const first = index.layout(filter());
      apply(ev.put(lobby, "user:bob", 2));
      assert.equal(index.layout(filter()), first, "new events of a known object: the same layout");
      // The unnamed object learns its name, which sorts it before "lobby".
      apply(ev.put({ ...anon, name: "attic" }, "k", 3));
      const renamed = index.layout(filter());
      assert.notEqual(renamed, first);
      assert.equal(renamed.rowOf.get(key(anon)), 1);
      assert.equal(renamed.rowOf.get(key(lobby)), 2);
      apply(ev.set(obj("Room", { name: "cellar" }), T0 + 2000));
      assert.equal(index.layout(filter()).lanes, 3, "a new object: laid out again");
      // Under a search, any change may make a lane match or stop matching.
      const searched = index.layout(filter({ search: "carol" }));
      assert.equal(searched.lanes, 0);
      apply(ev.put(lobby, "user:carol", 4));
      assert.deepEqual([...index.layout(filter({ search: "carol" })).rowOf.keys()], [key(lobby)]);
    });

    it("filters by class and by object", () => {
      const { model, keys } = populated();
      const index = new TimelineIndex(model);
      const noRooms = index.slice(filter({ hiddenClasses: ["app/Room"] }), viewport(T0 - 1000, T0 + 10_000), T0);
      assert.deepEqual(lanes(noRooms).map((l) => l.label), ["main"]);
      const onlyLobby = index.slice(filter({ objects: [keys.lobby!] }), viewport(T0 - 1000, T0 + 10_000), T0);
      assert.deepEqual(onlyLobby.rows.map((r) => r.label), ["Room", "lobby"]);
      // The class list for the filter still names every class.
      assert.equal(index.layout(filter({ hiddenClasses: ["app/Room"] })).classes.length, 2);
    });

    it("searches storage keys and error messages, case-insensitively, and highlights what matched", () => {
      const { model } = populated();
      const index = new TimelineIndex(model);
      const byKey = index.slice(filter({ search: "ALICE" }), viewport(T0 - 1000, T0 + 10_000), T0);
      assert.deepEqual(lanes(byKey).map((l) => l.label), ["lobby"]);
      assert.equal(lanes(byKey)[0]!.markers.find((m) => m.kind === "storage")?.match, true);
      const byError = index.slice(filter({ search: "failed on attempt 1" }), viewport(T0 - 1000, T0 + 10_000), T0);
      assert.deepEqual(lanes(byError).map((l) => l.label), ["main"]);
      assert.equal(lanes(byError)[0]!.markers.find((m) => m.kind === "attemptEnd")?.match, true);
      const byName = index.slice(filter({ search: "atti" }), viewport(T0 - 1000, T0 + 10_000), T0);
      assert.deepEqual(lanes(byName).map((l) => l.label), ["attic"]);
      assert.equal(index.slice(filter({ search: "nothing like this" }), viewport(T0, T0 + 1), T0).totalRows, 0);
    });

    it("sends only the rows in view plus a margin", () => {
      const { model, ev, apply } = scenario();
      for (let i = 0; i < 100; i++) apply(ev.put(obj("Room", { name: `r${String(i).padStart(3, "0")}` }), "k", i));
      const slice = new TimelineIndex(model).slice(filter(), viewport(T0 - 10, T0 + 10, { firstRow: 50, rowCount: 10 }), T0);
      assert.equal(slice.totalRows, 101);
      assert.deepEqual([slice.rows[0]!.row, slice.rows[slice.rows.length - 1]!.row], [46, 64]);
      assert.deepEqual([slice.covers.firstRow, slice.covers.lastRow], [46, 64]);
    });

    it("rebuilds only the lanes the model says changed", () => {
      const { model, ev, apply, key } = scenario();
      const a = obj("Room", { name: "a" });
      const b = obj("Room", { name: "b" });
      apply(ev.put(a, "k", 1), ev.put(b, "k", 1));
      const index = new TimelineIndex(model);
      const laneA = index.lane(key(a));
      const laneB = index.lane(key(b));
      apply(ev.put(a, "k", 2));
      index.invalidate([key(a)], false);
      assert.notEqual(index.lane(key(a)), laneA);
      assert.equal(index.lane(key(b)), laneB);
      assert.equal(index.lane(key(a))!.times.length, 2);
    });

    it("slices the cover the webview asks for, kept near its view, and leaves out the rows it already has", () => {
      const { model, ev, apply } = scenario();
      for (let i = 0; i < 100; i++) apply(ev.put(obj("Room", { name: `r${String(i).padStart(3, "0")}` }), "k", i));
      const index = new TimelineIndex(model);
      const view = viewport(T0, T0 + 10_000, { firstRow: 50, rowCount: 10 });
      const wide = index.slice(filter(), { ...view, cover: { start: T0 - 5000, end: T0 + 20_000, firstRow: 30, lastRow: 75, msPerPx: 5 } }, T0);
      assert.deepEqual(wide.covers, { start: T0 - 5000, end: T0 + 20_000, firstRow: 30, lastRow: 75, msPerPx: 5 }, "a reasonable cover is sliced as asked");
      assert.deepEqual([wide.rows[0]!.row, wide.rows[wide.rows.length - 1]!.row], [30, 75]);
      assert.equal(wide.kept, undefined);

      const greedy = index.slice(filter(), { ...view, cover: { start: T0 - 1e12, end: T0 + 1e12, firstRow: 0, lastRow: 10_000, msPerPx: 1e-9 } }, T0);
      assert.deepEqual(greedy.covers, { start: T0 - 20_000, end: T0 + 30_000, firstRow: 0, lastRow: 100, msPerPx: 2.5 }, "at most two spans each side, the rows there are, a quarter of the view's resolution");

      const more = index.slice(filter(), { ...view, cover: { start: T0 - 5000, end: T0 + 20_000, firstRow: 40, lastRow: 80, msPerPx: 5 }, have: { firstRow: 30, lastRow: 75 } }, T0);
      assert.deepEqual(more.kept, { firstRow: 40, lastRow: 75 }, "the rows of the cover the webview has");
      assert.deepEqual(
        more.rows.map((r) => r.row),
        [76, 77, 78, 79, 80],
        "only the rows it does not have are sent",
      );
    });

    it("refreshes only the lanes asked for, the webview keeping the others", () => {
      const { model, ev, apply, key } = scenario();
      const a = obj("Room", { name: "a" });
      const b = obj("Room", { name: "b" });
      apply(ev.put(a, "k", 1), ev.put(b, "k", 1));
      const slice = new TimelineIndex(model).slice(filter(), viewport(T0 - 1000, T0 + 1000), T0, { only: new Set([key(b)]) });
      assert.deepEqual(slice.rows.map((r) => r.label), ["b"]);
      assert.deepEqual(slice.kept, { firstRow: slice.covers.firstRow, lastRow: slice.covers.lastRow });
    });

    it("gives the extent without building a lane, with the bounds a built lane has", () => {
      const { model, ev, apply, key } = scenario();
      const room = obj();
      const job = obj();
      apply(ev.set(room, T0 + 60_000), ...failingRun(ev, job, { failures: 2 }));
      const index = new TimelineIndex(model);
      const extent = index.extent(index.layout(filter()), T0 + 100);
      assert.equal(index.isBuilt(key(room)) || index.isBuilt(key(job)), false, "the first state does not wait for lanes to be built");
      for (const ref of [room, job]) {
        const lane = buildLaneIndex(objectOf(model, ref));
        assert.deepEqual(laneBounds(objectOf(model, ref)), { first: lane.first, last: lane.last });
      }
      index.lane(key(job));
      assert.deepEqual(index.extent(index.layout(filter()), T0 + 100), extent, "the same with the lane built");
    });

    it("gives the extent of everything shown, pending alarms and awaited windows included", () => {
      const { model, ev, apply } = scenario();
      const room = obj();
      const job = obj();
      apply(ev.set(room, T0 + 60_000), ...failingRun(ev, job, { failures: 1, succeed: false }));
      const index = new TimelineIndex(model);
      assert.deepEqual(index.extent(index.layout(filter()), T0 + 100), { min: T0, max: T0 + 60_000 });
      const empty = new AlarmModel();
      const emptyIndex = new TimelineIndex(empty);
      assert.equal(emptyIndex.extent(emptyIndex.layout(filter()), T0), null);
    });
  });
});
