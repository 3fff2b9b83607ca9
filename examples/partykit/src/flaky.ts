import type * as Party from "partykit/server";
import { action, handle, json, wholeNumber } from "./http";

export interface FlakyState {
  failures: number;
  attempts: number;
  succeededAt: number | null;
  alarm: number | null;
}

/**
 * A task whose `onAlarm` throws a given number of times before it succeeds (the `flaky` party), to watch PartyKit
 * retry a failed alarm. PartyKit calls `onAlarm()` without the runtime's `alarmInfo`, so the inspector infers which
 * attempt is a retry (and marks it as inferred); locally the retries come about 2 s, then 4 s, after a failure.
 *
 * HTTP:
 *   POST /parties/flaky/<room>/arm?failures=2&inMs=0   → state (resets the attempt count)
 *   GET  /parties/flaky/<room>                          → `{ failures, attempts, succeededAt, alarm }`
 */
export default class FlakyTask implements Party.Server {
  constructor(readonly room: Party.Room) {}

  onRequest(request: Party.Request): Promise<Response> {
    return handle(async () => {
      const url = new URL(request.url);
      const route = `${request.method} ${action(url)}`;
      if (route === "POST arm") {
        await this.room.storage.put({ failures: wholeNumber(url, "failures", 0), attempts: 0, succeededAt: null });
        await this.room.storage.setAlarm(Date.now() + wholeNumber(url, "inMs", 0));
      } else if (route !== "GET ") return json({ error: `no route ${route}` }, 404);
      return json(await this.state());
    });
  }

  async onAlarm(): Promise<void> {
    const attempts = ((await this.room.storage.get<number>("attempts")) ?? 0) + 1;
    await this.room.storage.put("attempts", attempts);
    const failures = (await this.room.storage.get<number>("failures")) ?? 0;
    console.log(`FlakyTask attempt ${attempts} of ${failures + 1}`);
    if (attempts <= failures) throw new Error(`FlakyTask failed on attempt ${attempts} (failing ${failures} times)`);
    await this.room.storage.put("succeededAt", Date.now());
  }

  private async state(): Promise<FlakyState> {
    const s = this.room.storage;
    return {
      failures: (await s.get<number>("failures")) ?? 0,
      attempts: (await s.get<number>("attempts")) ?? 0,
      succeededAt: (await s.get<number>("succeededAt")) ?? null,
      alarm: await s.getAlarm(),
    };
  }
}
