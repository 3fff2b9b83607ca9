import { DurableObject } from "cloudflare:workers";
import { checkCommand, HEALTH_PATH, INSPECTOR_PATH, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION } from "../protocol/protocol";
import type { Command, HelloMessage, ServerMessage } from "../protocol/protocol";
import { CONTROL_METHOD } from "./instrument";
import type { AgentRuntime } from "./runtime";

declare const __AGENT_VERSION__: string;
/** Set by the build; "dev" when the sources are bundled some other way (a user wrapping classes by hand). */
export const AGENT_VERSION = typeof __AGENT_VERSION__ === "string" ? __AGENT_VERSION__ : "dev";

/** How often the hub looks for new events while an editor is connected. Objects never call the hub themselves. */
const PUMP_INTERVAL_MS = 25;
/** Most events in one `events` frame. */
const EVENTS_PER_FRAME = 500;
/** A control call that takes longer than this is reported as failed (the object may be blocked). */
const CONTROL_TIMEOUT_MS = 15_000;

interface Client {
  socket: WebSocket;
  cursor: number;
}

/** Compares two strings in time that depends only on their lengths. */
function sameSecret(a: string, b: string): boolean {
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

function refuse(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The hub Durable Object: holds the editor's WebSocket(s) and runs commands against user objects.
 *
 * Why an object: a socket accepted in one request cannot be written from another, but an object may write to
 * sockets it accepted from any of its own events. Instrumented objects record into the isolate's event buffer and
 * the hub, and only the hub, pumps it to the sockets, so user objects hold no connection and stay free to sleep.
 */
export function createHubClass(runtime: AgentRuntime) {
  return class AlarmInspectorHub extends DurableObject<Record<string, unknown>> {
    private readonly clients = new Set<Client>();
    private pump: ReturnType<typeof setInterval> | undefined;
    private pumpedVersion = -1;

    override async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (url.pathname !== INSPECTOR_PATH) {
        return refuse(404, `alarm-inspector: no such endpoint ${url.pathname}; the inspector is at ${INSPECTOR_PATH}, health at ${HEALTH_PATH}`);
      }
      // A browser always sends Origin on a WebSocket handshake; the extension never does. Refusing it keeps web
      // pages the user visits from reaching the inspector on localhost.
      if (request.headers.has("Origin")) return refuse(403, "alarm-inspector: connections from browsers are refused");
      const token = presentedToken(request);
      if (!token || !sameSecret(token, runtime.options.token)) {
        return refuse(401, "alarm-inspector: missing or wrong token; read it from .wrangler/alarm-inspector/session.json");
      }
      if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
        return refuse(426, "alarm-inspector: this endpoint speaks WebSocket only");
      }
      const pair = new WebSocketPair();
      const [clientEnd, server] = [pair[0], pair[1]];
      server.accept();
      const client: Client = { socket: server, cursor: 0 };
      this.clients.add(client);
      runtime.clients++;
      server.addEventListener("message", (ev) => void this.onFrame(client, ev.data));
      const drop = () => this.disconnect(client);
      server.addEventListener("close", drop);
      server.addEventListener("error", drop);
      this.send(client, this.hello());
      this.flush(client);
      this.startPump();
      return new Response(null, { status: 101, webSocket: clientEnd });
    }

    private hello(): HelloMessage {
      return {
        type: "hello",
        protocol: PROTOCOL_VERSION,
        worker: runtime.options.worker,
        classes: runtime.options.classes,
        agentVersion: AGENT_VERSION,
        sessionStartedAt: runtime.startedAt,
        bufferSize: runtime.buffer.capacity,
      };
    }

    private disconnect(client: Client): void {
      if (!this.clients.delete(client)) return;
      runtime.clients--;
      if (this.clients.size === 0 && this.pump !== undefined) {
        clearInterval(this.pump);
        this.pump = undefined;
      }
    }

    private startPump(): void {
      if (this.pump !== undefined) return;
      this.pump = setInterval(() => {
        if (runtime.buffer.version === this.pumpedVersion) return;
        this.pumpedVersion = runtime.buffer.version;
        for (const client of this.clients) this.flush(client);
      }, PUMP_INTERVAL_MS);
    }

    /** Sends every event the client has not seen, in frames of bounded size. */
    private flush(client: Client): void {
      for (;;) {
        const { events, cursor } = runtime.buffer.readSince(client.cursor, EVENTS_PER_FRAME, Date.now());
        if (events.length === 0) return;
        client.cursor = cursor;
        if (!this.send(client, { type: "events", events })) return;
      }
    }

    private send(client: Client, message: ServerMessage): boolean {
      try {
        client.socket.send(JSON.stringify(message));
        return true;
      } catch {
        this.disconnect(client);
        return false;
      }
    }

    private async onFrame(client: Client, data: string | ArrayBuffer): Promise<void> {
      if (typeof data !== "string") {
        this.send(client, { type: "error", error: "binary frames are not accepted; send JSON text" });
        return;
      }
      // Worst case 3 bytes a UTF-16 unit: only count exactly when the cheap bound is not enough.
      const bytes = data.length * 3 <= MAX_CLIENT_FRAME_BYTES ? data.length : new TextEncoder().encode(data).byteLength;
      if (bytes > MAX_CLIENT_FRAME_BYTES) {
        this.send(client, { type: "error", error: `frame of ${bytes} bytes refused; the limit is ${MAX_CLIENT_FRAME_BYTES} bytes` });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch (e) {
        this.send(client, { type: "error", error: `malformed frame, not JSON: ${(e as Error).message}` });
        return;
      }
      const check = checkCommand(parsed);
      if (!check.ok) {
        if (check.id !== undefined) this.send(client, { type: "result", id: check.id, ok: false, error: check.error });
        else this.send(client, { type: "error", error: check.error });
        return;
      }
      const reply = await this.run(check.command).then(
        (value) => ({ type: "result" as const, id: check.command.id, ok: true as const, value }),
        (e: unknown) => ({ type: "result" as const, id: check.command.id, ok: false as const, error: errorText(e) }),
      );
      this.send(client, reply);
    }

    private async run(command: Command): Promise<unknown> {
      const { target } = command;
      const binding = runtime.bindingFor(target.className);
      const known = runtime.options.classes.map((c) => c.className).join(", ");
      if (!binding) throw new Error(`unknown class "${target.className}"; this Worker's Durable Object classes are: ${known}`);
      const ns = this.env[binding] as DurableObjectNamespace | undefined;
      if (!ns) throw new Error(`binding ${binding} of class ${target.className} is missing from the Worker's env`);
      let id: DurableObjectId;
      try {
        id = target.id !== undefined ? ns.idFromString(target.id) : ns.idFromName(target.name ?? "");
      } catch (e) {
        throw new Error(`"${target.id}" is not an id of a ${target.className} object (${errorText(e)})`);
      }
      const stub = ns.get(id) as unknown as Record<string, (c: Command) => Promise<unknown>>;
      return withTimeout(stub[CONTROL_METHOD]!(command), CONTROL_TIMEOUT_MS, () => {
        return `${command.op} on ${target.className} timed out after ${CONTROL_TIMEOUT_MS / 1000} s: is the object blocked?`;
      }).catch((e: unknown) => {
        const text = errorText(e);
        if (/does not (support|implement) RPC|not a function|does not have a method/i.test(text)) {
          throw new Error(
            `${target.className} cannot be reached by RPC: make it extend DurableObject from "cloudflare:workers" (${text})`,
          );
        }
        throw e;
      });
    }
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([p, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

