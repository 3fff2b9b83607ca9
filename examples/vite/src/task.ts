import { DurableObject } from "cloudflare:workers";

interface Attempt {
  at: number;
  retryCount: number;
  ok: boolean;
}

/**
 * A job that runs at a time you choose. Its handler fails the first `failures` attempts, so the runtime's retries
 * (with `alarmInfo.retryCount`) can be watched; setting it again before it runs replaces the pending alarm.
 */
export class Task extends DurableObject {
  /** Schedules the job `inMs` from now; `failures` attempts will throw before one succeeds. */
  async schedule(inMs: number, failures: number): Promise<number> {
    const when = Date.now() + inMs;
    await this.ctx.storage.put({ failures, attempts: [] as Attempt[] });
    await this.ctx.storage.setAlarm(when);
    return when;
  }

  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    const attempts = (await this.ctx.storage.get<Attempt[]>("attempts")) ?? [];
    const failures = (await this.ctx.storage.get<number>("failures")) ?? 0;
    const ok = attempts.length >= failures;
    attempts.push({ at: Date.now(), retryCount: info?.retryCount ?? 0, ok });
    await this.ctx.storage.put("attempts", attempts);
    if (!ok) throw new Error(`task failed on attempt ${attempts.length} of ${failures + 1}`);
    await this.ctx.storage.put("doneAt", Date.now());
  }

  async cancel(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
  }

  async state(): Promise<{ alarm: number | null; attempts: Attempt[]; doneAt: number | null }> {
    return {
      alarm: await this.ctx.storage.getAlarm(),
      attempts: (await this.ctx.storage.get<Attempt[]>("attempts")) ?? [],
      doneAt: (await this.ctx.storage.get<number>("doneAt")) ?? null,
    };
  }
}
