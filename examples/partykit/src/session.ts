import type * as Party from "partykit/server";
import { action, BadRequest, handle, json, wholeNumber } from "./http";

/** How long a session's data lives without being written to: 30 days, as in PartyKit's guide. */
const EXPIRY_PERIOD_MS = 30 * 24 * 60 * 60 * 1000;

/** What a client stores: any JSON object with an `id`. */
interface Entry {
  id: string;
  [field: string]: unknown;
}

/**
 * PartyKit's "expiring unused room storage" pattern (the main party): every write pushes the room's one alarm
 * further into the future, so it only rings once the room has been left alone for the whole period, and then it
 * clears the room's storage.
 *
 * In the inspector each write shows as an alarm replaced by a later one: that is the pattern working, not noise.
 * Connecting also extends the period (the guide's variant that keeps data alive while it is being read).
 *
 * HTTP, for curl and the tests (`ttlMs` shortens the period for a demo):
 *   POST /party/<room>?ttlMs=   body `{"id": "…", …}` → `{ keys, alarm }`
 *   GET  /party/<room>                               → `{ keys, alarm }`
 */
export default class UserSession implements Party.Server {
  constructor(readonly room: Party.Room) {}

  async onConnect(connection: Party.Connection): Promise<void> {
    connection.send(JSON.stringify(Object.fromEntries(await this.room.storage.list())));
    await this.extend(EXPIRY_PERIOD_MS);
  }

  async onMessage(message: string): Promise<void> {
    const entry = parseEntry(message);
    await this.save(entry, typeof entry.ttlMs === "number" ? entry.ttlMs : EXPIRY_PERIOD_MS);
  }

  onRequest(request: Party.Request): Promise<Response> {
    return handle(async () => {
      const url = new URL(request.url);
      if (action(url) !== "") return json({ error: `no route ${url.pathname}` }, 404);
      if (request.method === "POST") await this.save(parseEntry(await request.text()), wholeNumber(url, "ttlMs", EXPIRY_PERIOD_MS));
      else if (request.method !== "GET") return json({ error: `${request.method} is not supported` }, 405);
      return json(await this.state());
    });
  }

  /** Ringing means nothing was written for a whole period (each write replaced this alarm with a later one). */
  async onAlarm(): Promise<void> {
    await this.room.storage.deleteAll();
  }

  private async save(entry: Entry, ttlMs: number): Promise<void> {
    await this.room.storage.put(entry.id, entry);
    await this.extend(ttlMs);
  }

  /** Replaces the pending alarm on purpose: without checking `getAlarm()`, unlike a batch that must not move. */
  private async extend(ttlMs: number): Promise<void> {
    await this.room.storage.setAlarm(Date.now() + ttlMs);
  }

  private async state(): Promise<{ keys: string[]; alarm: number | null }> {
    return { keys: [...(await this.room.storage.list()).keys()], alarm: await this.room.storage.getAlarm() };
  }
}

function parseEntry(text: string): Entry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest("the body must be JSON");
  }
  if (!value || typeof value !== "object" || typeof (value as { id?: unknown }).id !== "string") {
    throw new BadRequest('the body must be a JSON object with a string "id"');
  }
  return value as Entry;
}
