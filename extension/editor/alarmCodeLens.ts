/**
 * CodeLenses where the alarm code is: above each Durable Object class's `alarm(` (PartyKit's `onAlarm(`), "Fire now"
 * and the live state of the class's objects ("next in 2m 10s · last: failed, retry 2 of 6"); above each `setAlarm(`,
 * how often it ran in this session and when last. Shown only while connected (and while reconnecting after a
 * reload), for classes the connected Worker declares.
 *
 * Live without flicker: the lenses' positions come from the document alone, so a refresh only retitles them; and a
 * refresh is asked for at most once a second, and only when some visible document's lens text would change.
 */
import * as vscode from "vscode";
import type { AlarmSetEvent } from "../../protocol/protocol";
import { Disposable, disposableInterval, Timeout } from "../common/lifecycle";
import { reachable } from "../model/handlerState";
import type { AlarmModel } from "../model/alarmModel";
import type { EventRecord } from "../model/types";
import type { SourceLocator } from "../sourcemap/sourceLocator";
import { Commands, EditorCommands } from "../common/ids";
import { objectsOfClass } from "./editorCommands";
import { FIRE_NOW_TITLE, handlerStatusText, SCHEDULE_RUN_NOW_TITLE, scheduleLensText, schedulesOfCallSite, setAlarmLensText, soonestPending } from "./lensText";
import type { OutlineCache } from "./outlineCache";
import type { ScheduleCallSite, Span } from "./outline";
import { isWorkspaceSource } from "./workspaceSources";

/** Least time between two refreshes the provider asks for. */
const REFRESH_MS = 1000;
/**
 * How long after a model change the lenses are looked at: long enough for an action's events to arrive together,
 * short against VS Code's own delay before it asks a provider again.
 */
const CHANGE_DELAY_MS = 30;

/** One lens before it becomes a `vscode.CodeLens`: where, what it says, what it does. */
interface LensSpec {
  readonly span: Span;
  readonly title: string;
  readonly command: string;
  readonly args: unknown[];
  readonly tooltip: string;
}

function toRange(span: Span): vscode.Range {
  return new vscode.Range(span.start.line, span.start.character, span.end.line, span.end.character);
}

/** The classes the connected Worker declares (its newest `hello`), and that Worker's name. */
function declaredClasses(model: AlarmModel): { worker: string | undefined; names: Set<string>; unreachable: Set<string> } {
  const worker = model.currentSession?.worker;
  const view = model.workers().find((w) => w.name === worker);
  const classes = view?.classes ?? [];
  return { worker, names: new Set(classes.map((c) => c.className)), unreachable: new Set(classes.filter((c) => !reachable(c.info ?? undefined)).map((c) => c.className)) };
}

