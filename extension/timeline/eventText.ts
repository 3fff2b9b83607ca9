/**
 * What the timeline's events say to a person: one line per event, and the tooltip of a marker (one event, or several
 * merged). Plain text: the webview shows it with `textContent`. The index and the slicing are in timelineData.ts.
 */
import { schedulerCallText } from "../model/schedules";
import type { ObjectEvent } from "../model/types";
import { formatDuration, formatTime } from "../shared/format";
import { MARKER_KIND_LABELS } from "../shared/timelineMessages";
import type { MarkerKind } from "../shared/timelineMessages";
import { markerEvents } from "./timelineData";
import type { LaneIndex } from "./timelineData";

const MAX_LABEL_TEXT = 120;

function clip(text: string, max = MAX_LABEL_TEXT): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function listKeys(keys: readonly string[], omitted: number): string {
  const shown = keys.slice(0, 3).map((k) => clip(k, 40));
  const more = keys.length - shown.length + omitted;
  return shown.join(", ") + (more > 0 ? ` (+${more} more)` : "");
}

/** One line about an event, for a tooltip. Plain text: the webview shows it with `textContent`. */
export function eventLabel(e: ObjectEvent): string {
  switch (e.kind) {
    case "object.start":
      return "Woke: the object was constructed";
    case "object.handler":
      return e.handler === "instance" ? "Its alarm handler is defined on the instance (runs are reported as usual)" : `Alarm runs not observable: ${clip(e.reason ?? "")}`;
    case "alarm.set": {
      const where = e.inConstructor ? " · from the constructor" : e.inHandler ? " · in the handler" : "";
      const replaced = e.previous !== null ? `, replacing ${formatTime(e.previous)}` : "";
      const by = e.scheduler ? schedulerCallText(e.scheduler, false) : e.origin;
      return `setAlarm → ${formatTime(e.scheduledTime)} (in ${formatDuration(e.scheduledTime - e.at)})${replaced} · ${by}${where}`;
    }
    case "alarm.delete": {
      const by = e.scheduler ? schedulerCallText(e.scheduler, true) : e.origin;
      return `deleteAlarm${e.previous !== null ? `, cancelling ${formatTime(e.previous)}` : " (none pending)"} · ${by}${e.inHandler ? " · in the handler" : ""}`;
    }
    case "alarm.start": {
      const info = e.alarmInfo ? `retryCount ${e.alarmInfo.retryCount}` : "no alarmInfo";
      return `Attempt started · ${e.trigger} · ${info}${e.injectedFailure ? " · failure injected" : ""}`;
    }
    case "alarm.end":
      return e.outcome === "ok"
        ? `Attempt succeeded in ${formatDuration(e.durationMs)}`
        : `Attempt failed after ${formatDuration(e.durationMs)}: ${clip(`${e.error?.name ?? "Error"}: ${e.error?.message ?? ""}`)}`;
    case "storage.put":
      return `put ${listKeys(e.entries.map((x) => x.key), e.omitted)}${e.inHandler ? " · in the handler" : ""}`;
    case "storage.delete":
      return `delete ${listKeys(e.keys, e.omitted)}${e.inHandler ? " · in the handler" : ""}`;
    case "storage.deleteAll":
      return `deleteAll()${e.inHandler ? " · in the handler" : ""}`;
    case "storage.sql":
      return `SQL: ${clip(e.query)}`;
  }
}

function mergedLabel(kind: MarkerKind, count: number, from: number, to: number): string {
  return `${count} × ${MARKER_KIND_LABELS[kind]}, ${formatTime(from)} – ${formatTime(to)}`;
}

/** Events listed in a merged marker's tooltip before "… and N more". */
const DESCRIBE_MAX_EVENTS = 5;

/**
 * The tooltip of a marker: the events of `kind` on the lane between `from` and `to`. One event gives its line; several
 * give a heading and the first few, each with its time.
 */
export function describeMarker(lane: LaneIndex, kind: MarkerKind, from: number, to: number): string[] {
  const events = markerEvents(lane, kind, from, to);
  if (events.length === 0) return [];
  if (events.length === 1) return [`${formatTime((events[0] as ObjectEvent).at)} · ${eventLabel(events[0] as ObjectEvent)}`];
  const lines = [mergedLabel(kind, events.length, from, to)];
  for (const e of events.slice(0, DESCRIBE_MAX_EVENTS)) lines.push(`${formatTime(e.at)} · ${eventLabel(e)}`);
  if (events.length > DESCRIBE_MAX_EVENTS) lines.push(`… and ${events.length - DESCRIBE_MAX_EVENTS} more: zoom in to see them apart`);
  return lines;
}
