import * as vscode from "vscode";
import { registerFastForward } from "./commands/fastForward";
import { HoldCommands } from "./commands/holdCommands";
import { registerDebugLens } from "./debug/debugLens";
import { DebugNext } from "./debug/debugNext";
import { ObjectCommands } from "./commands/objectCommands";
import { ScheduleCommands } from "./commands/scheduleCommands";
import { Commands, ContextKeys } from "./common/ids";
import { Timeout } from "./common/lifecycle";
import { Log } from "./common/log";
import { readSettings, SECTION } from "./common/settings";
import { registerEditorFeatures } from "./editor/editorFeatures";
import { AlarmModel } from "./model/alarmModel";
import type { ObjectKey } from "./model/types";
import { SessionManager } from "./session/sessionManager";
import { exportSession, openSessionFile } from "./timeline/sessionFile";
import { registerTimelineSerializer, TimelinePanel } from "./timeline/timelinePanel";
import { AlarmsTreeProvider } from "./views/alarmsTree";
import { AlarmsStatusBar } from "./views/statusBar";
import { ViewClock } from "./views/viewClock";
import { registerWelcomeCommands } from "./views/welcome";

/** What the extension hands its own tests (and nothing else): the live model and the session manager. */
export interface AlarmInspectorApi {
  readonly model: AlarmModel;
  readonly sessions: SessionManager;
  readonly tree: AlarmsTreeProvider;
}

/**
 * Only wires: the model, the session (launcher + connection), the views and the commands, each pushed into
 * `context.subscriptions`. The session's start-up (watchers, finding configs, auto-attach) runs after activation returns.
 */
export function activate(context: vscode.ExtensionContext): AlarmInspectorApi {
  const log = new Log();
  context.subscriptions.push(log);
  const model = new AlarmModel({ maxEventsPerObject: readSettings().maxEventsPerObject });
  context.subscriptions.push(model);

  const sessions = new SessionManager(context, model, log);
  context.subscriptions.push(sessions, ...SessionManager.registerCommands(sessions));

  context.subscriptions.push(...registerEditorFeatures(context, model, sessions));

  // One clock for the tree and the status bar: their relative times and pending counts never disagree.
  const clock = new ViewClock();
  const tree = new AlarmsTreeProvider(model, () => sessions.connection.hello, clock);
  context.subscriptions.push(clock, tree, new AlarmsStatusBar(model, clock));
  context.subscriptions.push(contextKeyOf(model, ContextKeys.hasObjects, () => model.objectCount > 0));

  const openTimeline = (key?: ObjectKey) => TimelinePanel.show(context.extensionUri, model, key ? { focus: key } : {});
  context.subscriptions.push(registerTimelineSerializer(context, model));
  const objectCommands = new ObjectCommands(model, sessions.connection, log);
  const holdCommands = new HoldCommands(model, sessions.connection, objectCommands, log);
  context.subscriptions.push(
    ...holdCommands.register(),
    ...new DebugNext(model, sessions, objectCommands, holdCommands, log).register(),
    ...registerDebugLens(model),
  );
  context.subscriptions.push(
    ...objectCommands.register(openTimeline),
    ...new ScheduleCommands(model, sessions.connection, log).register(),
    registerFastForward(model, sessions.connection, log),
    vscode.commands.registerCommand(Commands.refresh, () => tree.refresh()),
    // Both take a Uri when called programmatically (a test, a link); from the palette they ask with a dialog.
    vscode.commands.registerCommand(Commands.exportSession, (uri?: unknown) => exportSession(model, uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.openSessionFile, (uri?: unknown) => openSessionFile(context.extensionUri, uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.showLog, () => log.show()),
    registerWelcomeCommands(context),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) log.info("settings changed; they apply to the next start");
    }),
  );

  // After activate() returns: VS Code's activation time counts everything activate() runs, and the first screen needs
  // none of the session's start-up (watchers, finding configs, auto-attach).
  const startUp = new Timeout();
  context.subscriptions.push(startUp);
  startUp.arm(() => void sessions.initialize().catch((e: Error) => log.error(`start-up: ${e.message}`)), 0);
  return { model, sessions, tree };
}

/**
 * Keeps a context key equal to `value()` after each model change, telling the workbench only when it flips: each
 * `setContext` is a round trip to the workbench, and the model changes with every batch of events (up to hundreds a
 * second).
 */
function contextKeyOf(model: AlarmModel, key: string, value: () => boolean): vscode.Disposable {
  let told: boolean | undefined;
  return model.onDidChange(() => {
    const now = value();
    if (now === told) return;
    told = now;
    void vscode.commands.executeCommand("setContext", key, now);
  });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; the launcher this window started is stopped there.
}
