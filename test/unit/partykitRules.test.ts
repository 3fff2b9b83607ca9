/**
 * The PartyKit pitfalls as diagnostics (DOA009, DOA010) and the expiry pattern recogniser, on real source text and on
 * event streams shaped like the ones the runtime tests record under `partykit dev`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent } from "../../protocol/protocol";
import type { RuntimeContext } from "../../extension/diagnostics/finding";
import { PARTYKIT_ALARM_REFUSAL, partykitAlarmRefusal, refusalOf } from "../../extension/diagnostics/rules/partykitAlarmRefusal";
import { expiryExtensions, expiryExtensionText, isExpiryExtension } from "../../extension/diagnostics/rules/partykitExpiry";
import { PARTYKIT_CONTEXT_PARTIES, partiesFindings, partiesReads } from "../../extension/diagnostics/rules/partykitParties";
import { AlarmModel } from "../../extension/model/alarmModel";
import type { ObjectView } from "../../extension/model/types";
import { EventBuilder, hello, obj, T0 } from "./builders";

const REPO = join(__dirname, "..", "..", "..");

/** PartyKit 0.0.115's own messages (node_modules/partykit/dist/generated.js). */
const ROOM_ID_REFUSAL =
  "You can not access `Party.id` in the `onAlarm` handler.\nThis is a known limitation, and may be fixed in a future version of PartyKit.\n" +
  "If you access to the id, you can save it into the Room storage when setting the alarm.\n";
const PARTIES_REFUSAL =
  "You can not access `Party.context.parties` in the `onAlarm` handler.\nThis is a known limitation, and may be fixed in a future version of PartyKit.";

const partykitHello = hello({
  worker: "rooms",
  classes: [{ className: "UserSession", binding: "PARTYKIT_DURABLE", sqlite: false, party: "main", alarmMethod: "onAlarm", source: "src/session.ts" }],
  runtime: "partykit",
  alarmsPersist: false,
});

function objectsOf(events: AgentEvent[]): ObjectView[] {
  const model = new AlarmModel();
  model.applyHello(partykitHello, T0);
  model.applyEvents(events);
  return [...model.objects()];
}

const HANDLER = { file: "/project/src/session.ts", line: 40, column: 9 };

function contextOf(objects: ObjectView[]): RuntimeContext {
  return {
    objects,
    locate: () => undefined,
    // Under partykit dev the stack names the bundle, which the inspector cannot map: the handler is the fallback.
    locateStack: () => undefined,
    handlerOf: (className) => (className === "UserSession" ? HANDLER : undefined),
    now: T0 + 60_000,
  };
}

