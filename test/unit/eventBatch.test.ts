/**
 * The client joins the event frames that arrive in one turn before the model sees them (extension/connection/eventBatch.ts):
 * order kept, nothing lost, a flush before anything that is not an event, and no batch above the cap.
 */
import assert from "node:assert/strict";
import type { WireEvent } from "../../protocol/protocol";
import { EventBatch, MAX_BATCH_EVENTS } from "../../extension/connection/eventBatch";

const ev = (seq: number): WireEvent => ({ kind: "object.start", seq, at: seq, object: { className: "A", id: "1" } }) as WireEvent;
const seqs = (batches: WireEvent[][]): number[][] => batches.map((b) => b.map((e) => e.seq));

describe("EventBatch", () => {
  function setup() {
    const delivered: WireEvent[][] = [];
    const turns: (() => void)[] = [];
    const batch = new EventBatch((events) => delivered.push(events), (f) => turns.push(f));
    return { delivered, turns, batch };
  }

  it("hands the frames of one turn to the model as one call, in order", () => {
    const { delivered, turns, batch } = setup();
    batch.add([ev(1)]);
    batch.add([ev(2), ev(3)]);
    batch.add([]);
    assert.deepEqual(delivered, [], "nothing before the turn ends");
    assert.equal(turns.length, 1, "one flush scheduled for the turn");
    turns.shift()!();
    assert.deepEqual(seqs(delivered), [[1, 2, 3]]);
    batch.add([ev(4)]);
    turns.shift()!();
    assert.deepEqual(seqs(delivered), [[1, 2, 3], [4]]);
  });

  it("flushes at once when asked (before a hello or a result), and the scheduled flush then has nothing to do", () => {
    const { delivered, turns, batch } = setup();
    batch.add([ev(1)]);
    batch.flush();
    assert.deepEqual(seqs(delivered), [[1]]);
    turns.shift()!();
    assert.deepEqual(seqs(delivered), [[1]], "nothing delivered twice");
  });

  it("never hands the model more than MAX_BATCH_EVENTS at once beyond one frame", () => {
    const { delivered, turns, batch } = setup();
    let seq = 0;
    const frame = () => Array.from({ length: 300 }, () => ev(++seq));
    for (let i = 0; i < 10; i++) batch.add(frame());
    turns.forEach((f) => f());
    const all = delivered.flat().map((e) => e.seq);
    assert.deepEqual(all, Array.from({ length: 3000 }, (_, i) => i + 1), "every event once, in order");
    assert.ok(delivered.every((b) => b.length < MAX_BATCH_EVENTS + 300), `batches of ${delivered.map((b) => b.length).join(", ")}`);
    assert.ok(delivered.length < 10, "frames were joined");
  });

  it("forgets what waits when cleared", () => {
    const { delivered, turns, batch } = setup();
    batch.add([ev(1)]);
    batch.clear();
    turns.forEach((f) => f());
    assert.deepEqual(delivered, []);
  });
});
