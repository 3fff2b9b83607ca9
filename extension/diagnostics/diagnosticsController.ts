/**
 * The Problems view's alarm diagnostics: one `DiagnosticCollection`, fed by the static rules (open TS/JS files of the
 * workspace, re-checked as they change) and by the runtime rules (the model's events, located in the source).
 * Each diagnostic has its rule's code, linked to the documentation, and is removed as soon as its rule no longer
 * finds it.
 */
import * as vscode from "vscode";
import { partiesFindings } from "./rules/partykitParties";
import { Disposable, toDisposable } from "../common/lifecycle";
import type { AlarmModel } from "../model/alarmModel";
import type { OutlineCache } from "../editor/outlineCache";
import { isWorkspaceSource } from "../editor/workspaceSources";
import type { SourceMapStore } from "../sourcemap/mapStore";
import type { SourceLocator } from "../sourcemap/sourceLocator";
import { runtimeFindings, staticFindings } from "./analysis";
import type { Finding, FindingSeverity, RuntimeContext } from "./finding";

/** Shown as the diagnostics' source in the Problems view. */
export const DIAGNOSTIC_SOURCE = "Alarm Inspector";
/** Quiet time after an edit before a document is checked again. */
const STATIC_DEBOUNCE_MS = 300;
/** Least time between two runs of the runtime rules. */
const RUNTIME_THROTTLE_MS = 500;
/**
 * Longest time the outlines read from disk are trusted while the source maps stay the same. wrangler rebuilds (new
 * maps, a new `userSources()`) when a source changes, which re-reads them at once; this only bounds what a change no
 * rebuild follows could leave stale. A stat of every source at each run, twice a second under a stream, cost the
 * extension host 43.5 ms in 15 s of the host-load bench's profile (128 ms in an earlier, busier one).
 */
const DISK_RECHECK_MS = 5_000;

