import type { ScheduleRow } from "./tables";
import { previewValue } from "../preview";

/**
 * `@cloudflare/actors` (0.0.1-beta.6): `this.alarms.schedule(when, "callback", payload)` keeps rows in `_actor_alarms`
 * (`id`, `callback`, `payload` JSON text, `type` scheduled|delayed|cron, `time` in epoch **seconds**, `delayInSeconds`,
 * `cron`) behind the object's one alarm. It has no running flag and no signals: its `alarm()` runs the due rows, catches
 * and logs a callback's error, then deletes a one-time row or moves a cron row to its next time. So a run is known
 * only once it is over, and never its outcome (see `reconcile`'s `inferRuns`).
 */
export const ACTORS_TABLE = "_actor_alarms";

function kindOf(type: unknown): ScheduleRow["kind"] {
  return type === "cron" ? "cron" : type === "scheduled" ? "date" : "delayed";
}

export function readActors(sql: SqlStorage): ScheduleRow[] {
  const rows = sql.exec(`SELECT id, callback, payload, type, time, delayInSeconds, cron FROM ${ACTORS_TABLE}`).toArray();
  return rows.map((r) => {
    const payloadText = typeof r.payload === "string" ? r.payload : "null";
    let payload: unknown = null;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      payload = payloadText;
    }
    const row: ScheduleRow = {
      id: String(r.id),
      callback: String(r.callback),
      time: Number(r.time) * 1000,
      kind: kindOf(r.type),
      payloadText,
      payload: previewValue(payload),
      running: false,
    };
    if (typeof r.cron === "string" && r.cron !== "") row.cron = r.cron;
    if (typeof r.delayInSeconds === "number") row.delaySeconds = r.delayInSeconds;
    return row;
  });
}
