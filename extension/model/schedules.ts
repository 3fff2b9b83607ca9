/**
 * Logical schedules behind each object's one alarm (Agents SDK schedules, the docs' "many events, one alarm"
 * pattern), built from the agent's `schedule.*` events. Pure: no `vscode`. Keyed by the model's object key; the
 * model feeds it and views read it.
 */
import type { ErrorInfo, ScheduleEvent, ScheduleKind, SchedulerCall, ScheduleSource, ValuePreview } from "../../protocol/protocol";
import type { ObjectEvent } from "./types";

/** One attempt of a schedule's callback (the SDK retries inside one alarm attempt). */
export interface ScheduleAttempt {
  readonly attempt: number;
  readonly maxAttempts?: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  /** Absent while it runs. */
  readonly outcome?: "ok" | "error" | "unknown";
  readonly error?: ErrorInfo;
  /** The SDK gave up after this attempt. */
  readonly final?: boolean;
}

/** One run of a schedule: its attempts, and how it ended. */
export interface ScheduleRun {
  readonly startedAt: number;
  readonly attempts: readonly ScheduleAttempt[];
  /** `error` when the run's last attempt failed, even though the alarm attempt around it ended ok. */
  readonly outcome: "running" | "ok" | "error" | "unknown";
}

export interface ScheduleView {
  readonly id: string;
  readonly callback: string;
  readonly source: ScheduleSource;
  readonly kind: ScheduleKind;
  /** Next run (ms since epoch); null once done or cancelled. */
  readonly time: number | null;
  readonly status: "pending" | "running" | "done" | "cancelled";
  readonly payload?: ValuePreview;
  readonly cron?: string;
  readonly intervalSeconds?: number;
  readonly maxAttempts?: number;
  /** The agent found no method of this name on the object's class: when due, the SDK logs and drops it. */
  readonly missingCallback?: boolean;
  /** Newest last; at most `MAX_RUNS`. */
  readonly runs: readonly ScheduleRun[];
  /** When the last event about it arrived. */
  readonly updatedAt: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface RunState extends Mutable<Omit<ScheduleRun, "attempts">> {
  attempts: Mutable<ScheduleAttempt>[];
}
interface ScheduleState extends Mutable<Omit<ScheduleView, "runs">> {
  runs: RunState[];
}

/** Runs kept per schedule (a cron every minute would otherwise grow without end). */
export const MAX_RUNS = 20;
/** Finished (done, cancelled) schedules kept per object, newest kept. */
export const MAX_FINISHED = 50;
/** Slack when matching the alarm to a schedule's time: 0.2x stores seconds. */
const ARMED_SLACK_MS = 1000;

export class ScheduleBook {
  private readonly objects = new Map<string, Map<string, ScheduleState>>();

  /** Applies one schedule event to the object `key`. Returns false when it changed nothing visible. */
  apply(key: string, e: ScheduleEvent): boolean {
    let book = this.objects.get(key);
    if (!book) {
      book = new Map();
      this.objects.set(key, book);
    }
    let s = book.get(e.scheduleId);
    if (!s) {
      s = { id: e.scheduleId, callback: e.callback, source: e.source, kind: "delayed", time: null, status: "pending", runs: [], updatedAt: e.at };
      book.set(e.scheduleId, s);
    }
    s.updatedAt = e.at;
    s.callback = e.callback;
    switch (e.kind) {
      case "schedule.set":
        s.kind = e.scheduleKind;
        s.time = e.time;
        s.payload = e.payload;
        if (e.cron !== undefined) s.cron = e.cron;
        if (e.intervalSeconds !== undefined) s.intervalSeconds = e.intervalSeconds;
        if (e.maxAttempts !== undefined) s.maxAttempts = e.maxAttempts;
        s.missingCallback = e.missingCallback === true;
        if (s.status !== "running") s.status = "pending";
        break;
      case "schedule.start": {
        const last = s.runs[s.runs.length - 1];
        const attempt = { attempt: e.attempt, startedAt: e.at, ...(e.maxAttempts !== undefined ? { maxAttempts: e.maxAttempts } : {}) };
        if (e.attempt > 1 && last && last.outcome === "running") last.attempts.push(attempt);
        else {
          s.runs.push({ startedAt: e.at, attempts: [attempt], outcome: "running" });
          if (s.runs.length > MAX_RUNS) s.runs.splice(0, s.runs.length - MAX_RUNS);
        }
        if (e.maxAttempts !== undefined) s.maxAttempts = e.maxAttempts;
        s.status = "running";
        break;
      }
      case "schedule.end": {
        let run = s.runs[s.runs.length - 1];
        if (!run || run.outcome !== "running") {
          // The start was missed (the editor attached mid-run): show the end anyway.
          run = { startedAt: e.at - (e.durationMs ?? 0), attempts: [{ attempt: e.attempt, startedAt: e.at - (e.durationMs ?? 0) }], outcome: "running" };
          s.runs.push(run);
        }
        const attempt = run.attempts[run.attempts.length - 1]!;
        attempt.endedAt = e.at;
        attempt.outcome = e.outcome;
        if (e.error) attempt.error = e.error;
        if (e.final !== undefined) attempt.final = e.final;
        // A failed attempt the SDK will retry leaves the run open; anything else ends it.
        const retrying = e.outcome === "error" && e.final === false;
        if (!retrying) {
          run.outcome = e.outcome;
          if (e.next !== undefined) {
            s.time = e.next;
            s.status = e.next === null ? "done" : "pending";
          } else if (e.outcome === "error" && (s.kind === "delayed" || s.kind === "date")) {
            s.status = "done";
            s.time = null;
          } else s.status = "pending";
        }
        break;
      }
      case "schedule.cancel":
        s.status = "cancelled";
        s.time = null;
        break;
    }
    this.trimFinished(book);
    return true;
  }

