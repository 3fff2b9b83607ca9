/**
 * What the editor features need to know about a source file: its classes, their alarm handler (`alarm` or PartyKit's
 * `onAlarm`), and every `setAlarm` / `getAlarm` / `deleteAlarm` call with the class member it is in. Built with the
 * TypeScript compiler's parser (syntax only, no type checking), which reads TypeScript and JavaScript alike. Pure:
 * no `vscode`, so the static rules are unit tested on real source text.
 */
import type * as TS from "typescript";

let loaded: typeof TS | undefined;

/**
 * The compiler, loaded on first use: evaluating it takes about 200 ms, which must not be spent while VS Code
 * activates the extension (most sessions parse their first file a moment later, some never).
 */
function typescript(): typeof TS {
  loaded ??= require("typescript") as typeof TS;
  return loaded;
}

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
  return /alarm/i.test(text);
}

function scriptKind(ts: typeof TS, fileName: string): TS.ScriptKind {
  if (/\.tsx$/i.test(fileName)) return ts.ScriptKind.TSX;
  if (/\.jsx$/i.test(fileName)) return ts.ScriptKind.JSX;
  if (/\.(m|c)?js$/i.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** Parses `text` and outlines its classes. Never throws: the parser recovers from syntax errors as editors do. */
export function outlineSource(text: string, fileName: string): SourceOutline {
  if (!mayMentionAlarms(text)) return { classes: [] };
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKind(ts, fileName));
  const span = (node: TS.Node): Span => {
    const start = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    const end = sf.getLineAndCharacterOfPosition(node.getEnd());
    return { start, end };
  };
  const classes: ClassOutline[] = [];

  const visit = (node: TS.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const outline = outlineClass(ts, node, sf, span);
      if (outline) classes.push(outline);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { classes };
}

/** The name of a class: its own, or that of the variable a class expression is assigned to. */
function className(ts: typeof TS, node: TS.ClassLikeDeclaration): TS.Identifier | undefined {
  if (node.name) return node.name;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name;
  return undefined;
}

function memberName(ts: typeof TS, member: TS.ClassElement): string | null {
  if (ts.isConstructorDeclaration(member)) return "constructor";
  const name = member.name;
  if (!name) return null;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return null;
}

function outlineClass(ts: typeof TS, node: TS.ClassLikeDeclaration, sf: TS.SourceFile, span: (n: TS.Node) => Span): ClassOutline | undefined {
  const name = className(ts, node);
  if (!name) return undefined;
  const heritage = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
  const extendsText = heritage?.types[0]?.getText(sf) ?? null;

  let handler: ClassOutline["handler"] = null;
  let constructorSpan: Span | null = null;
  const calls: AlarmCall[] = [];
  const roomIdReads: RoomIdRead[] = [];
  let storesRoomId: Span | null = null;

  for (const member of node.members) {
    const mName = memberName(ts, member);
    if (ts.isConstructorDeclaration(member)) {
      const keyword = member.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.ConstructorKeyword);
      constructorSpan = span(keyword ?? member);
    }
    if ((mName === "alarm" || mName === "onAlarm") && member.name && (ts.isMethodDeclaration(member) || ts.isPropertyDeclaration(member))) {
      // `alarm` wins over `onAlarm` in a class that has both (a PartyServer subclass overriding the raw handler).
      if (!handler || mName === "alarm") handler = { name: mName, span: span(member.name) };
    }
    const walk = (n: TS.Node): void => {
      // A nested class is outlined on its own; its calls are not this class's.
      if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) return;
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && CALL_KINDS.has(n.expression.name.text)) {
        calls.push({ kind: n.expression.name.text as AlarmCallKind, span: span(n.expression.name), offset: n.expression.name.getStart(sf), member: mName });
      }
      if (ts.isPropertyAccessExpression(n) && isRoomIdRead(ts, n)) roomIdReads.push({ span: span(n), member: mName });
      if (
        !storesRoomId &&
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === "put" &&
        n.arguments.some((a) => containsRoomIdRead(ts, a))
      ) {
        storesRoomId = span(n.expression.name);
      }
      ts.forEachChild(n, walk);
    };
    ts.forEachChild(member, walk);
  }
  calls.sort((a, b) => a.offset - b.offset);
  return { name: name.text, nameSpan: span(name), extendsText, handler, constructorSpan, calls, roomIdReads, storesRoomId };
}

/** `this.room.id` or `this.party.id` (PartyKit's classic `Party.Server` API). */
function isRoomIdRead(ts: typeof TS, n: TS.PropertyAccessExpression): boolean {
  if (n.name.text !== "id") return false;
  const inner = n.expression;
  return (
    ts.isPropertyAccessExpression(inner) &&
    (inner.name.text === "room" || inner.name.text === "party") &&
    inner.expression.kind === ts.SyntaxKind.ThisKeyword
  );
}

function containsRoomIdRead(ts: typeof TS, node: TS.Node): boolean {
  let found = false;
  const walk = (n: TS.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(n) && isRoomIdRead(ts, n)) found = true;
    else ts.forEachChild(n, walk);
  };
  walk(node);
  return found;
}
