import { reachable, unreachableSentence } from "../model/handlerState";
import * as vscode from "vscode";
import type { AlarmChangeResult, CommandTarget, FailNextResult, SnapshotResult } from "../../protocol/protocol";
import { Commands } from "../common/ids";
import type { Log } from "../common/log";
import type { InspectorConnection } from "../connection/connection";
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute, formatInputTime, formatRelative, parseWhen } from "../model/timeInput";
import type { ObjectKey, ObjectView } from "../model/types";
import { StorageDocuments } from "./storageDocument";

/** What the object commands accept: a tree node, an object key (CodeLens, timeline), or nothing (pick one). */
export type ObjectArg = { kind: "object"; key: ObjectKey } | ObjectKey | undefined;

/**
 * The target for a command: by name when the object was addressed by name, so the object wakes with `ctx.id.name`
 * set exactly as the user's own requests would wake it; by id otherwise.
 */
export function targetOf(obj: ObjectView): CommandTarget {
  return obj.ref.name ? { className: obj.ref.className, name: obj.ref.name } : { className: obj.ref.className, id: obj.ref.id };
}

function describe(obj: ObjectView): string {
  return `${obj.ref.className} ${objectLabel(obj.ref)}`;
}

export class ObjectCommands {
  private readonly storageDocuments = new StorageDocuments();

  constructor(
    private readonly model: AlarmModel,
    private readonly connection: InspectorConnection,
    private readonly log: Log,
  ) {}

