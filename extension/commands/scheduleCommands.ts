import * as vscode from "vscode";
import type { ScheduleCommandResult } from "../../protocol/protocol";
import { Commands } from "../common/ids";
import type { Log } from "../common/log";
import type { InspectorConnection } from "../connection/connection";
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import type { ScheduleView } from "../model/schedules";
import { formatAbsolute, formatInputTime, parseWhen } from "../model/timeInput";
import type { ObjectKey, ObjectView } from "../model/types";
import { targetOf } from "./objectCommands";

/** What the schedule commands accept: a schedule row of the tree. */
export interface ScheduleArg {
  kind: "schedule";
  key: ObjectKey;
  scheduleId: string;
}

/**
 * Commands on one schedule behind an object's alarm: Run now, Cancel, Reschedule. Each says what it wrote into the
 * user's storage, in the agent's own words, because those are the only writes the inspector makes there.
 */
export class ScheduleCommands {
  constructor(
    private readonly model: AlarmModel,
    private readonly connection: InspectorConnection,
    private readonly log: Log,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.scheduleRunNow, (arg?: ScheduleArg) => this.runNow(arg)),
      vscode.commands.registerCommand(Commands.scheduleCancel, (arg?: ScheduleArg) => this.cancel(arg)),
      vscode.commands.registerCommand(Commands.scheduleReschedule, (arg?: ScheduleArg) => this.reschedule(arg)),
    ];
  }

  private resolve(arg: ScheduleArg | undefined): { obj: ObjectView; schedule: ScheduleView } | undefined {
    if (!arg || arg.kind !== "schedule") {
      void vscode.window.showInformationMessage("Pick a schedule in the Alarms view (under its object) to run this command on it.");
      return undefined;
    }
    const obj = this.model.getObject(arg.key);
    const schedule = this.model.schedules.get(arg.key, arg.scheduleId);
    if (!obj || !schedule) {
      void vscode.window.showErrorMessage("That schedule is no longer known to the Alarm Inspector.");
      return undefined;
    }
    return { obj, schedule };
  }

  private async send(title: string, what: string, obj: ObjectView, request: Parameters<InspectorConnection["send"]>[0]): Promise<ScheduleCommandResult | undefined> {
    try {
      const result = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => this.connection.send(request))) as ScheduleCommandResult;
      this.log.info(`${what} ${obj.ref.className} ${objectLabel(obj.ref)}: wrote ${result.wrote.join("; ")}`);
      return result;
    } catch (e) {
      const message = (e as Error).message;
      this.log.error(`${what} ${obj.ref.className} ${objectLabel(obj.ref)}: ${message}`);
      void vscode.window.showErrorMessage(`${what} failed: ${message}`);
      return undefined;
    }
  }

  async runNow(arg?: ScheduleArg): Promise<ScheduleCommandResult | undefined> {
    const found = this.resolve(arg);
    if (!found) return undefined;
    const { obj, schedule } = found;
    const result = await this.send(`Running ${schedule.callback}() now…`, "run now", obj, {
      op: "scheduleRunNow",
      target: targetOf(obj),
      scheduleId: schedule.id,
    });
    if (result) vscode.window.setStatusBarMessage(`$(zap) ${schedule.callback}(): made due and the alarm fired; wrote ${result.wrote.join(", ")}`, 8000);
    return result;
  }

  async cancel(arg?: ScheduleArg): Promise<ScheduleCommandResult | undefined> {
    const found = this.resolve(arg);
    if (!found) return undefined;
    const { obj, schedule } = found;
    const result = await this.send(`Cancelling ${schedule.callback}()…`, "cancel", obj, { op: "scheduleCancel", target: targetOf(obj), scheduleId: schedule.id });
    if (result) vscode.window.setStatusBarMessage(`${schedule.callback}(): cancelled (${result.wrote.join(", ")})`, 8000);
    return result;
  }

  async reschedule(arg?: ScheduleArg): Promise<ScheduleCommandResult | undefined> {
    const found = this.resolve(arg);
    if (!found) return undefined;
    const { obj, schedule } = found;
    const input = await vscode.window.showInputBox({
      title: `Reschedule ${schedule.callback}()`,
      prompt: `${schedule.time !== null ? `Next run ${formatAbsolute(schedule.time)}. ` : ""}When should it run? +30s, +5m, +2h, 2026-11-23T10:00, or an epoch in ms.`,
      value: schedule.time !== null && schedule.time > Date.now() ? formatInputTime(schedule.time) : "+30s",
      ignoreFocusOut: true,
      validateInput: (v) => {
        const parsed = parseWhen(v, Date.now());
        return parsed.ok ? undefined : { message: parsed.message, severity: vscode.InputBoxValidationSeverity.Error };
      },
    });
    if (input === undefined) return undefined;
    const parsed = parseWhen(input, Date.now());
    if (!parsed.ok) return undefined;
    return this.send(`Rescheduling ${schedule.callback}()…`, "reschedule", obj, {
      op: "scheduleReschedule",
      target: targetOf(obj),
      scheduleId: schedule.id,
      time: parsed.time,
    });
  }
}
