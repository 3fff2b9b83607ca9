/** Every diagnostic rule, static and runtime, in code order. */
import type { RuleInfo, RuntimeRule, StaticRule } from "../finding";
import { alarmAbandoned } from "./alarmAbandoned";
import { constructorMovedAlarm } from "./constructorMovedAlarm";
import { constructorSetAlarm } from "./constructorSetAlarm";
import { deleteAlarmInHandler } from "./deleteAlarmInHandler";
import { failedEveryAttempt } from "./failedEveryAttempt";
import { handlerWallTime } from "./handlerWallTime";
import { lostWakeup } from "./lostWakeup";
import { partykitAlarmRefusal } from "./partykitAlarmRefusal";
import { PARTYKIT_CONTEXT_PARTIES } from "./partykitParties";
import { partykitRoomId } from "./partykitRoomId";
import { scheduleProblem } from "./scheduleProblems";

/** Rules that read a file's source. */
export const STATIC_RULES: readonly StaticRule[] = [constructorSetAlarm, deleteAlarmInHandler, partykitRoomId];

/** Rules that read what happened in the session. */
export const RUNTIME_RULES: readonly RuntimeRule[] = [lostWakeup, constructorMovedAlarm, alarmAbandoned, failedEveryAttempt, handlerWallTime, partykitAlarmRefusal, scheduleProblem];

/** Rules that read a file's text rather than its outline (DOA009: `context.parties` in `onAlarm`). */
export const TEXT_RULES: readonly RuleInfo[] = [PARTYKIT_CONTEXT_PARTIES];

/**
 * Every rule's identity, by code. Codes are ASCII ("DOA001"), so they are compared as strings: this runs when the
 * extension's code loads, and the first `localeCompare` of a process sets up ICU's collator (8-16 ms measured here),
 * which VS Code counted in the extension's activation time.
 */
export const ALL_RULES: readonly RuleInfo[] = [...[...STATIC_RULES, ...RUNTIME_RULES].map((r) => r.info), ...TEXT_RULES].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