  register(openTimeline: (key?: ObjectKey) => unknown): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.fireNow, (arg?: ObjectArg) => this.fireNow(arg)),
      vscode.commands.registerCommand(Commands.reschedule, (arg?: ObjectArg) => this.reschedule(arg)),
      vscode.commands.registerCommand(Commands.deleteAlarm, (arg?: ObjectArg) => this.deleteAlarm(arg)),
      vscode.commands.registerCommand(Commands.failNext, (arg?: ObjectArg) => this.failNext(arg)),
      vscode.commands.registerCommand(Commands.copyObjectId, (arg?: ObjectArg) => this.copyId(arg)),
      vscode.commands.registerCommand(Commands.showStorage, (arg?: ObjectArg) => this.showStorage(arg)),
      this.storageDocuments,
      vscode.commands.registerCommand(Commands.openTimeline, async (arg?: ObjectArg) => {
        const key = typeof arg === "string" ? arg : arg?.kind === "object" ? arg.key : undefined;
        return openTimeline(key);
      }),
    ];
  }

  /** The object a command is about; asks with a quick pick when called without one. */
  async resolve(arg: ObjectArg, purpose: string): Promise<ObjectView | undefined> {
    const key = typeof arg === "string" ? arg : arg?.kind === "object" ? arg.key : undefined;
    if (key) {
      const obj = this.model.getObject(key);
      if (!obj) void vscode.window.showErrorMessage("That object is no longer known to the Alarm Inspector (its history was dropped).");
      return obj;
    }
    const objects = this.model.objects();
    if (objects.length === 0) {
      void vscode.window.showInformationMessage("No Durable Objects known yet: start or attach the Alarm Inspector, then send your Worker a request.");
      return undefined;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      objects.map((o) => ({
        label: objectLabel(o.ref),
        description: o.ref.className,
        detail: o.currentAlarm.scheduledTime !== null ? `alarm ${formatRelative(o.currentAlarm.scheduledTime - now)}` : "no alarm pending",
        obj: o,
      })),
      { title: purpose, placeHolder: "Which object?", matchOnDescription: true },
    );
    return picked?.obj;
  }

  /** Runs a command with progress and turns a refusal into a clear message. */
  private async run<T>(title: string, obj: ObjectView, fn: () => Promise<T>): Promise<T | undefined> {
    const info = this.model.workers().find((w) => w.name === obj.worker)?.classes.find((c) => c.className === obj.ref.className)?.info;
    if (!reachable(info ?? undefined)) {
      // Refused here, in one line, rather than sent to fail in the hub.
      void vscode.window.showErrorMessage(unreachableSentence(obj.ref.className));
      return undefined;
    }
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, fn);
    } catch (e) {
      const message = (e as Error).message;
      this.log.error(`${title} ${describe(obj)}: ${message}`);
      // The title names the object already ("Firing Room a now…"): named once, not twice.
      void vscode.window.showErrorMessage(`${title.replace(/…$/, "")} failed: ${message}`);
      return undefined;
    }
  }

  async fireNow(arg: ObjectArg): Promise<AlarmChangeResult | undefined> {
    const obj = await this.resolve(arg, "Fire an alarm now");
    if (!obj) return undefined;
    const result = (await this.run(`Firing ${describe(obj)} now…`, obj, () => this.connection.send({ op: "fireNow", target: targetOf(obj) }))) as
      | AlarmChangeResult
      | undefined;
    if (result) {
      const replaced = result.previous !== null ? ` (it replaced the alarm for ${formatAbsolute(result.previous)})` : "";
      // Short: the status bar cuts a long message mid-word; the details go to the log.
      vscode.window.setStatusBarMessage(`$(zap) ${describe(obj)}: fires now`, 5000);
      this.log.info(`fire now ${describe(obj)}${replaced}`);
    }
    return result;
  }

  async reschedule(arg: ObjectArg): Promise<AlarmChangeResult | undefined> {
    const obj = await this.resolve(arg, "Reschedule an alarm");
    if (!obj) return undefined;
    const current = obj.currentAlarm.scheduledTime;
    const input = await vscode.window.showInputBox({
      title: `Reschedule the alarm of ${describe(obj)}`,
      prompt: `${current !== null ? `Now set for ${formatAbsolute(current)}. ` : "No alarm is pending. "}When should it fire? +30s, +5m, +2h, 2026-11-23T10:00, or an epoch in ms.`,
      value: current !== null && current > Date.now() ? formatInputTime(current) : "+30s",
      valueSelection: [0, 0],
      ignoreFocusOut: true,
      validateInput: (v) => {
        const parsed = parseWhen(v, Date.now());
        return parsed.ok ? undefined : { message: parsed.message, severity: vscode.InputBoxValidationSeverity.Error };
      },
    });
    if (input === undefined) return undefined;
    const parsed = parseWhen(input, Date.now());
    if (!parsed.ok) return undefined;
    const result = (await this.run(`Rescheduling ${describe(obj)}…`, obj, () =>
      this.connection.send({ op: "setAlarm", target: targetOf(obj), scheduledTime: parsed.time }),
    )) as AlarmChangeResult | undefined;
    if (result) vscode.window.setStatusBarMessage(`$(clock) ${describe(obj)}: alarm set for ${formatAbsolute(parsed.time, Date.now())}`, 5000);
    return result;
  }

  async deleteAlarm(arg: ObjectArg): Promise<AlarmChangeResult | undefined> {
    const obj = await this.resolve(arg, "Delete an alarm");
    if (!obj) return undefined;
    const result = (await this.run(`Deleting the alarm of ${describe(obj)}…`, obj, () => this.connection.send({ op: "deleteAlarm", target: targetOf(obj) }))) as
      | AlarmChangeResult
      | undefined;
    if (result && result.previous !== null) {
      const previous = result.previous;
      // Deleting is the one command that throws something of the user's away: offer it back.
      void vscode.window.showInformationMessage(`Deleted the alarm of ${describe(obj)} (it was set for ${formatAbsolute(previous)}).`, "Undo").then((c) => {
        if (c === "Undo") void this.connection.send({ op: "setAlarm", target: targetOf(obj), scheduledTime: previous }).catch((e: Error) => {
          void vscode.window.showErrorMessage(`Could not restore the alarm of ${describe(obj)}: ${e.message}`);
        });
      });
    } else if (result) vscode.window.setStatusBarMessage(`${describe(obj)} had no alarm pending`, 5000);
    return result;
  }

  async failNext(arg: ObjectArg): Promise<FailNextResult | undefined> {
    const obj = await this.resolve(arg, "Fail the next attempt(s)");
    if (!obj) return undefined;
    const input = await vscode.window.showInputBox({
      title: `Inject failures into ${describe(obj)}`,
      prompt: "How many of the next alarm attempts should throw before your handler runs? (0 clears it; 7 exhausts every retry)",
      value: "1",
      ignoreFocusOut: true,
      validateInput: (v) => (/^\s*\d{1,3}\s*$/.test(v) && Number(v) <= 100 ? undefined : "Enter a whole number from 0 to 100, e.g. 1 or 7."),
    });
    if (input === undefined) return undefined;
    const count = Number(input.trim());
    const result = (await this.run(`Injecting failures into ${describe(obj)}…`, obj, () =>
      this.connection.send({ op: "failNext", target: targetOf(obj), count }),
    )) as FailNextResult | undefined;
    if (!result) return undefined;
    this.model.notePendingFailNext({ ...targetOf(obj), worker: obj.worker }, result.pending);
    if (count === 0) {
      vscode.window.setStatusBarMessage(`${describe(obj)}: no injected failures pending`, 5000);
      return result;
    }
    const choice = await vscode.window.showInformationMessage(
      `The next ${count === 1 ? "attempt" : `${count} attempts`} of ${describe(obj)} will fail on purpose.`,
      "Fire Now",
    );
    if (choice === "Fire Now") await this.fireNow(obj.key);
    return result;
  }

  /** Takes a snapshot of the object (its alarm, keys and SQLite tables) and shows it in a read-only document. */
  async showStorage(arg: ObjectArg): Promise<SnapshotResult | undefined> {
    const obj = await this.resolve(arg, "Show an object's storage");
    if (!obj) return undefined;
    const snap = (await this.run(`Reading the storage of ${describe(obj)}…`, obj, () => this.connection.send({ op: "snapshot", target: targetOf(obj) }))) as
      | SnapshotResult
      | undefined;
    if (snap) await this.storageDocuments.show(snap, obj.worker);
    return snap;
  }

  async copyId(arg: ObjectArg): Promise<void> {
    const obj = await this.resolve(arg, "Copy an object id");
    if (!obj) return;
    await vscode.env.clipboard.writeText(obj.ref.id);
    vscode.window.setStatusBarMessage(`Copied the id of ${describe(obj)}`, 3000);
  }
}
