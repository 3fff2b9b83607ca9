import { checkCommand, HEALTH_PATH, INSPECTOR_PATH, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION } from "../protocol/protocol";
import type { Command, HelloMessage, HoldCommand, ScheduleCommand, ServerMessage } from "../protocol/protocol";
import { ObjectIndexer, wantsIndexedObjects } from "../protocol/objectIndex";
import { gateOf } from "./attemptGate";
import type { AgentRuntime } from "./runtime";

declare const __AGENT_VERSION__: string;
/** Set by the build; "dev" when the sources are bundled some other way (a user wrapping classes by hand). */
export const AGENT_VERSION = typeof __AGENT_VERSION__ === "string" ? __AGENT_VERSION__ : "dev";

/**
 * How often the hub looks for new events while an editor is connected, as a backstop: events normally reach the hub
 * at once through `EventBuffer.changedSince` (see `listen`). Objects never call the hub themselves.
 */
const PUMP_INTERVAL_MS = 25;
/** Most events in one `events` frame. */
const EVENTS_PER_FRAME = 500;

/** The one thing the hub does with a socket: send text. Both a workerd `WebSocket` and a PartyKit connection fit. */
export interface ClientSocket {
  send(message: string): void;
  /** Bytes given to `send` and not yet written to the network, where the socket says (workerd's `WebSocket` does). */
  readonly bufferedAmount?: number;
  close?(code?: number, reason?: string): void;
}

/**
 * A client with more than this waiting unsent has stopped reading (found by test/runtime/fuzz.test.ts: a client that
 * never reads while it asks for snapshots grew workerd by 400 MB). It is closed, and the extension reconnects, rather
 * than let it fill the Worker's memory.
 */
export const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

interface Client {
  socket: ClientSocket;
  cursor: number;
  /** Numbers this client's objects, when it asked for that (`?objects=indexed`); it gets full references otherwise. */
  indexer: ObjectIndexer | undefined;
}

/** How a client asked to be spoken to, read from the URL it connected with. */
export function clientOptions(url: string): { indexObjects: boolean } {
  return { indexObjects: wantsIndexedObjects(url) };
}

/** Compares two strings in time that depends only on their lengths. */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function presentedToken(request: Request): string | null {
  const auth = request.headers.get("Authorization");
  if (auth?.startsWith("Bearer ")) return auth.slice("Bearer ".length).trim();
  return new URL(request.url).searchParams.get("token");
}

/** A plain-text refusal, sent before any upgrade, so a refused client never receives data. */
export function refuse(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The health probe's answer: says only that the agent is up, and which protocol it speaks. A probe that names a launch
 * (`?session=`) other than this agent's gets `ok: false`: it is talking to another session's Worker.
 */
export function healthResponse(runtime: AgentRuntime, request: Request): Response {
  const { worker, session } = runtime.options;
  const asked = new URL(request.url).searchParams.get("session");
  if (asked !== null && session !== undefined && asked !== session) {
    return Response.json({ ok: false, protocol: PROTOCOL_VERSION, worker, error: "this port serves another inspector session" }, { status: 409 });
  }
  return Response.json({ ok: true, protocol: PROTOCOL_VERSION, worker });
}

/**
 * The refusals of an inspector handshake, in order, or null when the request may be upgraded. A browser always sends
 * Origin on a WebSocket handshake and the extension never does, so refusing it keeps web pages the user visits from
 * reaching the inspector on localhost.
 */
export function refuseHandshake(request: Request, runtime: AgentRuntime): Response | null {
  if (request.headers.has("Origin")) return refuse(403, "alarm-inspector: connections from browsers are refused");
  const host = request.headers.get("Host") ?? new URL(request.url).host;
  if (!localHost(host)) {
    return refuse(403, `alarm-inspector: Host "${host.slice(0, 100)}" refused; connect to the inspector through 127.0.0.1 or localhost`);
  }
  const token = presentedToken(request);
  if (!token || !sameSecret(token, runtime.options.token)) {
    // Both launchers write the session file to the same place, PartyKit projects included.
    return refuse(401, "alarm-inspector: missing or wrong token; read it from .wrangler/alarm-inspector/session.json");
  }
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return refuse(426, "alarm-inspector: this endpoint speaks WebSocket only");
  }
  return null;
}

/**
 * DNS rebinding: a web page whose name the attacker points at 127.0.0.1 reaches a local server with its own name in
 * the Host header. Only names that cannot be rebound are accepted: an IP address (what the launcher prints, or a
 * LAN address when the user binds one), `localhost` and its subdomains (which resolve to loopback, RFC 6761).
 */
