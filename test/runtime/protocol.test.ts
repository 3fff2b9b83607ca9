/**
 * The inspector endpoint's defences: token, browser origins, and frames it cannot take. Each is refused before any
 * data is sent (or answered with an error frame), and the user's Worker keeps serving.
 */
import assert from "node:assert/strict";
import WebSocket from "ws";
import { ObjectTable, withIndexedObjects } from "../../protocol/objectIndex";
import type { ServerMessage } from "../../protocol/protocol";
import { FIXTURES, launch, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";
import { join } from "node:path";

/** Opens a raw socket and reports how the handshake ended: the HTTP status of a refusal, or "open". */
function handshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number | "open"; body: string; frames: string[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    const frames: string[] = [];
    ws.on("message", (d) => frames.push(d.toString()));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, frames }));
    });
    ws.on("open", () => setTimeout(() => {
      ws.close();
      resolve({ status: "open", body: "", frames });
    }, 300));
    ws.on("error", () => undefined);
  });
}

describe("inspector endpoint security and robustness", function () {
  let session: Launched;
  let inspector: string;
  let token: string;

  before(async function () {
    session = await launch(join(FIXTURES, "conformance"));
    ({ inspector, token } = session.info);
  });
  after(async () => session?.stop());

  async function stillServing(): Promise<void> {
    const r = await fetch(`${session.url}/echo/alive`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), [1, "two", { three: [3] }, null]);
  }

  it("binds to loopback and serves a health probe that reveals no secret", async function () {
    assert.match(session.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await (await fetch(`${session.url}/__alarm_inspector/health`)).json();
    assert.deepEqual(health, { ok: true, protocol: 1, worker: "conformance" });
  });

  it("refuses a missing token, a wrong token, and a browser Origin before sending anything", async function () {
    const none = await handshake(inspector);
    assert.equal(none.status, 401);
    assert.match(none.body, /missing or wrong token/);
    assert.deepEqual(none.frames, []);
    const wrong = await handshake(inspector, { Authorization: `Bearer ${token}x` });
    assert.equal(wrong.status, 401);
    const wrongQuery = await handshake(`${inspector}?token=nope`);
    assert.equal(wrongQuery.status, 401);
    const browser = await handshake(inspector, { Authorization: `Bearer ${token}`, Origin: "http://evil.example" });
    assert.equal(browser.status, 403);
    assert.match(browser.body, /browsers are refused/);
    const browserLocal = await handshake(`${inspector}?token=${token}`, { Origin: "http://127.0.0.1" });
    assert.equal(browserLocal.status, 403);
    await stillServing();
  });

  it("accepts the token as a bearer header or a query parameter, hello first", async function () {
    const header = await handshake(inspector, { Authorization: `Bearer ${token}` });
    assert.equal(header.status, "open");
    const query = await handshake(`${inspector}?token=${encodeURIComponent(token)}`);
    assert.equal(query.status, "open");
    const first = JSON.parse(query.frames[0]!) as ServerMessage;
    assert.equal(first.type, "hello");
  });

  it("numbers objects for a client that asks, and sends the same events with full references to one that does not", async function () {
    const open = (url: string) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
      const frames: Record<string, unknown>[] = [];
      ws.on("message", (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
      return new Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }>((resolve, reject) => {
        ws.once("open", () => resolve({ ws, frames }));
        ws.once("error", reject);
      });
    };
    const indexed = await open(withIndexedObjects(inspector));
    const plain = await open(inspector);
    try {
      await fetch(`${session.url}/write/numbered-a?n=3`);
      await fetch(`${session.url}/write/numbered-b?n=2`);
      await fetch(`${session.url}/write/numbered-a?n=1`);
      const events = (frames: Record<string, unknown>[]) => frames.filter((f) => f.type === "events").flatMap((f) => f.events as { seq: number; object: unknown }[]);
      const ours = <E extends { object: unknown }>(list: E[]) => list.filter((e) => /^numbered-/.test(String((e.object as { name?: string }).name)));
      await waitFor("the writes' events on the plain client", () => ours(events(plain.frames)).filter((e) => (e as { kind?: string }).kind === "storage.put").length >= 6 || undefined);
      const mine = ours(events(plain.frames));
      await waitFor("the same events on the indexed client", () => mine.every((e) => events(indexed.frames).some((i) => i.seq === e.seq)) || undefined);
      // What the wire carried, before the table puts the references back into the same parsed frames.
      const raw = JSON.parse(JSON.stringify(indexed.frames.filter((f) => f.type === "events"))) as Record<string, unknown>[];
      const table = new ObjectTable();
      for (const f of indexed.frames) if (f.type === "events") assert.equal(table.expand(f as { events: unknown[]; objects?: unknown }), undefined);
      const expanded = new Map(events(indexed.frames).map((e) => [e.seq, e]));
      for (const e of mine) assert.deepEqual(expanded.get(e.seq), e, `event ${e.seq} differs between the two clients`);
      const numbered = raw.flatMap((f) => (f.events as { object: unknown }[]).map((e) => e.object));
      assert.ok(numbered.length > 0 && numbered.every((o) => typeof o === "number"), "the indexed client got numbers only");
      const described = raw.flatMap((f) => Object.values((f.objects ?? {}) as Record<string, { name?: string }>)).filter((r) => /^numbered-/.test(String(r.name)));
      assert.deepEqual(described.map((r) => r.name).sort(), ["numbered-a", "numbered-b"], "each object described once");
    } finally {
      indexed.ws.close();
      plain.ws.close();
    }
  });

  it("answers a plain HTTP request to the socket path with 426", async function () {
    const r = await fetch(inspector.replace("ws:", "http:"), { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 426);
  });

  it("refuses malformed, oversized, binary and unknown frames with an error and keeps the connection", async function () {
    const rec = await Recorder.connect(session.info);
    const errors: string[] = [];
    rec.client.onProtocolError((e) => errors.push(e));
    try {
      rec.client.sendRaw("{not json");
      await waitFor("malformed error", () => errors.find((e) => /malformed frame, not JSON/.test(e)));
      rec.client.sendRaw(JSON.stringify({ type: "command", id: 1, op: "snapshot", target: { className: "Probe", name: "x" }, pad: "x".repeat(70_000) }));
      await waitFor("oversized error", () => errors.find((e) => /frame of \d+ bytes refused; the limit is 65536/.test(e)));
      rec.client.sendRaw(Buffer.from([1, 2, 3]));
      await waitFor("binary error", () => errors.find((e) => /binary frames are not accepted/.test(e)));
      rec.client.sendRaw(JSON.stringify({ type: "subscribe" }));
      await waitFor("unknown type error", () => errors.find((e) => /unknown message type "subscribe"/.test(e)));
      rec.client.sendRaw(JSON.stringify([1, 2]));
      await waitFor("array error", () => errors.find((e) => /must be a JSON object/.test(e)));
      await assert.rejects(rec.client.send({ op: "explode" } as never), /unknown op "explode"/);
      await assert.rejects(rec.client.send({ op: "fireNow", target: { className: "Probe" } } as never), /exactly one of "id" or "name"/);
      await assert.rejects(rec.client.send({ op: "failNext", target: { className: "Probe", name: "x" }, count: -1 }), /whole number from 0 to 100/);
      // The connection is still good after all of that.
      const snap = await rec.client.send({ op: "snapshot", target: { className: "Probe", name: "after-abuse" } });
      assert.ok(snap && typeof snap === "object");
      assert.ok(rec.client.isOpen);
    } finally {
      rec.close();
    }
    await stillServing();
  });

  it("answers a client's close frame, so the client is let go at once rather than after its closing timeout", async function () {
    // `ws` waits 30 s for the server's answer and then reports 1006; an answered close reports the code sent.
    this.timeout(20_000);
    const ws = new WebSocket(inspector, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.close(1000, "done");
    assert.equal(await closed, 1000);
    await stillServing();
  });

  it("records every write of a write loop, with call sites for the first writes and for every alarm call", async function () {
    const rec = await Recorder.connect(session.info);
    try {
      const r = await fetch(`${session.url}/write/site-loop?n=200`);
      assert.deepEqual(await r.json(), { n: 200 });
      const set = await rec.waitFor("the loop's setAlarm", "alarm.set", (e) => e.object.name === "site-loop");
      const puts = rec.about("Probe", "site-loop", "storage.put");
      assert.equal(puts.length, 200, "no write is left out");
      const first = puts[0];
      assert.ok(first?.kind === "storage.put" && first.callSite !== undefined && /\.(ts|js):\d+/.test(first.callSite.stack), "the first write has its call site");
      assert.ok(set.callSite, "an alarm call always has its call site");
    } finally {
      rec.close();
    }
  });

  it("says clearly when a class has no alarm handler to fire", async function () {
    const rec = await Recorder.connect(session.info);
    try {
      await assert.rejects(rec.client.send({ op: "fireNow", target: { className: "KvProbe", name: "k" } }), /alarm\(\) handler/);
    } finally {
      rec.close();
    }
  });
});

describe("event delivery without workerd's cross-request promise handling", function () {
  // A Worker with an older compatibility date (or the opt-out flag) cannot have the hub woken by the recording object:
  // the wake-up runs in the object's request, where the hub's socket cannot be written. The hub must notice and keep
  // delivering on its poll, losing nothing and dropping no client.
  let session: Launched;
  before(async function () {
    session = await launch(join(FIXTURES, "legacy-promises"));
  });
  after(async () => session?.stop());

  it("falls back to the poll: every write still arrives, and the client stays connected", async function () {
    const rec = await Recorder.connect(session.info);
    try {
      for (const name of ["legacy-1", "legacy-2"]) {
        const r = await fetch(`${session.url}/write/${name}?n=3`);
        assert.deepEqual(await r.json(), { n: 3 });
        await rec.waitFor(`${name}'s setAlarm`, "alarm.set", (e) => e.object.name === name);
        assert.equal(rec.about("Probe", name, "storage.put").length, 3);
      }
      assert.equal(rec.events.filter((e) => e.kind === "dropped").length, 0, "nothing dropped");
    } finally {
      rec.close();
    }
  });
});
