/**
 * The syntax tree of a source file, for the editor's outline and the static rules: `@babel/parser` (syntax only, no
 * type checking), a generic child walk, and spans in editor coordinates. Pure: no `vscode`.
 *
 * Half-typed code is parsed through ./syntaxRepair.ts: when the parser gives up, a repaired copy is parsed, and the
 * spans are mapped back to the caller's text. When even that fails there is no tree (never an exception).
 */
import type { ParserOptions, ParserPlugin } from "@babel/parser";
import type { ClassDeclaration, ClassExpression, Identifier, Node, Program } from "@babel/types";
import type { Position0, Span } from "./outline";
import type { Edit } from "./syntaxRepair";
import { parseRepairing } from "./syntaxRepair";

type BabelParser = typeof import("@babel/parser");

let loaded: BabelParser | undefined;

/**
 * The parser, loaded on first use: the production bundle evaluates in about 30 ms so, 43 ms with the parser loaded
 * up front, and activation should not pay for a parse that may never happen. (Loading it takes about 12 ms; the
 * TypeScript compiler it replaced took about 230 ms.)
 */
function babel(): BabelParser {
  loaded ??= require("@babel/parser") as BabelParser;
  return loaded;
}

/** The parsed file, with positions in the text the caller passed (not in a repaired copy). */
export interface SyntaxTree {
  readonly program: Program;
  /** The caller's text offset where `node` starts. */
  offset(node: Node): number;
  /** The node's text: from its first character (not its leading comments) to its end. */
  span(node: Node): Span;
  /** The caller's text from the start of `first` to the end of `last` (default: `first`). */
  slice(first: Node, last?: Node): string;
}

/** Worker code as people write it: TypeScript or JavaScript, JSX in `.tsx`/`.jsx`, decorators of either kind. */
function pluginsFor(fileName: string): ParserPlugin[] {
  // Both decorator syntaxes parse under "decorators" (TypeScript's parameter decorators as a recoverable error), and
  // `accessor` fields need their own plugin; neither changes how decorator-free code parses.
  const decorators: ParserPlugin[] = ["decorators", "decoratorAutoAccessors"];
  if (/\.(m|c)?jsx?$/i.test(fileName)) return ["jsx", ...decorators];
  if (/\.tsx$/i.test(fileName)) return ["typescript", "jsx", ...decorators];
  if (/\.d\.(m|c)?ts$/i.test(fileName)) return [["typescript", { dts: true }], ...decorators];
  return ["typescript", ...decorators];
}

function optionsFor(fileName: string): ParserOptions {
  return {
    sourceType: "module",
    errorRecovery: true,
    // No comments on nodes and no `loc` objects: the walk does not read them, and both cost time on every node.
    attachComment: false,
    locations: false,
    plugins: pluginsFor(fileName),
  };
}

/**
 * The last parse, reused when the same text is asked for again with the same options: the diagnostics parse the
 * open document for the outline and again for DOA009. Not kept for big files, whose tree would stay in memory.
 */
let memo: { readonly text: string; readonly key: string; readonly tree: SyntaxTree | null } | undefined;

const MEMO_MAX_CHARS = 256 * 1024;

/** Parses `text` (named `fileName`, whose extension picks the syntax). Null when it cannot be parsed even repaired. */
export function parseSyntax(text: string, fileName: string): SyntaxTree | null {
  const options = optionsFor(fileName);
  const key = JSON.stringify(options.plugins);
  if (memo && memo.key === key && memo.text === text) return memo.tree;
  const parsed = parseRepairing(text, (t) => babel().parse(t, options).program);
  const tree = parsed ? treeOf(parsed.result, text, parsed.edits) : null;
  memo = text.length <= MEMO_MAX_CHARS ? { text, key, tree } : undefined;
  return tree;
}

