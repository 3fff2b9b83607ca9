import { objectLabel } from "../model/objectLabel";
import type { AlarmModel } from "../model/alarmModel";
import type { ObjectView } from "../model/types";
import type { PendingItem } from "./plan";

/** The alarms and schedules the model knows are pending, as fast-forward steps. Pure: reads the model only. */
export function pendingItems(model: AlarmModel, worker?: string): PendingItem[] {
  const out: PendingItem[] = [];
  for (const obj of model.objects()) {
    if (worker !== undefined && obj.worker !== worker) continue;
    const base = { key: obj.key, target: targetOf(obj), objectId: obj.ref.id };
    const label = `${obj.ref.className} ${objectLabel(obj.ref)}`;
    if (obj.currentAlarm.scheduledTime !== null) out.push({ ...base, label, time: obj.currentAlarm.scheduledTime });
    for (const s of model.schedules.pendingOf(obj.key)) {
      if (s.status === "pending" && s.time !== null) out.push({ ...base, label: `${label} · schedule ${s.callback}`, time: s.time, scheduleId: s.id });
    }
  }
  return out;
}

/** Same rule as the object commands: by name when the object was addressed by name. */
function targetOf(obj: ObjectView): PendingItem["target"] {
  return obj.ref.name ? { className: obj.ref.className, name: obj.ref.name } : { className: obj.ref.className, id: obj.ref.id };
}
