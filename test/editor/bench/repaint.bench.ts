/**
 * Event arrival → tree row repainted, in the real VS Code (issue 16's goal: p50 ≤ 100 ms, even on a busy machine).
 *
 * Each sample: a click on the row's Fire Now (as a person does; the alarm is set again over HTTP before each click),
 * stamped twice: when the connection hands the extension the first event of that object's run (`onEvents`, Date.now()
 * in the extension host, right after the model took the batch), and when the row's innerText changes in the page
 * (a MutationObserver installed through the UI bridge, Date.now() in Chromium: the same machine clock). The re-arm's
 * `alarm.set` is timed the same way, as a second kind of sample. Figures go to ALARM_INSPECTOR_BENCH_OUT; rows are
 * computed by test/bench/editor.bench.mjs.
 */
import * as vscode from "vscode";
import type { WireEvent } from "../../../protocol/protocol";
import { log, sel, send, ui } from "../suite/ui";
import { until } from "../suite/until";
import { benchSession, post, record, setting, sleep } from "./benchSession";

const NAME = "bench-repaint";
const HOUR = 3_600_000;

interface Change {
  at: number;
  text: string;
}

async function rowChanges(): Promise<Change[]> {
  return JSON.parse(String(await send({ op: "rowChanges" }))) as Change[];
}

describe("bench: event arrival → tree row repainted", function () {
  this.timeout(30 * 60_000);

  it("times Fire Now clicks and re-arms from the event's arrival to the row's new text", async function () {
    const { api, url } = await benchSession();
    const clicks = setting("CLICKS", 30);
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    await post(`${url}/batcher/${NAME}/add?delayMs=${HOUR}`, "apple");
    await ui.waitFor(sel.treeRowWith(NAME), { text: "fires in", timeoutMs: 30_000 });

    /** Arrivals of this object's events since the last reset: Date.now() and the kinds in the batch. */
    let arrivals: { at: number; kinds: string[] }[] = [];
    const sub = api.sessions.connection.onEvents((events: readonly WireEvent[]) => {
      const at = Date.now();
      const mine = events.filter((e) => e.object.name === NAME);
      if (mine.length) arrivals.push({ at, kinds: mine.map((e) => e.kind) });
    });
    // Where the time goes on the extension's side: the tree's own trace of each repaint it hands VS Code, and of each
    // row VS Code then asks for (performance.now() of this process, turned into wall-clock ms).
    let traces: { kind: string; at: number; objects?: string[]; all?: boolean; key?: string }[] = [];
    const traceSub = api.tree.onDidTrace((t) => traces.push({ ...t, at: performance.timeOrigin + t.at }));
    await send({ op: "watchRow", text: NAME });
    type Sample = { firstMs: number; endMs: number; texts: string[]; flushMs: number; rowMs: number };
    const fire: Sample[] = [];
    const set: number[] = [];

    /**
     * Waits for the row's first change after the first arrival (and for its first change after the arrival of an
     * event of kind `last`). Also splits the first: arrival → the tree's flush that carried the object (the
     * extension's scheduling), and arrival → VS Code asking for the object's row (the extension host's tree plumbing).
     */
    const measure = async (last: string): Promise<Sample> => {
      const changes: Change[] = [];
      const key = api.model.findObject("Batcher", NAME)?.key;
      const done = await until(`the row to change after ${last}`, async () => {
        changes.push(...(await rowChanges()));
        const first = arrivals[0];
        const end = arrivals.find((a) => a.kinds.includes(last));
        if (!first || !end) return undefined;
        const c1 = changes.find((c) => c.at >= first.at);
        const c2 = changes.find((c) => c.at >= end.at);
        if (!c1 || !c2) return undefined;
        const flush = traces.find((t) => t.kind === "flush" && t.at >= first.at - 1 && (t.all || (key !== undefined && t.objects?.includes(key))));
        const row = traces.find((t) => t.kind === "row" && t.at >= first.at - 1 && t.key === key);
        return {
          firstMs: c1.at - first.at,
          endMs: c2.at - end.at,
          texts: changes.map((c) => c.text.replace(/\s+/g, " ")),
          flushMs: flush ? flush.at - first.at : NaN,
          rowMs: row ? row.at - first.at : NaN,
        };
      }, 15_000);
      return done;
    };

    try {
      for (let i = 0; i < clicks + 3; i++) {
        await sleep(600 + Math.random() * 600);
        arrivals = [];
        traces = [];
        await rowChanges();
        await ui.clickRowAction(NAME, "Fire Now");
        // A row repainted under the pointer can hand the inline action no item: the command then asks which object.
        const started = await until("alarm.start", () => arrivals.length > 0, 3_000).catch(() => false);
        if (!started) {
          await ui.click(`${sel.quickInput} .monaco-list-row[aria-label^="${NAME}"]`, { timeoutMs: 5_000 });
        }
        const f = await measure("alarm.end");
        // The alarm has run: set it again for the next click (its own sample of arrival → repaint: "fires in").
        await sleep(600 + Math.random() * 600);
        arrivals = [];
        traces = [];
        await rowChanges();
        await post(`${url}/batcher/${NAME}/add?delayMs=${HOUR}`, "apple");
        const s = await measure("alarm.set");
        if (i < 3) continue; // the first clicks warm the path (and the page's first layouts)
        set.push(s.firstMs);
        fire.push(f);
        if (i === 3 || i % 10 === 0) log(`  repaint ${i - 2}/${clicks}: fire-now ${f.firstMs} ms (tree flush ${f.flushMs.toFixed(1)} ms, row asked ${f.rowMs.toFixed(1)} ms; end ${f.endMs} ms), set ${s.firstMs} ms; row texts: ${f.texts.join(" → ")}`);
      }
    } finally {
      sub.dispose();
      traceSub.dispose();
    }
    record({ kind: "repaint", fireFirst: fire.map((f) => f.firstMs), fireEnd: fire.map((f) => f.endMs), fireFlush: fire.map((f) => f.flushMs), fireRow: fire.map((f) => f.rowMs), set });
  });
});
