/**
 * The extension's socket to the agent (extension/connection/inspectorClient.ts), against a real `ws` server that
 * accepts permessage-deflate as workerd does: the client must not offer it, so frames travel as the agent wrote them
 * (deflating each one cost CPU in the user's workerd and inflating it CPU in the extension host, over loopback).
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { InspectorClient } from "../../extension/connection/inspectorClient";
import { ObjectIndexer } from "../../protocol/objectIndex";
import type { WireEvent } from "../../protocol/protocol";
import { hello } from "./builders";

describe("InspectorClient", () => {
  let server: WebSocketServer;
  afterEach(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("offers no compression to an agent that would accept it, and still reads its frames", async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    await new Promise<void>((r) => server.once("listening", () => r()));
    const accepted = new Promise<{ socket: WebSocket; request: IncomingMessage }>((r) => server.once("connection", (socket, request) => r({ socket, request })));
    const client = new InspectorClient({ inspector: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/inspector`, token: "t0k3n" });
    try {
      const connected = client.connect(5_000);
      const { socket, request } = await accepted;
      assert.equal(request.headers.authorization, "Bearer t0k3n");
      assert.equal(request.headers["sec-websocket-extensions"], undefined, "the client offered an extension");
      assert.equal(socket.extensions, "", "an extension was negotiated");
      socket.send(JSON.stringify(hello()));
      assert.equal((await connected).worker, "app");
    } finally {
      client.dispose();
    }
  });

  it("asks for numbered objects, and hands on events with their references back, once per connection", async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((r) => server.once("listening", () => r()));
    const accepted = new Promise<{ socket: WebSocket; request: IncomingMessage }>((r) => server.once("connection", (socket, request) => r({ socket, request })));
    const client = new InspectorClient({ inspector: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/inspector`, token: "t0k3n" });
    const received: WireEvent[] = [];
    const problems: string[] = [];
    client.onEvents((events) => received.push(...events));
    client.onProtocolError((p) => problems.push(p));
    try {
      const connected = client.connect(5_000);
      const { socket, request } = await accepted;
      assert.equal(request.url, "/inspector?objects=indexed");
      socket.send(JSON.stringify(hello()));
      await connected;
      const room = { className: "Room", id: "a".repeat(64), name: "lobby" };
      const indexer = new ObjectIndexer();
      const events = [1, 2, 3].map((seq) => ({ kind: "object.start", seq, at: seq, object: room }));
      socket.send(JSON.stringify({ type: "events", ...indexer.encode(events.slice(0, 2)) }));
      socket.send(JSON.stringify({ type: "events", ...indexer.encode(events.slice(2)) }));
      socket.send(JSON.stringify({ type: "events", events: [{ kind: "object.start", seq: 4, at: 4, object: 9 }] }));
      for (let i = 0; i < 100 && received.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(received.slice(0, 3), events);
      assert.equal(received[0]!.object, received[2]!.object, "one reference for the object's events");
      assert.equal(received[3]!.object as unknown, 9, "an event naming an unknown number is handed on unplaced, for the model to ignore");
      assert.deepEqual(problems, ["the agent named object #9 without describing it first; its events are ignored"]);
    } finally {
      client.dispose();
    }
  });
});
