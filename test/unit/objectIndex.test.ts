/**
 * Numbered objects on the wire (protocol/objectIndex.ts): what the agent's indexer sends and the client's table puts
 * back are the events the agent recorded, through JSON as the socket carries them, whatever the sequence of objects.
 */
import assert from "node:assert/strict";
import { MAX_INDEXED_OBJECTS, ObjectIndexer, ObjectTable, wantsIndexedObjects, withIndexedObjects } from "../../protocol/objectIndex";
import type { ObjectRef } from "../../protocol/protocol";

interface Ev {
  kind: string;
  seq: number;
  at: number;
  object: ObjectRef;
  entries?: { key: string }[];
}

const ref = (id: string, name?: string): ObjectRef => (name === undefined ? { className: "Room", id } : { className: "Room", id, name });
const ev = (seq: number, object: ObjectRef): Ev => ({ kind: "storage.put", seq, at: 1000 + seq, object, entries: [{ key: `k${seq}` }] });

/** One frame through the indexer, JSON, and the table, as the hub and the extension do it. */
function carry(indexer: ObjectIndexer, table: ObjectTable, events: Ev[]): { out: unknown[]; wire: Record<string, unknown>; problem: string | undefined } {
  const text = JSON.stringify({ type: "events", ...indexer.encode(events) });
  const wire = JSON.parse(text) as Record<string, unknown>;
  const frame = JSON.parse(text) as { events: unknown[]; objects?: unknown };
  const problem = table.expand(frame);
  return { out: frame.events, wire, problem };
}

