import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

/** How long "sending" a reminder takes. */
const DELIVERY_MS = 1500;

export interface PendingReminder {
  message: string;
  /** Epoch milliseconds; always equal to the alarm that was set with it. */
  fireAt: number;
}

export interface ReminderState {
  reminder: PendingReminder | null;
  delivered: string[];
  alarm: number | null;
}

/**
 * A one-shot alarm: set a reminder, and when its time comes it is "delivered" once.
 *
 * Setting a new reminder deliberately calls `setAlarm` without checking `getAlarm` first. An object has only
 * one alarm, so this replaces any pending reminder, alarm and message together: that is the overwrite the
 * inspector shows (with the time that was replaced), and what the runtime tests use to produce one.
 */
export class Reminder extends DurableObject {
  async set(message: string, inMs: number): Promise<ReminderState> {
    const reminder: PendingReminder = { message, fireAt: Date.now() + inMs };
    // The message lives in storage next to the alarm, not in a field: the object is likely to be evicted
    // before the alarm fires, and the instance that wakes for it starts empty.
    await this.ctx.storage.put("reminder", reminder);
    await this.ctx.storage.setAlarm(reminder.fireAt);
    return this.state();
  }

  async cancel(): Promise<ReminderState> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.delete("reminder");
    return this.state();
  }

  override async alarm(): Promise<void> {
    const reminder = await this.ctx.storage.get<PendingReminder>("reminder");
    // Nothing to deliver if the reminder was cancelled after this alarm was already under way.
    if (reminder === undefined) return;
    // Stands in for sending the notification (an email, a webhook): real delivery takes a moment, which is also
    // what lets you watch the attempt run in the Alarms view.
    await new Promise((resolve) => setTimeout(resolve, DELIVERY_MS));
    const delivered = (await this.ctx.storage.get<string[]>("delivered")) ?? [];
    delivered.push(reminder.message);
    await this.ctx.storage.put("delivered", delivered);
    await this.ctx.storage.delete("reminder");
  }

  async state(): Promise<ReminderState> {
    return {
      reminder: (await this.ctx.storage.get<PendingReminder>("reminder")) ?? null,
      delivered: (await this.ctx.storage.get<string[]>("delivered")) ?? [],
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
