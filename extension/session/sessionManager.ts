import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import * as vscode from "vscode";
import { Disposable, toDisposable } from "../common/lifecycle";
import { Commands, ContextKeys, VIEW_ID } from "../common/ids";
import { readSettings } from "../common/settings";
import type { Log } from "../common/log";
import { InspectorConnection } from "../connection/connection";
import type { EndpointSource } from "../connection/connection";
import type { AlarmModel } from "../model/alarmModel";
import { readPersistedAlarms } from "../persisted/persistedAlarms";
import type { HelloMessage } from "../../protocol/protocol";
import { LauncherExited, LauncherProcess, stopProjectSession } from "./launcherProcess";
import { launcherTerminal } from "./launcherTerminal";
import { parseSession, readSessionFile, SESSION_RELATIVE } from "./sessionInfo";
import { planStart } from "./startPlan";
import type { StartPlan } from "./startPlan";
import type { LauncherSession } from "./sessionInfo";

const CONFIG_GLOB = "**/{wrangler.toml,wrangler.json,wrangler.jsonc,partykit.json}";
const SESSION_GLOB = "**/.wrangler/alarm-inspector/session.json";
const EXCLUDE_GLOB = "**/{node_modules,.git}/**";
/** The launcher writes a generated wrangler.json under .wrangler/: never offer that one as the user's config. */
const CONFIG_EXCLUDE_GLOB = "**/{node_modules,.git,.wrangler,.partykit}/**";

/** A session file as an endpoint source: read again on every reconnection (a restarted launcher has a new token). */
function sessionFileSource(path: string): EndpointSource {
  return {
    label: vscode.workspace.asRelativePath(path),
    read: async () => {
      const s = await readSessionFile(path);
      return s && { inspector: s.inspector, token: s.token };
    },
  };
}

/** How *Start* runs the project of `configUri` (`vite dev` when its Vite config uses the Cloudflare plugin). */
function planFor(configUri: vscode.Uri): StartPlan {
  return planStart(configUri.fsPath, (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  });
}

/**
 * Start, attach, stop and reconnect: owns the launcher it started (if any) and the connection, keeps the context
 * keys the welcome views and menus read, and attaches by itself to a session of this workspace when one appears.
 */
