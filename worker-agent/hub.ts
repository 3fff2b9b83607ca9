import { INSPECTOR_PATH } from "../protocol/protocol";
import type { Command, HoldCommand, ScheduleCommand } from "../protocol/protocol";
import { clientOptions, errorText, HubClients, refuseHandshake, unknownEndpoint, withTimeout } from "./hubClients";
import { CONTROL_METHOD } from "./instrument";
import type { AgentRuntime } from "./runtime";

export { AGENT_VERSION } from "./hubClients";

/** A control call that takes longer than this is reported as failed (the object may be blocked). */
export const CONTROL_TIMEOUT_MS = 15_000;

/**
 * The hub Durable Object: holds the editor's WebSocket(s) and runs commands against user objects.
 *
 * Why an object: a socket accepted in one request cannot be written from another, but an object may write to
 * sockets it accepted from any of its own events. Instrumented objects record into the isolate's event buffer and
 * the hub, and only the hub, pumps it to the sockets, so user objects hold no connection and stay free to sleep.
 *
 * It is a plain class, not a subclass of `DurableObject` from `cloudflare:workers`: nothing calls it by RPC, and
 * leaving that import out lets one agent bundle also run under classic PartyKit, whose bundler does not provide it.
 */
export function createHubClass(runtime: AgentRuntime) {
  return class AlarmInspectorHub {
    private readonly clients = new HubClients(runtime, (command) => this.run(command));

    constructor(
      readonly ctx: DurableObjectState,
      readonly env: Record<string, unknown>,
    ) {}

    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (url.pathname !== INSPECTOR_PATH) return unknownEndpoint(url.pathname);
      const refusal = refuseHandshake(request, runtime);
      if (refusal) return refusal;
      const pair = new WebSocketPair();
      const [clientEnd, server] = [pair[0], pair[1]];
      server.accept();
      const client = this.clients.add(server, clientOptions(request.url));
      server.addEventListener("message", (ev) => void this.clients.onFrame(client, ev.data));
      const drop = () => this.clients.remove(client);
      server.addEventListener("close", (ev) => {
        drop();
        // Answer the client's close frame: without the reply (workerd does not send it on its own for every
        // compatibility date) the client waits out its closing timeout, 30 s in `ws`, before it lets go.
        try {
          // Codes such as 1005 ("no status") may be reported but never sent: answer those with a plain 1000.
          server.close(ev.code === 1000 || (ev.code >= 3000 && ev.code < 5000) ? ev.code : 1000, "closing");
        } catch {
          // already closed from this side
        }
      });
      server.addEventListener("error", drop);
      return new Response(null, { status: 101, webSocket: clientEnd });
    }

    private async run(command: Command | ScheduleCommand | HoldCommand): Promise<unknown> {
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
      const stub = ns.get(id) as unknown as Record<string, (c: Command | ScheduleCommand | HoldCommand) => Promise<unknown>>;
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