function treeOf(program: Program, original: string, edits: readonly Edit[]): SyntaxTree {
  /** Maps an offset of the parsed text back through the insertions, newest first; inside one, to where it went. */
  const back = (offset: number): number => {
    let o = offset;
    for (let i = edits.length - 1; i >= 0; i--) {
      const { at, length } = edits[i]!;
      if (o >= at + length) o -= length;
      else if (o > at) o = at;
    }
    return Math.min(o, original.length);
  };
  let lines: number[] | undefined;
  const position = (offset: number): Position0 => {
    lines ??= lineStarts(original);
    const line = lineOf(lines, offset);
    return { line, character: offset - lines[line]! };
  };
  const end = (node: Node): number => {
    const start = back(node.start ?? 0);
    // An identifier's node runs over its type annotation (`Job: Foo` in `const Job: Foo = class …`): the name is
    // what its text is, unless it is written with escapes.
    if (node.type === "Identifier" && original.startsWith(node.name, start)) return start + node.name.length;
    return back(node.end ?? node.start ?? 0);
  };
  return {
    program,
    offset: (node) => back(node.start ?? 0),
    span: (node) => ({ start: position(back(node.start ?? 0)), end: position(end(node)) }),
    slice: (first, last = first) => original.slice(back(first.start ?? 0), end(last)),
  };
}

/** Where each line starts. Line breaks as both the parser and editors count them: CRLF, LF, CR, U+2028, U+2029. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) starts.push(i + 1);
  }
  return starts;
}

/** The 0-based line holding `offset` (binary search over the line starts). */
function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------------------------
// Walking

/** Keys of a node that never hold child nodes (or hold comments, which the walk does not visit). */
const NOT_CHILDREN: ReadonlySet<string> = new Set([
  "type", "start", "end", "loc", "range", "extra", "leadingComments", "trailingComments", "innerComments", "comments",
  "errors", "tokens",
]);

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/**
 * Visits `root` and everything below it, depth first, each node before its children and children in the order the
 * parser set them (source order). `enter` returns false to skip a node's children. Iterative, so deeply nested code
 * cannot overflow the stack. No @babel/traverse: it is large, and a generic walk over the node's fields is all the
 * outline needs.
 */
export function walk(root: Node, enter: (node: Node) => boolean | void): void {
  const stack: Node[] = [root];
  const children: Node[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (enter(node) === false) continue;
    for (const key in node) {
      if (NOT_CHILDREN.has(key)) continue;
      const value: unknown = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) if (isNode(item)) children.push(item);
      } else if (isNode(value)) children.push(value);
    }
    // Pushed in reverse, so the first child is visited next.
    while (children.length > 0) stack.push(children.pop()!);
  }
}

/** The class syntax: a declaration or an expression. */
export type ClassNode = ClassDeclaration | ClassExpression;

export function isClass(node: Node): node is ClassNode {
  return node.type === "ClassDeclaration" || node.type === "ClassExpression";
}

/**
 * Every class below `root` in source order, an outer class before the classes nested in it, with its name: its own,
 * or that of the variable a class expression is assigned to (`const Room = class …`), or null.
 */
export function forEachClass(root: Node, visit: (node: ClassNode, name: { readonly text: string; readonly node: Node } | null) => void): void {
  const assignedTo = new Map<Node, Identifier>();
  walk(root, (node) => {
    if (node.type === "VariableDeclarator" && node.id.type === "Identifier" && node.init?.type === "ClassExpression") assignedTo.set(node.init, node.id);
    if (isClass(node)) {
      const id = node.id ?? assignedTo.get(node) ?? null;
      visit(node, id ? { text: id.name, node: id } : null);
    }
  });
}

/** `object.name` or `object?.name` with a plain name (not computed, not `#private`): its parts, else null. */
export function memberAccess(node: Node): { readonly object: Node; readonly name: string; readonly nameNode: Node } | null {
  if ((node.type !== "MemberExpression" && node.type !== "OptionalMemberExpression") || node.computed) return null;
  if (node.property.type !== "Identifier") return null;
  return { object: node.object, name: node.property.name, nameNode: node.property };
}

/** A call `….name(…)` (optional chaining included): the accessed name and its node, else null. */
export function calledMember(node: Node): { readonly name: string; readonly nameNode: Node; readonly args: readonly Node[] } | null {
  if (node.type !== "CallExpression" && node.type !== "OptionalCallExpression") return null;
  const callee = memberAccess(node.callee);
  return callee ? { name: callee.name, nameNode: callee.nameNode, args: node.arguments } : null;
}

/** `this.room` or `this.party`: PartyKit's room, as the classic `Party.Server` API names it. */
export function isThisRoom(node: Node): boolean {
  const access = memberAccess(node);
  return access !== null && (access.name === "room" || access.name === "party") && access.object.type === "ThisExpression";
}