/** Provides the alarm CodeLenses and decides when they need a refresh. */
export class AlarmCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  /**
   * What each document's lenses said when the provider last asked for a refresh (or first provided them): a refresh
   * is asked for only when this would change. Kept apart from `provideCodeLenses`, which other callers (the
   * `vscode.executeCodeLensProvider` command) may run without the editor seeing the result.
   */
  private readonly announced = new Map<string, string>();
  private readonly soon = this._register(new Timeout());
  /**
   * The visible editors, kept from VS Code's event: `window.visibleTextEditors` builds its answer at every read, and
   * `tick` runs after every batch of events (its reads were 83 ms of the extension host's time per 15 s of a 1,000
   * events/s stream, more than any other function of the extension).
   */
  private visible: readonly vscode.TextEditor[] = vscode.window.visibleTextEditors;

  constructor(
    private readonly model: AlarmModel,
    private readonly locator: SourceLocator,
    private readonly outlines: OutlineCache,
    private readonly clock: () => number = Date.now,
  ) {
    super();
    // A clock drives the countdowns; a model change is looked at a moment later (the events of one action arrive
    // together), so a fire shows on the lens at once rather than on the next tick, up to a second later.
    this._register(disposableInterval(() => this.tick(), REFRESH_MS));
    this._register(model.onDidChange(() => this.soon.arm(() => this.tick(), CHANGE_DELAY_MS)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.announced.delete(d.uri.toString())));
    this._register(vscode.window.onDidChangeVisibleTextEditors((editors) => (this.visible = editors)));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const specs = this.specs(document);
    const key = document.uri.toString();
    if (!this.announced.has(key)) this.announced.set(key, signature(specs));
    return specs.map(
      (s) => new vscode.CodeLens(toRange(s.span), { title: s.title, command: s.command, arguments: s.args, tooltip: s.tooltip }),
    );
  }

  /** The lenses of a document now. Empty while not connected. */
  specs(document: vscode.TextDocument): LensSpec[] {
    // Kept while reconnecting: wrangler reloads the Worker on every save, and lenses that vanished for that second
    // and came back would flicker with each edit.
    const link = this.model.connection.kind;
    if ((link !== "connected" && link !== "reconnecting") || !isWorkspaceSource(document)) return [];
    const { worker, names, unreachable } = declaredClasses(this.model);
    if (names.size === 0) return [];
    const outline = this.outlines.forText(document.uri.fsPath, document.version, document.getText());
    const now = this.clock();
    const session = this.model.currentSession?.id;
    const sets = this.setsByLine(document.uri.fsPath, session);
    const out: LensSpec[] = [];
    for (const c of outline.classes) {
      if (!names.has(c.name)) continue;
      // A class the hub cannot call (it does not extend DurableObject) gets no Fire Now: it would only fail.
      if (c.handler && !unreachable.has(c.name)) {
        const objects = objectsOfClass(this.model, c.name, worker);
        out.push({
          span: c.handler.span,
          title: FIRE_NOW_TITLE,
          command: EditorCommands.fireNowForClass,
          args: [c.name, worker],
          tooltip: `Set the alarm of ${objects.length === 1 ? "this" : "a"} ${c.name} for now: the runtime runs ${c.handler.name}() with real retries`,
        });
        out.push({
          span: c.handler.span,
          title: handlerStatusText(objects, (o) => this.model.status(o, now), now),
          command: EditorCommands.openTimelineForClass,
          args: [c.name, worker],
          tooltip: `Open the timeline of ${c.name}`,
        });
      }
      for (const call of c.calls) {
        if (call.kind !== "setAlarm") continue;
        out.push({
          span: call.span,
          title: setAlarmLensText(sets.get(call.span.start.line + 1) ?? [], now),
          // A lens without a command id is shown as plain text: this one only informs.
          command: "",
          args: [],
          tooltip: "alarm.set events of this session whose call site is this line",
        });
      }
      if (c.scheduleCalls.length > 0) out.push(...this.scheduleLenses(c.name, c.scheduleCalls, worker, now));
    }
    return out;
  }

  /**
   * Above each `this.schedule(…)` / `this.scheduleEvery(…)`: the schedules it made (matched by callback name across
   * the class's objects), their next run and last outcome, and Run now for the soonest pending one.
   */
  private scheduleLenses(className: string, sites: readonly ScheduleCallSite[], worker: string | undefined, now: number): LensSpec[] {
    const keys = objectsOfClass(this.model, className, worker).map((o) => o.key);
    const out: LensSpec[] = [];
    for (const site of sites) {
      const made = site.callback === null ? [] : schedulesOfCallSite(keys, (k) => this.model.schedules.schedulesOf(k), site.callback);
      out.push({
        span: site.span,
        title: scheduleLensText(site.callback, made, now),
        command: "",
        args: [],
        tooltip: `Schedules of ${className} whose callback is ${site.callback ?? "this call's"}: what this ${site.method}() call made`,
      });
      const soonest = soonestPending(made);
      if (soonest) {
        out.push({
          span: site.span,
          title: SCHEDULE_RUN_NOW_TITLE,
          command: Commands.scheduleRunNow,
          args: [{ kind: "schedule", key: soonest.objectKey, scheduleId: soonest.schedule.id }],
          tooltip: `Make ${soonest.schedule.callback}() due and fire the object's alarm: the SDK runs it its own way`,
        });
      }
    }
    return out;
  }

  /** `alarm.set` events of the session located in a file, by 1-based line. */
  private setsByLine(file: string, session: string | undefined): Map<number, EventRecord<AlarmSetEvent>[]> {
    const out = new Map<number, EventRecord<AlarmSetEvent>[]>();
    for (const located of this.locator.eventsIn(file)) {
      const rec = located.record;
      if (rec.event.kind !== "alarm.set" || rec.event.origin !== "user" || rec.event.scheduler !== undefined || rec.session !== session) continue;
      const list = out.get(located.location.line);
      if (list) list.push(rec as EventRecord<AlarmSetEvent>);
      else out.set(located.location.line, [rec as EventRecord<AlarmSetEvent>]);
    }
    return out;
  }

  /** Asks for one refresh when some visible document's lenses would now read differently. */
  private tick(): void {
    // Nothing was provided yet (no source file open): nothing can read differently.
    if (this.announced.size === 0) return;
    let changed = false;
    for (const editor of this.visible) {
      const key = editor.document.uri.toString();
      const before = this.announced.get(key);
      if (before === undefined) continue;
      const now = signature(this.specs(editor.document));
      if (now !== before) {
        this.announced.set(key, now);
        changed = true;
      }
    }
    if (changed) this.changeEmitter.fire();
  }
}

function signature(specs: readonly LensSpec[]): string {
  return specs.map((s) => `${s.span.start.line}:${s.title}`).join("\n");
}
