/**
 * DOA010: classic PartyKit refused what an `onAlarm` asked for, and the attempt failed because of it.
 *
 * PartyKit's guide names two things `onAlarm` cannot use, because an alarm can wake a room that holds no connection
 * and saw no request: the room's id (`this.room.id`) and the other parties (`this.room.context.parties`). PartyKit
 * (0.0.115) throws its own error for each; this rule recognises those errors in failed attempts, so the reader learns
 * the workaround at the line that threw (or at the class's `onAlarm` when the stack does not reach the source:
 * `partykit dev` bundles without a source map the inspector can read). The static rules DOA008 (room id) and DOA009
 * (parties) say the same before anything runs.
 */
import type { Attempt, ObjectView } from "../../model/types";
import { andMore, ByLine, failurePlace, objectName } from "../evidence";
import type { Finding, RuleInfo, RuntimeContext, RuntimeRule } from "../finding";

export const PARTYKIT_ALARM_REFUSAL: RuleInfo = {
  code: "DOA010",
  title: "PartyKit refused room.id or context.parties inside onAlarm",
  docUrl: "https://docs.partykit.io/guides/scheduling-tasks-with-alarms/",
  severity: "error",
};

/** What PartyKit refused, recognised from its own error messages. */
export type Refusal = "room-id" | "parties";

/** The refusal an error message is, if it is one of PartyKit's two. */
export function refusalOf(message: string | undefined): Refusal | undefined {
  if (!message) return undefined;
  if (/can ?not access `Party\.id` in the `onAlarm` handler/i.test(message)) return "room-id";
  if (/can ?not access `Party\.context\.parties` in the `onAlarm` handler/i.test(message)) return "parties";
  return undefined;
}

const ADVICE: Record<Refusal, string> = {
  "room-id":
    "PartyKit cannot tell a room its id when an alarm wakes it. Store the id while it is known (in onStart or onRequest: " +
    '`await this.room.storage.put("id", this.room.id)`) and read it back from storage in onAlarm.',
  parties:
    "PartyKit does not provide the other parties inside onAlarm. Reach the other room by its public address instead " +
    "(`fetch(`${origin}/parties/<party>/<room>`)`): it goes over the network, unlike `parties.<party>.get(…).fetch()`.",
};

const WHAT: Record<Refusal, string> = { "room-id": "read this.room.id", parties: "used this.room.context.parties" };

/** The newest attempt of the object whose error is one of PartyKit's refusals, if any. */
function newestRefused(obj: ObjectView): { attempt: Attempt; refusal: Refusal } | undefined {
  for (let r = obj.runs.length - 1; r >= 0; r--) {
    const attempts = obj.runs[r]!.attempts;
    for (let a = attempts.length - 1; a >= 0; a--) {
      const attempt = attempts[a]!;
      if (attempt.outcome !== "error" || attempt.error?.injected) continue;
      const refusal = refusalOf(attempt.error?.message);
      if (refusal) return { attempt, refusal };
    }
    // Only the newest run counts: once a later run gets past the refusal, the finding goes.
    if (attempts.some((a) => a.outcome === "ok")) return undefined;
  }
  return undefined;
}

export const partykitAlarmRefusal: RuntimeRule = {
  info: PARTYKIT_ALARM_REFUSAL,
  check(ctx: RuntimeContext): Finding[] {
    const byLine = new ByLine<{ obj: ObjectView; refusal: Refusal; attempt: Attempt }>();
    for (const obj of ctx.objects) {
      const found = newestRefused(obj);
      if (!found) continue;
      const place = failurePlace(obj, found.attempt, ctx);
      if (place) byLine.add(place, { obj, ...found });
    }
    return byLine.entries().map(({ location, items }) => {
      const [first] = items as [{ obj: ObjectView; refusal: Refusal; attempt: Attempt }, ...unknown[]];
      return {
        rule: PARTYKIT_ALARM_REFUSAL,
        location,
        message:
          `${objectName(first.obj)}'s onAlarm ${WHAT[first.refusal]}, and PartyKit threw (attempt ${first.attempt.number} failed` +
          `${andMore(items.length - 1)}). ${ADVICE[first.refusal]}`,
      };
    });
  },
};
