import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

/** Prefix of the scratch keys the cleaner sweeps away. */
const TMP_PREFIX = "tmp:";

/**
 * A periodic job: every run does its work and then arms the next run itself, like a per-object cron.
 *
 * The job is started by a request rather than in the constructor. Arming in the constructor is tempting, but
 * the constructor also runs when the object wakes *for* its alarm, and a blind `setAlarm` there would replace
 * the alarm that is about to fire. Starting explicitly keeps that hazard out of the example.
 */
export class PeriodicCleaner extends DurableObject {
  /** Records the interval and arms the first run, unless a run is already pending. */
  async start(intervalMs: number): Promise<{ alarm: number | null }> {
    await this.ctx.storage.put("intervalMs", intervalMs);
    let alarm = await this.ctx.storage.getAlarm();
    if (alarm === null) {
      alarm = Date.now() + intervalMs;
      await this.ctx.storage.setAlarm(alarm);
    }
    return { alarm };
  }

  /** Stops the cycle. Deleting the alarm is enough: the next run is the only thing that would re-arm it. */
  async stop(): Promise<{ alarm: number | null }> {
    await this.ctx.storage.deleteAlarm();
    return { alarm: await this.ctx.storage.getAlarm() };
  }

  /** Writes a scratch entry for the next run to clean up. Keyed by time so repeated writes accumulate. */
  async addTmp(value: string): Promise<{ key: string }> {
    const key = `${TMP_PREFIX}${Date.now()}`;
    await this.ctx.storage.put(key, value);
    return { key };
  }

  override async alarm(): Promise<void> {
    const tmp = await this.ctx.storage.list({ prefix: TMP_PREFIX });
    if (tmp.size > 0) await this.ctx.storage.delete([...tmp.keys()]);
    const runs = (await this.ctx.storage.get<number>("runs")) ?? 0;
    await this.ctx.storage.put("runs", runs + 1);

    // Re-arm last, after the work succeeded. If the work had thrown, the runtime's retry would take over;
    // had we re-armed first, that new alarm would replace the retry and a failing run would go unnoticed.
    const intervalMs = await this.ctx.storage.get<number>("intervalMs");
    if (intervalMs !== undefined) await this.ctx.storage.setAlarm(Date.now() + intervalMs);
  }

  async state(): Promise<{ runs: number; alarm: number | null }> {
    return {
      runs: (await this.ctx.storage.get<number>("runs")) ?? 0,
      alarm: await this.ctx.storage.getAlarm(),
    };
  }

  alarmAt(): Promise<number | null> {
    return alarmAt(this.ctx.storage);
  }

  storageEntries(): Promise<StorageEntry[]> {
    return storageEntries(this.ctx.storage);
  }
}
