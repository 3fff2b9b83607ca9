/**
 * What a diagnostic rule reports, in plain data: the controller turns findings into `vscode.Diagnostic`s. Rules are
 * pure (no `vscode`), so each is unit tested with recorded events or real source text.
 */
import type { ClassOutline, Span } from "../editor/outline";
import type { ObjectView } from "../model/types";
import type { ScheduleView } from "../model/schedules";
import type { SourceLocation } from "../sourcemap/mapFrame";
import type { EventRecord } from "../model/types";

/** How loudly a finding is shown (the Problems view's levels). */
export type FindingSeverity = "error" | "warning" | "information";

/** A rule's identity: the code shown in the Problems view and the documentation it links to. */
export interface RuleInfo {
  /** `DOA001`…: stable, searchable, shown with the message. */
  readonly code: string;
  /** A short name for the rule, as in the README's table. */
  readonly title: string;
  /** The documentation that explains the condition (the code is a link to it). */
  readonly docUrl: string;
  readonly severity: FindingSeverity;
}

/** A place that supports a finding: "the alarm it replaced was set here". */
export interface RelatedPlace {
  readonly location: SourceLocation;
  readonly message: string;
}

/** One problem at one place. Lines and columns are 1-based. */
export interface Finding {
  readonly rule: RuleInfo;
  readonly location: SourceLocation;
  /** Where the underline ends on the same line (1-based, exclusive), when the rule knows; else the word at `location`. */
  readonly endColumn?: number;
  /** The sentence shown, with the evidence. */
  readonly message: string;
  readonly related?: readonly RelatedPlace[];
}

/** A rule that reads one source file's outline. */
export interface StaticRule {
  readonly info: RuleInfo;
  check(file: string, classes: readonly ClassOutline[]): Finding[];
}

/** What runtime rules read: the model's objects, and where their events are in the source. */
export interface RuntimeContext {
  readonly objects: readonly ObjectView[];
  /** The call site of an event (or the line that threw, for a failed attempt), once located. */
  locate(rec: EventRecord, objectKey: string): SourceLocation | undefined;
  /** The first frame of the user's code in a stack (an attempt's error). */
  locateStack(stack: string | undefined): SourceLocation | undefined;
  /** The `alarm(` / `onAlarm(` of a class, when its source is known. */
  handlerOf(className: string): SourceLocation | undefined;
  /**
   * True for the newest session of its Worker. Rules take their evidence from it only: wrangler reloads the Worker
   * when a file is saved, so what an earlier session did may point into code that has changed since (a finding the
   * user has fixed must not outlive the fix). Absent: every session counts (tests of one recorded session).
   */
  isCurrentSession?(session: string): boolean;
  readonly now: number;
  /** An object's schedules behind its alarm (Agents SDK, the docs' pattern); absent: none are known. */
  schedulesOf?(objectKey: string): readonly ScheduleView[];
  /** Where a class is declared (its name), when its source is known. */
  classOf?(className: string): SourceLocation | undefined;
}

/** Whether a rule may take evidence from `session` (see `RuntimeContext.isCurrentSession`). */
export function fromCurrentSession(ctx: RuntimeContext, session: string): boolean {
  return ctx.isCurrentSession?.(session) ?? true;
}

/** A rule that reads what happened at run time. */
export interface RuntimeRule {
  readonly info: RuleInfo;
  check(context: RuntimeContext): Finding[];
}

/** A span (0-based) as a finding's 1-based location and end column. */
export function atSpan(file: string, span: Span): { location: SourceLocation; endColumn?: number } {
  const location = { file, line: span.start.line + 1, column: span.start.character + 1 };
  return span.end.line === span.start.line ? { location, endColumn: span.end.character + 1 } : { location };
}

/** `file:line`, the key findings at one line are grouped by. */
export function lineKey(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}`;
}