const SEVERITY: Record<FindingSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/** Keeps the collection in step with the rules. */
export class DiagnosticsController extends Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly staticByFile = new Map<string, Finding[]>();
  private runtimeByFile = new Map<string, Finding[]>();
  /** What was last sent for each file (see `publish`). */
  private readonly published = new Map<string, string>();
  private readonly staticTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private runtimeTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRuntimeRun = 0;
  /** The sources whose outlines were last read from disk, and when (see DISK_RECHECK_MS). */
  private diskChecked: { readonly sources: readonly string[]; readonly at: number } | undefined;

  constructor(
    private readonly model: AlarmModel,
    private readonly locator: SourceLocator,
    private readonly store: SourceMapStore,
    private readonly outlines: OutlineCache,
  ) {
    super();
    this.collection = this._register(vscode.languages.createDiagnosticCollection("alarmInspector"));
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.checkSoon(d, 0)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.checkSoon(e.document, STATIC_DEBOUNCE_MS)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)));
    this._register(model.onDidChange(() => this.runtimeSoon()));
    this._register(locator.onDidChange(() => this.runtimeSoon()));
    this._register(
      toDisposable(() => {
        for (const t of this.staticTimers.values()) clearTimeout(t);
        if (this.runtimeTimer) clearTimeout(this.runtimeTimer);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.checkSoon(d, 0);
    this.runtimeSoon();
  }

  /** Runs every pending check now (the editor tests wait on this rather than on timers). */
  async flush(): Promise<void> {
    for (const [key, t] of this.staticTimers) {
      clearTimeout(t);
      this.staticTimers.delete(key);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (doc) this.checkStatic(doc);
    }
    await this.locator.flush();
    await this.checkRuntime();
  }

  private checkSoon(doc: vscode.TextDocument, delayMs: number): void {
    if (!isWorkspaceSource(doc)) return;
    const key = doc.uri.toString();
    const pending = this.staticTimers.get(key);
    if (pending) clearTimeout(pending);
    this.staticTimers.set(
      key,
      setTimeout(() => {
        this.staticTimers.delete(key);
        this.checkStatic(doc);
      }, delayMs),
    );
  }

  private checkStatic(doc: vscode.TextDocument): void {
    if (doc.isClosed) return;
    const file = doc.uri.fsPath;
    const outline = this.outlines.forText(file, doc.version, doc.getText());
    this.staticByFile.set(file, [...staticFindings(file, outline.classes), ...partiesFindings(file, doc.getText())]);
    this.publish(file);
  }

  private closed(doc: vscode.TextDocument): void {
    const file = doc.uri.fsPath;
    const pending = this.staticTimers.get(doc.uri.toString());
    if (pending) clearTimeout(pending);
    this.staticTimers.delete(doc.uri.toString());
    this.outlines.closeDocument(file);
    this.diskChecked = undefined; // the disk copy of a file just closed is what the rules read now
    // A closed file is no longer checked: its static findings go; what happened at run time stays.
    if (this.staticByFile.delete(file)) this.publish(file);
  }

  private runtimeSoon(): void {
    if (this.runtimeTimer || this.isDisposed) return;
    const wait = Math.max(0, this.lastRuntimeRun + RUNTIME_THROTTLE_MS - Date.now());
    this.runtimeTimer = setTimeout(() => {
      this.runtimeTimer = undefined;
      void this.checkRuntime();
    }, wait);
  }

  private async checkRuntime(): Promise<void> {
    this.lastRuntimeRun = Date.now();
    // A class's handler is found in its source even when the file is not open: the files wrangler's maps name.
    const sources = this.store.userSources();
    const now = Date.now();
    if (sources !== this.diskChecked?.sources || now - this.diskChecked.at >= DISK_RECHECK_MS) {
      this.diskChecked = { sources, at: now };
      await this.outlines.loadFromDisk(sources);
      if (this.isDisposed) return;
    }
    const current = new Set(this.model.workers().flatMap((w) => (w.session ? [w.session.id] : [])));
    const context: RuntimeContext = {
      objects: this.model.objects(),
      isCurrentSession: (session) => current.has(session),
      locate: (rec, objectKey) => this.locator.locationOf(rec, objectKey),
      locateStack: (stack) => this.locator.mapStack(stack).site,
      handlerOf: (className) => this.outlines.handlerOf(className),
      now: Date.now(),
      schedulesOf: (key) => this.model.schedules.schedulesOf(key),
      classOf: (className) => this.outlines.classOf(className),
    };
    const next = runtimeFindings(context);
    const files = new Set([...this.runtimeByFile.keys(), ...next.keys()]);
    this.runtimeByFile = next;
    for (const f of files) this.publish(f);
  }

  private publish(file: string): void {
    const findings = [...(this.staticByFile.get(file) ?? []), ...(this.runtimeByFile.get(file) ?? [])];
    const uri = vscode.Uri.file(file);
    if (findings.length === 0) {
      if (this.published.delete(file)) this.collection.delete(uri);
      return;
    }
    const diagnostics = findings.map((f) => this.toDiagnostic(f));
    // The runtime rules run twice a second under a stream of events and mostly find what they found: each `set` is a
    // message to the workbench and a repaint of the Problems view, so an unchanged file is not sent again.
    const text = diagnostics.map(diagnosticText).join("\n");
    if (this.published.get(file) === text) return;
    this.published.set(file, text);
    this.collection.set(uri, diagnostics);
  }

  private toDiagnostic(f: Finding): vscode.Diagnostic {
    const d = new vscode.Diagnostic(this.rangeOf(f), f.message, SEVERITY[f.rule.severity]);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = { value: f.rule.code, target: vscode.Uri.parse(f.rule.docUrl) };
    if (f.related?.length) {
      d.relatedInformation = f.related.map(
        (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.location.file), new vscode.Position(r.location.line - 1, r.location.column - 1)), r.message),
      );
    }
    return d;
  }

  /**
   * The range to underline: the rule's own, else the alarm call or handler name the file's outline has at that
   * place (a mapped call site points at the call), else the position alone (VS Code underlines the word there).
   */
  private rangeOf(f: Finding): vscode.Range {
    const line = f.location.line - 1;
    const col = f.location.column - 1;
    if (f.endColumn !== undefined) return new vscode.Range(line, col, line, f.endColumn - 1);
    const outline = this.outlines.get(f.location.file);
    for (const c of outline?.classes ?? []) {
      const spans = [...c.calls.map((k) => k.span), ...(c.handler ? [c.handler.span] : [])];
      const onLine = spans.filter((s) => s.start.line === line && s.end.line === line);
      const hit = onLine.find((s) => s.start.character <= col && col <= s.end.character) ?? (onLine.length === 1 ? onLine[0] : undefined);
      if (hit) return new vscode.Range(hit.start.line, hit.start.character, hit.end.line, hit.end.character);
    }
    return new vscode.Range(line, col, line, col);
  }
}

/** Everything of a diagnostic the workbench shows, as text, to tell whether a file's diagnostics changed. */
function diagnosticText(d: vscode.Diagnostic): string {
  const code = typeof d.code === "object" ? d.code.value : d.code;
  const r = d.range;
  const related = (d.relatedInformation ?? []).map((i) => `${i.location.uri.toString()}:${i.location.range.start.line}:${i.location.range.start.character} ${i.message}`);
  return JSON.stringify([code, d.severity, r.start.line, r.start.character, r.end.line, r.end.character, d.message, related]);
}