export class SessionManager extends Disposable {
  readonly connection: InspectorConnection;
  private launcher: LauncherProcess | undefined;
  private terminal: vscode.Terminal | undefined;
  private configs: vscode.Uri[] = [];
  /** Folder of the project whose session we follow, for persisted state and auto-attach. */
  private projectDir: string | undefined;
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires when the project or the launcher changes (the connection has its own events). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly model: AlarmModel,
    private readonly log: Log,
  ) {
    super();
    this.connection = new InspectorConnection(model);
    this._register(this.connection);
    this._register(toDisposable(() => void this.launcher?.stop()));
    this.connection.onLog((line) => log.info(line));
    this.connection.onDidChangeState((state) => void vscode.commands.executeCommand("setContext", ContextKeys.state, state.kind));
    this.connection.onDidReconnect((r) => {
      void this.loadPersisted(r.hello);
      const what = r.reloaded ? "the Worker restarted; history kept" : "connection restored";
      this._register(vscode.window.setStatusBarMessage(`$(check) Alarm Inspector reconnected: ${what}`, 5000));
    });
  }

  /**
   * Start-up work, called once after activation has returned (extension.ts): VS Code counts the whole of `activate()`
   * in the extension's activation time, and each of these is a message to the workbench (the two file watchers took
   * 2-6 ms of it in a profile of the extension host). Nothing here is needed before the views first draw.
   */
  async initialize(): Promise<void> {
    void vscode.commands.executeCommand("setContext", ContextKeys.state, this.connection.state.kind);
    void vscode.commands.executeCommand("setContext", ContextKeys.launched, this.isLaunched);
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(SESSION_GLOB));
    this._register(watcher.onDidCreate((uri) => void this.onSessionFile(uri)));
    this._register(watcher.onDidChange((uri) => void this.onSessionFile(uri)));
    const configWatcher = this._register(vscode.workspace.createFileSystemWatcher(CONFIG_GLOB));
    this._register(configWatcher.onDidCreate(() => void this.findConfigs()));
    this._register(configWatcher.onDidDelete(() => void this.findConfigs()));
    await this.findConfigs();
    if (readSettings().autoAttach) await this.autoAttach();
  }

  get project(): string | undefined {
    return this.projectDir;
  }

  get isLaunched(): boolean {
    return !!this.launcher?.running;
  }

  private async findConfigs(): Promise<void> {
    const found = await vscode.workspace.findFiles(CONFIG_GLOB, CONFIG_EXCLUDE_GLOB, 50);
    // Shallowest first, so the workspace's own Worker heads the list.
    const depth = (u: vscode.Uri) => vscode.workspace.asRelativePath(u).split("/").length;
    this.configs = found.sort((a, b) => depth(a) - depth(b) || a.fsPath.localeCompare(b.fsPath));
    await vscode.commands.executeCommand("setContext", ContextKeys.hasConfig, this.configs.length > 0);
    await vscode.commands.executeCommand("setContext", ContextKeys.ready, true);
  }

  private async liveSessions(): Promise<{ uri: vscode.Uri; session: LauncherSession }[]> {
    const files = await vscode.workspace.findFiles(SESSION_GLOB, EXCLUDE_GLOB, 20);
    const out: { uri: vscode.Uri; session: LauncherSession }[] = [];
    for (const uri of files) {
      const session = await readSessionFile(uri.fsPath);
      if (session) out.push({ uri, session });
    }
    return out;
  }

  private async autoAttach(): Promise<void> {
    if (this.connection.state.kind !== "disconnected") return;
    const [first] = await this.liveSessions();
    if (!first) return;
    this.log.info(`auto-attaching to the running session in ${vscode.workspace.asRelativePath(first.uri)}`);
    await this.autoAttachFile(first.uri.fsPath);
  }

  private async onSessionFile(uri: vscode.Uri): Promise<void> {
    // A session we follow restarted: the connection's own retry loop reads the new token. A new session elsewhere
    // is attached only when nothing else is connected, and only if the user wants that.
    if (this.connection.state.kind !== "disconnected" || this.launcher?.running) return;
    if (!readSettings().autoAttach) return;
    await new Promise((r) => setTimeout(r, 200));
    if (this.connection.state.kind !== "disconnected") return;
    await this.autoAttachFile(uri.fsPath);
  }

  private async autoAttachFile(path: string): Promise<void> {
    try {
      await this.attachFile(path);
      if (readSettings().revealOnAttach) await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    } catch (e) {
      this.log.warn(`auto-attach failed: ${(e as Error).message}`);
    }
  }

  private async attachFile(path: string): Promise<void> {
    this.projectDir = dirname(dirname(dirname(path)));
    this.changeEmitter.fire();
    const hello = await this.connection.attach(sessionFileSource(path));
    this.log.info(`attached to ${hello.worker} through ${vscode.workspace.asRelativePath(path)}`);
    void this.loadPersisted(hello);
  }

  /**
   * Alarms set in earlier sessions, read from wrangler's local state without waking anything, so objects that are
   * asleep with an alarm pending show up before they fire.
   */
  async loadPersisted(hello: HelloMessage): Promise<void> {
    if (!this.projectDir) return;
    const args = readSettings().launcherArgs;
    const at = args.indexOf("--persist-to");
    const stateDir = at >= 0 && args[at + 1] ? resolve(this.projectDir, args[at + 1]!) : join(this.projectDir, ".wrangler", "state");
    const read = await readPersistedAlarms(stateDir, hello.worker, hello.classes.map((c) => c.className));
    if (!read.ok) {
      this.log.warn(read.reason);
      return;
    }
    for (const w of read.warnings) this.log.warn(`wrangler state: ${w}`);
    this.model.applyPersisted(hello.worker, read.alarms, read.readAt);
    this.log.info(`read ${read.alarms.length} pending alarm(s) from wrangler's local state`);
  }

  /** *Start wrangler dev with Alarm Inspector*: runs the launcher in a terminal and attaches when it is ready. */
  async start(configUri?: vscode.Uri): Promise<void> {
    if (this.launcher?.running) {
      const choice = await vscode.window.showInformationMessage("The Alarm Inspector is already running wrangler dev.", "Show Terminal", "Restart");
      if (choice === "Show Terminal") this.terminal?.show();
      if (choice !== "Restart") return;
      await this.stop();
    }
    if (!configUri) {
      await this.findConfigs();
      configUri = await this.pickConfig();
      if (!configUri) return;
    }
    const settings = readSettings();
    const chosen = configUri;
    const cwd = dirname(configUri.fsPath);
    const plan = planFor(configUri);
    this.log.info(`start: ${plan.runtime} (${plan.reason})`);
    const launcher = new LauncherProcess({
      node: settings.nodePath || "node",
      cli: vscode.Uri.joinPath(this.context.extensionUri, "dist", "cli.js").fsPath,
      command: plan.command,
      cwd,
      config: plan.config,
      port: settings.port ?? undefined,
      extraArgs: settings.launcherArgs,
    });
    this.launcher = launcher;
    this.projectDir = cwd;
    void vscode.commands.executeCommand("setContext", ContextKeys.launched, true);
    this.changeEmitter.fire();
    const title = `Alarm Inspector: ${vscode.workspace.asRelativePath(cwd) || basename(cwd)}`;
    this.terminal = launcherTerminal(launcher, title, () => void this.stop());
    this.terminal.show(true);
    void launcher.exited.then((code) => {
      if (this.launcher !== launcher) return;
      this.launcher = undefined;
      void vscode.commands.executeCommand("setContext", ContextKeys.launched, false);
      this.connection.detach();
      this.changeEmitter.fire();
      this.log.info(`launcher exited (${code ?? "signal"})`);
    });
    this.log.info(`starting: node ${launcher.request.cli} in ${cwd}`);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting ${plan.runtime} with Alarm Inspector (${plan.reason})…`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => void this.stop());
        try {
          const session = await launcher.ready;
          const hello = await this.connection.attach(sessionFileSource(join(cwd, SESSION_RELATIVE)));
          void this.loadPersisted(hello);
          this.log.info(`ready: ${session.url} (${hello.classes.length} Durable Object classes)`);
          vscode.window.setStatusBarMessage(`$(bell) Alarm Inspector: ${hello.worker} on ${session.url} (${plan.runtime})`, 5000);
        } catch (e) {
          if (token.isCancellationRequested) return;
          const message = (e as Error).message;
          this.log.error(`start failed: ${message}`);
          if (e instanceof LauncherExited && e.alreadyRunning) {
            void this.offerRunning(message, launcher, chosen);
            return;
          }
          void vscode.window.showErrorMessage(`Alarm Inspector could not start: ${message}`, "Show Terminal", "Show Log").then((c) => {
            if (c === "Show Terminal") this.terminal?.show();
            if (c === "Show Log") this.log.show();
          });
        }
      },
    );
  }

  /**
   * The launcher refused: a session of this project already runs (another window, a terminal, or a runtime left by
   * a crash). Offer to attach to it, or to stop it and start here.
   */
  private async offerRunning(message: string, refused: LauncherProcess, configUri: vscode.Uri): Promise<void> {
    const choice = await vscode.window.showWarningMessage(`Alarm Inspector: ${message}`, "Attach", "Stop It and Start Here");
    if (choice === "Attach") return this.attach();
    if (choice !== "Stop It and Start Here") return;
    try {
      const said = await stopProjectSession(refused.request.node, refused.request.cli, refused.request.cwd);
      this.log.info(said);
    } catch (e) {
      void vscode.window.showErrorMessage(`Alarm Inspector could not stop the running session: ${(e as Error).message}`);
      return;
    }
    await this.start(configUri);
  }

  private async pickConfig(): Promise<vscode.Uri | undefined> {
    if (this.configs.length === 0) {
      void vscode.window.showErrorMessage(
        "No wrangler config (wrangler.toml, wrangler.json or wrangler.jsonc) in this workspace: open the folder of your Worker.",
      );
      return undefined;
    }
    if (this.configs.length === 1) return this.configs[0];
    const picked = await vscode.window.showQuickPick(
      this.configs.map((uri) => ({
        label: vscode.workspace.asRelativePath(uri),
        description: planFor(uri).runtime,
        uri,
      })),
      { title: "Start wrangler dev with Alarm Inspector", placeHolder: "Which Worker?" },
    );
    return picked?.uri;
  }

  /** *Attach*: to a running session of this workspace, or to a URL and token the user gives. */
  async attach(): Promise<void> {
    const sessions = await this.liveSessions();
    type Pick = vscode.QuickPickItem & { uri?: vscode.Uri };
    const items: Pick[] = sessions.map(({ uri, session }) => ({
      label: `$(bell) ${session.worker}`,
      description: session.url,
      detail: vscode.workspace.asRelativePath(uri),
      uri,
    }));
    items.push({ label: "$(link) Enter a URL and token…" });
    const picked = sessions.length === 0 ? items[0] : await vscode.window.showQuickPick(items, { title: "Attach to an Alarm Inspector session" });
    if (!picked) return;
    if (picked.uri) {
      await this.withAttachProgress(() => this.attachFile(picked.uri!.fsPath));
      return;
    }
    const endpoint = await this.askEndpoint();
    if (!endpoint) return;
    this.projectDir = undefined;
    const source: EndpointSource = { label: endpoint.inspector, read: async () => endpoint };
    await this.withAttachProgress(() => this.connection.attach(source).then(() => undefined));
  }

  private async withAttachProgress(fn: () => Promise<void>): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Attaching to the Alarm Inspector…" }, async () => {
      try {
        await fn();
      } catch (e) {
        void vscode.window.showErrorMessage(`Alarm Inspector could not attach: ${(e as Error).message}`);
      }
    });
  }

  private async askEndpoint(): Promise<{ inspector: string; token: string } | undefined> {
    const first = await vscode.window.showInputBox({
      title: "Attach to an Alarm Inspector session (1/2)",
      prompt: "The inspector URL (ws://127.0.0.1:8787/__alarm_inspector/v1), the Worker's URL, or the launcher's whole ready line",
      placeHolder: "ws://127.0.0.1:8787/__alarm_inspector/v1",
      ignoreFocusOut: true,
      validateInput: (v) => {
        const t = v.trim();
        if (t.startsWith("{")) {
          const p = parseSession(t);
          return p.ok ? undefined : `That ready line cannot be used: ${p.reason}.`;
        }
        return toInspectorUrl(t) ? undefined : "Enter a ws:// or http:// URL on this machine, e.g. ws://127.0.0.1:8787/__alarm_inspector/v1";
      },
    });
    if (first === undefined) return undefined;
    const t = first.trim();
    if (t.startsWith("{")) {
      const p = parseSession(t);
      return p.ok ? { inspector: p.session.inspector, token: p.session.token } : undefined;
    }
    const inspector = toInspectorUrl(t)!;
    const token = await vscode.window.showInputBox({
      title: "Attach to an Alarm Inspector session (2/2)",
      prompt: "The session token (from the launcher's ready line or .wrangler/alarm-inspector/session.json)",
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === "" ? "The token is required: the inspector refuses connections without it." : undefined),
    });
    return token === undefined ? undefined : { inspector, token: token.trim() };
  }

  /** *Stop*: stops the launcher this window started (and with it wrangler), or detaches from one started elsewhere. */
  async stop(): Promise<void> {
    const launcher = this.launcher;
    this.connection.detach();
    if (launcher) {
      this.launcher = undefined;
      await launcher.stop();
      this.terminal?.dispose();
      this.terminal = undefined;
      void vscode.commands.executeCommand("setContext", ContextKeys.launched, false);
      this.log.info("stopped wrangler dev");
    } else this.log.info("detached (the session was not started from this window and keeps running)");
    this.changeEmitter.fire();
  }

  async reconnect(): Promise<void> {
    await this.withAttachProgress(async () => {
      await this.connection.reconnectNow();
    });
  }

  static registerCommands(manager: SessionManager): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.start, (uri?: vscode.Uri) => manager.start(uri instanceof vscode.Uri ? uri : undefined)),
      vscode.commands.registerCommand(Commands.attach, () => manager.attach()),
      vscode.commands.registerCommand(Commands.stop, () => manager.stop()),
      vscode.commands.registerCommand(Commands.reconnect, () => manager.reconnect()),
    ];
  }
}

/** Accepts the inspector URL itself, or a Worker origin (http or ws) to which the inspector path is added. */
export function toInspectorUrl(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined;
  }
  if (!["ws:", "wss:", "http:", "https:"].includes(url.protocol)) return undefined;
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/__alarm_inspector/v1";
  return url.toString();
}
