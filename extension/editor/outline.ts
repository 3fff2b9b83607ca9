/**
 * What the editor features need to know about a source file: its classes, their alarm handler (`alarm` or PartyKit's
 * `onAlarm`), and every `setAlarm` / `getAlarm` / `deleteAlarm` call with the class member it is in. Built from the
 * syntax tree of `@babel/parser` (./syntaxTree.ts: syntax only, no type checking), which reads TypeScript and
 * JavaScript alike. Pure: no `vscode`, so the static rules are unit tested on real source text.
 */
import type { ClassBody, Node } from "@babel/types";
import type { ClassNode, SyntaxTree } from "./syntaxTree";
import { calledMember, forEachClass, isClass, isThisRoom, memberAccess, parseSyntax, walk } from "./syntaxTree";

/** A position as editors count it: 0-based line and character. */
export interface Position0 {
  readonly line: number;
  readonly character: number;
}

/** A range of source text. */
export interface Span {
  readonly start: Position0;
  readonly end: Position0;
}

/** The storage calls the rules and lenses look at. */
export type AlarmCallKind = "setAlarm" | "getAlarm" | "deleteAlarm";

/** One call of an alarm method, with where it is. */
export interface AlarmCall {
  readonly kind: AlarmCallKind;
  /** The method name (`setAlarm` in `this.ctx.storage.setAlarm(…)`): what to underline and put a lens above. */
  readonly span: Span;
  /** Offset in the text, for "before" comparisons within a member. */
  readonly offset: number;
  /** The class member it is in (`constructor`, `alarm`, `set`, …), callbacks included; null outside any member. */
  readonly member: string | null;
}

/**
 * A `this.schedule(…)` / `this.scheduleEvery(…)` call (the Agents SDK): the lens above it shows the schedules it made,
 * matched by callback name, which the SDK takes as the second argument (`schedule(when, "remind", payload)`).
 */
export interface ScheduleCallSite {
  readonly method: "schedule" | "scheduleEvery";
  /** The callback's name: a string literal, or `this.remind` written as a method reference; null when computed. */
  readonly callback: string | null;
  readonly span: Span;
  readonly member: string | null;
}

/** A read of the PartyKit room's id (`this.room.id`, or `this.party.id` in older code). */
export interface RoomIdRead {
  readonly span: Span;
  readonly member: string | null;
}

/** One class of the file. */
export interface ClassOutline {
  readonly name: string;
  readonly nameSpan: Span;
  /** The text of its `extends` clause (`DurableObject<Env>`, `Server`), or null. */
  readonly extendsText: string | null;
  /** Its alarm handler: `alarm` (Durable Objects) or `onAlarm` (PartyKit), the name's span. */
  readonly handler: { readonly name: "alarm" | "onAlarm"; readonly span: Span } | null;
  /** Span of the `constructor` keyword, when it has one. */
  readonly constructorSpan: Span | null;
  /** Alarm calls in source order. */
  readonly calls: readonly AlarmCall[];
  /** `this.schedule(…)` / `this.scheduleEvery(…)` calls in source order. */
  readonly scheduleCalls: readonly ScheduleCallSite[];
  readonly roomIdReads: readonly RoomIdRead[];
  /** Where a `put(…)` stores the room's id (its arguments read it), when one does: the fix the PartyKit guide gives. */
  readonly storesRoomId: Span | null;
}

/** The classes of a file, in source order. */
export interface SourceOutline {
  readonly classes: readonly ClassOutline[];
}

const CALL_KINDS: ReadonlySet<string> = new Set<AlarmCallKind>(["setAlarm", "getAlarm", "deleteAlarm"]);

/** Files worth parsing at all: a cheap test that spares the parser files that never mention an alarm. */
export function mayMentionAlarms(text: string): boolean {
  // An Agents SDK agent may never say "alarm": its schedule calls are what the lenses look for there.
  return /alarm|schedule/i.test(text);
}

const SCHEDULE_METHODS: ReadonlySet<string> = new Set(["schedule", "scheduleEvery"]);

/** The callback argument's name: `"remind"`, `` `remind` ``, or `this.remind`; null for anything computed. */
function callbackName(arg: Node | undefined): string | null {
  if (!arg) return null;
  if (arg.type === "StringLiteral") return arg.value;
  if (arg.type === "TemplateLiteral" && arg.expressions.length === 0) return arg.quasis[0]?.value.cooked ?? null;
  const access = memberAccess(arg);
  return access && access.object.type === "ThisExpression" ? access.name : null;
}

/** Parses `text` and outlines its classes. Never throws: broken code is outlined as far as it parses, else not at all. */
export function outlineSource(text: string, fileName: string): SourceOutline {
  if (!mayMentionAlarms(text)) return { classes: [] };
  const tree = parseSyntax(text, fileName);
  if (!tree) return { classes: [] };
  const classes: ClassOutline[] = [];
  forEachClass(tree.program, (node, name) => {
    if (name) classes.push(outlineClass(tree, node, name.text, name.node));
  });
  return { classes };
}

type ClassMember = ClassBody["body"][number];