  private trimFinished(book: Map<string, ScheduleState>): void {
    let finished = 0;
    for (const s of book.values()) if (s.status === "done" || s.status === "cancelled") finished++;
    if (finished <= MAX_FINISHED) return;
    const oldest = [...book.values()].filter((s) => s.status === "done" || s.status === "cancelled").sort((a, b) => a.updatedAt - b.updatedAt);
    for (const s of oldest.slice(0, finished - MAX_FINISHED)) book.delete(s.id);
  }

  /** Every schedule of an object, pending and running first in time order, then finished ones newest first. */
  schedulesOf(key: string): ScheduleView[] {
    const book = this.objects.get(key);
    if (!book) return [];
    const live = [...book.values()].filter((s) => s.status === "pending" || s.status === "running");
    const over = [...book.values()].filter((s) => s.status === "done" || s.status === "cancelled");
    live.sort((a, b) => (a.time ?? Infinity) - (b.time ?? Infinity) || a.id.localeCompare(b.id));
    over.sort((a, b) => b.updatedAt - a.updatedAt);
    return [...live, ...over];
  }

  /** Pending (and running) schedules in time order. */
  pendingOf(key: string): ScheduleView[] {
    return this.schedulesOf(key).filter((s) => s.status === "pending" || s.status === "running");
  }

  has(key: string): boolean {
    return (this.objects.get(key)?.size ?? 0) > 0;
  }

  get(key: string, id: string): ScheduleView | undefined {
    return this.objects.get(key)?.get(id);
  }

  /**
   * The pending schedule the object's alarm is armed for: the earliest one whose time the alarm matches. Undefined
   * when the alarm is unset or armed for a time no schedule has (an SDK fallback alarm, or a starved queue).
   */
  armedFor(key: string, alarm: number | null): ScheduleView | undefined {
    if (alarm === null) return undefined;
    return this.pendingOf(key).find((s) => s.time !== null && Math.abs(s.time - alarm) <= ARMED_SLACK_MS);
  }

  /**
   * Pending schedules already due while the alarm is armed later (or not at all): they will not run until it fires,
   * the "only set the alarm if sooner" mistake. `now` is the caller's clock.
   */
  starved(key: string, alarm: number | null, now: number, graceMs = 5000): ScheduleView[] {
    return this.pendingOf(key).filter((s) => s.status === "pending" && s.time !== null && s.time + graceMs < now && (alarm === null || alarm > s.time + graceMs));
  }

  forget(key: string): void {
    this.objects.delete(key);
  }

  clear(): void {
    this.objects.clear();
  }
}

/**
 * The SDK's own bookkeeping around its schedules: its SQL on `cf_agents_*` tables and its KV keys (`cf_agents:…`).
 * Views fold these under the object's schedules instead of listing them as the user's writes.
 */
export function isSchedulerBookkeeping(e: ObjectEvent): boolean {
  switch (e.kind) {
    case "alarm.set":
    case "alarm.delete":
      return isSchedulerAlarmCall(e);
    case "storage.sql":
      return /\bcf_agents_\w+/.test(e.query);
    case "storage.put":
      return e.entries.length > 0 && e.entries.every((x) => x.key.startsWith("cf_agents:"));
    case "storage.delete":
      return e.keys.length > 0 && e.keys.every((k) => k.startsWith("cf_agents:"));
    default:
      return false;
  }
}

/**
 * An alarm call the scheduler made for its own bookkeeping (the SDK's 30 s fallback wake, its re-arm), as the agent
 * marked it. These are not the user's `setAlarm` calls: rules and lenses about the user's calls leave them out, and
 * views show them under the schedules they serve.
 */
export function isSchedulerAlarmCall(e: ObjectEvent): e is Extract<ObjectEvent, { kind: "alarm.set" | "alarm.delete" }> & { scheduler: SchedulerCall } {
  return (e.kind === "alarm.set" || e.kind === "alarm.delete") && e.scheduler !== undefined;
}

/** Callback names by schedule id, for text about a scheduler call (`remind()`, or the id when the schedule is gone). */
export type CallbackOf = (scheduleId: string) => string | undefined;

/** What a scheduler's alarm call was for, in a few words: "the SDK's 30 s fallback for remind()". */
export function schedulerCallText(call: SchedulerCall, deleted: boolean, callbackOf?: CallbackOf): string {
  const n = call.scheduleIds.length;
  const names = callbackOf ? [...new Set(call.scheduleIds.map((id) => `${callbackOf(id) ?? id}()`))] : [];
  const listed =
    n === 0 ? "" : !callbackOf ? `${n} schedule${n === 1 ? "" : "s"}` : names.length <= 3 ? names.join(", ") : `${names.slice(0, 3).join(", ")} +${names.length - 3}`;
  const sdk = call.source === "agents-legacy" ? "the Agents SDK (0.2x)" : "the Agents SDK";
  if (call.reason === "fallback") return `${sdk}'s 30 s fallback wake${listed ? `, guarding ${listed}` : ""}`;
  if (deleted) return `${sdk}'s re-arm: no schedule left`;
  return `${sdk}'s re-arm${listed ? ` for ${listed}` : ""}`;
}
