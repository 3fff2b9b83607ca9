import { Server } from "partyserver";
import { BadRequest, handle, json, route, wholeNumber } from "../http";

/** How long a room's data lives without being written to: 30 days, as in PartyKit's guide. */
const EXPIRY_PERIOD_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * PartyKit's "expiring unused room storage" pattern on partyserver: every write pushes the room's one alarm further
 * into the future, so it only rings once the room has been left alone for the whole period, and then it clears the
 * room. In the inspector each write shows as the alarm replaced by a later one: the pattern working, not noise.
 *
 *   POST /parties/expiring-room/<room>?ttlMs=   body `{"id": "…", …}` → `{ room, keys, alarm }`
 *   GET  /parties/expiring-room/<room>                               → `{ room, keys, alarm }`
 *   WebSocket: each message (the same JSON) is stored and extends the period; connecting extends it too.
 */
export class ExpiringRoom extends Server {
  override async onConnect(): Promise<void> {
    await this.extend(EXPIRY_PERIOD_MS);
  }

  override async onMessage(_connection: unknown, message: string | ArrayBuffer): Promise<void> {
    if (typeof message === "string") await this.save(message, EXPIRY_PERIOD_MS);
  }

  override onRequest(request: Request): Promise<Response> {
    return handle(async () => {
      const r = route(request);
      if (r === "POST ") await this.save(await request.text(), wholeNumber(new URL(request.url), "ttlMs", EXPIRY_PERIOD_MS));
      else if (r !== "GET ") return json({ error: `no route ${r}` }, 404);
      return json(await this.state());
    });
  }

  /** Ringing means nothing was written for a whole period (each write replaced this alarm with a later one). */
  override async onAlarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private async save(text: string, ttlMs: number): Promise<void> {
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      throw new BadRequest("the body must be JSON");
    }
    const id = entry && typeof entry === "object" ? (entry as { id?: unknown }).id : undefined;
    if (typeof id !== "string") throw new BadRequest('the body must be a JSON object with a string "id"');
    await this.ctx.storage.put(`entry:${id}`, entry);
    await this.extend(ttlMs);
  }

  /** Replaces the pending alarm on purpose: without checking `getAlarm()`, unlike a batch that must not move. */
  private async extend(ttlMs: number): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + ttlMs);
  }

  private async state(): Promise<{ room: string; keys: string[]; alarm: number | null }> {
    const entries = await this.ctx.storage.list({ prefix: "entry:" });
    return { room: this.name, keys: [...entries.keys()], alarm: await this.ctx.storage.getAlarm() };
  }
}
