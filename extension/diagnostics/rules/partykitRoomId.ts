/**
 * DOA008: a PartyKit room that reads its id inside `onAlarm`.
 *
 * PartyKit's guide: the room id cannot be deduced when an alarm wakes the room, so reading `this.room.id` in
 * `onAlarm` throws; the workaround is to store the id (in `onStart`, when it is known) and read it back from storage.
 * Static: `this.room.id` (or the older `this.party.id`) inside `onAlarm`, said differently when the class already
 * stores the id somewhere. (partyserver's `this.name` is the partykit helper's to cover: it behaves differently.)
 */
import type { ClassOutline } from "../../editor/outline";
import { atSpan } from "../finding";
import type { Finding, RuleInfo, StaticRule } from "../finding";

export const PARTYKIT_ROOM_ID: RuleInfo = {
  code: "DOA008",
  title: "PartyKit room id read inside onAlarm",
  docUrl: "https://docs.partykit.io/guides/scheduling-tasks-with-alarms/#accessing-partyid",
  severity: "warning",
};

export const partykitRoomId: StaticRule = {
  info: PARTYKIT_ROOM_ID,
  check(file: string, classes: readonly ClassOutline[]): Finding[] {
    const out: Finding[] = [];
    for (const c of classes) {
      for (const read of c.roomIdReads) {
        if (read.member !== "onAlarm") continue;
        const stored = c.storesRoomId !== null;
        out.push({
          rule: PARTYKIT_ROOM_ID,
          ...atSpan(file, read.span),
          message: stored
            ? `${c.name}.onAlarm() reads the room id, which PartyKit cannot provide when an alarm wakes the room (this throws). ` +
              "The class already stores the id: read it back from storage here instead."
            : `${c.name}.onAlarm() reads the room id, which PartyKit cannot provide when an alarm wakes the room (this throws). ` +
              'Store it when it is known (in onStart: `await this.room.storage.put("id", this.room.id)`) and read it from storage here.',
          ...(c.storesRoomId ? { related: [{ location: atSpan(file, c.storesRoomId).location, message: "the id is stored here" }] } : {}),
        });
      }
    }
    return out;
  },
};
