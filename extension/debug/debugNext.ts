import { join } from "node:path";
import * as vscode from "vscode";
import { Commands } from "../common/ids";
import type { Log } from "../common/log";
import { timelineObject } from "../commands/holdCommands";
import type { HoldCommands } from "../commands/holdCommands";
import type { ObjectArg, ObjectCommands } from "../commands/objectCommands";
import type { AlarmModel } from "../model/alarmModel";
import type { SessionManager } from "../session/sessionManager";
import { readSessionFile, SESSION_RELATIVE } from "../session/sessionInfo";
import { objectsOfClass } from "../editor/editorCommands";
import { ATTACH_NAME, attachConfiguration } from "./attachConfig";

/**
 * Debug Next Attempt: attaches VS Code's JavaScript debugger to the session's workerd (once; it stays attached), then
 * arms a debugger pause on the object's next attempt. The agent stops in `pauseBeforeHandler()` just before the user's handler,
 * with `attempt` (alarmInfo, trigger, retry k of 6) in the Variables view; Step Into leads to the user's `alarm()`.
 *
 * While paused, the whole Worker isolate is paused (the debugger stops the isolate, not one object): other objects,
 * requests and the inspector's own event stream wait until Continue.
 */
export class DebugNext {
  constructor(
    private readonly model: AlarmModel,
    private readonly sessions: SessionManager,
    private readonly objects: ObjectCommands,
    private readonly holds: HoldCommands,
    private readonly log: Log,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.debugNext, (arg?: ObjectArg | string, worker?: string) => this.run(arg, worker)),
    ];
  }

  /** `arg`: a tree node or object key, or a class name (the CodeLens), with the lens's worker. */
  async run(arg?: ObjectArg | string, worker?: string): Promise<boolean> {
    const key = typeof arg === "string" && !this.model.getObject(arg) ? this.pickOfClass(arg, worker) : (arg ?? timelineObject());
    if (key === null) return false;
    const obj = await this.objects.resolve(key, "Debug the next attempt");
    if (!obj) return false;
    const project = this.sessions.project;
    const info = project ? await readSessionFile(join(project, SESSION_RELATIVE)) : undefined;
    if (!project || !info?.debugPort) {
      void vscode.window.showErrorMessage(
        "Debug Next Attempt needs a session started by Alarm Inspector: Start (alarm-inspector dev), which names wrangler's inspector port; the Vite and PartyKit paths do not yet.",
      );
      return false;
    }
    if (!(await this.attach(info.debugPort, project))) return false;
    const armed = await this.holds.holdNext(obj.key, "debug");
    if (!armed) return false;
    this.log.info(`debugger attached on port ${info.debugPort}; pause armed on ${obj.ref.className} ${obj.ref.name ?? obj.ref.id}`);
    const choice = await vscode.window.showInformationMessage(
      `The next attempt of ${obj.ref.className} ${obj.ref.name ?? obj.ref.id.slice(0, 8)} stops in the debugger just before your handler (Step Into three times to enter it).`,
      "Fire Now",
    );
    if (choice === "Fire Now") await vscode.commands.executeCommand(Commands.fireNow, obj.key);
    return true;
  }

  /** The class's object when it has one; asks when several; null (after saying why) when none. */
  private pickOfClass(className: string, worker?: string): ObjectArg | null {
    const objects = objectsOfClass(this.model, className, worker);
    if (objects.length === 0) {
      void vscode.window.showInformationMessage(`No ${className} object has done anything yet: send your Worker a request that reaches one.`);
      return null;
    }
    return objects.length === 1 ? objects[0]!.key : undefined;
  }

  /** Starts the attach session unless one of ours is running. */
  private async attach(port: number, project: string): Promise<boolean> {
    const running = vscode.debug.activeDebugSession;
    if (running?.name === ATTACH_NAME && running.configuration.port === port) return true;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project)) ?? vscode.workspace.workspaceFolders?.[0];
    const started = await vscode.debug.startDebugging(folder, { ...attachConfiguration(port, project) });
    if (!started) {
      void vscode.window.showErrorMessage(
        `Could not attach VS Code's JavaScript debugger to workerd on port ${port}: is the built-in JavaScript Debugger (ms-vscode.js-debug) enabled?`,
      );
    }
    return started;
  }
}
