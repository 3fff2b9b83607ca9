import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Commands, ContextKeys, VIEW_CONTAINER_ID, VIEW_ID } from "../../extension/common/ids";
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

  it("pins @types/vscode to engines.vscode (vsce refuses a newer one, VS Code refuses a newer engine)", function () {
    const engine = manifest.engines.vscode.replace(/^\^/, "");
    assert.equal(manifest.devDependencies["@types/vscode"], engine);
  });
});