describe("PartyKit rules", function () {
  describe("DOA010 PartyKit refused room.id or context.parties in onAlarm (runtime)", function () {
    it("recognises PartyKit's two refusals and nothing else", function () {
      assert.equal(refusalOf(ROOM_ID_REFUSAL), "room-id");
      assert.equal(refusalOf(PARTIES_REFUSAL), "parties");
      assert.equal(refusalOf("Party.id is not yet initialized. This is probably a bug in PartyKit."), undefined);
      assert.equal(refusalOf(undefined), undefined);
    });

    it("reports a failed onAlarm that read the room id, at the handler, with the guide's workaround", function () {
      const b = new EventBuilder();
      const room = obj("UserSession", { name: "lobby" });
      const events: AgentEvent[] = [
        b.wake(room),
        b.set(room, T0 + 1000),
        b.tick(1000).start(room, { alarmInfo: null }),
        b.tick(5).end(room, { outcome: "error", error: { name: "Error", message: ROOM_ID_REFUSAL, stack: "Error: …\n    at main.mjs:1646:20" } }),
      ];
      const findings = partykitAlarmRefusal.check(contextOf(objectsOf(events)));
      assert.equal(findings.length, 1);
      const [f] = findings;
      assert.equal(f!.rule, PARTYKIT_ALARM_REFUSAL);
      assert.deepEqual(f!.location, HANDLER);
      assert.match(f!.message, /UserSession lobby's onAlarm read this\.room\.id, and PartyKit threw/);
      assert.match(f!.message, /storage\.put\("id", this\.room\.id\)/);
    });

    it("says which access for context.parties, and goes once a later run succeeds", function () {
      const b = new EventBuilder();
      const room = obj("UserSession", { name: "lobby" });
      const failed: AgentEvent[] = [
        b.wake(room),
        b.start(room, { alarmInfo: null }),
        b.tick(5).end(room, { outcome: "error", error: { name: "Error", message: PARTIES_REFUSAL } }),
      ];
      const [f] = partykitAlarmRefusal.check(contextOf(objectsOf(failed)));
      assert.match(f!.message, /used this\.room\.context\.parties/);
      assert.match(f!.message, /public address/);
      const fixed = [...failed, b.tick(60_000).set(room, b.at + 10), b.tick(10).start(room, { alarmInfo: null }), b.tick(5).end(room)];
      assert.deepEqual(partykitAlarmRefusal.check(contextOf(objectsOf(fixed))), []);
    });

    it("leaves failures injected by the inspector and other errors alone", function () {
      const b = new EventBuilder();
      const room = obj("UserSession", { name: "lobby" });
      const events: AgentEvent[] = [
        b.wake(room),
        b.start(room, { alarmInfo: null, injectedFailure: true }),
        b.end(room, { outcome: "error", error: { name: "InjectedFailure", message: ROOM_ID_REFUSAL, injected: true } }),
        b.tick(3000).start(room, { alarmInfo: null, trigger: "retry" }),
        b.end(room, { outcome: "error", error: { name: "TypeError", message: "x is undefined" } }),
      ];
      assert.deepEqual(partykitAlarmRefusal.check(contextOf(objectsOf(events))), []);
    });
  });

  describe("DOA009 PartyKit context.parties used in onAlarm (static)", function () {
    const source = [
      'import type * as Party from "partykit/server";',
      "export default class Relay implements Party.Server {",
      "  constructor(readonly room: Party.Room) {}",
      "  async onConnect() {",
      '    await this.room.context.parties.other.get("x").fetch("/");',
      "  }",
      "  async onAlarm() {",
      '    const other = this.room.context.parties.other.get("x");',
      '    await this.party.parties.other.get("y").fetch("/");',
      "    await other.fetch(\"/\");",
      "  }",
      "}",
    ].join("\n");

    it("finds every use of the other parties, with its member", function () {
      assert.deepEqual(
        partiesReads(source, "/w/src/relay.ts").map((r) => [r.className, r.member, r.span.start.line + 1]),
        [
          ["Relay", "onConnect", 5],
          ["Relay", "onAlarm", 8],
          ["Relay", "onAlarm", 9],
        ],
      );
    });

    it("reports only the ones inside onAlarm, underlining the expression", function () {
      const findings = partiesFindings("/w/src/relay.ts", source);
      assert.deepEqual(
        findings.map((f) => [f.rule, f.location.line, f.location.column, f.endColumn]),
        [
          [PARTYKIT_CONTEXT_PARTIES, 8, 19, 44],
          [PARTYKIT_CONTEXT_PARTIES, 9, 11, 29],
        ],
      );
      assert.match(findings[0]!.message, /Relay\.onAlarm\(\) uses the other parties, which PartyKit does not provide/);
    });

    it("finds nothing in the PartyKit example, which follows the guide", function () {
      for (const name of ["session.ts", "recurring.ts", "flaky.ts"]) {
        const file = join(REPO, "examples", "partykit", "src", name);
        assert.deepEqual(partiesFindings(file, readFileSync(file, "utf8")), [], name);
      }
    });
  });

  describe("the expiry pattern", function () {
    const DAY = 86_400_000;

    it("recognises each write that pushes the alarm forward, and not the first set nor handler or inspector sets", function () {
      const b = new EventBuilder();
      const room = obj("UserSession", { name: "s" });
      const events: AgentEvent[] = [
        b.wake(room),
        b.put(room, "a"),
        b.set(room, b.at + 30 * DAY),
        b.tick(60_000).put(room, "b"),
        b.set(room, b.at + 30 * DAY, { previous: T0 + 30 * DAY }),
        b.tick(60_000).put(room, "c"),
        b.set(room, b.at + 30 * DAY, { previous: T0 + 60_000 + 30 * DAY }),
        b.set(room, b.at + 1000, { previous: b.at + 30 * DAY, origin: "inspector" }),
      ];
      const [view] = objectsOf(events);
      const extensions = expiryExtensions(view!);
      assert.deepEqual(extensions.map((r) => r.event.seq), [5, 7]);
      assert.equal(expiryExtensionText(extensions[0]!.event), "expiry extended: due 30d after this call (pushed 1m later)");
    });

    it("recognises the read variant: the same period from every call, with no write in between", function () {
      const b = new EventBuilder();
      const room = obj("UserSession", { name: "s" });
      const first = b.set(room, b.at + DAY);
      const second = b.tick(5000).set(room, b.at + DAY, { previous: first.scheduledTime });
      const earlier = b.tick(5000).set(room, b.at + 1000, { previous: second.scheduledTime });
      const history = [first, second, earlier].map((event) => ({ session: "s1", event }));
      assert.deepEqual([0, 1, 2].map((i) => isExpiryExtension(history, i)), [false, true, false]);
    });

    it("is not fooled by a re-arm inside the handler", function () {
      const b = new EventBuilder();
      const room = obj("UserSession", { name: "s" });
      const events: AgentEvent[] = [
        b.put(room, "x"),
        b.set(room, b.at + 1000),
        b.tick(1000).start(room, { alarmInfo: null }),
        b.put(room, "runs", 1, { inHandler: true }),
        b.set(room, b.at + 5000, { inHandler: true }),
        b.end(room),
      ];
      assert.deepEqual(expiryExtensions(objectsOf(events)[0]!), []);
    });
  });
});
