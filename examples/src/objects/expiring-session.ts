import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

const DATA_PREFIX = "data:";

export interface SessionState {
  keys: string[];
  alarm: number | null;
}

/**
 * Storage that expires when left alone: every write pushes the alarm forward by the time-to-live, so the alarm
 * only rings once the session has been idle that long, and then it wipes everything.
 *
 * This is the mirror image of Batcher: here `setAlarm` is called on every write *without* checking for a
 * pending alarm, because replacing it is the whole point. In the inspector each touch shows as an overwrite.
 */
export class ExpiringSession extends DurableObject {
  async touch(value: string, ttlMs: number): Promise<SessionState> {
    await this.ctx.storage.put(`${DATA_PREFIX}${Date.now()}`, value);
    await this.ctx.storage.setAlarm(Date.now() + ttlMs);
    return this.state();
  }

  /**
   * A session update that writes several fields (`field:0` … `field:<n-1>`, each its own `put`, as code that updates a
   * session record field by field does) and pushes the expiry, like `touch`. The puts are issued together and awaited
   * together: the runtime coalesces them into one write. Answers only the new alarm time, so its cost does not grow
   * with the session. The benchmark's storage-heavy request (`npm run bench`).
   */
  async update(value: string, fields: number, ttlMs: number): Promise<{ alarm: number }> {
    const writes: Promise<void>[] = [];
    for (let i = 0; i < fields; i++) writes.push(this.ctx.storage.put(`field:${i}`, value));
    await Promise.all(writes);
    const alarm = Date.now() + ttlMs;
    await this.ctx.storage.setAlarm(alarm);
    return { alarm };
  }

  override async alarm(): Promise<void> {
    // Reaching this point means no write arrived for a whole TTL, since each one would have replaced this
    // alarm with a later one. So there is nothing to re-check: drop the session.
    await this.ctx.storage.deleteAll();
  }

  /** Reading does not extend the session: only writes count as activity in this example. */
  async state(): Promise<SessionState> {
    const entries = await this.ctx.storage.list();
    return { keys: [...entries.keys()], alarm: await this.ctx.storage.getAlarm() };
  }

  alarmAt(): Promise<number | null> {
    return alarmAt(this.ctx.storage);
  }

  storageEntries(): Promise<StorageEntry[]> {
    return storageEntries(this.ctx.storage);
  }
}
