/**
 * The words the tree, the status bar and the hovers use for an object's state. Pure (no `vscode`), so they are unit
 * tested and every view says the same thing the same way.
 */
import { MAX_ALARM_RETRIES } from "../../protocol/protocol";
import { runState } from "../model/runs";
import type { Attempt, EventRecord, Run, StatusInfo, StorageEvent } from "../model/types";
import type { ScheduleRun, ScheduleView } from "../model/schedules";
import { formatDuration, formatRelative } from "../model/timeInput";

/** Attempts an alarm gets in all: the first and its retries. */
export const MAX_ATTEMPTS = MAX_ALARM_RETRIES + 1;

/** One line for an object's state at `now`: "fires in 2m 10s", "retrying: attempt 3 of 7 in 4s–6s", … */
export function statusText(s: StatusInfo, now: number): string {
  const injected = s.failureInjected ? " (failure injected)" : "";
  switch (s.status) {
    case "scheduled":
      return s.dueAt !== null ? `fires ${countdown(s.dueAt - now)}` : "scheduled";
    case "overdue":
      return s.window ? `retry overdue by ${formatDuration(s.overdueBy ?? 0)}` : `overdue by ${formatDuration(s.overdueBy ?? 0)}`;
    case "running":
      return `running: attempt ${s.attempt ?? 1} of ${MAX_ATTEMPTS}${injected}`;
    case "retrying": {
      const next = (s.attempt ?? 1) + 1;
      const w = s.window;
      // Inside the runtime's window the retry is due: "due now", not "now–617ms".
      const when = !w ? "soon" : w.earliest - now >= 500 ? `${formatRelative(w.earliest - now)}–${formatRelative(Math.max(w.latest, w.earliest) - now).replace(/^in /, "")}` : "due now";
      return `retrying: attempt ${next} of ${MAX_ATTEMPTS} ${when}${injected}`;
    }
    case "abandoned":
      return `abandoned after ${MAX_ATTEMPTS} attempts${injected}`;
    case "succeeded":
      return `succeeded${s.attempt && s.attempt > 1 ? ` on attempt ${s.attempt}` : ""}`;
    case "failed":
      return `failed${injected}`;
    case "idle":
      return "no alarm";
  }
}

/**
 * A countdown that changes no more often than it needs to: to the second under ten minutes, to the minute beyond.
 * Rows repaint only when their words change, and a row that repaints every second also swallows clicks.
 */
export function countdown(deltaMs: number): string {
  if (deltaMs > 10 * 60_000 && deltaMs < 60 * 60_000) return `in ${Math.floor(deltaMs / 60_000)}m`;
  return formatRelative(deltaMs);
}

/**
 * How long ago something happened, in steps that change rarely: "just now", "10s ago" … "50s ago", "3m ago",
 * "2h 5m ago". A row whose words change repaints, and a row repainted under the pointer loses its hover (and can
 * swallow a click), so past times move every ten seconds at most, then every minute; every row uses these same words,
 * so rows of the same moment always agree.
 */
