/**
 * The editor's side of the soak: the extension's real connection supervisor (which reconnects after reloads and
 * restarts) feeding the extension's real model, plus a count of every event and `seq` that arrived, so losses the
 * agent did not announce show up as gaps.
 */
import { InspectorConnection } from "../../extension/connection/connection";
import { InspectorClient } from "../../extension/connection/inspectorClient";
import type { Endpoint } from "../../extension/connection/inspectorClient";
import { AlarmModel } from "../../extension/model/alarmModel";
import type { WireEvent } from "../../protocol/protocol";
import type { Target } from "./targets";

/** What arrived in one agent session (one Worker isolate), by `seq`. */
interface SessionSeqs {
  seen: Set<number>;
  /** Seqs a `dropped` marker accounted for. */
  announced: number;
  max: number;
}

export class Feed {
  readonly model = new AlarmModel();
  readonly connection: InspectorConnection;
  received = 0;
  connects = 0;
  private readonly sessions = new Map<number, SessionSeqs>();
  private current: SessionSeqs | undefined;

  constructor(private readonly target: Target) {
    this.connection = new InspectorConnection(this.model, (endpoint: Endpoint) => {
      const client = new InspectorClient(endpoint);
      client.onHello((hello) => {
        this.connects++;
        let s = this.sessions.get(hello.sessionStartedAt);
        if (!s) this.sessions.set(hello.sessionStartedAt, (s = { seen: new Set(), announced: 0, max: 0 }));
        this.current = s;
      });
      client.onEvents((events) => this.count(events));
      return client;
    });
  }

  attach(): Promise<unknown> {
    const target = this.target;
    return this.connection.attach({
      label: `${target.label} soak Worker`,
      read: async () => {
        const info = target.session();
        return info ? { inspector: info.inspector, token: info.token } : undefined;
      },
    });
  }

  private count(events: readonly WireEvent[]): void {
    this.received += events.length;
    const s = this.current;
    if (!s) return;
    for (const e of events) {
      const seq = (e as { seq?: unknown }).seq;
      if (typeof seq !== "number") continue;
      if (e.kind === "dropped") s.announced += (e as { count: number }).count;
      else s.seen.add(seq);
      s.max = Math.max(s.max, seq);
    }
  }

  /** Seqs below each session's highest that never arrived and no `dropped` marker announced: silent losses. */
  silentGaps(): number {
    let gaps = 0;
    for (const s of this.sessions.values()) gaps += Math.max(0, s.max - s.seen.size - s.announced);
    return gaps;
  }

  get agentSessions(): number {
    return this.sessions.size;
  }

  dispose(): void {
    this.connection.detach();
    this.model.dispose();
  }
}
