import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

export interface FlakyState {
  /** How many attempts are set to fail before one succeeds; `null` before the first `arm`. */
  failures: number | null;
  /** When the succeeding attempt ran; `null` until it has. */
  succeededAt: number | null;
  /** Attempts it took, the successful one included (`retryCount + 1`); `null` until success. */
  attempts: number | null;
  alarm: number | null;
}

/**
 * A job that fails a chosen number of times and then succeeds, to exercise the runtime's retry path.
 *
 * When `alarm()` throws, the runtime retries it with exponential backoff (about 2 s, 4 s, 8 s, … locally, up to
 * six retries) and tells the handler which attempt this is through `alarmInfo.retryCount`. The failure count
 * is kept in storage, and compared with the runtime's own counter, so the outcome does not depend on the
 * object surviving in memory between attempts (it usually does not).
 */
export class FlakyJob extends DurableObject {
  async arm(failures: number, inMs: number): Promise<FlakyState> {
    // A new run starts clean, otherwise the previous run's success would be reported before this one ran.
    await this.ctx.storage.delete(["succeededAt", "attempts"]);
    await this.ctx.storage.put("failures", failures);
    await this.ctx.storage.setAlarm(Date.now() + inMs);
    return this.state();
  }

  /**
   * `alarmInfo` is optional in the runtime's contract (and absent when someone calls `alarm()` directly, as
   * some test helpers do), so a missing one counts as a first attempt.
   */
  override async alarm(alarmInfo?: AlarmInvocationInfo): Promise<void> {
    const retryCount = alarmInfo?.retryCount ?? 0;
    const failures = (await this.ctx.storage.get<number>("failures")) ?? 0;
    // Logged so the retry timeline is visible in the `wrangler dev` output even without the inspector.
    const late = alarmInfo ? `${Date.now() - alarmInfo.scheduledTime} ms after scheduledTime` : "no alarmInfo";
    console.log(`FlakyJob ${this.ctx.id.name ?? this.ctx.id.toString()}: attempt ${retryCount + 1} of ${failures + 1}, ${late}`);
    if (retryCount < failures) {
      // Thrown, not caught: an uncaught error is exactly what makes the runtime schedule a retry.
      throw new Error("flaky job failed on attempt " + (retryCount + 1));
    }
    await this.ctx.storage.put({ succeededAt: Date.now(), attempts: retryCount + 1 });
  }

  async state(): Promise<FlakyState> {
    const stored = await this.ctx.storage.get<number>(["failures", "succeededAt", "attempts"]);
    return {
      failures: stored.get("failures") ?? null,
      succeededAt: stored.get("succeededAt") ?? null,
      attempts: stored.get("attempts") ?? null,
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