export function agoText(deltaMs: number): string {
  const s = Math.max(0, Math.floor(-deltaMs / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${Math.floor(s / 10) * 10}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  return `${Math.floor(m / 60)}h ${m % 60}m ago`;
}

/** "attempt 2 of 7 · error: boom (injected)" */
export function attemptText(a: Attempt): string {
  const head = `attempt ${a.number} of ${MAX_ATTEMPTS}`;
  const took = a.durationMs !== null ? ` in ${formatDuration(a.durationMs)}` : "";
  return `${head} · ${outcomeText(a, took)}${inferredText(a)}`;
}

function outcomeText(a: Attempt, took: string): string {
  switch (a.outcome) {
    case "running":
      return "running";
    case "ok":
      return `ok${took}`;
    case "interrupted":
      return "interrupted (the Worker reloaded)";
    case "error":
      return `failed${took}: ${a.error?.message ?? "error"}${a.injectedFailure ? " (injected)" : ""}`;
  }
}

/**
 * Classic PartyKit calls `onAlarm()` without the runtime's `alarmInfo`: a retry's number is then the inspector's own
 * inference (a failure, then another attempt with no new alarm set in between), and is said to be.
 */
function inferredText(a: Attempt): string {
  return a.alarmInfo === null && a.number > 1 ? " · retry inferred (PartyKit gives onAlarm no alarmInfo)" : "";
}

/** "Run (fire now) · retrying · 2 attempts" */
export function runText(run: Run): string {
  const trigger = run.trigger === "fireNow" ? "fired now" : "scheduled";
  const n = run.attempts.length;
  return `${trigger} · ${runState(run)} · ${n} attempt${n === 1 ? "" : "s"}${run.partial ? " (earlier attempts not seen)" : ""}`;
}

/** "put buffer = ["apple"]", "delete reminder", "sql INSERT INTO ticks …" */
export function storageText(rec: EventRecord<StorageEvent>): string {
  const e = rec.event;
  switch (e.kind) {
    case "storage.put": {
      const first = e.entries[0];
      const more = e.entries.length - 1 + e.omitted;
      return first ? `put ${first.key} = ${first.value.text}${first.value.truncated ? "…" : ""}${more > 0 ? ` (+${more} more)` : ""}` : "put";
    }
    case "storage.delete":
      return `delete ${e.keys.join(", ")}${e.omitted > 0 ? ` (+${e.omitted} more)` : ""}`;
    case "storage.deleteAll":
      return "deleteAll";
    case "storage.sql":
      return `sql ${e.query.replace(/\s+/g, " ").trim()}`;
  }
}

// ───────────────────────────── schedules behind the alarm ─────────────────────────────

/** Words for a schedule's kind: "delayed", "at a date", "cron 0 9 * * 1", "every 30s". */
export function scheduleKindText(s: ScheduleView): string {
  switch (s.kind) {
    case "cron":
      return s.cron ? `cron ${s.cron}` : "cron";
    case "interval":
      return s.intervalSeconds !== undefined ? `every ${formatDuration(s.intervalSeconds * 1000)}` : "interval";
    case "date":
      return "at a date";
    case "delayed":
      return "delayed";
  }
}

/** "attempt 2 of 3" when the SDK's policy is known. */
function attemptOf(n: number, max: number | undefined): string {
  return max !== undefined ? `attempt ${n} of ${max}` : `attempt ${n}`;
}

/** One run: "ok", "failed after 3 of 3 attempts: boom", "running: attempt 2 of 3". */
export function scheduleRunText(run: ScheduleRun): string {
  const last = run.attempts[run.attempts.length - 1];
  const n = last?.attempt ?? 1;
  const max = last?.maxAttempts;
  switch (run.outcome) {
    case "running":
      return `running: ${attemptOf(n, max)}`;
    case "ok":
      return n > 1 ? `ok on ${attemptOf(n, max)}` : "ok";
    case "unknown":
      return "ran (outcome not reported: the SDK's signals were not available)";
    case "error": {
      const message = last?.error ? `: ${last.error.message}` : "";
      return `failed after ${attemptOf(n, max)}${message}`;
    }
  }
}

/**
 * One line for a schedule at `now`: its countdown (or state), its kind, and how its last run went. `armed` says the
 * object's alarm is set for this schedule's time.
 */
export function scheduleText(s: ScheduleView, now: number, armed: boolean): string {
  const parts: string[] = [];
  if (s.status === "running") parts.push(scheduleRunText(s.runs[s.runs.length - 1] ?? { startedAt: now, attempts: [], outcome: "running" }));
  else if (s.status === "cancelled") parts.push("cancelled");
  else if (s.status === "done") parts.push("done");
  else if (s.time !== null) parts.push(s.time >= now ? countdown(s.time - now) : formatRelative(s.time - now, { past: "overdue" }));
  parts.push(scheduleKindText(s));
  if (armed) parts.push("alarm armed for it");
  const last = s.runs[s.runs.length - 1];
  if (last && s.status !== "running") parts.push(`last run ${last.outcome === "error" ? "failed" : last.outcome}`);
  return parts.join(" · ");
}
