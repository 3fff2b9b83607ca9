/**
 * The timeline as a VS Code webview panel. One live panel follows the connected model (opening it again reveals it);
 * each session file opens in a panel of its own. The panel only wires VS Code to `TimelineHost`, which holds the
 * logic: the HTML with its CSP and nonce, the ready handshake, the messages, opening stack frames in the editor.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import * as vscode from "vscode";
import { presentFrames } from "../common/stackTrace";
import { Commands, EditorCommands } from "../common/ids";
import { Disposable } from "../common/lifecycle";
import type { AlarmModel } from "../model/alarmModel";
import type { ObjectKey } from "../model/types";
import { frameFileCandidates } from "./frameFiles";
import { readWebviewState, TIMELINE_VIEW_TYPE } from "../shared/timelineMessages";
import type { OpenFrameMessage, StackFrame, TimelineCommand, TimelineWebviewState } from "../shared/timelineMessages";
import { exportSession } from "./sessionExport";
import { readSessionFile } from "./sessionRead";
import { TimelineHost } from "./timelineHost";
import { timelineHtml } from "./webviewHtml";

/** How `TimelinePanel.show` opens a panel. */
export interface TimelinePanelOptions {
  /** An object to bring into view, with its newest run selected. */
  focus?: ObjectKey;
  /** The tab title; "Alarm Timeline" by default. */
  title?: string;
  /** The model is an opened session file, not the live one: a panel of its own, no clock, no follow. */
  offline?: boolean;
  /** For offline panels: the time statuses are shown at, and the line describing the file. */
  asOf?: number;
  description?: string;
  /** For offline panels: the file, so that a panel restored after a reload can reopen it. */
  sessionFile?: vscode.Uri;
}

const DEFAULT_TITLE = "Alarm Timeline";

/** The folders the webview may load from: its bundle, the media folder, and the codicons font. */
function resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [
    vscode.Uri.joinPath(extensionUri, "dist", "webview"),
    vscode.Uri.joinPath(extensionUri, "media"),
    vscode.Uri.joinPath(extensionUri, "node_modules", "@vscode", "codicons", "dist"),
  ];
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: resourceRoots(extensionUri) };
}

/**
 * Where the codicons stylesheet is: copied next to the webview bundle in a packaged extension (the VSIX holds no
 * node_modules), or in the `@vscode/codicons` dependency when running from the repository.
 */
function codiconsPath(extensionUri: vscode.Uri): string[] {
  const packaged = ["dist", "webview", "codicon.css"];
  return extensionUri.scheme === "file" && existsSync(vscode.Uri.joinPath(extensionUri, ...packaged).fsPath) ? packaged : ["node_modules", "@vscode", "codicons", "dist", "codicon.css"];
}

/** A nonce for the CSP: 128 random bits from the OS, never `Math.random`. */
function makeNonce(): string {
  return randomBytes(16).toString("base64");
}

/** The timeline webview panel. */
export class TimelinePanel extends Disposable {
  private static livePanel: TimelinePanel | undefined;
  private static readonly open = new Set<TimelinePanel>();

  private readonly host: TimelineHost;

  /**
   * Opens the timeline. The live timeline is one panel, revealed (and focused on `options.focus`) when already open;
   * an offline model (`options.offline`) always gets a new panel.
   */
  static show(extensionUri: vscode.Uri, model: AlarmModel, options: TimelinePanelOptions = {}): TimelinePanel {
    const existing = TimelinePanel.livePanel;
    if (!options.offline && existing) {
      existing.panel.reveal(existing.panel.viewColumn);
      if (options.focus !== undefined) existing.focus(options.focus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, options.title ?? DEFAULT_TITLE, vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return new TimelinePanel(panel, extensionUri, model, options, undefined);
  }

  /** Takes over a panel VS Code restored after a reload (see `registerTimelineSerializer`). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, model: AlarmModel, options: TimelinePanelOptions, saved: TimelineWebviewState): TimelinePanel {
    // Options are not kept across reloads with the panel: set them again, as the serializer must.
    panel.webview.options = webviewOptions(extensionUri);
    return new TimelinePanel(panel, extensionUri, model, options, saved);
  }

  /** The live panel, when open. */
  static get live(): TimelinePanel | undefined {
    return TimelinePanel.livePanel;
  }

  /** Every open timeline panel, live and offline. */
  static all(): TimelinePanel[] {
    return [...TimelinePanel.open];
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly model: AlarmModel,
    private readonly options: TimelinePanelOptions,
    saved: TimelineWebviewState | undefined,
  ) {
    super();
    const offline = options.offline === true;
    this.host = new TimelineHost({
      model,
      title: options.title ?? DEFAULT_TITLE,
      post: (message) => void this.panel.webview.postMessage(message),
      ...(offline
        ? {
            offline: {
              asOf: options.asOf ?? Date.now(),
              description: options.description ?? "Session file",
              ...(options.sessionFile ? { sessionFile: options.sessionFile.toString() } : {}),
            },
          }
        : {}),
      ...(saved ? { restored: saved } : {}),
      openFrame: (frame) => void this.openFrame(frame),
      command: (command) => void this.runCommand(command),
      resolveFrames: (frames) => resolveFrames(frames),
    });
    this._register(this.host);
    this._register(this.panel.webview.onDidReceiveMessage((message: unknown) => this.host.receive(message)));
    this._register(this.panel.onDidDispose(() => this.dispose()));
    this._register(
      this.panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.host.detach();
      }),
    );
    if (options.focus !== undefined) this.host.focus(options.focus);
    this.panel.webview.html = this.html();
    if (!offline) TimelinePanel.livePanel = this;
    TimelinePanel.open.add(this);
  }

