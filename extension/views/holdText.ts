import { MAX_ALARM_RETRIES } from "../../protocol/protocol";
import type { ItemFlag } from "../common/ids";
import type { HoldView } from "../model/holds";

/**
 * The start of an object row's description while a hold is armed or an attempt held: the held state shown live
 * (`⏸ held 12s · retry 1 of 6 · `), so the row says why the alarm is not running before anything else.
 */
export function holdText(hold: HoldView | undefined, now: number): string {
  if (hold?.held) {
    const { held } = hold;
    const retry = held.retryCount === null ? "" : held.retryCount === 0 ? " · first attempt" : ` · retry ${held.retryCount} of ${MAX_ALARM_RETRIES}`;
    const seconds = Math.max(0, Math.round((now - held.since) / 1000));
    return `⏸ held ${seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)} min`}${retry} · `;
  }
  if (hold?.armed) return hold.armed === "debug" ? "debugger armed for next attempt · " : "hold armed for next attempt · ";
  return "";
}

/** Context flags for menus: Continue/Fail/Skip on a held row, Hold Next Attempt elsewhere. */
export function holdFlags(hold: HoldView | undefined): ItemFlag[] {
  const flags: ItemFlag[] = [];
  if (hold?.held) flags.push("held");
  if (hold?.armed) flags.push("holdArmed");
  return flags;
}