/** The member's name as the rules compare it (`constructor`, `alarm`, `#tick`, a quoted name's text), else null. */
function memberName(member: ClassMember): string | null {
  if ((member.type === "ClassMethod" || member.type === "TSDeclareMethod") && member.kind === "constructor") return "constructor";
  const key = keyOf(member);
  if (!key) return null;
  if (key.type === "Identifier") return key.name;
  if (key.type === "StringLiteral") return key.value;
  if (key.type === "PrivateName") return `#${key.id.name}`;
  return null;
}

/** The member's key when it is written out (`alarm`, `"alarm"`, `#alarm`), not computed (`[name]`); else null. */
function keyOf(member: ClassMember): Node | null {
  if (member.type === "StaticBlock" || member.type === "TSIndexSignature") return null;
  if (member.type === "ClassPrivateMethod" || member.type === "ClassPrivateProperty") return member.key;
  return member.computed ? null : member.key;
}

/** A member that can be the alarm handler: a method (overload and abstract signatures included) or a field. */
function canBeHandler(member: ClassMember): boolean {
  switch (member.type) {
    case "ClassMethod":
    case "TSDeclareMethod":
      return member.kind === "method";
    case "ClassProperty":
    case "ClassAccessorProperty":
      return true;
    default:
      return false;
  }
}

/** The text of the `extends` clause with its type arguments (`DurableObject<Env>`), or null. */
function extendsTextOf(tree: SyntaxTree, node: ClassNode): string | null {
  if (!node.superClass) return null;
  return tree.slice(node.superClass, node.superTypeArguments ?? node.superClass);
}

function outlineClass(tree: SyntaxTree, node: ClassNode, name: string, nameNode: Node): ClassOutline {
  let handler: ClassOutline["handler"] = null;
  let constructorSpan: Span | null = null;
  const calls: AlarmCall[] = [];
  const scheduleCalls: (ScheduleCallSite & { readonly offset: number })[] = [];
  const roomIdReads: (RoomIdRead & { readonly offset: number })[] = [];
  const puts: { readonly span: Span; readonly offset: number }[] = [];

  for (const member of node.body.body) {
    const mName = memberName(member);
    const key = keyOf(member);
    // The span of the `constructor` keyword (or of `"constructor"`), where DOA002 points.
    if (mName === "constructor" && key) constructorSpan = tree.span(key);
    if ((mName === "alarm" || mName === "onAlarm") && key && canBeHandler(member)) {
      // `alarm` wins over `onAlarm` in a class that has both (a PartyServer subclass overriding the raw handler).
      if (!handler || mName === "alarm") handler = { name: mName, span: tree.span(key) };
    }
    walk(member, (n) => {
      // A nested class is outlined on its own; its calls are not this class's.
      if (isClass(n)) return false;
      const call = calledMember(n);
      if (call && CALL_KINDS.has(call.name)) {
        calls.push({ kind: call.name as AlarmCallKind, span: tree.span(call.nameNode), offset: tree.offset(call.nameNode), member: mName });
      }
      if (call && SCHEDULE_METHODS.has(call.name) && isCalledOnThis(n)) {
        scheduleCalls.push({
          method: call.name as ScheduleCallSite["method"],
          callback: callbackName(call.args[1]),
          span: tree.span(call.nameNode),
          member: mName,
          offset: tree.offset(call.nameNode),
        });
      }
      if (isRoomIdRead(n)) roomIdReads.push({ span: tree.span(n), member: mName, offset: tree.offset(n) });
      if (call && call.name === "put" && call.args.some(containsRoomIdRead)) puts.push({ span: tree.span(call.nameNode), offset: tree.offset(call.nameNode) });
      return true;
    });
  }
  calls.sort((a, b) => a.offset - b.offset);
  scheduleCalls.sort((a, b) => a.offset - b.offset);
  roomIdReads.sort((a, b) => a.offset - b.offset);
  // The first such `put` in the source is the one the related information points at.
  const storesRoomId = puts.reduce<(typeof puts)[number] | null>((first, put) => (first && first.offset <= put.offset ? first : put), null);
  return {
    name,
    nameSpan: tree.span(nameNode),
    extendsText: extendsTextOf(tree, node),
    handler,
    constructorSpan,
    calls,
    scheduleCalls: scheduleCalls.map(({ offset: _offset, ...site }) => site),
    roomIdReads: roomIdReads.map(({ span, member }) => ({ span, member })),
    storesRoomId: storesRoomId?.span ?? null,
  };
}

/** `this.name(…)`: a call on the object itself (not `this.alarms.schedule(…)` or any other object's). */
function isCalledOnThis(n: Node): boolean {
  if (n.type !== "CallExpression" && n.type !== "OptionalCallExpression") return false;
  const callee = memberAccess(n.callee);
  return callee !== null && callee.object.type === "ThisExpression";
}

/** `this.room.id` or `this.party.id` (PartyKit's classic `Party.Server` API). */
function isRoomIdRead(n: Node): boolean {
  const access = memberAccess(n);
  return access !== null && access.name === "id" && isThisRoom(access.object);
}

/** Whether `node` reads the room id anywhere inside (nested classes included: their code can run here). */
function containsRoomIdRead(node: Node): boolean {
  let found = false;
  walk(node, (n) => {
    found ||= isRoomIdRead(n);
    return !found;
  });
  return found;
}