  /** True for a panel showing a session file. */
  get offline(): boolean {
    return this.options.offline === true;
  }

  /** The object of the selected run, if any (the timeline's title-bar commands act on it). */
  get selectedObject(): ObjectKey | undefined {
    return this.host.selection?.objectKey;
  }

  /** Brings an object into view and selects its newest run. */
  focus(key: ObjectKey): void {
    this.host.focus(key);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (TimelinePanel.livePanel === this) TimelinePanel.livePanel = undefined;
    TimelinePanel.open.delete(this);
    super.dispose();
    this.panel.dispose();
  }

  private html(): string {
    const webview = this.panel.webview;
    const uri = (...path: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    return timelineHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: uri("dist", "webview", "timeline.js"),
      styleUri: uri("media", "webview", "timeline.css"),
      codiconsUri: uri(...codiconsPath(this.extensionUri)),
      title: this.options.title ?? DEFAULT_TITLE,
    });
  }

  private async runCommand(command: TimelineCommand): Promise<void> {
    switch (command) {
      case "export":
        // An offline panel exports the file it shows (a bug report can be trimmed and passed on); the live one, live.
        await exportSession(this.model);
        break;
      case "open":
        await vscode.commands.executeCommand(Commands.openSessionFile);
        break;
    }
  }

  private async openFrame(frame: OpenFrameMessage): Promise<void> {
    const where = `${frame.file}${frame.line !== undefined ? `:${frame.line}` : ""}`;
    const uri = await findWorkspaceFile(frame.file);
    if (!uri) {
      const folders = vscode.workspace.workspaceFolders ?? [];
      void vscode.window.showWarningMessage(
        folders.length === 0
          ? `Cannot open ${where}: no folder is open. Open the Worker's folder to open stack frames.`
          : `Cannot open ${where}: it is not a file in this workspace (it may be the runtime's own code, or a build file wrangler has since deleted).`,
      );
      return;
    }
    const line = Math.max(0, (frame.line ?? 1) - 1);
    const column = Math.max(0, (frame.column ?? 1) - 1);
    const position = new vscode.Position(line, column);
    const editor = await vscode.window.showTextDocument(uri, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
      selection: new vscode.Range(position, position),
    });
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}

/** The workspace file a stack frame names, if there is one (see `frameFileCandidates`). */
async function findWorkspaceFile(file: string): Promise<vscode.Uri | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
  for (const candidate of frameFileCandidates(file, folders)) {
    const uri = vscode.Uri.file(candidate);
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.type & vscode.FileType.File) return uri;
    } catch {
      // Not there: try the next candidate.
    }
  }
  return undefined;
}

/**
 * Maps bundle frames to the user's source through wrangler's source maps (`EditorCommands.resolveFrames`), then marks
 * the frames whose file exists in the workspace, so the webview draws them as links.
 */
async function resolveFrames(raw: StackFrame[]): Promise<StackFrame[]> {
  const mapped = await vscode.commands.executeCommand<StackFrame[] | undefined>(EditorCommands.resolveFrames, raw).then(
    (r) => (Array.isArray(r) && r.length === raw.length ? r : raw),
    () => raw,
  );
  const frames = mapped;
  const found = new Map<string, boolean>();
  for (const f of frames) {
    if (f.file !== undefined && !found.has(f.file)) found.set(f.file, (await findWorkspaceFile(f.file)) !== undefined);
  }
  const marked = frames.map((f) => (f.file !== undefined && found.get(f.file) ? { ...f, openable: true } : f));
  // The user's frames read as `Room.alarm (src/worker.ts:48)`; the agent's wrappers and wrangler's bundle are left out.
  return presentFrames(marked, (file) => vscode.workspace.asRelativePath(file));
}

/**
 * Registers the serializer that restores timeline panels after VS Code reloads: a live panel shows `model` again, an
 * offline panel reopens its session file. (The manifest must list `onWebviewPanel:alarmInspector.timeline` among the
 * activation events, so that the extension is activated to restore it.)
 */
export function registerTimelineSerializer(context: vscode.ExtensionContext, model: AlarmModel): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      const saved = readWebviewState(state);
      if (saved.sessionFile !== undefined) {
        const uri = vscode.Uri.parse(saved.sessionFile);
        const read = await readSessionFile(uri);
        if (!read.ok) {
          panel.dispose();
          void vscode.window.showWarningMessage(`The timeline of ${uri.fsPath} was not restored: ${read.error}`);
          return;
        }
        TimelinePanel.revive(panel, context.extensionUri, read.model, { offline: true, title: read.title, asOf: read.asOf, description: read.description, sessionFile: uri }, saved);
        return;
      }
      if (TimelinePanel.live) {
        // A live timeline was opened while this one waited to be restored: one live panel is enough.
        panel.dispose();
        return;
      }
      TimelinePanel.revive(panel, context.extensionUri, model, {}, saved);
    },
  });
}