export function localHost(host: string): boolean {
  const name = host.toLowerCase().replace(/:\d+$/, "");
  if (/^\[[0-9a-f:.]+\]$/.test(name)) return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return true;
  return name === "localhost" || name.endsWith(".localhost");
}

/** The answer to a path under the agent's prefix that is neither the socket nor the health probe. */
export function unknownEndpoint(path: string, socketPath = INSPECTOR_PATH, healthPath = HEALTH_PATH): Response {
  return refuse(404, `alarm-inspector: no such endpoint ${path}; the inspector is at ${socketPath}, health at ${healthPath}`);
}

/**
 * The editor connections of one hub and everything said on them: `hello`, the event pump, and commands in, results
 * out. Which object a command reaches, and how, is the hub's business (`run`): a Durable Object hub calls RPC, a
 * PartyKit hub fetches the room.
 */
export class HubClients {
  private readonly clients = new Set<Client>();
  private pump: ReturnType<typeof setInterval> | undefined;
  private pumpedVersion = -1;
  /** The `changedSince` loop is running. */
  private listening = false;
  /**
   * False once a wake-up arrived in another request than the hub's (a Worker whose compatibility date predates
   * workerd's cross-request promise handling, or that opts out of it): sockets cannot be written from there, so the
   * hub falls back to the interval alone.
   */
  private immediate = true;

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly run: (command: Command | ScheduleCommand | HoldCommand) => Promise<unknown>,
  ) {}

  /** Takes a new, accepted socket: greets it, sends what the buffer holds, and keeps it pumped. */
  add(socket: ClientSocket, options: { indexObjects: boolean } = { indexObjects: false }): Client {
    const client: Client = { socket, cursor: 0, indexer: options.indexObjects ? new ObjectIndexer() : undefined };
    this.clients.add(client);
    this.runtime.clients++;
    this.send(client, this.hello());
    this.flush(client);
    this.startPump();
    if (!this.listening && this.immediate) void this.listen();
    return client;
  }

  /** Forgets a socket that closed or failed; the last one gone stops the pump. */
  remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.runtime.clients--;
    // Nobody is left to let a held attempt go: it continues now, and no hold stays armed.
    if (this.runtime.clients === 0) gateOf(this.runtime).releaseAll();
    if (this.clients.size === 0 && this.pump !== undefined) {
      clearInterval(this.pump);
      this.pump = undefined;
    }
  }

  /**
   * Handles one frame from a client: a command gets its result, anything else an `error`, always exactly one answer,
   * and every refusal one readable line (see `readableRefusal`).
   */
  async onFrame(client: Client, data: string | ArrayBuffer | ArrayBufferView): Promise<void> {
    // A client let go (stalled, failed, closed) may still have frames in flight: running them would do work, a
    // snapshot's storage reads included, for answers nobody can receive (the fuzz test's slow client kept workerd busy
    // with thousands of snapshots after its 1008).
    if (!this.clients.has(client)) return;
    const answer = readableRefusal(await this.answer(data));
    if (this.clients.has(client)) this.send(client, answer);
  }

  private async answer(data: string | ArrayBuffer | ArrayBufferView): Promise<ServerMessage> {
    if (typeof data !== "string") return { type: "error", error: "binary frames are not accepted; send JSON text" };
    // Worst case 3 bytes a UTF-16 unit: only count exactly when the cheap bound is not enough.
    const bytes = data.length * 3 <= MAX_CLIENT_FRAME_BYTES ? data.length : new TextEncoder().encode(data).byteLength;
    if (bytes > MAX_CLIENT_FRAME_BYTES) return { type: "error", error: `frame of ${bytes} bytes refused; the limit is ${MAX_CLIENT_FRAME_BYTES} bytes` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (e) {
      return { type: "error", error: `malformed frame, not JSON: ${(e as Error).message}` };
    }
    let check: ReturnType<typeof checkCommand>;
    try {
      check = checkCommand(parsed);
    } catch (e) {
      // Quoting a field nested tens of thousands deep overflows the stack (found by test/runtime/fuzz.test.ts).
      return { type: "error", error: `frame refused: a field nests too deeply to read (${errorText(e)}); send a flat command` };
    }
    if (!check.ok) return check.id !== undefined ? { type: "result", id: check.id, ok: false, error: check.error } : { type: "error", error: check.error };
    return this.run(check.command).then(
      (value) => ({ type: "result" as const, id: check.command.id, ok: true as const, value }),
      (e: unknown) => ({ type: "result" as const, id: check.command.id, ok: false as const, error: errorText(e) }),
    );
  }

  private hello(): HelloMessage {
    const { options } = this.runtime;
    return {
      type: "hello",
      protocol: PROTOCOL_VERSION,
      worker: options.worker,
      classes: options.classes,
      agentVersion: AGENT_VERSION,
      sessionStartedAt: this.runtime.startedAt,
      bufferSize: this.runtime.buffer.capacity,
      runtime: options.runtime ?? "wrangler",
      ...(options.alarmsPersist === false ? { alarmsPersist: false } : {}),
    };
  }

  private startPump(): void {
    if (this.pump !== undefined) return;
    this.pump = setInterval(() => this.pumpAll(), PUMP_INTERVAL_MS);
  }

  /**
   * Sends each event as soon as it is recorded: waits on the buffer, flushes, waits again. Everything recorded while
   * the hub was busy goes out in the next flush, so a burst costs one wake-up per turn of the event loop, not one per
   * event. Ends when the last client leaves (at the next record) or when wake-ups turn out to arrive elsewhere.
   */
  private async listen(): Promise<void> {
    this.listening = true;
    try {
      while (this.clients.size > 0 && this.immediate) {
        await this.runtime.buffer.changedSince(this.pumpedVersion);
        this.pumpAll();
      }
    } finally {
      this.listening = false;
    }
  }

  private pumpAll(): void {
    const version = this.runtime.buffer.version;
    if (version === this.pumpedVersion) return;
    this.pumpedVersion = version;
    for (const client of this.clients) {
      if (this.flush(client) === "elsewhere") {
        // Try again from the interval, which runs in the hub's own request.
        this.pumpedVersion = -1;
        return;
      }
    }
  }

  /** Sends every event the client has not seen, in frames of bounded size. */
  private flush(client: Client): "done" | "elsewhere" {
    for (;;) {
      const { events, cursor } = this.runtime.buffer.readSince(client.cursor, EVENTS_PER_FRAME, Date.now());
      if (events.length === 0) return "done";
      let sent: ReturnType<HubClients["send"]> = false;
      try {
        sent = this.send(client, client.indexer ? { type: "events", ...client.indexer.encode(events) } : { type: "events", events });
      } finally {
        // A frame that did not go (sent again later, perhaps from the poll; or a throw from the socket's getters in
        // another request's context): the objects it introduced must be introduced again by the frame that goes.
        if (sent !== true) client.indexer?.forget();
      }
      if (sent !== true) return sent === "elsewhere" ? "elsewhere" : "done";
      client.cursor = cursor;
    }
  }

  /** Lets go of a client that stopped reading (see `MAX_UNSENT_BYTES`); true when it did. */
  private letGoIfStalled(client: Client): boolean {
    if (!stalled(client.socket)) return false;
    this.remove(client);
    try {
      // 1008 (policy): the reason travels to the client, which may log it and reconnect.
      client.socket.close?.(1008, `not reading: over ${MAX_UNSENT_BYTES / 1048576} MB unsent; reconnect to resume`);
    } catch {
      // already closing
    }
    return true;
  }

  /** Sends one message; a socket that fails is dropped, except when the failure only says "not from this request". */
  private send(client: Client, message: ServerMessage): true | false | "elsewhere" {
    if (this.letGoIfStalled(client)) return false;
    try {
      client.socket.send(JSON.stringify(message));
      return true;
    } catch (e) {
      if (/different request|on behalf of/i.test(errorText(e))) {
        this.immediate = false;
        return "elsewhere";
      }
      this.remove(client);
      return false;
    }
  }
}