describe("numbered objects on the wire", () => {
  it("sends each reference once per connection, and the client gets the events back as recorded", () => {
    const indexer = new ObjectIndexer();
    const table = new ObjectTable();
    const a = ref("a".repeat(64), "alpha");
    const b = ref("b".repeat(64));
    const first = [ev(1, a), ev(2, b), ev(3, a)];
    const one = carry(indexer, table, first);
    assert.equal(one.problem, undefined);
    assert.deepEqual(one.out, first);
    assert.deepEqual(Object.values(one.wire.objects as object), [a, b], "both introduced in the frame that first names them");
    assert.deepEqual((one.wire.events as { object: unknown }[]).map((e) => e.object), [0, 1, 0]);
    const second = [ev(4, b), ev(5, a)];
    const two = carry(indexer, table, second);
    assert.deepEqual(two.out, second);
    assert.equal(two.wire.objects, undefined, "nothing introduced again");
    const outs = [...one.out, ...two.out] as Ev[];
    assert.equal(outs[0]!.object, outs[2]!.object, "events of one object share one reference on the client");
  });

  it("leaves the agent's events as they were: the buffer shares them with clients that asked for nothing", () => {
    const events = [ev(1, ref("c".repeat(64)))];
    const before = JSON.stringify(events);
    new ObjectIndexer().encode(events);
    assert.equal(JSON.stringify(events), before);
  });

  it("describes an object again when its reference changes: a name learnt late, or a reference changed in place", () => {
    const indexer = new ObjectIndexer();
    const table = new ObjectTable();
    const plain = ref("d".repeat(64));
    carry(indexer, table, [ev(1, plain)]);
    const named = { ...plain, name: "delta" };
    const later = carry(indexer, table, [ev(2, named)]);
    assert.deepEqual(later.out, [ev(2, named)]);
    assert.ok(later.wire.objects, "the named reference is described");
    plain.name = "changed in place";
    const again = carry(indexer, table, [ev(3, plain)]);
    assert.deepEqual((again.out[0] as Ev).object, { className: "Room", id: "d".repeat(64), name: "changed in place" });
  });

  it("numbers at most MAX_INDEXED_OBJECTS at a time, and starts again without confusing the client", () => {
    const indexer = new ObjectIndexer();
    const table = new ObjectTable();
    const refs = Array.from({ length: MAX_INDEXED_OBJECTS + 50 }, (_, i) => ref(i.toString(16).padStart(64, "0")));
    let seq = 0;
    const numbers = new Set<number>();
    // Frames that cross the restart, then an object numbered before it, whose number was given to another since.
    for (let i = 0; i < refs.length; i += 100) {
      const events = refs.slice(i, i + 100).map((r) => ev(++seq, r));
      const { out, wire, problem } = carry(indexer, table, events);
      assert.equal(problem, undefined);
      assert.deepEqual(out, events);
      for (const e of wire.events as { object: number }[]) numbers.add(e.object);
    }
    assert.ok(Math.max(...numbers) < MAX_INDEXED_OBJECTS, "numbers stay below the bound");
    assert.ok(numbers.size < refs.length, "and were given again");
    const old = [ev(++seq, refs[10]!), ev(++seq, refs[MAX_INDEXED_OBJECTS + 1]!)];
    assert.deepEqual(carry(indexer, table, old).out, old);
  });

  it("starts numbering again only between frames, so a frame's earlier events keep their objects", () => {
    const indexer = new ObjectIndexer();
    const table = new ObjectTable();
    const refs = Array.from({ length: MAX_INDEXED_OBJECTS }, (_, i) => ref(i.toString(16).padStart(64, "1")));
    let seq = 0;
    // Number every slot but the last few, a frame at a time, as a long session does.
    for (let i = 0; i < MAX_INDEXED_OBJECTS - 3; i += 500) carry(indexer, table, refs.slice(i, Math.min(i + 500, MAX_INDEXED_OBJECTS - 3)).map((r) => ev(++seq, r)));
    // A frame that names early objects (small numbers) first, then more new ones than are left before the bound.
    const events = [ev(++seq, refs[0]!), ev(++seq, refs[1]!), ...refs.slice(MAX_INDEXED_OBJECTS - 3).map((r) => ev(++seq, r)), ev(++seq, ref("f".repeat(64)))];
    const { out, problem } = carry(indexer, table, events);
    assert.equal(problem, undefined);
    assert.deepEqual(out, events);
  });

  it("introduces objects again after a frame that could not be sent", () => {
    const indexer = new ObjectIndexer();
    const table = new ObjectTable();
    const a = ref("a".repeat(64));
    indexer.encode([ev(1, a)]); // never reached the client
    indexer.forget();
    const { out, problem } = carry(indexer, table, [ev(1, a), ev(2, a)]);
    assert.equal(problem, undefined);
    assert.deepEqual(out, [ev(1, a), ev(2, a)]);
  });

  it("reports a frame it cannot read, and leaves the events it cannot place for the model to ignore", () => {
    const table = new ObjectTable();
    const unknown = { events: [{ kind: "storage.put", seq: 1, at: 1, object: 7 }] };
    assert.match(table.expand(unknown) ?? "", /object #7 without describing it/);
    assert.equal(unknown.events[0]!.object, 7);
    assert.match(table.expand({ events: [], objects: [1, 2] }) ?? "", /not a map/);
    assert.match(table.expand({ events: [], objects: { x: ref("e") } }) ?? "", /object #x/);
    assert.match(table.expand({ events: [], objects: { 3: { className: 1, id: "e" } } }) ?? "", /object #3/);
    assert.match(table.expand({ events: [], objects: { [MAX_INDEXED_OBJECTS]: ref("e") } }) ?? "", /object #4096/);
    const plain = { events: [{ kind: "storage.put", seq: 2, at: 2, object: ref("f") }, null, 3] };
    assert.equal(table.expand(plain), undefined, "full references (an agent that numbers nothing) pass as they are");
    assert.deepEqual(plain.events[0], { kind: "storage.put", seq: 2, at: 2, object: ref("f") });
  });

  it("asks for numbered objects in the inspector URL, and the agent reads it from there alone", () => {
    const url = withIndexedObjects("ws://127.0.0.1:8787/__alarm_inspector/v1");
    assert.equal(url, "ws://127.0.0.1:8787/__alarm_inspector/v1?objects=indexed");
    assert.ok(wantsIndexedObjects(url));
    assert.ok(wantsIndexedObjects(withIndexedObjects("ws://localhost:1999/parties/__alarm_inspector/v1?token=t")));
    assert.ok(!wantsIndexedObjects("ws://127.0.0.1:8787/__alarm_inspector/v1"));
    assert.ok(!wantsIndexedObjects("ws://127.0.0.1:8787/__alarm_inspector/v1?objects=full"));
  });
});
