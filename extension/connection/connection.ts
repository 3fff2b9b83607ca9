import type { HelloMessage, WireEvent } from "../../protocol/protocol";
import type { AlarmModel } from "../model/alarmModel";
import { Emitter } from "../model/events";
import type { IDisposable } from "../common/lifecycle";
import type { ConnectionState } from "../model/types";
import { InspectorClient } from "./inspectorClient";
import type { CommandRequest, Endpoint } from "./inspectorClient";

/** Where to find the endpoint; read again before every reconnection, since a restarted launcher has a new token. */
export interface EndpointSource {
  /** A short description for messages ("examples/.wrangler/alarm-inspector/session.json"). */
  readonly label: string;
  read(): Promise<Endpoint | undefined>;
}

/** Told after every successful reconnection. `reloaded`: the Worker restarted (a new agent session). */
export interface Reconnected {
  afterMs: number;
  reloaded: boolean;
  hello: HelloMessage;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 3000;

/**
 * Supervises the link to one agent: feeds the model, and after a drop (a hot reload restarts the Worker and with it
 * the hub; a wrangler restart changes the port's owner and the token) reconnects by itself, with backoff, until
 * `detach()`. It imports nothing from `vscode`, so the runtime tests drive it against a real wrangler.
 */
export class InspectorConnection implements IDisposable {
  private client: InspectorClient | undefined;
  private source: EndpointSource | undefined;
  private supervising = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private droppedAt = 0;
  private lastSession: number | undefined;
  private _state: ConnectionState = { kind: "disconnected" };

  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly reconnectedEmitter = new Emitter<Reconnected>();
  private readonly logEmitter = new Emitter<string>();
  private readonly eventsEmitter = new Emitter<readonly WireEvent[]>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidReconnect = this.reconnectedEmitter.event;
  readonly onLog = this.logEmitter.event;
  /** Every batch of events, after the model has taken it (Fast-Forward waits on attempts' ends). */
  readonly onEvents = this.eventsEmitter.event;

  constructor(
    private readonly model: AlarmModel,
    private readonly createClient: (endpoint: Endpoint) => InspectorClient = (e) => new InspectorClient(e),
  ) {}

  get state(): ConnectionState {
    return this._state;
  }

  get hello(): HelloMessage | undefined {
    return this.client?.hello;
  }

  get endpointLabel(): string | undefined {
    return this.source?.label;
  }

  /** Connects to `source` (dropping any current link) and starts supervising; rejects with a readable reason. */
  async attach(source: EndpointSource): Promise<HelloMessage> {
    this.detach();
    this.source = source;
    this.setState({ kind: "connecting" });
    const endpoint = await source.read();
    if (!endpoint) {
      this.setState({ kind: "disconnected" });
      throw new Error(`no running session found at ${source.label}`);
    }
    try {
      const hello = await this.open(endpoint);
      this.supervising = true;
      return hello;
    } catch (e) {
      this.setState({ kind: "disconnected" });
      throw e;
    }
  }

  /** Stops the link and any reconnection. The model keeps its history. */
  detach(): void {
    this.supervising = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    client?.dispose();
    if (this._state.kind !== "disconnected") this.setState({ kind: "disconnected" });
  }

  /** Drops the link and connects again at once (the Reconnect command). */
  async reconnectNow(): Promise<HelloMessage> {
    const source = this.source;
    if (!source) throw new Error("not attached to any session: start or attach first");
    return this.attach(source);
  }

  send(request: CommandRequest): Promise<unknown> {
    if (!this.client?.isOpen) return Promise.reject(new Error("not connected to the inspector: start or attach first"));
    return this.client.send(request);
  }

  private async open(endpoint: Endpoint): Promise<HelloMessage> {
    const client = this.createClient(endpoint);
    client.onHello((hello) => {
      this.model.applyHello(hello, Date.now());
    });
    client.onEvents((events) => {
      this.model.applyEvents(events);
      this.eventsEmitter.fire(events);
    });
    client.onProtocolError((e) => this.log(`agent: ${e}`));
    const hello = await client.connect();
    this.client = client;
    client.onClose(({ code }) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.dispose();
      if (!this.supervising) {
        this.setState({ kind: "disconnected" });
        return;
      }
      this.log(`connection to ${this.source?.label ?? "the inspector"} lost (${code}); reconnecting`);
      this.droppedAt = Date.now();
      this.attempt = 0;
      this.scheduleRetry();
    });
    this.lastSession = hello.sessionStartedAt;
    this.setState({ kind: "connected", url: endpoint.inspector });
    this.log(`connected to ${hello.worker} (agent ${hello.agentVersion}, protocol ${hello.protocol})`);
    return hello;
  }

  private scheduleRetry(): void {
    this.attempt++;
    this.setState({ kind: "reconnecting", attempt: this.attempt, since: this.droppedAt });
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (this.attempt - 1), MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => void this.retry(), delay);
  }

  private async retry(): Promise<void> {
    this.retryTimer = undefined;
    if (!this.supervising || !this.source) return;
    const previousSession = this.lastSession;
    try {
      const endpoint = await this.source.read();
      if (!endpoint) throw new Error("no session file (wrangler is not running)");
      const hello = await this.open(endpoint);
      const afterMs = Date.now() - this.droppedAt;
      const reloaded = hello.sessionStartedAt !== previousSession;
      this.log(`reconnected after ${(afterMs / 1000).toFixed(1)} s${reloaded ? ": the Worker restarted, history kept" : ""}`);
      this.reconnectedEmitter.fire({ afterMs, reloaded, hello });
    } catch (e) {
      if (!this.supervising) return;
      if (this.attempt === 1 || this.attempt % 20 === 0) this.log(`still reconnecting: ${(e as Error).message}`);
      this.scheduleRetry();
    }
  }

  private setState(state: ConnectionState): void {
    this._state = state;
    this.model.setConnection(state);
    this.stateEmitter.fire(state);
  }

  private log(line: string): void {
    this.logEmitter.fire(line);
  }

  dispose(): void {
    this.detach();
    this.stateEmitter.dispose();
    this.reconnectedEmitter.dispose();
    this.logEmitter.dispose();
    this.eventsEmitter.dispose();
  }
}