/** Longest refusal sent, in characters: a refusal quotes what it refused, and that may be 64 KB of anything. */
export const MAX_REFUSAL_CHARS = 500;

/**
 * A refusal as one line a person can read: control characters (which could break the line or colour a terminal)
 * shown escaped, and anything past `MAX_REFUSAL_CHARS` cut, saying how much was cut. Other messages pass unchanged.
 */
export function readableRefusal(message: ServerMessage): ServerMessage {
  if (message.type === "error") return { ...message, error: readableLine(message.error) };
  if (message.type === "result" && !message.ok) return { ...message, error: readableLine(message.error) };
  return message;
}

function readableLine(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (line.length <= MAX_REFUSAL_CHARS) return line;
  // Cut before a lone high surrogate, so the line stays valid text.
  const cut = /[\ud800-\udbff]$/.test(line.slice(0, MAX_REFUSAL_CHARS)) ? MAX_REFUSAL_CHARS - 1 : MAX_REFUSAL_CHARS;
  return `${line.slice(0, cut)}… (${line.length - cut} more characters)`;
}

/** True when a socket holds more than `MAX_UNSENT_BYTES` it could not write. */
function stalled(socket: ClientSocket): boolean {
  const unsent = socket.bufferedAmount;
  return typeof unsent === "number" && unsent > MAX_UNSENT_BYTES;
}

/** An error's message, for a result meant for a person. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `p`, or a rejection with `message()` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([p, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
