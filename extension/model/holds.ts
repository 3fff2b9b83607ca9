/**
 * Held and armed attempts per object, from the agent's `alarm.held` / `alarm.released` events and the results of hold
 * commands (arming is not an event: only the editor that armed it knows). Pure: no `vscode`. The agent lets every
 * held attempt go and disarms every hold when its last editor leaves, so a lost connection clears the book.
 */
import type { AlarmTrigger, HoldEvent, HoldMode, HoldResult } from "../../protocol/protocol";
import type { ObjectKey } from "./types";

/** An attempt stopped before the user's handler, waiting for Continue, Fail or Skip. */
export interface HeldAttempt {
  readonly since: number;
  readonly mode: HoldMode;
  /** The runtime's `retryCount` (null when it passed no `alarmInfo`). */
  readonly retryCount: number | null;
  readonly trigger: AlarmTrigger;
}

export interface HoldView {
  /** A hold waits for the object's next attempt. */
  readonly armed?: HoldMode;
  readonly held?: HeldAttempt;
}

export class HoldBook {
  private readonly byObject = new Map<ObjectKey, HoldView>();

  get(key: ObjectKey): HoldView | undefined {
    return this.byObject.get(key);
  }

  /** Objects with an attempt held now. */
  heldKeys(): ObjectKey[] {
    return [...this.byObject].filter(([, v]) => v.held !== undefined).map(([k]) => k);
  }

  apply(key: ObjectKey, e: HoldEvent): void {
    if (e.kind === "alarm.held") {
      // The hold that was armed is the one that caught this attempt.
      this.set(key, { held: { since: e.at, mode: e.mode, retryCount: e.alarmInfo?.retryCount ?? null, trigger: e.trigger } });
    } else {
      const { armed } = this.byObject.get(key) ?? {};
      this.set(key, armed ? { armed } : {});
    }
  }

  /** The gate as a hold command's result reports it. */
  noteResult(key: ObjectKey, result: HoldResult): void {
    const current = this.byObject.get(key);
    const armed = result.armed ? (result.mode ?? "hold") : undefined;
    this.set(key, { ...(armed ? { armed } : {}), ...(result.held && current?.held ? { held: current.held } : {}) });
  }

  clear(): boolean {
    const had = this.byObject.size > 0;
    this.byObject.clear();
    return had;
  }

  private set(key: ObjectKey, view: HoldView): void {
    if (view.armed === undefined && view.held === undefined) this.byObject.delete(key);
    else this.byObject.set(key, view);
  }
}
