import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

/**
 * Batch and flush: items pile up in storage, and one alarm flushes them all a fixed delay after the first item
 * of a batch arrived.
 *
 * The point of the pattern is the `getAlarm()` check in `add()`: an alarm is only set when none is pending, so
 * a stream of items cannot keep pushing the flush into the future. (Compare ExpiringSession, which does the
 * opposite on purpose.) In the inspector you should see one `setAlarm` per batch, however many items arrive.
 */
export class Batcher extends DurableObject {
  /** Appends an item and makes sure a flush is scheduled. */
  async add(item: string, delayMs: number): Promise<{ buffered: number; alarm: number | null }> {
    // Storage, not a field, is the source of truth: the object may be evicted between requests, and the
    // alarm handler may run in a fresh instance that never saw the earlier `add` calls.
    const buffer = (await this.ctx.storage.get<string[]>("buffer")) ?? [];
    buffer.push(item);
    await this.ctx.storage.put("buffer", buffer);

    let alarm = await this.ctx.storage.getAlarm();
    if (alarm === null) {
      alarm = Date.now() + delayMs;
      await this.ctx.storage.setAlarm(alarm);
    }
    return { buffered: buffer.length, alarm };
  }

  /** Flushes the whole buffer. Runs at least once per alarm, so it must tolerate running on an empty buffer. */
  override async alarm(): Promise<void> {
    const buffer = (await this.ctx.storage.get<string[]>("buffer")) ?? [];
    // A real batcher would send `buffer` somewhere here; if that threw, the runtime would retry the alarm and
    // the buffer would still be intact, because it is only emptied after the "send" succeeded.
    const flushed = (await this.ctx.storage.get<number>("flushed")) ?? 0;
    await this.ctx.storage.put({
      flushed: flushed + buffer.length,
      lastFlushAt: Date.now(),
      buffer: [],
    });
  }

  async state(): Promise<{ buffer: string[]; flushed: number; lastFlushAt: number | null; alarm: number | null }> {
    const stored = await this.ctx.storage.get<string[] | number>(["buffer", "flushed", "lastFlushAt"]);
    const buffer = stored.get("buffer");
    const flushed = stored.get("flushed");
    const lastFlushAt = stored.get("lastFlushAt");
    return {
      buffer: Array.isArray(buffer) ? buffer : [],
      flushed: typeof flushed === "number" ? flushed : 0,
      lastFlushAt: typeof lastFlushAt === "number" ? lastFlushAt : null,
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
