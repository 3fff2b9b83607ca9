import * as vscode from "vscode";
import { contextValue, EditorCommands, ItemKinds, VIEW_ID } from "../common/ids";
import type { ItemFlag } from "../common/ids";
import { handlerSentence, handlerState, handlerWords, reachable, UNREACHABLE_WORDS, unreachableSentence } from "../model/handlerState";
import type { HandlerState } from "../model/handlerState";
import type { HelloMessage } from "../../protocol/protocol";
import { Disposable, toDisposable } from "../common/lifecycle";
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import { formatAbsolute, formatRelative } from "../model/timeInput";
import { pendingDue } from "../model/status";
import { parseStack, presentFrames } from "../common/stackTrace";
import type { ResolvedFrame } from "../common/stackTrace";
import { ViewClock } from "./viewClock";
import { RepaintScheduler } from "./repaintScheduler";
import type { Flush } from "./repaintScheduler";
import type { AlarmStatus, Attempt, ClassView, EventRecord, ObjectKey, ObjectView, Run, StatusInfo, StorageEvent, WorkerView } from "../model/types";
import { agoText, attemptText, runText, scheduleRunText, scheduleText, statusText, storageText } from "./describe";
import { holdFlags, holdText } from "./holdText";
import { isSchedulerBookkeeping, schedulerCallText } from "../model/schedules";
import { scheduleProblems } from "../model/scheduleProblems";
import type { ScheduleProblem } from "../model/scheduleProblems";
import type { ScheduleRun, ScheduleView } from "../model/schedules";

/** Tree nodes are plain data; the provider turns them into items from the model's current state. */
export type AlarmsNode =
  | { kind: "worker"; worker: string }
  | { kind: "class"; worker: string; className: string }
  | { kind: "object"; key: ObjectKey }
  | { kind: "alarm"; key: ObjectKey }
  | { kind: "run"; key: ObjectKey; runId: string }
  | { kind: "attempt"; key: ObjectKey; runId: string; number: number; startSeq: number }
  | { kind: "storageGroup"; key: ObjectKey }
  | { kind: "storage"; key: ObjectKey; session: string; seq: number }
  | ScheduleNode
  | { kind: "scheduleRun"; key: ObjectKey; scheduleId: string; index: number };

/** A logical schedule behind the object's alarm (Agents SDK, or the docs' pattern). */
export type ScheduleNode = { kind: "schedule"; key: ObjectKey; scheduleId: string };

export type ObjectNode = Extract<AlarmsNode, { kind: "object" }>;

/** Codicon and theme colour per state, so states read at a glance in every theme. */
const STATUS_ICONS: Record<AlarmStatus, [string, string | undefined]> = {
  scheduled: ["clock", "charts.blue"],
  overdue: ["warning", "list.warningForeground"],
  running: ["sync~spin", "charts.yellow"],
  retrying: ["debug-restart", "charts.orange"],
  abandoned: ["error", "list.errorForeground"],
  succeeded: ["pass", "testing.iconPassed"],
  failed: ["error", "list.errorForeground"],
  idle: ["circle-outline", undefined],
};

/** Runs listed under an object, newest first: an alarm that re-arms itself keeps its recent history in reach. */
const RECENT_RUNS = 5;

/** Most storage changes listed under an object. */
const STORAGE_ROWS = 20;

/** Finished (done, cancelled) schedules listed under an object after its pending ones. */
const FINISHED_SCHEDULE_ROWS = 5;

