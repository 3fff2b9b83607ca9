import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

const EVENT_PREFIX = "event:";
/** `ran` is a demo log, not an audit trail: keep only the newest entries so a repeating event cannot grow it forever. */
const RAN_LOG_LIMIT = 100;

export interface ScheduledEvent {
  id: string;
  /** Epoch milliseconds of the next run. */
  runAt: number;
  /** Period of a repeating event; `null` for a one-shot event. */
  repeatMs: number | null;
}

export interface SchedulerState {
  events: ScheduledEvent[];
  ran: string[];
  alarm: number | null;
}

/**
 * Many events, one alarm. An object only has a single alarm, so the schedule itself lives in storage (one key
 * per event) and the alarm always points at the earliest event. Each run handles whatever is due, then re-arms
 * for the next one.
 */
export class Scheduler extends DurableObject {
  async schedule(id: string, inMs: number, repeatMs: number | null): Promise<SchedulerState> {
    const event: ScheduledEvent = { id, runAt: Date.now() + inMs, repeatMs };
    await this.ctx.storage.put(`${EVENT_PREFIX}${id}`, event);

    // Only move the alarm earlier, never later: a later alarm would starve the events already waiting.
    const pending = await this.ctx.storage.getAlarm();
    if (pending === null || event.runAt < pending) {
      await this.ctx.storage.setAlarm(event.runAt);
    }
    return this.state();
  }

  /**
   * Handles every due event, then re-arms for the earliest remaining one.
   *
   * It does not assume that anything is due: re-scheduling an event under the same id to a later time leaves
   * the earlier alarm in place, so an alarm may find nothing to do and simply re-arm.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const events = await this.ctx.storage.list<ScheduledEvent>({ prefix: EVENT_PREFIX });
    const ran = (await this.ctx.storage.get<string[]>("ran")) ?? [];
    let next: number | null = null;

    for (const [key, event] of events) {
      if (event.runAt <= now) {
        ran.push(event.id);
        if (event.repeatMs !== null) {
          // Next run counted from now rather than from the missed `runAt`: after a long sleep, a repeating
          // event runs once instead of firing a burst to catch up.
          event.runAt = now + event.repeatMs;
          await this.ctx.storage.put(key, event);
        } else {
          await this.ctx.storage.delete(key);
          continue;
        }
      }
      if (next === null || event.runAt < next) next = event.runAt;
    }

    await this.ctx.storage.put("ran", ran.slice(-RAN_LOG_LIMIT));
    // While the handler runs, the alarm that woke us no longer counts as pending, so this is a fresh set and
    // not an overwrite. With nothing left, leaving it unset ends the cycle.
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  async state(): Promise<SchedulerState> {
    const events = await this.ctx.storage.list<ScheduledEvent>({ prefix: EVENT_PREFIX });
    return {
      events: [...events.values()].sort((a, b) => a.runAt - b.runAt),
      ran: (await this.ctx.storage.get<string[]>("ran")) ?? [],
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
