import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Commands, contextValue, ContextKeys, ItemKinds, VIEW_CONTAINER_ID, VIEW_ID } from "../../extension/common/ids";
import type { ItemFlag } from "../../extension/common/ids";
import { TIMELINE_VIEW_TYPE } from "../../extension/shared/timelineMessages";

interface Manifest {
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
    menus: Record<string, { command: string; when?: string }[]>;
    viewsWelcome: { view: string; when: string }[];
  };
}

const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as Manifest;

describe("package.json agrees with the code", function () {
  it("declares every command the code registers, each with a category, and nothing else", function () {
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, Object.values(Commands).sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, "Alarm Inspector", c.command);
  });

  it("declares the view and its container under the ids the code uses", function () {
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((c) => c.id === VIEW_CONTAINER_ID));
    assert.ok(manifest.contributes.views[VIEW_CONTAINER_ID]?.some((v) => v.id === VIEW_ID));
  });

  it("hides node-only commands from the palette and uses only declared context keys", function () {
    const hidden = manifest.contributes.menus.commandPalette!.filter((m) => m.when === "false").map((m) => m.command);
    for (const c of [Commands.fireNow, Commands.reschedule, Commands.deleteAlarm, Commands.failNext, Commands.copyObjectId]) assert.ok(hidden.includes(c), c);
    const known = new Set<string>(Object.values(ContextKeys));
    const whens = [...Object.values(manifest.contributes.menus).flat().map((m) => m.when ?? ""), ...manifest.contributes.viewsWelcome.map((w) => w.when)];
    for (const when of whens) for (const key of when.match(/alarmInspector\.[A-Za-z]+/g) ?? []) {
      // View ids are compared with `view ==` / `activeWebviewPanelId ==`, not context keys.
      if (key === VIEW_ID || key === TIMELINE_VIEW_TYPE) continue;
      assert.ok(known.has(key), `unknown context key ${key} in "${when}"`);
    }
  });

  it("offers the commands that reach an object only on rows of the connected Worker, and the rest on every row", function () {
    // What each command needs on a row, besides being reachable: a held attempt for the hold's buttons, an alarm to delete.
    const live: Record<string, { kind: "object" | "schedule"; flags: ItemFlag[] }> = {
      [Commands.fireNow]: { kind: "object", flags: ["alarm"] },
      [Commands.reschedule]: { kind: "object", flags: ["alarm"] },
      [Commands.deleteAlarm]: { kind: "object", flags: ["alarm"] },
      [Commands.failNext]: { kind: "object", flags: [] },
      [Commands.showStorage]: { kind: "object", flags: [] },
      [Commands.holdNext]: { kind: "object", flags: [] },
      [Commands.debugNext]: { kind: "object", flags: [] },
      [Commands.scheduleRunNow]: { kind: "schedule", flags: ["pending"] },
      [Commands.scheduleCancel]: { kind: "schedule", flags: ["pending"] },
      [Commands.scheduleReschedule]: { kind: "schedule", flags: ["pending"] },
    };
    const anywhere = new Set<string>([Commands.openTimeline, Commands.copyObjectId]);
    const items = manifest.contributes.menus["view/item/context"]!;
    for (const command of [...Object.keys(live), ...anywhere]) assert.ok(items.some((m) => m.command === command), `${command} is on no row`);
    for (const item of items) {
      const source = /viewItem =~ \/(.+)\/$/.exec(item.when ?? "")?.[1];
      assert.ok(source, `${item.command}: no viewItem pattern in "${item.when}"`);
      const pattern = new RegExp(source);
      const need = live[item.command];
      if (need) {
        const row = contextValue(ItemKinds[need.kind], need.flags);
        assert.ok(pattern.test(row), `${item.command} is missing from a reachable row (${row})`);
        const offline = contextValue(ItemKinds[need.kind], [...need.flags, "offline"]);
        assert.ok(!pattern.test(offline), `${item.command} is offered on a row of a stopped session (${offline})`);
      } else if (anywhere.has(item.command)) {
        assert.ok(pattern.test(contextValue(ItemKinds.object, ["alarm", "offline"])), `${item.command} is missing from a row of a stopped session`);
      }
    }
  });

  it("pins @types/vscode to engines.vscode (vsce refuses a newer one, VS Code refuses a newer engine)", function () {
    const engine = manifest.engines.vscode.replace(/^\^/, "");
    assert.equal(manifest.devDependencies["@types/vscode"], engine);
  });
});
