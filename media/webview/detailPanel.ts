/**
 * The side panel: the selected run's attempt, step by step. Everything in it that came from a Worker (object names,
 * keys, values, error messages, stack lines, SQL) is set as text through `dom.ts`, never parsed as markup.
 */
import { formatDuration, formatTime } from "../../extension/shared/format";
import type { RunSummary, ScheduleStep, StackFrame, StepDetail, StepTarget, StorageChange, ValueState, ValuePreview, WindowVerdict } from "../../extension/shared/timelineMessages";
import { append, el, iconButton, replaceChildren } from "./dom";
import type { Child } from "./dom";
import { KEYMAP } from "./keyboard";

/** Characters of a value shown before "Show all". */
export const VALUE_PREVIEW_CHARS = 80;
/** Characters of an error message shown before "Show all". */
const MESSAGE_PREVIEW_CHARS = 400;

/** What the panel asks the app to do. */
export interface DetailActions {
  step(to: StepTarget): void;
  selectRun(objectKey: string, runId: string): void;
  selectAttempt(index: number): void;
  openFrame(frame: StackFrame): void;
  clearSelection(): void;
  /** Step through one schedule's runs (null: through the run's attempts again). */
  selectSchedule(scheduleId: string | null): void;
}

const SCHEDULE_OUTCOME_TEXT: Record<ScheduleStep["outcome"], string> = {
  running: "running",
  ok: "ok",
  error: "failed",
  unknown: "ran (outcome not reported)",
};

/** "failed after attempt 3 of 3: billing API refused" */
function scheduleStepText(s: ScheduleStep): string {
  const of = `attempt ${s.attempts}${s.maxAttempts !== null ? ` of ${s.maxAttempts}` : ""}`;
  const head = s.outcome === "error" ? `failed after ${of}` : s.outcome === "ok" && s.attempts > 1 ? `ok on ${of}` : SCHEDULE_OUTCOME_TEXT[s.outcome];
  return `${head}${s.error ? `: ${s.error.message}` : ""}`;
}

const TRIGGER_TEXT: Record<StepDetail["attempt"]["trigger"], string> = {
  scheduled: "scheduled",
  retry: "retry",
  fireNow: "fire now (from the inspector)",
};

const OUTCOME_TEXT: Record<StepDetail["attempt"]["outcome"], string> = {
  ok: "succeeded",
  error: "failed",
  running: "running",
  interrupted: "interrupted (the Worker reloaded, or the end was never reported)",
};

const RUN_STATE_TEXT: Record<StepDetail["run"]["state"], string> = {
  running: "running",
  succeeded: "succeeded",
  retrying: "retrying",
  abandoned: "abandoned after the last retry",
  failed: "failed, no retry",
  replaced: "replaced by a new alarm",
  interrupted: "interrupted",
};

function verdictText(v: WindowVerdict, startedAt: number, w: { earliest: number; latest: number }): string {
  switch (v) {
    case "inWindow":
      return "started inside it";
    case "early":
      return `started ${formatDuration(w.earliest - startedAt)} early`;
    case "late":
      return `started ${formatDuration(startedAt - w.latest)} late`;
  }
}

