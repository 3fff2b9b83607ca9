/**
 * DOA009: a classic PartyKit room that uses `context.parties` inside `onAlarm`.
 *
 * PartyKit's guide: "Party.context.parties is not available inside onAlarm", so `this.room.context.parties…` there
 * throws; the workaround is to reach the other party over HTTP at its public address. Static, like DOA008 (the room
 * id): the text of the class is enough.
 *
 * The editor's outline (extension/editor/outline.ts) does not list these reads yet, so this module finds them itself
 * with the same parser; `partiesFindings` is the rule's whole check over one file's text. Wiring it as a
 * `StaticRule` needs the outline to carry `partiesReads` (the spans below), or the rule to receive the text.
 */
import type * as TS from "typescript";
import type { Span } from "../../editor/outline";
import { atSpan } from "../finding";
import type { Finding, RuleInfo } from "../finding";

export const PARTYKIT_CONTEXT_PARTIES: RuleInfo = {
  code: "DOA009",
  title: "PartyKit context.parties used inside onAlarm",
  docUrl: "https://docs.partykit.io/guides/scheduling-tasks-with-alarms/#accessing-other-parties",
  severity: "warning",
};

let loaded: typeof TS | undefined;

/** The compiler, loaded on first use (as the outline does: it takes a moment to evaluate). */
function typescript(): typeof TS {
  loaded ??= require("typescript") as typeof TS;
  return loaded;
}

/** One use of the other parties inside a class member. */
export interface PartiesRead {
  readonly className: string;
  /** The member it is in (`onAlarm`, `onConnect`, …), callbacks included. */
  readonly member: string;
  /** The `….parties` expression. */
  readonly span: Span;
}

/**
 * `this.room.context.parties` and `this.party.context.parties`, and the deprecated `this.room.parties` /
 * `this.party.parties`, in every class member of `text`. Never throws: the parser recovers from syntax errors.
 */
export function partiesReads(text: string, fileName: string): PartiesRead[] {
  if (!/parties/.test(text)) return [];
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, /\.m?jsx?$/i.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const span = (node: TS.Node): Span => ({
    start: sf.getLineAndCharacterOfPosition(node.getStart(sf)),
    end: sf.getLineAndCharacterOfPosition(node.getEnd()),
  });
  const out: PartiesRead[] = [];
  const visitClass = (node: TS.ClassLikeDeclaration): void => {
    const className = node.name?.text ?? (node.parent && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : "");
    for (const member of node.members) {
      const name = member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : null;
      if (!name) continue;
      const walk = (n: TS.Node): void => {
        if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) return;
        if (ts.isPropertyAccessExpression(n) && n.name.text === "parties" && isRoomOrContext(ts, n.expression)) {
          out.push({ className, member: name, span: span(n) });
        }
        ts.forEachChild(n, walk);
      };
      ts.forEachChild(member, walk);
    }
  };
  const visit = (node: TS.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) visitClass(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** `this.room`, `this.party`, or their `.context`. */
function isRoomOrContext(ts: typeof TS, n: TS.Expression): boolean {
  const room = (e: TS.Expression): boolean =>
    ts.isPropertyAccessExpression(e) && (e.name.text === "room" || e.name.text === "party") && e.expression.kind === ts.SyntaxKind.ThisKeyword;
  return room(n) || (ts.isPropertyAccessExpression(n) && n.name.text === "context" && room(n.expression));
}

/** DOA009's findings in one file. */
export function partiesFindings(file: string, text: string): Finding[] {
  return partiesReads(text, file)
    .filter((read) => read.member === "onAlarm")
    .map((read) => ({
      rule: PARTYKIT_CONTEXT_PARTIES,
      ...atSpan(file, read.span),
      message:
        `${read.className}.onAlarm() uses the other parties, which PartyKit does not provide when an alarm runs (this throws). ` +
        "Reach the other room by its public address instead (`fetch(`${origin}/parties/<party>/<room>`)`), which goes over " +
        "the network rather than inside PartyKit.",
    }));
}
