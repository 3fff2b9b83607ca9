/**
 * DOA009: a classic PartyKit room that uses `context.parties` inside `onAlarm`.
 *
 * PartyKit's guide: "Party.context.parties is not available inside onAlarm", so `this.room.context.parties…` there
 * throws; the workaround is to reach the other party over HTTP at its public address. Static, like DOA008 (the room
 * id): the text of the class is enough.
 *
 * The editor's outline (extension/editor/outline.ts) does not list these reads yet, so this module finds them itself
 * in the same syntax tree (extension/editor/syntaxTree.ts, which reuses the outline's parse of the same text);
 * `partiesFindings` is the rule's whole check over one file's text. Wiring it as a `StaticRule` needs the outline to
 * carry `partiesReads` (the spans below), or the rule to receive the text.
 */
import type { Node } from "@babel/types";
import type { Span } from "../../editor/outline";
import { forEachClass, isClass, isThisRoom, memberAccess, parseSyntax, walk } from "../../editor/syntaxTree";
import { atSpan } from "../finding";
import type { Finding, RuleInfo } from "../finding";

export const PARTYKIT_CONTEXT_PARTIES: RuleInfo = {
  code: "DOA009",
  title: "PartyKit context.parties used inside onAlarm",
  docUrl: "https://docs.partykit.io/guides/scheduling-tasks-with-alarms/#accessing-other-parties",
  severity: "warning",
};

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
 * `this.party.parties`, in every class member of `text`. Never throws: broken code is read as far as it parses.
 */
export function partiesReads(text: string, fileName: string): PartiesRead[] {
  if (!/parties/.test(text)) return [];
  const tree = parseSyntax(text, fileName);
  if (!tree) return [];
  const out: PartiesRead[] = [];
  forEachClass(tree.program, (node, name) => {
    const className = name?.text ?? "";
    const reads: (PartiesRead & { readonly offset: number })[] = [];
    for (const member of node.body.body) {
      const memberName = namedMember(member);
      if (!memberName) continue;
      walk(member, (n) => {
        // A nested class is read on its own.
        if (isClass(n)) return false;
        const access = memberAccess(n);
        if (access && access.name === "parties" && isRoomOrContext(access.object)) {
          reads.push({ className, member: memberName, span: tree.span(n), offset: tree.offset(n) });
        }
        return true;
      });
    }
    // Source order within the class; an inner class's reads come after its outer class's, as they always have.
    reads.sort((a, b) => a.offset - b.offset);
    out.push(...reads.map(({ className: c, member, span }) => ({ className: c, member, span })));
  });
  return out;
}

/**
 * The name of a method or field written as a plain or quoted name (`onAlarm`, `"onAlarm"`); null for the constructor,
 * `#private`, computed names and static blocks, which are never PartyKit's handlers.
 */
function namedMember(member: Node): string | null {
  if (member.type !== "ClassMethod" && member.type !== "TSDeclareMethod" && member.type !== "ClassProperty" && member.type !== "ClassAccessorProperty") return null;
  if (member.computed || ("kind" in member && member.kind === "constructor")) return null;
  if (member.key.type === "Identifier") return member.key.name;
  if (member.key.type === "StringLiteral") return member.key.value;
  return null;
}

/** `this.room`, `this.party`, or their `.context`. */
function isRoomOrContext(n: Node): boolean {
  if (isThisRoom(n)) return true;
  const access = memberAccess(n);
  return access !== null && access.name === "context" && isThisRoom(access.object);
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
