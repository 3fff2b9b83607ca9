/**
 * What the hovers on `alarm(` / `onAlarm(` and `setAlarm(` say: the recent history of the objects, as lines of plain
 * text (the provider escapes them: names and messages come from the Worker). Pure.
 */
import type { AlarmSetEvent } from "../../protocol/protocol";
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute } from "../model/timeInput";
import type { EventRecord, ObjectView, StatusInfo } from "../model/types";
import { attemptText, runText, statusText } from "../views/describe";

/** One hover paragraph: a heading and its lines. */
export interface HoverSection {
  readonly heading: string;
  readonly lines: readonly string[];
}

/** Objects shown in one hover, most recently active first. */
const MAX_OBJECTS = 5;
/** Runs shown per object. */
const MAX_RUNS = 3;
/** `setAlarm` calls listed. */
const MAX_SETS = 8;

/** The history of a class's objects, for the hover on its alarm handler. */
export function handlerHover(className: string, objects: readonly ObjectView[], statusOf: (o: ObjectView) => StatusInfo, now: number): HoverSection[] {
  if (objects.length === 0) return [{ heading: `${className}: no object seen yet`, lines: ["Send your Worker a request that reaches one."] }];
  const out: HoverSection[] = [];
  for (const obj of objects.slice(0, MAX_OBJECTS)) {
    const lines = [statusText(statusOf(obj), now)];
    for (const run of obj.runs.slice(-MAX_RUNS).reverse()) {
      const first = run.attempts[0];
      lines.push(`${first ? formatAbsolute(first.startedAt, now) : "—"} · ${runText(run)}`);
      for (const a of run.attempts) lines.push(`    ${attemptText(a)}`);
    }
    if (obj.runs.length === 0) lines.push("no alarm has run yet");
    out.push({ heading: `${className} ${objectLabel(obj.ref)}`, lines });
  }
  if (objects.length > MAX_OBJECTS) out.push({ heading: `and ${objects.length - MAX_OBJECTS} more objects`, lines: [] });
  return out;
}

/** The newest `setAlarm` calls made from one line, for the hover on it. */
export function setAlarmHover(sets: readonly { obj: ObjectView | undefined; rec: EventRecord<AlarmSetEvent> }[], now: number): HoverSection[] {
  if (sets.length === 0) return [{ heading: "setAlarm: no call from this line recorded", lines: [] }];
  const newest = [...sets].sort((a, b) => b.rec.event.at - a.rec.event.at).slice(0, MAX_SETS);
  const lines = newest.map(({ obj, rec }) => {
    const e = rec.event;
    const who = obj ? `${obj.ref.className} ${objectLabel(obj.ref)}` : e.object.className;
    const replaced = e.previous === null ? "" : ` (replaced ${formatAbsolute(e.previous, now)}${e.previous < e.scheduledTime ? ", which was earlier" : ""})`;
    const where = e.inConstructor ? " · in the constructor" : e.inHandler ? " · in the handler" : "";
    return `${formatAbsolute(e.at, now)} · ${who} · set for ${formatAbsolute(e.scheduledTime, now)}${replaced}${where}`;
  });
  return [{ heading: `setAlarm from this line: ${sets.length} call${sets.length === 1 ? "" : "s"} recorded`, lines }];
}
