import { Server } from "partyserver";
import { handle, json, route, wholeNumber } from "../http";

/**
 * A room whose `onAlarm` throws a given number of times before it succeeds, to watch the runtime retry. partyserver
 * calls `onAlarm()` with no arguments, but the inspector wraps the Durable Object's own `alarm(alarmInfo)`, so the
 * retry counts it shows are the runtime's own (0, 1, 2 …), not inferred.
 *
 *   POST /parties/flaky-room/<room>/arm?failures=2&inMs=0   → state (resets the attempt count)
 *   GET  /parties/flaky-room/<room>                          → `{ failures, attempts, succeededAt, alarm }`
 */
export class FlakyRoom extends Server {
  override onRequest(request: Request): Promise<Response> {
    return handle(async () => {
      const r = route(request);
      if (r === "POST arm") {
        const url = new URL(request.url);
        await this.ctx.storage.put({ failures: wholeNumber(url, "failures", 0), attempts: 0, succeededAt: null });
        await this.ctx.storage.setAlarm(Date.now() + wholeNumber(url, "inMs", 0));
      } else if (r !== "GET ") return json({ error: `no route ${r}` }, 404);
      return json(await this.state());
    });
  }

  override async onAlarm(): Promise<void> {
    const attempts = ((await this.ctx.storage.get<number>("attempts")) ?? 0) + 1;
    await this.ctx.storage.put("attempts", attempts);
    const failures = (await this.ctx.storage.get<number>("failures")) ?? 0;
    console.log(`FlakyRoom ${this.name}: attempt ${attempts} of ${failures + 1}`);
    if (attempts <= failures) throw new Error(`FlakyRoom failed on attempt ${attempts} (failing ${failures} times)`);
    await this.ctx.storage.put("succeededAt", Date.now());
  }

  private async state() {
    const s = this.ctx.storage;
    return {
      failures: (await s.get<number>("failures")) ?? 0,
      attempts: (await s.get<number>("attempts")) ?? 0,
      succeededAt: (await s.get<number>("succeededAt")) ?? null,
      alarm: await s.getAlarm(),
    };
  }
}
