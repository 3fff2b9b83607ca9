/**
 * The outline and DOA009's reads on source the examples do not cover: JSX, decorators, CRLF and astral characters,
 * and code broken in the middle (what an editor holds while the user types), which the parser gets past by repairing
 * a copy of the text; the spans must still point into the text as it is.
 */
import assert from "node:assert/strict";
import { partiesReads } from "../../extension/diagnostics/rules/partykitParties";
import type { ClassOutline, Span } from "../../extension/editor/outline";
import { outlineSource } from "../../extension/editor/outline";

/** The text a span covers. */
function textAt(text: string, span: Span): string {
  const lines = text.split(/\r\n|\r|\n/);
  assert.equal(span.start.line, span.end.line, "single-line span");
  return lines[span.start.line]!.slice(span.start.character, span.end.character);
}

function callsOf(c: ClassOutline | undefined): [string, string | null][] {
  return (c?.calls ?? []).map((k) => [k.kind, k.member]);
}

describe("source outline", function () {
  it("reads JSX in .tsx and .jsx files, and JavaScript files that use it", function () {
    const tsx = [
      "export class Room extends DurableObject<Env> {",
      "  render() { return <p title={String(1)}>{this.ctx.storage.getAlarm()} won't</p>; }",
      "  async alarm() { await this.ctx.storage.setAlarm(<T,>(x: T) => x); }",
      "}",
    ].join("\n");
    const c = outlineSource(tsx, "/w/room.tsx").classes[0];
    assert.equal(c?.extendsText, "DurableObject<Env>");
    assert.equal(c?.handler?.name, "alarm");
    assert.deepEqual(callsOf(c), [
      ["getAlarm", "render"],
      ["setAlarm", "alarm"],
    ]);
    const jsx = "export class Room extends DurableObject {\n  render() { return <div>{this.ctx.storage.getAlarm()}</div>; }\n  alarm() {}\n}";
    for (const file of ["/w/room.jsx", "/w/room.js"]) assert.deepEqual(callsOf(outlineSource(jsx, file).classes[0]), [["getAlarm", "render"]], file);
  });

  it("reads decorated classes, members and parameters, and accessor fields", function () {
    const text = [
      "@sealed",
      "export class Room extends DurableObject {",
      "  constructor(@inject(Ctx) ctx: DurableObjectState, env: Env) { super(ctx, env); }",
      "  @log() async alarm() { await this.ctx.storage.setAlarm(1); }",
      "  @observable accessor due = this.ctx.storage.getAlarm();",
      "}",
    ].join("\n");
    const c = outlineSource(text, "/w/room.ts").classes[0];
    assert.equal(c?.name, "Room");
    assert.equal(textAt(text, c!.handler!.span), "alarm");
    assert.equal(textAt(text, c!.constructorSpan!), "constructor");
    assert.deepEqual(callsOf(c), [
      ["setAlarm", "alarm"],
      ["getAlarm", "due"],
    ]);
  });

  it("counts characters as editors do: CRLF line breaks, astral characters in UTF-16 units", function () {
    const text = 'class Room extends DurableObject {\r\n  async alarm() {\r\n    log("😀"); await this.ctx.storage.setAlarm(1);\r\n  }\r\n}\r\n';
    const call = outlineSource(text, "/w/room.ts").classes[0]?.calls[0];
    assert.deepEqual(call?.span, { start: { line: 2, character: 38 }, end: { line: 2, character: 46 } });
    assert.equal(textAt(text, call!.span), "setAlarm");
  });

  it("names a class expression by its variable, not including the variable's type", function () {
    const text = "export const Job: DurableObjectClass = class extends DurableObject { async alarm() {} };";
    const c = outlineSource(text, "/w/job.ts").classes[0];
    assert.equal(c?.name, "Job");
    assert.equal(textAt(text, c!.nameSpan), "Job");
  });

  describe("code broken in the middle", function () {
    it("a call left open above the method's end: the rest of the file, with spans in the text as it is", function () {
      const text = [
        "class Room extends DurableObject {",
        "  async alarm() {",
        "    await this.ctx.storage.setAlarm(",
        "  }",
        "  async go() { await this.ctx.storage.getAlarm(); }",
        "}",
        "class Other { alarm() { this.ctx.storage.deleteAlarm(); } }",
      ].join("\n");
      const [room, other] = outlineSource(text, "/w/room.ts").classes;
      assert.equal(room?.handler?.name, "alarm");
      assert.deepEqual(callsOf(room), [
        ["setAlarm", "alarm"],
        ["getAlarm", "go"],
      ]);
      for (const call of room!.calls) assert.equal(textAt(text, call.span), call.kind);
      assert.deepEqual(callsOf(other), [["deleteAlarm", "alarm"]]);
      assert.equal(textAt(text, other!.calls[0]!.span), "deleteAlarm");
    });

    it("a call left open mid-line, a dangling dot, an unterminated string", function () {
      const open = "class A extends B {\n  async alarm() { this.x.setAlarm(1; this.ctx.storage.getAlarm(); }\n  go() { this.ctx.storage.deleteAlarm(); }\n}\n";
      const a = outlineSource(open, "/w/a.ts").classes[0];
      assert.equal(a?.handler?.name, "alarm");
      assert.deepEqual(callsOf(a), [
        ["setAlarm", "alarm"],
        ["getAlarm", "alarm"],
        ["deleteAlarm", "go"],
      ]);
      for (const call of a!.calls) assert.equal(textAt(open, call.span), call.kind);

      const dot = "class A extends B {\n  async alarm() {\n    this.ctx.storage.\n  }\n  async go() { await this.ctx.storage.getAlarm(); }\n}\n";
      assert.deepEqual(callsOf(outlineSource(dot, "/w/a.ts").classes[0]), [["getAlarm", "go"]]);

      const str = 'class A extends B {\n  async alarm() {\n    const s = "abc\n    await this.ctx.storage.setAlarm(1);\n  }\n}\n';
      assert.deepEqual(callsOf(outlineSource(str, "/w/a.ts").classes[0]), [["setAlarm", "alarm"]]);
    });

    it("text that ends inside a comment, a template or a regular expression", function () {
      const head = "class A extends B {\n  async alarm() {\n    await this.ctx.storage.setAlarm(1);\n";
      for (const tail of ["    // set it", "    /* set", "    const t = `a ${b", "    const r = /a(b"]) {
        const c = outlineSource(head + tail, "/w/a.ts").classes[0];
        assert.deepEqual(callsOf(c), [["setAlarm", "alarm"]], tail);
      }
    });

    it("never throws: what cannot be parsed even repaired has no classes", function () {
      const garbage = "alarm " + "@@@ ((( ### \n".repeat(60);
      assert.deepEqual(outlineSource(garbage, "/w/a.ts"), { classes: [] });
      const deep = `class A { alarm() { return ${"(".repeat(20_000)}1${")".repeat(20_000)}; } }`;
      assert.doesNotThrow(() => outlineSource(deep, "/w/a.ts"));
      assert.doesNotThrow(() => partiesReads(`${deep} this.room.context.parties`, "/w/a.ts"));
    });

    it("DOA009's reads too, past the break", function () {
      const text = [
        "export default class Relay implements Party.Server {",
        "  async onConnect() { await fetch(",
        "  }",
        "  async onAlarm() { await this.room.context.parties.other.get('x').fetch('/'); }",
        "}",
      ].join("\n");
      const reads = partiesReads(text, "/w/relay.ts");
      assert.deepEqual(
        reads.map((r) => [r.className, r.member]),
        [["Relay", "onAlarm"]],
      );
      assert.equal(textAt(text, reads[0]!.span), "this.room.context.parties");
    });
  });
});