/** The side panel. */
export class DetailPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly live: HTMLElement;
  private last = "";
  private selectionId = "";
  /** Values the user expanded with "Show all", kept across live refreshes of the same attempt. */
  private readonly expanded = new Set<string>();
  private runs: RunSummary[] = [];
  private shown: StepDetail | null = null;

  constructor(private readonly actions: DetailActions) {
    this.body = el("div", "detail-body");
    // Announces the step position to screen readers as the user steps.
    this.live = el("div", "visually-hidden", { "aria-live": "polite", role: "status" });
    this.element = el("aside", "detail", { id: "detail", "aria-label": "Attempt detail" }, this.live, this.body);
    this.show(null);
  }

  /** The runs offered when nothing is selected. */
  setRecentRuns(runs: RunSummary[]): void {
    this.runs = runs;
    if (!this.shown) {
      this.last = "";
      this.show(null);
    }
  }

  /** Shows a detail (or the help, for none). Does nothing when it did not change, so focus and scroll stay put. */
  show(detail: StepDetail | null): void {
    this.shown = detail;
    const json = detail ? JSON.stringify(detail) : `runs:${JSON.stringify(this.runs)}`;
    if (json === this.last) return;
    this.last = json;
    const id = detail ? `${detail.objectKey}|${detail.run.id}|${detail.attemptIndex}` : "";
    if (id !== this.selectionId) {
      this.selectionId = id;
      this.expanded.clear();
      this.live.textContent = detail ? `Attempt ${detail.attempt.number}, ${detail.attemptIndex + 1} of ${detail.run.attemptCount}: ${OUTCOME_TEXT[detail.attempt.outcome]}` : "";
    }
    // Keep focus on the same control across the re-render (stepping with the buttons re-renders the panel).
    const focused = document.activeElement instanceof HTMLElement && this.element.contains(document.activeElement) ? document.activeElement.dataset.focusId : undefined;
    replaceChildren(this.body, ...(detail ? this.render(detail) : this.help()));
    if (focused) {
      const again = this.body.querySelector<HTMLElement>(`[data-focus-id="${CSS.escape(focused)}"]`);
      if (again && !again.hasAttribute("disabled")) again.focus();
    }
  }

  private help(): Child[] {
    const rows = KEYMAP.filter((k) => k.keys !== "").map((k) => el("tr", undefined, {}, el("th", undefined, { scope: "row" }, el("kbd", undefined, {}, k.keys)), el("td", undefined, {}, k.does)));
    const runs = el("ul", "recent-runs", { "aria-label": "Recent runs" });
    for (const r of this.runs) {
      const b = el(
        "button",
        `recent-run run-${r.state}`,
        { type: "button" },
        el("span", "class-name", {}, `${r.className} · `),
        el("span", "object-name", {}, r.objectLabel),
        el("span", "muted", {}, ` · ${formatTime(r.start)} · ${RUN_STATE_TEXT[r.state]} · ${r.attempts} attempt${r.attempts === 1 ? "" : "s"}`),
      );
      b.dataset.focusId = `run-${r.objectKey}-${r.runId}`;
      b.addEventListener("click", () => this.actions.selectRun(r.objectKey, r.runId));
      runs.appendChild(el("li", undefined, {}, b));
    }
    return [
      el("p", "hint", {}, "Click an attempt on the timeline, or a run below, to step through it: what triggered each attempt, how long it took, its error, and what it changed in storage."),
      this.runs.length > 0 ? el("h3", undefined, {}, "Recent runs") : null,
      this.runs.length > 0 ? runs : null,
      el("h3", undefined, {}, "Keyboard"),
      el("table", "keys", {}, el("tbody", undefined, {}, ...rows)),
      el("h3", undefined, {}, "Mouse"),
      el("ul", "mouse", {}, el("li", undefined, {}, "Wheel: scroll lanes · Shift+wheel: pan · Ctrl+wheel: zoom"), el("li", undefined, {}, "Drag: pan · Double-click a lane label: only that object")),
    ];
  }

  private render(d: StepDetail): Child[] {
    const a = d.attempt;
    const n = d.run.attemptCount;
    const i = d.attemptIndex;
    const stepButton = (to: StepTarget, iconName: string, label: string, disabled: boolean): HTMLButtonElement => {
      const b = iconButton(iconName, label, () => this.actions.step(to));
      b.dataset.step = to;
      b.dataset.focusId = `step-${to}`;
      if (disabled) b.disabled = true;
      return b;
    };
    const close = iconButton("close", "Clear the selection", () => this.actions.clearSelection());
    close.dataset.focusId = "close";
    const focus = d.scheduleFocus ?? null;
    const dots = el("div", "attempt-dots", { role: "group", "aria-label": "Attempts of this run" });
    for (let k = 0; k < n; k++) {
      const dot = el("button", `attempt-dot${k === i ? " current" : ""}`, { type: "button", "aria-label": `Attempt ${k + 1} of ${n}`, title: `Attempt ${k + 1}`, "aria-current": k === i ? "step" : undefined }, String(k + 1));
      dot.dataset.focusId = `dot-${k}`;
      dot.addEventListener("click", () => this.actions.selectAttempt(k));
      dots.appendChild(dot);
    }

    const header = el(
      "header",
      "detail-head",
      {},
      el("div", "detail-title", {}, el("span", "class-name", {}, d.className), " · ", el("span", "object-name", {}, d.objectLabel), close),
      el(
        "div",
        "run-line",
        {},
        `Run ${d.run.scheduledTime !== null ? `for ${formatTime(d.run.scheduledTime)}` : "(scheduled time unknown)"} · ${RUN_STATE_TEXT[d.run.state]} · ${n} attempt${n === 1 ? "" : "s"}`,
        d.run.partial ? " · earlier attempts not seen" : "",
      ),
      focus ? this.scheduleStepper(focus, stepButton) : el(
        "div",
        "stepper",
        { role: "toolbar", "aria-label": "Step through attempts" },
        stepButton("first", "debug-reverse-continue", "First attempt (Home)", i === 0),
        stepButton("previous", "chevron-left", "Previous attempt ([)", i === 0),
        el("span", "step-position", {}, `Attempt ${a.number}`, el("span", "step-count", {}, ` · ${i + 1} of ${n}`)),
        stepButton("next", "chevron-right", "Next attempt (])", i >= n - 1),
        stepButton("last", "debug-continue", "Last attempt (End)", i >= n - 1),
      ),
      dots,
    );

    const facts = el("dl", "facts");
    const fact = (name: string, key: string, ...value: Child[]): void => {
      append(facts, el("div", "fact", { "data-fact": key }, el("dt", undefined, {}, name), el("dd", undefined, {}, ...value)));
    };
    fact("Trigger", "trigger", TRIGGER_TEXT[a.trigger]);
    fact(
      "alarmInfo",
      "alarmInfo",
      a.alarmInfo
        ? `retryCount ${a.alarmInfo.retryCount} · isRetry ${a.alarmInfo.isRetry}${a.alarmInfo.scheduledTime !== undefined ? ` · scheduledTime ${formatTime(a.alarmInfo.scheduledTime)}` : ""}`
        : "none (the handler got no alarmInfo)",
    );
    fact("Started", "started", formatTime(a.startedAt), a.startMissed ? " (start not seen: inferred from the end)" : "");
    if (a.backoffMs !== null) fact("Backoff", "backoff", `${formatDuration(a.backoffMs)} after attempt ${a.number - 1} ended`);
    if (a.expected) {
      fact("Expected", "expected", `${formatTime(a.expected.earliest)} – ${formatTime(a.expected.latest)} · ${verdictText(a.expected.verdict, a.startedAt, a.expected)}`);
    }
    fact("Duration", "duration", a.durationMs !== null ? formatDuration(a.durationMs) : a.outcome === "running" ? "still running" : "unknown");
    fact("Outcome", "outcome", el("span", `badge outcome-${a.outcome}`, {}, OUTCOME_TEXT[a.outcome]), a.injectedFailure ? el("span", "badge injected", {}, "failure injected") : "");
    const next = this.nextText(d);
    if (next) fact("Then", "next", next);

    const sections: Child[] = [header, facts];
    if (d.schedules && d.schedules.length > 0) sections.push(this.schedulesSection(d.schedules, focus?.scheduleId));
    if (d.error) sections.push(this.errorSection(d));
    sections.push(this.storageSection(d));
    if (d.alarmCalls.length > 0) {
      sections.push(
        el(
          "section",
          "alarm-calls",
          {},
          el("h3", undefined, {}, "Alarm calls in this attempt"),
          el(
            "ul",
            undefined,
            {},
            ...d.alarmCalls.map((c) =>
              el(
                "li",
                undefined,
                {},
                `${formatTime(c.at)} `,
                c.kind === "set" ? `setAlarm → ${c.scheduledTime !== null ? formatTime(c.scheduledTime) : "?"}` : "deleteAlarm",
                c.previous !== null ? ` (replacing ${formatTime(c.previous)})` : "",
                // The scheduler's own calls (the SDK's fallback and re-arm) say so, and for which schedules.
                c.scheduler ? el("span", "scheduler-call", {}, ` · ${c.scheduler.text}`) : "",
              ),
            ),
          ),
        ),
      );
    }
    return sections;
  }

  /** While stepping per schedule: its runs instead of the run's attempts, and a way back to attempts. */
  private scheduleStepper(focus: NonNullable<StepDetail["scheduleFocus"]>, stepButton: (to: StepTarget, icon: string, label: string, disabled: boolean) => HTMLButtonElement): HTMLElement {
    const k = focus.runIndex;
    const last = focus.runCount - 1;
    const back = el("button", "link-button", { type: "button", title: "Step through this run's attempts again" }, "by attempt");
    back.dataset.focusId = "schedule-unfocus";
    back.addEventListener("click", () => this.actions.selectSchedule(null));
    return el(
      "div",
      "stepper schedule-stepper",
      { role: "toolbar", "aria-label": `Step through the runs of ${focus.callback}()` },
      stepButton("first", "debug-reverse-continue", `First run of ${focus.callback}() (Home)`, k === 0),
      stepButton("previous", "chevron-left", `Previous run of ${focus.callback}() ([)`, k === 0),
      el("span", "step-position", {}, `${focus.callback}()`, el("span", "step-count", {}, ` · run ${k + 1} of ${focus.runCount}`)),
      stepButton("next", "chevron-right", `Next run of ${focus.callback}() (])`, k >= last),
      stepButton("last", "debug-continue", `Last run of ${focus.callback}() (End)`, k >= last),
      back,
    );
  }

  /** The schedules this alarm attempt ran (the SDK runs every due one from one alarm() call); click one to step by it. */
  private schedulesSection(steps: ScheduleStep[], focused: string | undefined): HTMLElement {
    const list = el("ul", "schedule-steps", { "aria-label": "Schedules run in this attempt" });
    for (const st of steps) {
      const b = el(
        "button",
        `schedule-step schedule-${st.outcome}${st.scheduleId === focused ? " current" : ""}`,
        { type: "button", title: `Step through the runs of ${st.callback}() (${st.runCount} held)`, "aria-current": st.scheduleId === focused ? "step" : undefined },
        el("span", "schedule-callback", {}, `${st.callback}()`),
        el("span", "muted", {}, ` · ${st.kind} · ${formatTime(st.startedAt)} · `),
        el("span", `badge outcome-${st.outcome === "unknown" ? "running" : st.outcome}`, {}, scheduleStepText(st)),
      );
      b.dataset.focusId = `schedule-${st.scheduleId}`;
      b.dataset.schedule = st.scheduleId;
      b.addEventListener("click", () => this.actions.selectSchedule(st.scheduleId));
      list.appendChild(el("li", undefined, {}, b));
    }
    return el("section", "schedules", {}, el("h3", undefined, {}, "Schedules run in this attempt"), list);
  }

  private nextText(d: StepDetail): string {
    const r = d.attempt.retry;
    if (d.attempt.outcome !== "error" || !r) return "";
    switch (r.willRetry) {
      case "yes":
        return `retry ${r.nextRetryCount ?? ""} expected${r.earliest !== undefined && r.latest !== undefined ? ` between ${formatTime(r.earliest)} and ${formatTime(r.latest)}` : ""}`.replace("retry  ", "retry ");
      case "no":
        return "no retry: the runtime gives up on this alarm";
      case "replaced":
        return "no retry: the handler set a new alarm, which runs instead";
      case "maybe":
        return "retry uncertain: the handler called deleteAlarm(), which stops retries on a best-effort basis";
    }
  }

  private errorSection(d: StepDetail): HTMLElement {
    const e = d.error as NonNullable<StepDetail["error"]>;
    const frames = el("ol", "stack", { "aria-label": "Stack" });
    for (const [k, f] of e.frames.entries()) {
      if (f.openable && f.file !== undefined) {
        const b = el("button", "frame-link", { type: "button", title: `Open ${f.file}${f.line !== undefined ? `:${f.line}` : ""}` }, f.text);
        b.dataset.focusId = `frame-${k}`;
        b.addEventListener("click", () => this.actions.openFrame(f));
        frames.appendChild(el("li", "frame openable", {}, b));
      } else {
        frames.appendChild(el("li", "frame", { title: f.file !== undefined ? "Not a file in this workspace" : undefined }, el("span", "frame-text", {}, f.text)));
      }
    }
    return el(
      "section",
      "error",
      {},
      el("h3", undefined, {}, "Error", e.injected ? el("span", "badge injected", {}, "injected by the inspector") : ""),
      this.longText(`${e.name}: ${e.message}`, MESSAGE_PREVIEW_CHARS, "error-message", "message", "pre"),
      e.frames.length > 0 ? frames : el("p", "muted", {}, "No stack was reported."),
    );
  }

  private storageSection(d: StepDetail): HTMLElement {
    const section = el("section", "storage", {}, el("h3", undefined, {}, `Storage changes (${d.storage.length})`));
    if (d.storage.length > 0) {
      const body = el("tbody");
      for (const c of d.storage) body.appendChild(this.changeRow(c));
      section.appendChild(
        el(
          "table",
          "storage-diff",
          {},
          el("thead", undefined, {}, el("tr", undefined, {}, el("th", undefined, { scope: "col" }, "Key"), el("th", undefined, { scope: "col" }, "Before"), el("th", undefined, { scope: "col" }, "After"))),
          body,
        ),
      );
    } else if (d.sql.length === 0 && d.deleteAll === 0) {
      section.appendChild(el("p", "muted", {}, "No key-value writes in this attempt."));
    }
    const notes: string[] = [];
    if (d.deleteAll > 0) notes.push(`deleteAll() was called ${d.deleteAll === 1 ? "once" : `${d.deleteAll} times`}: every key was removed at that point.`);
    if (d.omittedWrites > 0) notes.push(`${d.omittedWrites} more write${d.omittedWrites === 1 ? " is" : "s are"} not listed (too many in one call, or trimmed from memory).`);
    if (d.historyTrimmed) notes.push("Older events of this object were trimmed: a value shown as unknown may have been forgotten.");
    if (notes.length > 0) section.appendChild(el("ul", "notes", {}, ...notes.map((t) => el("li", undefined, {}, t))));
    if (d.sql.length > 0) {
      section.appendChild(el("h4", undefined, {}, `SQL writes (${d.sql.length})`));
      section.appendChild(
        el("ol", "sql", {}, ...d.sql.map((q, k) => el("li", undefined, {}, this.longText(q.query, VALUE_PREVIEW_CHARS * 2, "sql-query", `sql-${k}`, "code"), q.bindings > 0 ? el("span", "muted", {}, ` (${q.bindings} bindings)`) : ""))),
      );
    }
    return section;
  }

  private changeRow(c: StorageChange): HTMLTableRowElement {
    // Deleting a key that was not there changes nothing: said plainly, not in the red of a deletion.
    const noop = c.before.state === "absent" && c.after.state === "absent";
    if (noop) {
      return el(
        "tr",
        "change unchanged",
        {},
        el("th", "key", { scope: "row" }, this.longText(c.key, VALUE_PREVIEW_CHARS, "key-text", `key-${c.key}`, "code")),
        el("td", "muted", { colSpan: "2" }, "deleted, but was not stored: nothing changed"),
      );
    }
    return el(
      "tr",
      `change${c.after.state === "absent" ? " deleted" : ""}`,
      {},
      el("th", "key", { scope: "row" }, this.longText(c.key, VALUE_PREVIEW_CHARS, "key-text", `key-${c.key}`, "code")),
      el("td", "before", {}, this.valueCell(c.before, `before-${c.key}`)),
      el("td", "after", {}, this.valueCell(c.after, `after-${c.key}`), c.writes > 1 ? el("span", "muted writes", {}, ` (${c.writes} writes)`) : ""),
    );
  }

  private valueCell(v: ValueState, id: string): Child {
    switch (v.state) {
      case "unknown":
        return el("span", "value-unknown", { title: "No earlier event showed this key's value" }, "unknown");
      case "absent":
        return el("span", "value-absent", {}, "(absent)");
      case "value":
        return this.previewText(v.value, id);
    }
  }

  private previewText(p: ValuePreview, id: string): HTMLElement {
    const wrap = el("span", `value value-${p.kind}`);
    if (p.kind === "binary") append(wrap, el("span", "muted", {}, `binary${p.bytes !== undefined ? `, ${p.bytes} bytes` : ""} `));
    if (p.kind === "undefined") append(wrap, el("code", undefined, {}, "undefined"));
    else append(wrap, this.longText(p.text, VALUE_PREVIEW_CHARS, "value-text", id, "code"));
    if (p.truncated) append(wrap, el("span", "muted", { title: "The agent sends at most 200 characters of a value" }, " (cut by the agent)"));
    return wrap;
  }

  /** Text cut to `max` characters with a "Show all" toggle. The text is only ever a text node. */
  private longText(text: string, max: number, className: string, id: string, tag: "code" | "pre"): HTMLElement {
    const wrap = el("span", `long long-${className}`);
    const shown = el(tag, className);
    wrap.appendChild(shown);
    if (text.length <= max) {
      shown.textContent = text;
      return wrap;
    }
    const render = (): void => {
      const open = this.expanded.has(id);
      shown.textContent = open ? text : `${text.slice(0, max)}…`;
      toggle.textContent = open ? "Show less" : `Show all (${text.length} characters)`;
      toggle.setAttribute("aria-expanded", String(open));
    };
    const toggle = el("button", "link show-all", { type: "button" });
    toggle.dataset.focusId = `toggle-${id}`;
    toggle.addEventListener("click", () => {
      if (this.expanded.has(id)) this.expanded.delete(id);
      else this.expanded.add(id);
      render();
    });
    render();
    wrap.appendChild(toggle);
    return wrap;
  }
}
