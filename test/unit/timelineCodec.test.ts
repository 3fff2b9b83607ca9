/**
 * The wire form of slices (extension/shared/sliceCodec.ts): what the webview unpacks is exactly what the host
 * sliced, it is much smaller, and anything malformed is refused rather than drawn.
 */
import assert from "node:assert/strict";
import type { AgentEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EMPTY_FILTER, isToWebviewMessage } from "../../extension/shared/timelineMessages";
import type { LaneRow, PackedLane, PackedSliceMessage, SliceMessage } from "../../extension/shared/timelineMessages";
import { gapsOf, packSlice, unpackSlice } from "../../extension/shared/sliceCodec";
import { TimelineIndex } from "../../extension/timeline/timelineData";
import { backoffGaps } from "../../extension/timeline/runChains";
import { EventBuilder, hello, obj, retryYes, T0 } from "./builders";

/** What crosses the wire: JSON, as VS Code's messaging (and the bench's) serialises it. */
function wire(p: PackedSliceMessage): PackedSliceMessage {
  return JSON.parse(JSON.stringify(p)) as PackedSliceMessage;
}

/**
 * A model with something of every shape: merged markers, alerts, a run with retries and their windows (early, in
 * time, late), a run still running, one awaiting a retry, a pending alarm, and many short runs that make ticks.
 */
function everything(): { model: AlarmModel; now: number } {
  const model = new AlarmModel();
  model.applyHello(hello(), T0);
  const ev = new EventBuilder();
  const apply = (...events: AgentEvent[]): void => model.applyEvents(events);
  const flaky = obj("Room", { name: "flaky" });
  const busy = obj("Room", { name: "busy" });
  const ticking = obj("Job", { name: "ticking" });
  const waiting = obj("Job", { name: "waiting" });
  const running = obj("Job", { name: "running" });
  apply(ev.wake(flaky), ev.set(flaky, T0 + 10), ev.set(flaky, T0 + 20));
  for (const [i, backoff] of [1500, 2500, 9000].entries()) {
    apply(ev.start(flaky, { retryCount: i }), ev.put(flaky, `k${i}`, i, { inHandler: true }), ev.tick(10).end(flaky, { outcome: "error", error: { name: "Error", message: `no ${i}` }, retry: retryYes(i + 1, ev.at) }));
    ev.tick(backoff);
  }
  apply(ev.start(flaky, { retryCount: 3 }), ev.tick(12).end(flaky));
  for (let i = 0; i < 30; i++) apply(ev.tick(3).put(busy, "k", i));
  for (let i = 0; i < 40; i++) apply(ev.tick(400).start(ticking), ev.tick(5).end(ticking));
  apply(ev.set(ticking, ev.at + 60_000));
  apply(ev.start(waiting), ev.tick(8).end(waiting, { outcome: "error", retry: retryYes(1, ev.at) }));
  apply(ev.tick(50).start(running));
  return { model, now: ev.at + 100 };
}

function slices(model: AlarmModel, now: number): SliceMessage[] {
  const index = new TimelineIndex(model);
  const layout = index.layout(EMPTY_FILTER);
  const extent = index.extent(layout, now);
  assert.ok(extent);
  const all = { start: extent.min - 1000, end: extent.max + 1000, firstRow: 0, rowCount: 40 };
  return [
    index.slice(EMPTY_FILTER, { ...all, widthPx: 100_000 }, now, { requestId: 4 }), // fine: every attempt apart
    index.slice(EMPTY_FILTER, { ...all, widthPx: 200 }, now), // coarse: merged markers, ticks
    index.slice({ ...EMPTY_FILTER, search: "k1" }, { ...all, widthPx: 1000 }, now, { keepRunId: model.objects()[0]?.runs[0]?.id ?? "" }),
    index.slice(EMPTY_FILTER, { ...all, widthPx: 1000, cover: { ...all, lastRow: 3, msPerPx: 10 }, have: { firstRow: 0, lastRow: 2 } }, now),
  ];
}

function lanes(s: SliceMessage): LaneRow[] {
  return s.rows.filter((r): r is LaneRow => r.kind === "lane");
}

describe("timeline slice codec", () => {
  it("unpacks exactly what was sliced, markers, runs, ticks and all", () => {
    const { model, now } = everything();
    for (const slice of slices(model, now)) {
      const packed = wire(packSlice(slice));
      assert.ok(isToWebviewMessage(packed) && packed.type === "slice", "the posted form passes the webview's guard");
      assert.deepEqual(unpackSlice(packed), slice);
    }
    const [fine, coarse] = slices(model, now) as [SliceMessage, SliceMessage];
    // The shapes the test means to cover are there.
    assert.ok(lanes(coarse).some((l) => l.markers.some((m) => m.count > 1)), "merged markers");
    assert.ok(lanes(coarse).some((l) => l.ticks.length > 0), "ticks");
    assert.ok(lanes(fine).some((l) => l.markers.some((m) => m.alert && m.inAttempt)), "alerts in attempts");
    const runs = lanes(fine).flatMap((l) => l.runs);
    assert.ok(runs.some((r) => r.gaps.length === 3 && r.attempts.every((a, i) => i === 0 || a.expected)), "a run with retries in windows");
    assert.ok(runs.some((r) => r.waiting !== null), "a run awaiting its retry");
    assert.ok(runs.some((r) => r.attempts.some((a) => a.end === null)), "a running attempt");
    assert.ok(lanes(fine).some((l) => l.pending !== null), "a pending alarm");
  });

  it("derives the backoff gaps from the attempts as the host does from the model", () => {
    const { model } = everything();
    for (const o of model.objects()) {
      for (const run of o.runs) {
        const bars = run.attempts.map((a, index) => ({ index, number: a.number, start: a.startedAt, end: a.endedAt, outcome: a.outcome, trigger: a.trigger, injected: a.injectedFailure, ...(a.expected ? { expected: { ...a.expected } } : {}) }));
        assert.deepEqual(gapsOf(bars), backoffGaps(run.attempts));
      }
    }
  });

  it("is a fraction of the size of the objects it stands for", () => {
    const { model, now } = everything();
    const coarse = slices(model, now)[1] as SliceMessage;
    const packed = JSON.stringify(packSlice(coarse)).length;
    const plain = JSON.stringify(coarse).length;
    assert.ok(packed < plain / 2, `packed ${packed} bytes, plain ${plain}`);
  });

  it("refuses a malformed slice instead of drawing part of it", () => {
    const { model, now } = everything();
    const good = wire(packSlice(slices(model, now)[0] as SliceMessage));
    const lane = good.rows.findIndex((r) => r.kind === "lane" && (r as PackedLane).r.length > 0);
    const spoil = (f: (l: PackedLane, p: PackedSliceMessage) => void): PackedSliceMessage => {
      const p = wire(good);
      f(p.rows[lane] as PackedLane, p);
      return p;
    };
    const bad: [string, PackedSliceMessage][] = [
      ["a marker time that is not a number", spoil((l) => (l.m[0] = "x" as unknown as number))],
      ["an unknown marker kind", spoil((l) => (l.m[1] = 7))],
      ["runs cut short", spoil((l) => (l.r.length = 5))],
      ["a run id not in the table", spoil((l) => (l.r[0] = 99))],
      ["an attempt count beyond the data", spoil((l) => (l.r[6] = 1e9))],
      ["a lane without its markers", spoil((l) => delete (l as Partial<PackedLane>).m)],
      ["an id table that is not strings", spoil((_, p) => (p.ids = [1 as unknown as string]))],
    ];
    for (const [what, p] of bad) assert.equal(unpackSlice(p), undefined, what);
  });
});
