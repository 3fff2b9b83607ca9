import { Server } from "partyserver";
import { BadRequest, handle, json, route, wholeNumber } from "../http";

/** The guide's example period: every 5 minutes. */
const DEFAULT_INTERVAL_MS = 5 * 60 * 1000;

/**
 * PartyKit's recurring task on partyserver: `onAlarm` does the work and re-arms the alarm for the next run.
 *
 * Unlike classic PartyKit, partyserver knows the room name inside `onAlarm` (`this.name`), even when the alarm wakes
 * the room after a restart: it keeps the name in storage. `onStart` runs on every wake, the alarm's included, before
 * `onAlarm`; the inspector shows it as part of the wake. Starting only brings the next run forward, never back
 * (one alarm per room: the guide's "set it only if it is sooner").
 *
 *   POST /parties/recurring-job/<room>/start?intervalMs=   → state
 *   POST /parties/recurring-job/<room>/stop                → state (deletes the alarm)
 *   GET  /parties/recurring-job/<room>                     → `{ room, starts, runs, lastRunFor, intervalMs, alarm }`
 */
export class RecurringJob extends Server {
  override async onStart(): Promise<void> {
    // Counts wakes, so a test (or a curious reader) can see that onStart ran before onAlarm.
    const starts = ((await this.ctx.storage.get<number>("starts")) ?? 0) + 1;
    await this.ctx.storage.put("starts", starts);
  }

  override onRequest(request: Request): Promise<Response> {
    return handle(async () => {
      const r = route(request);
      if (r === "POST start") await this.start(wholeNumber(new URL(request.url), "intervalMs", DEFAULT_INTERVAL_MS));
      else if (r === "POST stop") await this.ctx.storage.deleteAlarm();
      else if (r !== "GET ") return json({ error: `no route ${r}` }, 404);
      return json(await this.state());
    });
  }

  override async onAlarm(): Promise<void> {
    const runs = ((await this.ctx.storage.get<number>("runs")) ?? 0) + 1;
    await this.ctx.storage.put({ runs, lastRunAt: Date.now(), lastRunFor: this.name });
    const intervalMs = (await this.ctx.storage.get<number>("intervalMs")) ?? DEFAULT_INTERVAL_MS;
    // Re-arm: inside onAlarm no alarm is pending any more, so this schedules the next run.
    await this.ctx.storage.setAlarm(Date.now() + intervalMs);
  }

  private async start(intervalMs: number): Promise<void> {
    if (intervalMs < 1) throw new BadRequest("?intervalMs= must be at least 1: a period of 0 would re-arm forever");
    await this.ctx.storage.put("intervalMs", intervalMs);
    const next = Date.now() + intervalMs;
    const previous = await this.ctx.storage.getAlarm();
    if (previous === null || next < previous) await this.ctx.storage.setAlarm(next);
  }

  private async state() {
    const s = this.ctx.storage;
    return {
      room: this.name,
      starts: (await s.get<number>("starts")) ?? 0,
      runs: (await s.get<number>("runs")) ?? 0,
      lastRunFor: (await s.get<string>("lastRunFor")) ?? null,
      intervalMs: (await s.get<number>("intervalMs")) ?? null,
      alarm: await s.getAlarm(),
    };
  }
}
