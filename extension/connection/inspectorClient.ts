import type WebSocket from "ws";

let ws: typeof WebSocket | undefined;
/**
 * `ws`, loaded at the first connection: loading it pulls in Node's http, https, tls and zlib, which activation (timed
 * by VS Code) does not need.
 */
function webSocket(): typeof WebSocket {
  ws ??= require("ws") as typeof WebSocket;
  return ws;
}
import { isErrorMessage, isEventsMessage, isHello, isResultMessage, PROTOCOL_VERSION } from "../../protocol/protocol";
import type { Command, CommandId, HelloMessage, HoldCommand, ScheduleCommand, WireEvent } from "../../protocol/protocol";
import { ObjectTable, withIndexedObjects } from "../../protocol/objectIndex";
import { Emitter } from "../model/events";
import { EventBatch } from "./eventBatch";

/** Where to connect: the inspector URL and token from the launcher's ready line or `session.json`. */
export interface Endpoint {
  inspector: string;
  token: string;
}

/** Commands as the caller writes them; the client assigns the id. */
export type CommandRequest = Command | ScheduleCommand | HoldCommand extends infer C ? (C extends Command | ScheduleCommand | HoldCommand ? Omit<C, "type" | "id"> : never) : never;

/** A command the agent refused, with its own words. */
export class CommandError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

interface Pending {
  op: string;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One WebSocket connection to the agent: typed messages in, commands out with promised results. It does not
 * reconnect by itself; `Connection` (the extension's supervisor) decides when to try again.
 */
export class InspectorClient {
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<CommandId, Pending>();
  private readonly helloEmitter = new Emitter<HelloMessage>();
  private readonly eventsEmitter = new Emitter<WireEvent[]>();
  private readonly errorEmitter = new Emitter<string>();
  private readonly closeEmitter = new Emitter<{ code: number; reason: string }>();
  readonly onHello = this.helloEmitter.event;
  /** Events in order, the frames that arrived in one turn of the event loop joined (see `EventBatch`). */
  readonly onEvents = this.eventsEmitter.event;
  private readonly batch = new EventBatch((events) => this.eventsEmitter.fire(events));
  /** A frame the agent refused, or a message that could not be read. */
  readonly onProtocolError = this.errorEmitter.event;
  readonly onClose = this.closeEmitter.event;
  hello: HelloMessage | undefined;

  constructor(
    readonly endpoint: Endpoint,
    private readonly commandTimeoutMs = 20_000,
  ) {}

  /** Opens the socket and resolves with the agent's `hello`; rejects with a sentence a person can act on. */
  connect(timeoutMs = 10_000): Promise<HelloMessage> {
    return new Promise((resolve, reject) => {
      // Objects numbered: each reference travels once per connection, not in every event (protocol/objectIndex.ts).
      const socket = new (webSocket())(withIndexedObjects(this.endpoint.inspector), {
        headers: { Authorization: `Bearer ${this.endpoint.token}` },
        handshakeTimeout: timeoutMs,
        maxPayload: 64 * 1024 * 1024,
        // `ws` offers permessage-deflate by default and workerd accepts it: every frame was then deflated in the
        // user's workerd and inflated in the extension host, CPU on both sides to save bytes on loopback.
        perMessageDeflate: false,
      });
      this.socket = socket;
      const objects = new ObjectTable();
      let misnumbered = false;
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        socket.terminate();
        reject(new Error(message));
      };
      socket.on("unexpected-response", (_req, res) => {
        const status = res.statusCode ?? 0;
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString("utf8")));
        res.on("end", () => fail(`the inspector refused the connection (HTTP ${status}): ${body.trim() || "no reason given"}`));
      });
      socket.on("error", (e) => fail(`cannot reach the inspector at ${this.endpoint.inspector}: ${e.message}`));
      socket.on("message", (data, isBinary) => {
        if (isBinary) return;
        let msg: unknown;
        try {
          msg = JSON.parse(data.toString());
        } catch {
          this.errorEmitter.fire("the agent sent a frame that is not JSON");
          return;
        }
        if (isEventsMessage(msg)) {
          const problem = objects.expand(msg);
          // Said once a connection: an agent that misnumbers does it to every frame.
          if (problem !== undefined && !misnumbered) {
            misnumbered = true;
            this.errorEmitter.fire(problem);
          }
          this.batch.add(msg.events);
          return;
        }
        // Anything else is about what came before it: the events already received reach the model first.
        this.batch.flush();
        if (isHello(msg)) {
          if (msg.protocol !== PROTOCOL_VERSION) {
            fail(`the agent speaks protocol ${msg.protocol}, this extension speaks ${PROTOCOL_VERSION}: update the one that is older`);
            return;
          }
          this.hello = msg;
          this.helloEmitter.fire(msg);
          if (!settled) {
            settled = true;
            resolve(msg);
          }
        } else if (isResultMessage(msg)) this.settle(msg.id, msg.ok ? { value: msg.value } : { error: msg.error });
        else if (isErrorMessage(msg)) this.errorEmitter.fire(msg.error);
      });
      socket.on("close", (code, reason) => {
        this.batch.flush();
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new CommandError(p.op, "the connection to the inspector closed before it answered"));
          this.pending.delete(id);
        }
        fail(`the inspector closed the connection (${code})`);
        this.closeEmitter.fire({ code, reason: reason.toString() });
      });
    });
  }

  get isOpen(): boolean {
    return this.socket !== undefined && this.socket.readyState === this.socket.OPEN;
  }

  /** Sends a command; resolves with its `value`, rejects with a `CommandError` carrying the agent's message. */
  send(request: CommandRequest): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) {
      return Promise.reject(new CommandError(request.op, "not connected to the inspector"));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError(request.op, `no answer from the inspector within ${this.commandTimeoutMs / 1000} s`));
      }, this.commandTimeoutMs);
      this.pending.set(id, { op: request.op, resolve, reject, timer });
      socket.send(JSON.stringify({ type: "command", id, ...request }));
    });
  }

  /** Sends a raw frame (tests use it for malformed input). */
  sendRaw(data: string | Buffer): void {
    this.socket?.send(data);
  }

  private settle(id: CommandId, outcome: { value?: unknown; error?: string }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (outcome.error !== undefined) p.reject(new CommandError(p.op, outcome.error));
    else p.resolve(outcome.value);
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  dispose(): void {
    this.close();
    this.batch.clear();
    this.helloEmitter.dispose();
    this.eventsEmitter.dispose();
    this.errorEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
