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
});
