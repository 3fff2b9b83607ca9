import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

/** How far ahead the constructor schedules housekeeping, every time the object is constructed. */
const HOUSEKEEPING_AFTER_MS = 60 * 60_000;

export interface ClobberState {
  /** How many times `alarm()` has run. */
  runs: number;
  /** When it last ran (epoch ms), or `null`. */
  lastRunAt: number | null;
  alarm: number | null;
}

/**
 * The documented pitfall, on purpose: the constructor calls `setAlarm` without checking `getAlarm` first.
 *
 * Cloudflare's guidance is to check for a pending alarm before setting one in the constructor, because the
 * constructor runs every time the object is woken, including by a request that arrives while an alarm is pending.
 * Here the constructor blindly schedules housekeeping an hour out, so a shorter alarm asked for with `set` is
 * pushed an hour later whenever the object is evicted and woken again before it fires: the wake-up is lost. The
 * inspector shows the overwrite (with the time it replaced) and flags the line; every other example checks first.
 */
export class Clobber extends DurableObject {
  // `Cloudflare.Env` is the base class's default; this object never reads its environment.
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // Inside blockConcurrencyWhile, as constructors usually do their async set-up, so no request sees the object
    // before the alarm is set. The missing `getAlarm()` check is the bug this example exists to show.
    void ctx.blockConcurrencyWhile(async () => {
      await ctx.storage.setAlarm(Date.now() + HOUSEKEEPING_AFTER_MS);
    });
  }

  /** Asks for an alarm `inMs` from now; it replaces whatever is pending (one alarm per object). */
  async set(inMs: number): Promise<ClobberState> {
    await this.ctx.storage.setAlarm(Date.now() + inMs);
    return this.state();
  }

  override async alarm(): Promise<void> {
    const runs = (await this.ctx.storage.get<number>("runs")) ?? 0;
    await this.ctx.storage.put({ runs: runs + 1, lastRunAt: Date.now() });
  }

  async state(): Promise<ClobberState> {
    const stored = await this.ctx.storage.get<number>(["runs", "lastRunAt"]);
    return { runs: stored.get("runs") ?? 0, lastRunAt: stored.get("lastRunAt") ?? null, alarm: await this.ctx.storage.getAlarm() };
  }

  alarmAt(): Promise<number | null> {
    return alarmAt(this.ctx.storage);
  }

  storageEntries(): Promise<StorageEntry[]> {
    return storageEntries(this.ctx.storage);
  }
}
