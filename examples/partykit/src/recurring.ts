import type * as Party from "partykit/server";
import { action, BadRequest, handle, json, wholeNumber } from "./http";

/** The guide's example period: every 5 minutes. */
const DEFAULT_INTERVAL_MS = 5 * 60 * 1000;

export interface JobState {
  /** The room id, as stored by `onStart` (the only way `onAlarm` can know it). */
  id: string | null;
  runs: number;
  lastRunAt: number | null;
  intervalMs: number | null;
  alarm: number | null;
}

/**
 * PartyKit's recurring task (the `jobs` party): `onAlarm` does the work and re-arms the alarm for the next run.
 *
 * It also follows the guide's two workarounds:
 * - `this.room.id` throws inside `onAlarm`, so `onStart` stores the id while it is known and `onAlarm` reads it back;
 * - starting the job sets the alarm only if it is sooner than the one already pending (one alarm per room).
 *
 * HTTP:
 *   POST /parties/jobs/<room>/start?intervalMs=   → state (starts the job, or brings its next run forward)
 *   POST /parties/jobs/<room>/stop                → state (deletes the alarm)
 *   GET  /parties/jobs/<room>                     → `{ id, runs, lastRunAt, intervalMs, alarm }`
 */
export default class RecurringJob implements Party.Server {
  constructor(readonly room: Party.Room) {}

  async onStart(): Promise<void> {
    const id = knownRoomId(this.room);
    if (id !== undefined) await this.room.storage.put("id", id);
  }

  onRequest(request: Party.Request): Promise<Response> {
    return handle(async () => {
      const url = new URL(request.url);
      const route = `${request.method} ${action(url)}`;
      if (route === "POST start") await this.start(wholeNumber(url, "intervalMs", DEFAULT_INTERVAL_MS));
      else if (route === "POST stop") await this.room.storage.deleteAlarm();
      else if (route !== "GET ") return json({ error: `no route ${route}` }, 404);
      return json(await this.state());
    });
  }

  async onAlarm(): Promise<void> {
    // Not this.room.id: PartyKit throws when onAlarm reads it. The id stored by onStart is the workaround.
    const id = await this.room.storage.get<string>("id");
    const runs = ((await this.room.storage.get<number>("runs")) ?? 0) + 1;
    await this.room.storage.put({ runs, lastRunAt: Date.now(), lastRunFor: id ?? null });
    const intervalMs = (await this.room.storage.get<number>("intervalMs")) ?? DEFAULT_INTERVAL_MS;
    // Re-arm: inside onAlarm no alarm is pending any more, so this schedules the next run.
    await this.room.storage.setAlarm(Date.now() + intervalMs);
  }

  private async start(intervalMs: number): Promise<void> {
    if (intervalMs < 1) throw new BadRequest("?intervalMs= must be at least 1: a period of 0 would re-arm forever");
    await this.room.storage.put("intervalMs", intervalMs);
    const next = Date.now() + intervalMs;
    const previous = await this.room.storage.getAlarm();
    if (previous === null || next < previous) await this.room.storage.setAlarm(next);
  }

  private async state(): Promise<JobState> {
    const s = this.room.storage;
    return {
      id: (await s.get<string>("id")) ?? null,
      runs: (await s.get<number>("runs")) ?? 0,
      lastRunAt: (await s.get<number>("lastRunAt")) ?? null,
      intervalMs: (await s.get<number>("intervalMs")) ?? null,
      alarm: await s.getAlarm(),
    };
  }
}

/**
 * The room id when PartyKit knows it. The guide tests `this.room.id` in `onStart`, but when the alarm wakes a room
 * that is asleep PartyKit starts it without a request and reading the id throws, so read it carefully.
 */
function knownRoomId(room: Party.Room): string | undefined {
  try {
    return room.id;
  } catch {
    return undefined;
  }
}