function themeIcon(id: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** Untrusted text (values, messages, stacks from the Worker) goes into a hover only as a code block. */
function codeBlock(md: vscode.MarkdownString, text: string): void {
  md.appendCodeblock(text.length > 4000 ? `${text.slice(0, 4000)}\n…` : text, "text");
}

/**
 * The Alarms view: Worker › Durable Object class › object › its alarm, latest run (with its attempts) and recent
 * storage changes. A thin subscriber of the model: it holds no state but the node objects it handed out, so that
 * it can repaint exactly the rows that changed.
 */
export class AlarmsTreeProvider extends Disposable implements vscode.TreeDataProvider<AlarmsNode> {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<AlarmsNode | AlarmsNode[] | undefined | void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /**
   * Every node handed out, by its item id: VS Code finds the row to repaint by the element's identity, so a node is
   * created once and handed out again and again.
   */
  private readonly nodes = new Map<string, AlarmsNode>();
  /**
   * The clock-dependent words ("fires in 12s", "9s ago", "3 pending") each row showed when last painted: on each tick
   * of the clock the rows whose words would now read differently are repainted, and only those.
   */
  private readonly shown = new Map<AlarmsNode, string>();
  private readonly repaints: RepaintScheduler<AlarmsNode>;
  /** See `workers()`. */
  private workersMemo: readonly WorkerView[] | undefined;
  private readonly traceEmitter = this._register(new vscode.EventEmitter<RepaintTrace>());
  /**
   * A trace of the repaint path, for benchmarks and tests: each flush handed to VS Code, and each object row VS Code
   * then asked for (times are `performance.now()` of the extension host).
   */
  readonly onDidTrace = this.traceEmitter.event;
  readonly view: vscode.TreeView<AlarmsNode>;

  /**
   * @param runtimeHello the `hello` of the connected agent: classic `partykit dev` says its alarms do not survive a
   * restart (`alarmsPersist: false`), which the tree shows rather than hides.
   * @param clock the clock the status bar shares, so the two never disagree for a second.
   */
  constructor(
    private readonly model: AlarmModel,
    private readonly runtimeHello: () => HelloMessage | undefined = () => undefined,
    clock?: ViewClock,
  ) {
    super();
    this.view = this._register(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true }));
    this.repaints = new RepaintScheduler((flush) => this.flush(flush));
    this._register(toDisposable(() => this.repaints.dispose()));
    this._register(
      model.onDidChange((change) => {
        this.workersMemo = undefined;
        if (change.structural || change.reason === "connection" || change.reason === "clear") {
          this.repaints.request();
          return;
        }
        const rows = new Set<AlarmsNode>();
        for (const key of change.objects) {
          const obj = this.model.getObject(key);
          if (!obj || !this.nodes.has(`object:${key}`)) {
            this.repaints.request();
            return;
          }
          rows.add(this.objectNode(key));
          // A class row counts its pending alarms.
          rows.add(this.classNode(obj.worker, obj.ref.className));
        }
        this.repaints.request(rows);
      }),
    );
    const shared = clock ?? this._register(new ViewClock());
    this._register(shared.onTick((now) => this.tick(now)));
    // Hidden, the rows were not repainted: catch up on every row's words as soon as it shows again.
    this._register(this.view.onDidChangeVisibility((e) => e.visible && this.tick(Date.now())));
  }

  /** Hands VS Code one repaint for everything asked for since the last one. */
  private flush(flush: Flush<AlarmsNode>): void {
    const firedAt = performance.now();
    if (flush.all) {
      this.shown.clear();
      this.changeEmitter.fire();
    } else {
      this.changeEmitter.fire([...flush.nodes]);
    }
    const objects = flush.all ? [] : [...flush.nodes].flatMap((n) => (n.kind === "object" ? [n.key] : []));
    this.traceEmitter.fire({ kind: "flush", all: flush.all, rows: flush.nodes.size, objects, askedAt: flush.firstAskedAt, at: firedAt });
  }

  /** Repaints the rows whose words the clock changed ("fires in 12s", "9s ago"), and only those. */
  private tick(now: number): void {
    if (!this.view.visible) return;
    const changed: AlarmsNode[] = [];
    for (const [node, words] of this.shown) {
      const current = this.clockWords(node, now);
      if (current === undefined) this.shown.delete(node);
      else if (current !== words) changed.push(node);
    }
    this.repaints.request(changed);
  }

  /**
   * The words of a row that depend on the clock (undefined for rows with none, or gone). Cheap: the clock asks it of
   * every row shown, each second.
   */
  private clockWords(node: AlarmsNode, now: number): string | undefined {
    switch (node.kind) {
      case "class":
        return this.classWords(node.worker, node.className, now);
      case "object": {
        const obj = this.model.getObject(node.key);
        return obj ? this.describeObject(obj, this.model.status(obj, now), now) : undefined;
      }
      case "alarm": {
        const t = this.model.getObject(node.key)?.currentAlarm.scheduledTime ?? null;
        return t === null ? "none" : alarmWords(t, now);
      }
      case "run": {
        const run = this.run(node.key, node.runId);
        return run ? agoText(runStart(run) - now) : undefined;
      }
      case "attempt": {
        const a = this.run(node.key, node.runId)?.attempts.find((x) => x.startSeq === node.startSeq);
        return a ? agoText(a.startedAt - now) : undefined;
      }
      case "storage": {
        const rec = this.storageRecord(node);
        return rec ? agoText(rec.event.at - now) : undefined;
      }
      case "schedule": {
        const s = this.model.schedules.get(node.key, node.scheduleId);
        return s ? scheduleText(s, now, false) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** Remembers what a row's clock-dependent words were when VS Code asked for it. */
  private painted(node: AlarmsNode, now: number): void {
    const words = this.clockWords(node, now);
    if (words !== undefined) this.shown.set(node, words);
  }

  /** The one node for an id, created on first use. */
  private intern<N extends AlarmsNode>(id: string, make: () => N): N {
    let node = this.nodes.get(id) as N | undefined;
    if (!node) this.nodes.set(id, (node = make()));
    return node;
  }

  private scheduleNode(key: ObjectKey, scheduleId: string): ScheduleNode {
    return this.intern(`schedule:${key}/${scheduleId}`, () => ({ kind: "schedule", key, scheduleId }));
  }

  /** The description a row shows, remembered so the clock repaints it only when it would read differently. */
  private describeObject(obj: ObjectView, status: StatusInfo, now: number): string {
    if (this.alarmLostOnRestart(obj)) return "alarm lost: partykit dev restarted since it was set";
    const handler = this.reachable(obj) ? handlerWords(this.handlerOf(obj)) : UNREACHABLE_WORDS;
    return holdText(this.model.holds.get(obj.key), now) + statusText(status, now) + (handler ? ` · ${handler}` : "") + (obj.seenLive ? "" : " · from disk, not seen live");
  }

  /** Whether the object's alarm runs can be seen (and set at all), from the class's hello entry and its own events. */
  private handlerOf(obj: ObjectView): HandlerState {
    return handlerState(obj, this.classView(obj.worker, obj.ref.className)?.info ?? undefined);
  }

  /**
   * True when commands can reach the objects of `worker` now: connected, to that Worker. Rows of a stopped session or
   * of another Worker keep their history but not the commands that would only fail ("not connected").
   */
  private reachableNow(worker: string): boolean {
    return this.model.connection.kind === "connected" && this.model.currentSession?.worker === worker;
  }

  /** False for an object of a class the hub cannot call (it does not extend DurableObject). */
  private reachable(obj: ObjectView): boolean {
    return reachable(this.classView(obj.worker, obj.ref.className)?.info ?? undefined);
  }

  /** True for a runtime that forgets pending alarms when it restarts (classic `partykit dev`). */
  private forgetsAlarms(worker: string): boolean {
    const hello = this.runtimeHello();
    return hello?.worker === worker && hello.alarmsPersist === false;
  }

  /** A pending alarm set in an earlier session of a runtime that forgets alarms: it will not fire. */
  private alarmLostOnRestart(obj: ObjectView): boolean {
    const session = this.model.currentSession;
    const setAt = obj.currentAlarm.setAt;
    return (
      obj.currentAlarm.scheduledTime !== null &&
      setAt !== null &&
      session !== null &&
      session.worker === obj.worker &&
      setAt < session.sessionStartedAt &&
      this.forgetsAlarms(obj.worker)
    );
  }

  /** The stable node for an object, so `reveal` and partial refreshes find the same row. */
  objectNode(key: ObjectKey): ObjectNode {
    return this.intern(`object:${key}`, () => ({ kind: "object", key }));
  }

  private workerNode(worker: string): AlarmsNode {
    return this.intern(`worker:${worker}`, () => ({ kind: "worker", worker }));
  }

  private classNode(worker: string, className: string): AlarmsNode {
    return this.intern(`class:${worker}/${className}`, () => ({ kind: "class", worker, className }));
  }

  private alarmNode(key: ObjectKey): AlarmsNode {
    return this.intern(`alarm:${key}`, () => ({ kind: "alarm", key }));
  }

  private runNode(key: ObjectKey, runId: string): AlarmsNode {
    return this.intern(`run:${key}/${runId}`, () => ({ kind: "run", key, runId }));
  }

  private attemptNode(key: ObjectKey, runId: string, number: number, startSeq: number): AlarmsNode {
    return this.intern(`attempt:${key}/${runId}/${startSeq}`, () => ({ kind: "attempt", key, runId, number, startSeq }));
  }

  private storageGroupNode(key: ObjectKey): AlarmsNode {
    return this.intern(`storage:${key}`, () => ({ kind: "storageGroup", key }));
  }

  private storageNode(key: ObjectKey, session: string, seq: number): AlarmsNode {
    return this.intern(`storage:${key}/${session}/${seq}`, () => ({ kind: "storage", key, session, seq }));
  }

  refresh(): void {
    this.repaints.request();
  }

  getParent(node: AlarmsNode): AlarmsNode | undefined {
    switch (node.kind) {
      case "worker":
        return undefined;
      case "class":
        return this.workerNode(node.worker);
      case "object": {
        const obj = this.model.getObject(node.key);
        return obj ? this.classNode(obj.worker, obj.ref.className) : undefined;
      }
      case "run":
      case "alarm":
      case "storageGroup":
        return this.objectNode(node.key);
      case "attempt":
        return this.runNode(node.key, node.runId);
      case "storage":
        return this.storageGroupNode(node.key);
      case "schedule":
        return this.objectNode(node.key);
      case "scheduleRun":
        return this.scheduleNode(node.key, node.scheduleId);
    }
  }

  getChildren(node?: AlarmsNode): AlarmsNode[] {
    if (!node) {
      // No objects at all: return nothing, so the view shows its welcome content for the connection state.
      if (this.model.objectCount === 0) return [];
      return this.workers().map((w) => this.workerNode(w.name));
    }
    switch (node.kind) {
      case "worker":
        return (this.worker(node.worker)?.classes ?? []).map((c) => this.classNode(node.worker, c.className));
      case "class": {
        const cls = this.classView(node.worker, node.className);
        const objects = [...(cls?.objects ?? [])].sort(byUrgency(this.model, Date.now()));
        return objects.map((o) => this.objectNode(o.key));
      }
      case "object": {
        const obj = this.model.getObject(node.key);
        if (!obj) return [];
        const children: AlarmsNode[] = [this.alarmNode(obj.key)];
        // Schedules behind the alarm: pending ones in time order (the order they will run in), then a few finished.
        const schedules = this.model.schedules.schedulesOf(obj.key);
        const live = schedules.filter((x) => x.status === "pending" || x.status === "running");
        const over = schedules.filter((x) => x.status === "done" || x.status === "cancelled").slice(0, FINISHED_SCHEDULE_ROWS);
        for (const x of [...live, ...over]) children.push(this.scheduleNode(obj.key, x.id));
        // Recent runs, newest first (the timeline has them all).
        for (const run of obj.runs.slice(-RECENT_RUNS).reverse()) children.push(this.runNode(obj.key, run.id));
        if (this.userStorage(obj.key).length > 0) children.push(this.storageGroupNode(obj.key));
        return children;
      }
      case "run": {
        const run = this.run(node.key, node.runId);
        return (run?.attempts ?? []).map((a) => this.attemptNode(node.key, node.runId, a.number, a.startSeq));
      }
      case "schedule": {
        const runs = this.model.schedules.get(node.key, node.scheduleId)?.runs ?? [];
        return runs.map((_, index) => ({ kind: "scheduleRun" as const, key: node.key, scheduleId: node.scheduleId, index })).reverse();
      }
      case "storageGroup": {
        return this.userStorage(node.key)
          .slice(-STORAGE_ROWS)
          .reverse()
          .map((r) => this.storageNode(node.key, r.session, r.event.seq));
      }
      default:
        return [];
    }
  }

  getTreeItem(node: AlarmsNode): vscode.TreeItem {
    const now = Date.now();
    this.painted(node, now);
    return this.item(node, now);
  }

  private item(node: AlarmsNode, now: number): vscode.TreeItem {
    switch (node.kind) {
      case "worker":
        return this.workerItem(node.worker);
      case "class":
        return this.classItem(node.worker, node.className, now);
      case "object":
        return this.objectItem(node.key, now);
      case "alarm":
        return this.alarmItem(node.key, now);
      case "run":
        return this.runItem(node.key, node.runId, now);
      case "attempt":
        return this.attemptItem(node, now);
      case "storageGroup":
        return this.storageGroupItem(node.key);
      case "storage":
        return this.storageItem(node, now);
      case "schedule":
        return this.scheduleItem(node, now);
      case "scheduleRun":
        return this.scheduleRunItem(node, now);
    }
  }

  /**
   * The object's recent storage changes without the scheduler's own bookkeeping (the Agents SDK's SQL on its
   * `cf_agents_*` tables and its `cf_agents:` keys) once the object shows schedules: those writes are how its
   * schedules are kept, and the schedules above say what they meant.
   */
  private userStorage(key: ObjectKey): readonly EventRecord<StorageEvent>[] {
    const all = this.model.getObject(key)?.recentStorage ?? [];
    if (!this.model.schedules.has(key)) return all;
    return all.filter((r) => !isSchedulerBookkeeping(r.event));
  }

  private scheduleItem(node: ScheduleNode, now: number): vscode.TreeItem {
    const s = this.model.schedules.get(node.key, node.scheduleId);
    const item = new vscode.TreeItem(s ? `${s.callback}()` : "(schedule gone)", s && s.runs.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `schedule:${node.key}/${node.scheduleId}`;
    if (!s) return item;
    const alarm = this.model.getObject(node.key)?.currentAlarm.scheduledTime ?? null;
    const armed = this.model.schedules.armedFor(node.key, alarm)?.id === s.id;
    const problems = scheduleProblems(s, alarm, now);
    item.description = scheduleText(s, now, armed) + (problems.length > 0 ? ` · ⚠ ${problems.map((p) => p.code).join(", ")}` : "");
    item.iconPath = problems.some((p) => p.code !== "retries-exhausted") && s.status === "pending" ? themeIcon("warning", "list.warningForeground") : scheduleIcon(s, armed);
    const flags: ItemFlag[] = [];
    if (s.status === "pending" || s.status === "running") flags.push("pending");
    if (s.source === "pattern") flags.push("pattern");
    const worker = this.model.getObject(node.key)?.worker;
    if (worker === undefined || !this.reachableNow(worker)) flags.push("offline");
    item.contextValue = contextValue(ItemKinds.schedule, flags);
    item.tooltip = scheduleTooltip(s, armed, problems);
    item.accessibilityInformation = { label: `schedule ${s.callback}: ${item.description}` };
    return item;
  }

  private scheduleRunItem(node: Extract<AlarmsNode, { kind: "scheduleRun" }>, now: number): vscode.TreeItem {
    const run = this.model.schedules.get(node.key, node.scheduleId)?.runs[node.index];
    const item = new vscode.TreeItem(run ? formatAbsolute(run.startedAt, now) : "(run no longer kept)", vscode.TreeItemCollapsibleState.None);
    item.id = `scheduleRun:${node.key}/${node.scheduleId}/${node.index}`;
    item.contextValue = contextValue(ItemKinds.scheduleRun);
    if (!run) return item;
    item.description = scheduleRunText(run);
    item.iconPath = runIcon(run);
    const md = new vscode.MarkdownString();
    for (const a of run.attempts) {
      md.appendText(`Attempt ${a.attempt}${a.maxAttempts !== undefined ? ` of ${a.maxAttempts}` : ""}: ${a.outcome ?? "running"}${a.endedAt !== undefined ? ` after ${a.endedAt - a.startedAt} ms` : ""}\n`);
      if (a.error) appendError(md, a.error, undefined);
    }
    item.tooltip = md;
    return item;
  }

  /**
   * `model.workers()` until the model next changes. Each object row asks for its class several times (its handler,
   * whether RPC reaches it, its words on every clock tick), and building the tree lists and sorts every object: asked
   * afresh, a full repaint of 1,000 object rows took 2.1 s of the extension host (30 ms with this; `--only tree` bench).
   */
  private workers(): readonly WorkerView[] {
    return (this.workersMemo ??= this.model.workers());
  }

  private worker(name: string): WorkerView | undefined {
    return this.workers().find((w) => w.name === name);
  }

  private classView(worker: string, className: string): ClassView | undefined {
    return this.worker(worker)?.classes.find((c) => c.className === className);
  }

  private run(key: ObjectKey, runId: string): Run | undefined {
    return this.model.getObject(key)?.runs.find((r) => r.id === runId);
  }

  private workerItem(name: string): vscode.TreeItem {
    const w = this.worker(name);
    const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `worker:${name}`;
    const live = w?.session && this.model.currentSession?.id === w.session.id;
    const conn = this.model.connection;
    item.description = live
      ? conn.kind === "connected"
        ? "live"
        : conn.kind === "reconnecting"
          ? `reconnecting (${conn.attempt})`
          : "disconnected"
      : "not connected";
    if (w && w.sessions.length > 1) item.description += ` · ${w.sessions.length - 1} reload${w.sessions.length > 2 ? "s" : ""}`;
    const forgets = this.forgetsAlarms(name);
    if (forgets) item.description += " · alarms not kept across restarts";
    item.iconPath = themeIcon("cloud");
    item.contextValue = contextValue(ItemKinds.worker);
    const md = new vscode.MarkdownString();
    md.appendText(`Worker ${name}\n`);
    if (w?.session) md.appendText(`Agent ${w.session.agentVersion}, session started ${formatAbsolute(w.session.sessionStartedAt)}\n`);
    md.appendText(`Sessions seen: ${w?.sessions.length ?? 0} (a new one after every reload; history is kept)`);
    if (forgets) md.appendText("\npartykit dev keeps storage across a restart or reload, but not pending alarms: an alarm set before the last restart will not fire.");
    item.tooltip = md;
    return item;
  }

  /**
   * "2 objects · 1 pending": pending by the status bar's own rule (`pendingDue`: an alarm set, or a retry to come),
   * at the clock's `now`, so the class rows add up to the status bar's count.
   */
  private classWords(worker: string, className: string, now: number): string | undefined {
    const cls = this.classView(worker, className);
    if (!cls) return undefined;
    const objects = cls.objects;
    const pending = objects.filter((o) => pendingDue(o, this.model.status(o, now)) !== null).length;
    return `${objects.length} object${objects.length === 1 ? "" : "s"}${pending ? ` · ${pending} pending` : ""}`;
  }

  private classItem(worker: string, className: string, now: number): vscode.TreeItem {
    const cls = this.classView(worker, className);
    const item = new vscode.TreeItem(className, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `class:${worker}/${className}`;
    item.description = this.classWords(worker, className, now) ?? "0 objects";
    item.iconPath = themeIcon("symbol-class");
    item.contextValue = contextValue(ItemKinds.class);
    const info = cls?.info;
    item.tooltip = info
      ? `${className}: binding env.${info.binding}, ${info.sqlite ? "SQLite-backed" : "key-value-backed"} storage`
      : `${className} (not declared by the connected agent)`;
    return item;
  }

  private objectItem(key: ObjectKey, now: number): vscode.TreeItem {
    const obj = this.model.getObject(key);
    if (!obj) return new vscode.TreeItem("(gone)");
    const status = this.model.status(obj, now);
    const item = new vscode.TreeItem(objectLabel(obj.ref), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `object:${key}`;
    item.description = this.describeObject(obj, status, now);
    this.traceEmitter.fire({ kind: "row", key, description: item.description, at: performance.now() });
    const [icon, color] = obj.seenLive ? STATUS_ICONS[status.status] : (["history", "descriptionForeground"] as const);
    item.iconPath = status.failureInjected || (obj.pendingFailNext ?? 0) > 0 ? themeIcon("beaker", "charts.purple") : themeIcon(icon, color);
    const hold = this.model.holds.get(key);
    if (hold?.held) item.iconPath = themeIcon("debug-pause", "charts.orange");
    const handler = this.handlerOf(obj);
    const rpc = this.reachable(obj);
    const flags: ItemFlag[] = [
      ...objectFlags(obj, status),
      ...holdFlags(hold),
      ...(handler.kind === "none" ? (["noHandler"] as const) : []),
      ...(rpc ? [] : (["noRpc"] as const)),
      ...(this.reachableNow(obj.worker) ? [] : (["offline"] as const)),
    ];
    item.contextValue = contextValue(ItemKinds.object, flags);
    // No tooltip here: resolveTreeItem builds it when the row is hovered. A repaint of 1,000 object rows built (and sent
    // to the workbench) 1,000 markdown tooltips nobody was reading.
    item.accessibilityInformation = { label: `${objectLabel(obj.ref)}, ${obj.ref.className}: ${item.description}` };
    return item;
  }

  private alarmItem(key: ObjectKey, now: number): vscode.TreeItem {
    const obj = this.model.getObject(key);
    const alarm = obj?.currentAlarm;
    const item = new vscode.TreeItem("Alarm", vscode.TreeItemCollapsibleState.None);
    item.id = `alarm:${key}`;
    item.contextValue = contextValue(ItemKinds.alarm);
    if (!alarm || alarm.scheduledTime === null) {
      item.description = "none pending";
      item.iconPath = themeIcon("bell-slash");
      return item;
    }
    const t = alarm.scheduledTime;
    const delta = t - now;
    // The SDK's fallback wake is not a schedule's time: say so, or it reads as a schedule due in 30 s.
    item.description = `${alarmWords(t, now)} · ${formatAbsolute(t, now)}${alarm.scheduler?.reason === "fallback" ? " · SDK fallback" : ""}`;
    item.iconPath = themeIcon(delta >= 0 ? "bell" : "warning", delta >= 0 ? "charts.blue" : "list.warningForeground");
    const md = new vscode.MarkdownString();
    md.appendText(`Scheduled for ${new Date(t).toISOString()} (${formatAbsolute(t)})\n`);
    const byScheduler = alarm.scheduler ? schedulerCallText(alarm.scheduler, false, (id) => this.model.schedules.get(key, id)?.callback) : undefined;
    md.appendText(`Set by ${alarm.origin === "inspector" ? "the inspector" : alarm.origin === "persisted" ? "an earlier session (read from wrangler's state)" : byScheduler ?? "your code"}`);
    if (alarm.setAt) md.appendText(` at ${formatAbsolute(alarm.setAt)}`);
    if (alarm.replaced !== null) md.appendText(`\nReplaced the alarm for ${formatAbsolute(alarm.replaced)}`);
    if (alarm.inConstructor) md.appendText("\nSet from the constructor");
    item.tooltip = md;
    return item;
  }

  private runItem(key: ObjectKey, runId: string, now: number): vscode.TreeItem {
    const run = this.run(key, runId);
    const latest = this.model.getObject(key)?.runs.at(-1)?.id === runId;
    const item = new vscode.TreeItem(latest ? "Latest run" : "Earlier run", latest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${key}/${runId}`;
    item.contextValue = contextValue(ItemKinds.run);
    if (!run) return item;
    item.description = `${runText(run)} · ${agoText(runStart(run) - now)}`;
    const last = run.attempts.at(-1);
    item.iconPath = last ? attemptIcon(last) : themeIcon("circle-outline");
    return item;
  }

  private attemptItem(node: Extract<AlarmsNode, { kind: "attempt" }>, now: number): vscode.TreeItem {
    const a = this.run(node.key, node.runId)?.attempts.find((x) => x.startSeq === node.startSeq);
    const item = new vscode.TreeItem(`Attempt ${node.number}`, vscode.TreeItemCollapsibleState.None);
    item.id = `attempt:${node.key}/${node.runId}/${node.startSeq}`;
    item.contextValue = contextValue(ItemKinds.attempt);
    if (!a) return item;
    item.description = `${attemptText(a).replace(/^attempt \d+ of \d+ · /, "")} · ${agoText(a.startedAt - now)}`;
    // Clicking an attempt opens the line that threw (or the handler), through wrangler's source map.
    item.command = { command: EditorCommands.openSource, title: "Go to Source", arguments: [{ objectKey: node.key, session: a.session, seq: a.startSeq }] };
    item.iconPath = attemptIcon(a);
    // VS Code asks resolveTreeItem only for a tooltip left undefined: one with a stack is built there, mapped.
    if (!a.error?.stack) item.tooltip = attemptTooltip(a, undefined);
    return item;
  }

  /**
   * On hover, the tooltips left out of a paint: an object's, and an attempt's error with its stack mapped to the
   * user's source (`Room.alarm (src/worker.ts:48)` first, the agent's wrappers and wrangler's bundle left out; mapping
   * reads source maps, so it waits for the hover).
   */
  async resolveTreeItem(item: vscode.TreeItem, node: AlarmsNode): Promise<vscode.TreeItem> {
    if (item.tooltip !== undefined) return item;
    if (node.kind === "object") {
      item.tooltip = this.objectTooltip(node.key);
      return item;
    }
    if (node.kind !== "attempt") return item;
    const a = this.run(node.key, node.runId)?.attempts.find((x) => x.startSeq === node.startSeq);
    if (!a) return item;
    item.tooltip = attemptTooltip(a, a.error?.stack ? await mappedFrames(a.error.stack) : undefined);
    return item;
  }

  /** An object row's tooltip, as of now (built on hover, see objectItem). */
  private objectTooltip(key: ObjectKey): vscode.MarkdownString | undefined {
    const obj = this.model.getObject(key);
    if (!obj) return undefined;
    const now = Date.now();
    const rpc = this.reachable(obj);
    const note = rpc ? handlerSentence(this.handlerOf(obj), obj.ref.className) : unreachableSentence(obj.ref.className);
    return objectTreeTooltip(obj, this.model.status(obj, now), now, note);
  }

  private storageGroupItem(key: ObjectKey): vscode.TreeItem {
    const n = this.model.getObject(key)?.recentStorage.length ?? 0;
    const item = new vscode.TreeItem("Storage changes", vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `storage:${key}`;
    item.description = `${n} recent`;
    item.iconPath = themeIcon("database");
    item.contextValue = contextValue(ItemKinds.storageGroup);
    return item;
  }

  private storageRecord(node: Extract<AlarmsNode, { kind: "storage" }>): EventRecord<StorageEvent> | undefined {
    return this.model.getObject(node.key)?.recentStorage.find((r) => r.session === node.session && r.event.seq === node.seq);
  }

  private storageItem(node: Extract<AlarmsNode, { kind: "storage" }>, now: number): vscode.TreeItem {
    const rec = this.storageRecord(node);
    const text = rec ? storageText(rec) : "(no longer kept)";
    const item = new vscode.TreeItem(text.length > 120 ? `${text.slice(0, 120)}…` : text, vscode.TreeItemCollapsibleState.None);
    item.id = `storage:${node.key}/${node.session}/${node.seq}`;
    item.contextValue = contextValue(ItemKinds.storage);
    if (!rec) return item;
    item.description = `${agoText(rec.event.at - now)}${rec.event.inHandler ? " · in alarm()" : ""}`;
    item.command = { command: EditorCommands.openSource, title: "Go to Source", arguments: [{ objectKey: node.key, session: rec.session, seq: rec.event.seq }] };
    item.iconPath = themeIcon(storageIcon(rec));
    const md = new vscode.MarkdownString();
    codeBlock(md, text);
    item.tooltip = md;
    return item;
  }
}

/** One entry of the tree's repaint trace (`AlarmsTreeProvider.onDidTrace`). */
export type RepaintTrace =
  /** A repaint handed to VS Code: `askedAt` is when its oldest change came in, `at` when it was handed over. */
  | { kind: "flush"; all: boolean; rows: number; objects: ObjectKey[]; askedAt: number; at: number }
  /** VS Code asked for an object row's item (what it then paints), with the words the row got. */
  | { kind: "row"; key: ObjectKey; description: string; at: number };

/** When a run began: its first attempt's start. */
function runStart(run: Run): number {
  return run.attempts[0]?.startedAt ?? 0;
}

/** "in 12s" or "overdue by 3s". */
function alarmWords(t: number, now: number): string {
  return t - now >= 0 ? formatRelative(t - now) : formatRelative(t - now, { past: "overdue" });
}

/** The stack's frames mapped to the user's source (`EditorCommands.resolveFrames`), as a person reads them. */
async function mappedFrames(stack: string): Promise<ResolvedFrame[]> {
  const raw = parseStack(stack);
  const mapped = await vscode.commands.executeCommand<ResolvedFrame[] | undefined>(EditorCommands.resolveFrames, raw).then(
    (r) => (Array.isArray(r) && r.length === raw.length ? r : raw),
    () => raw,
  );
  return presentFrames(mapped, (file) => vscode.workspace.asRelativePath(file));
}

/** An attempt's hover: how it started, what the runtime does next, and its error with `frames` when mapped. */
function attemptTooltip(a: Attempt, frames: readonly ResolvedFrame[] | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendText(`Trigger: ${a.trigger === "fireNow" ? "fire now" : a.trigger}; started ${formatAbsolute(a.startedAt)}\n`);
  if (a.alarmInfo) md.appendText(`alarmInfo: retryCount ${a.alarmInfo.retryCount}, isRetry ${a.alarmInfo.isRetry}\n`);
  if (a.retry?.willRetry === "yes" && a.retry.earliest) md.appendText(`Next attempt expected ${formatAbsolute(a.retry.earliest)}–${formatAbsolute(a.retry.latest ?? a.retry.earliest)}\n`);
  if (a.retry?.willRetry === "no") md.appendText("No retry: this was the last attempt. The alarm is abandoned until the next setAlarm.\n");
  if (a.retry?.willRetry === "replaced") md.appendText("No retry: the handler set a new alarm, which runs instead.\n");
  if (a.retry?.willRetry === "maybe") md.appendText("The handler called deleteAlarm(): retries stop on a best-effort basis only.\n");
  if (a.error) appendError(md, a.error, frames);
  return md;
}

/**
 * An error in a tooltip: its message once, then its frames (the heading V8 repeats at the top of a stack is left
 * out). Without mapped frames (before the hover resolved them) the frames are shown as printed.
 */
function appendError(md: vscode.MarkdownString, error: { name: string; message: string; stack?: string | undefined }, frames: readonly ResolvedFrame[] | undefined): void {
  const heading = `${error.name}: ${error.message}`;
  // A stack without frames is kept whole by the parser; its heading is the message already shown.
  const lines = (frames ?? parseStack(error.stack))
    .filter((f) => f.text !== heading && f.text !== error.message)
    .map((f) => `  ${f.text.startsWith("at ") ? f.text : `at ${f.text}`}`);
  codeBlock(md, [`${error.name}: ${error.message}`, ...lines].join("\n"));
}

function storageIcon(rec: EventRecord<StorageEvent>): string {
  switch (rec.event.kind) {
    case "storage.put":
      return "edit";
    case "storage.delete":
    case "storage.deleteAll":
      return "trash";
    case "storage.sql":
      return "database";
  }
}

function runIcon(run: ScheduleRun): vscode.ThemeIcon {
  switch (run.outcome) {
    case "running":
      return themeIcon("sync~spin", "charts.yellow");
    case "ok":
      return themeIcon("pass", "testing.iconPassed");
    case "error":
      return themeIcon("error", "list.errorForeground");
    case "unknown":
      return themeIcon("circle-outline");
  }
}

/** A failed last run wins over the countdown: the failure is what the user is hunting. */
function scheduleIcon(s: ScheduleView, armed: boolean): vscode.ThemeIcon {
  const last = s.runs[s.runs.length - 1];
  if (s.status === "running") return themeIcon("sync~spin", "charts.yellow");
  if (last?.outcome === "error") return themeIcon("error", "list.errorForeground");
  if (s.status === "cancelled") return themeIcon("circle-slash", "descriptionForeground");
  if (s.status === "done") return themeIcon("pass", "testing.iconPassed");
  return themeIcon(armed ? "bell" : "watch", armed ? "charts.blue" : undefined);
}

function scheduleTooltip(s: ScheduleView, armed: boolean, problems: readonly ScheduleProblem[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const by = s.source === "pattern" ? "a stored event (the docs' many-events-one-alarm pattern)" : s.source === "agents-legacy" ? "the Agents SDK (0.2x table)" : s.source === "actors" ? "@cloudflare/actors (its _actor_alarms table)" : "the Agents SDK";
  md.appendText(`${s.callback}() · id ${s.id} · kept by ${by}\n`);
  if (s.time !== null) md.appendText(`Next run ${new Date(s.time).toISOString()} (${formatAbsolute(s.time)})${armed ? " · the object's alarm is armed for it" : ""}\n`);
  if (s.maxAttempts !== undefined) md.appendText(`The SDK tries each run up to ${s.maxAttempts} times, then gives up (the alarm attempt itself still ends ok)\n`);
  for (const p of problems) md.appendText(`⚠ ${p.message}\n`);
  if (s.payload) codeBlock(md, s.payload.text + (s.payload.truncated ? "…" : ""));
  return md;
}

function attemptIcon(a: Attempt): vscode.ThemeIcon {
  switch (a.outcome) {
    case "running":
      return themeIcon("sync~spin", "charts.yellow");
    case "ok":
      return themeIcon("pass", "testing.iconPassed");
    case "error":
      return a.injectedFailure ? themeIcon("beaker", "charts.purple") : themeIcon("error", "list.errorForeground");
    case "interrupted":
      return themeIcon("debug-disconnect");
  }
}

export function objectFlags(obj: ObjectView, status: StatusInfo): ItemFlag[] {
  const flags: ItemFlag[] = [];
  if (obj.currentAlarm.scheduledTime !== null) flags.push("alarm");
  if (status.status === "overdue") flags.push("overdue");
  if (status.status === "running") flags.push("running");
  if (status.status === "retrying") flags.push("retrying");
  if (status.status === "abandoned") flags.push("abandoned");
  if (status.failureInjected || (obj.pendingFailNext ?? 0) > 0) flags.push("injected");
  if (!obj.seenLive) flags.push("notLive");
  return flags;
}

/** The tree row's tooltip (markdown; the model's `objectTooltip` is the plain-text one the timeline uses). */
function objectTreeTooltip(obj: ObjectView, status: StatusInfo, now: number, handlerNote: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendText(`${obj.ref.className} ${obj.ref.name ? `"${obj.ref.name}"` : ""}\n`);
  md.appendText(`id ${obj.ref.id}\n`);
  md.appendText(`Worker ${obj.worker}\n`);
  md.appendText(`State: ${statusText(status, now)}\n`);
  if (obj.currentAlarm.scheduledTime !== null) md.appendText(`Alarm at ${formatAbsolute(obj.currentAlarm.scheduledTime, now)}\n`);
  if (obj.lastWake) md.appendText(`Last woke ${agoText(obj.lastWake - now)}\n`);
  if ((obj.pendingFailNext ?? 0) > 0) md.appendText(`${obj.pendingFailNext} injected failure(s) pending\n`);
  const c = obj.counts;
  md.appendText(`${c.sets} sets (${c.overwrites} overwrites), ${c.deletes} deletes, ${c.attempts} attempts (${c.failures} failed), ${c.storageWrites} storage writes`);
  if (!obj.seenLive) md.appendText("\nKnown from wrangler's local state only: nothing has woken it in this session.");
  if (handlerNote) md.appendText(`\n${handlerNote}`);
  return md;
}

/** Sort order within a class: running and failing first, then soonest alarm, then by label. */
function byUrgency(model: AlarmModel, now: number): (a: ObjectView, b: ObjectView) => number {
  const rank: Record<AlarmStatus, number> = { running: 0, retrying: 1, overdue: 2, abandoned: 3, failed: 4, scheduled: 5, succeeded: 6, idle: 7 };
  return (a, b) => {
    const sa = model.status(a, now);
    const sb = model.status(b, now);
    if (rank[sa.status] !== rank[sb.status]) return rank[sa.status] - rank[sb.status];
    const da = sa.dueAt ?? Number.MAX_SAFE_INTEGER;
    const db = sb.dueAt ?? Number.MAX_SAFE_INTEGER;
    if (da !== db) return da - db;
    return objectLabel(a.ref).localeCompare(objectLabel(b.ref));
  };
}
