import * as vscode from "vscode";
import type { HoldDecision, HoldMode, HoldResult } from "../../protocol/protocol";
import { Commands, ContextKeys } from "../common/ids";
import type { Log } from "../common/log";
import type { InspectorConnection } from "../connection/connection";
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import { TimelinePanel } from "../timeline/timelinePanel";
import type { ObjectKey, ObjectView } from "../model/types";
import { targetOf } from "./objectCommands";
import type { ObjectArg, ObjectCommands } from "./objectCommands";

const DECISION_WORDS: Record<HoldDecision, string> = {
  continue: "Continue: runs your handler",
  fail: "Fail: throws before your handler; the runtime retries",
  skip: "Skip: your handler does not run; the attempt ends ok",
};

/**
 * Hold Next Attempt and the three ways to let a held attempt go (Continue, Fail, Skip), from the tree, the Command
 * Palette, and a notification that appears when an attempt is held. The agent does the holding (its attempt gate);
 * this only sends commands and reads the model's hold book.
 */
export class HoldCommands {
  /** Objects whose held attempt has been announced, so each hold shows one notification. */
  private readonly announced = new Set<ObjectKey>();
  private anyHeld = false;

  constructor(
    private readonly model: AlarmModel,
    private readonly connection: InspectorConnection,
    private readonly objects: ObjectCommands,
    private readonly log: Log,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.holdNext, (arg?: ObjectArg) => this.holdNext(arg)),
      vscode.commands.registerCommand(Commands.holdContinue, (arg?: ObjectArg) => this.release(arg, "continue")),
      vscode.commands.registerCommand(Commands.holdFail, (arg?: ObjectArg) => this.release(arg, "fail")),
      vscode.commands.registerCommand(Commands.holdSkip, (arg?: ObjectArg) => this.release(arg, "skip")),
      this.model.onDidChange(() => this.announceHeld()),
    ];
  }

  /** Arms a hold (or, with `mode: "debug"`, a debugger pause) on the object's next attempt. */
  async holdNext(arg: ObjectArg, mode: HoldMode = "hold"): Promise<HoldResult | undefined> {
    const obj = await this.objects.resolve(arg ?? timelineObject(), mode === "debug" ? "Debug the next attempt" : "Hold the next attempt");
    if (!obj) return undefined;
    const result = await this.send(obj, `Arming a hold on ${describe(obj)}…`, { op: "holdNext", target: targetOf(obj), mode });
    if (!result) return undefined;
    this.log.info(`hold armed (${mode}) on ${describe(obj)}`);
    vscode.window.setStatusBarMessage(`$(debug-pause) ${describe(obj)}: its next attempt stops before your handler`, 5000);
    return result;
  }

  /** Lets the object's held attempt go as decided. */
  async release(arg: ObjectArg, decision: HoldDecision): Promise<HoldResult | undefined> {
    const held = this.model.holds.heldKeys();
    // From the palette with one attempt held, that is the one meant.
    const obj = await this.objects.resolve(arg ?? (held.length === 1 ? held[0] : timelineObject()), "Let a held attempt go");
    if (!obj) return undefined;
    const result = await this.send(obj, `${DECISION_WORDS[decision].split(":")[0]} ${describe(obj)}…`, { op: "holdRelease", target: targetOf(obj), decision });
    if (result) this.log.info(`held attempt of ${describe(obj)}: ${decision}`);
    return result;
  }

  private async send(obj: ObjectView, title: string, request: Parameters<InspectorConnection["send"]>[0]): Promise<HoldResult | undefined> {
    try {
      const result = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => this.connection.send(request))) as HoldResult;
      this.model.noteHold({ ...targetOf(obj), worker: obj.worker }, result);
      return result;
    } catch (e) {
      const message = (e as Error).message;
      this.log.error(`${title} ${message}`);
      void vscode.window.showErrorMessage(`${title.replace(/…$/, "")} failed: ${message}`);
      return undefined;
    }
  }

  /** One notification per newly held attempt, with the three decisions as buttons. */
  private announceHeld(): void {
    const held = new Set(this.model.holds.heldKeys());
    if ((held.size > 0) !== this.anyHeld) {
      this.anyHeld = held.size > 0;
      void vscode.commands.executeCommand("setContext", ContextKeys.held, this.anyHeld);
    }
    for (const key of this.announced) if (!held.has(key)) this.announced.delete(key);
    for (const key of held) {
      if (this.announced.has(key)) continue;
      this.announced.add(key);
      const obj = this.model.getObject(key);
      const attempt = this.model.holds.get(key)?.held;
      if (!obj || !attempt) continue;
      const retry = attempt.retryCount ? ` (retry ${attempt.retryCount})` : "";
      void vscode.window
        .showInformationMessage(`${describe(obj)}: its alarm attempt${retry} is held before your handler.`, "Continue", "Fail", "Skip")
        .then((choice) => {
          if (choice) void this.release(key, choice.toLowerCase() as HoldDecision);
        });
    }
  }
}

/** The object selected in the live timeline, when the command came from its title bar. */
export function timelineObject(): ObjectKey | undefined {
  const panel = TimelinePanel.live;
  return panel?.panel.active ? panel.selectedObject : undefined;
}

function describe(obj: ObjectView): string {
  return `${obj.ref.className} ${objectLabel(obj.ref)}`;
}
