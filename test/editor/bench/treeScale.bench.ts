/**
 * The Alarms view with many objects: what one full repaint costs the extension host. 1,000 objects are woken (one
 * request each, the alarm each sets an hour out), then every row VS Code asks for on a full refresh (each worker,
 * class and object row: `getChildren` and `getTreeItem`, the same calls VS Code's extension host makes) is built
 * again and timed, in the extension host itself (no RPC, no rendering: the tree's own cost). Median of 7 walks, each
 * after a model change, as a stream of events makes one.
 */
import * as vscode from "vscode";
import type { AlarmsNode } from "../../../extension/views/alarmsTree";
import { log } from "../suite/ui";
import { until } from "../suite/until";
import { benchSession, post, record } from "./benchSession";

const OBJECTS = 1000;
const WALKS = 7;

describe("bench: the Alarms view with 1,000 objects", function () {
  this.timeout(20 * 60_000);

  it("times a full repaint of the tree's rows in the extension host", async function () {
    const { api, url } = await benchSession();
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    const before = api.model.objectCount;
    let next = 0;
    // Eight at a time: the Worker, not the bench, sets the pace.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < OBJECTS) await post(`${url}/expiry/tree-scale-${next++}/touch?ttlMs=3600000`);
      }),
    );
    await until(`${OBJECTS} more objects in the model`, () => api.model.objectCount >= before + OBJECTS, 120_000);
    const tree = api.tree;
    const times: number[] = [];
    let rows = 0;
    for (let w = 0; w < WALKS; w++) {
      // A model change between walks, as each batch of a stream is: an event of one object.
      await post(`${url}/expiry/tree-scale-${w}/touch?ttlMs=3600000`);
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      rows = 0;
      const walk = (node?: AlarmsNode): void => {
        for (const child of tree.getChildren(node)) {
          tree.getTreeItem(child);
          rows++;
          if (child.kind === "worker" || child.kind === "class") walk(child);
        }
      };
      walk();
      times.push(performance.now() - t0);
    }
    log(`  tree scale: ${rows} rows (${api.model.objectCount} objects); full repaint ${times.map((t) => t.toFixed(1)).join(", ")} ms`);
    // The median is taken where every row is made (test/bench/editor.bench.mjs, rows.mjs).
    record({ kind: "treeScale", rows, objects: api.model.objectCount, walks: times });
  });
});
