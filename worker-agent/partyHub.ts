import { isHoldCommand, isScheduleCommand, PARTYKIT_HEALTH_PATH, PARTYKIT_INSPECTOR_PATH } from "../protocol/protocol";
import type { Command } from "../protocol/protocol";
import { CONTROL_TIMEOUT_MS } from "./hub";
import { clientOptions, errorText, healthResponse, HubClients, refuse, refuseHandshake, unknownEndpoint, withTimeout } from "./hubClients";
import type { ClientSocket } from "./hubClients";
import { CONTROL_PATH_SUFFIX, CONTROL_TOKEN_HEADER } from "./partyRoom";
import type { AgentRuntime } from "./runtime";

/** The part of `Party.Room` the hub uses: the other parties, to reach rooms by name. */
interface HubRoom {
  readonly context: { readonly parties: Record<string, { get(name: string): { fetch(path: string, init?: RequestInit): Promise<Response> } } | undefined> };
}

/** A PartyKit connection: a workerd WebSocket the facade has accepted. */
type Connection = ClientSocket & object;

/**
 * The hub as a classic PartyKit party (`__alarm_inspector`), the counterpart of the Durable Object hub under wrangler:
 * the same handshake refusals (answered by `onBeforeConnect`, before any upgrade), the same frames, the same event
 * pump. Commands reach a room with a request through `room.context.parties`, which wakes it exactly as a real
 * request would, and are answered by the room's wrapper (see partyRoom).
 */
export function createPartyHubClass(runtime: AgentRuntime) {
  return class AlarmInspectorHub {
    /** Runs in the Worker before the upgrade: a refused client never reaches the hub's room. */
    static onBeforeConnect(request: Request): Request | Response {
      const path = new URL(request.url).pathname;
      if (path !== PARTYKIT_INSPECTOR_PATH) return unknownEndpoint(path, PARTYKIT_INSPECTOR_PATH, PARTYKIT_HEALTH_PATH);
      return refuseHandshake(request, runtime) ?? request;
    }

    /** Plain requests never reach the hub's room: only the health probe answers, without a token and without secrets. */
    static onBeforeRequest(request: Request): Response {
      const path = new URL(request.url).pathname;
      if (path === PARTYKIT_HEALTH_PATH) return healthResponse(runtime, request);
      if (path === PARTYKIT_INSPECTOR_PATH) return refuse(426, "alarm-inspector: this endpoint speaks WebSocket only");
      return unknownEndpoint(path, PARTYKIT_INSPECTOR_PATH, PARTYKIT_HEALTH_PATH);
    }

    private readonly clients = new HubClients(runtime, (command) =>
      isScheduleCommand(command)
        ? Promise.reject(new Error("schedule commands need wrangler dev (classic PartyKit rooms keep no schedules the inspector knows)"))
        : isHoldCommand(command)
          ? Promise.reject(new Error("holding an attempt needs wrangler dev or the Vite plugin; classic partykit dev is not supported"))
          : this.run(command),
    );
    private readonly byConnection = new WeakMap<Connection, ReturnType<HubClients["add"]>>();

    constructor(readonly room: HubRoom) {}

    /** PartyKit hands the upgrade request in `ctx`: it says whether the client asked for numbered objects. */
    onConnect(connection: Connection, ctx?: { readonly request?: { readonly url: string } }): void {
      const url = ctx?.request?.url;
      this.byConnection.set(connection, this.clients.add(connection, url === undefined ? undefined : clientOptions(url)));
    }

    onMessage(message: string | ArrayBuffer, connection: Connection): void {
      const client = this.byConnection.get(connection);
      if (client) void this.clients.onFrame(client, message);
    }

    onClose(connection: Connection): void {
      const client = this.byConnection.get(connection);
      if (client) this.clients.remove(client);
    }

    onError(connection: Connection): void {
      this.onClose(connection);
    }

    private async run(command: Command): Promise<unknown> {
      const { target } = command;
      const info = runtime.options.classes.find((c) => c.className === target.className);
      if (!info?.party) {
        const known = runtime.options.classes.map((c) => c.className).join(", ");
        throw new Error(`unknown class "${target.className}"; this project's parties are: ${known}`);
      }
      const name = target.name ?? (target.id !== undefined ? runtime.roomName(target.id) : undefined);
      if (name === undefined) {
        throw new Error(
          `the room name of ${target.className} ${target.id} is unknown: PartyKit reaches rooms by name only, and this room ` +
            "has not received a request since the server started; send it one (any request to the room), then try again",
        );
      }
      const party = this.room.context.parties[info.party];
      if (!party) throw new Error(`party "${info.party}" of ${target.className} is missing from this PartyKit project`);
      const call = party.get(name).fetch(CONTROL_PATH_SUFFIX, {
        method: "POST",
        headers: { [CONTROL_TOKEN_HEADER]: runtime.options.token, "content-type": "application/json" },
        body: JSON.stringify(command),
      });
      const response = await withTimeout(call, CONTROL_TIMEOUT_MS, () => {
        return `${command.op} on ${target.className} "${name}" timed out after ${CONTROL_TIMEOUT_MS / 1000} s: is the room blocked?`;
      });
      const text = await response.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        // Not the wrapper's answer: the request did not reach it (an old bundle, or the room threw in onStart).
        throw new Error(`the room ${name} of ${target.className} did not run the command (HTTP ${response.status}: ${text.slice(0, 200)})`);
      }
      const result = answer as { ok?: unknown; value?: unknown; error?: unknown };
      if (result.ok === true) return result.value;
      throw new Error(typeof result.error === "string" ? result.error : `the command failed: ${errorText(answer)}`);
    }
  };
}
