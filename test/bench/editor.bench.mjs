// The rows only a real VS Code can give: event arrival → tree row repainted, and the extension host's CPU and heap
// under a steady stream. Runs the editor harness (test/editor/run.mjs: code-server + headless Chromium + the UI
// bridge) on its own mocha bundle of test/editor/bench/*.bench.ts, which `npm test` never loads; the files there
// record raw samples, and this script turns them into rows.
//
//   node test/bench/editor.bench.mjs [--quick] [--stream-minutes 3] [--only repaint,host,tree] [--profile | --profile-idle]
//
// --profile also takes a CPU profile of the extension host over the stream's first window
// (test-artifacts/editor/host-load.cpuprofile) and prints where its time goes; --profile-idle the same of the idle
// window before the stream (host-idle.cpuprofile).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { CODE_SERVER_VERSION } from "../../scripts/provision-vscode.mjs";
import { goalRow, median, percentile, printRow } from "./rows.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, "stream-minutes": { type: "string" }, only: { type: "string" }, profile: { type: "boolean", default: false }, "profile-idle": { type: "boolean", default: false } } });
const ONLY = values.only ? new Set(values.only.split(",")) : new Set(["repaint", "host", "tree"]);
const streamS = Math.round(60 * Number(values["stream-minutes"] ?? (values.quick ? 1 : 3)));
const clicks = values.quick ? 10 : 30;
const sampleS = values.quick ? 15 : 30;

// One bundle for every bench file, so they share one inspector session (benchSession.ts) and one mocha run. The
// suite's runner (suite/index.ts) loads the *.test.js next to it: the bench bundle is named so, in out/bench/editor/.
const outDir = join(root, "out", "bench", "editor");
const imports = [ONLY.has("repaint") && "./repaint.bench", ONLY.has("host") && "./hostLoad.bench", ONLY.has("tree") && "./treeScale.bench"].filter(Boolean);
const common = { absWorkingDir: root, bundle: true, logLevel: "warning", sourcemap: "inline", platform: "node", format: "cjs", target: "node18", mainFields: ["module", "main"], external: ["vscode", "mocha", "playwright-core"] };
rmSync(outDir, { recursive: true, force: true });
await esbuild.build({ ...common, entryPoints: ["test/editor/suite/index.ts"], outfile: join(outDir, "index.js") });
await esbuild.build({ ...common, stdin: { contents: imports.map((i) => `import ${JSON.stringify(i)};`).join("\n"), resolveDir: join(root, "test", "editor", "bench"), sourcefile: "bench.ts" }, outfile: join(outDir, "bench.test.js") });

const scratch = mkdtempSync(join(tmpdir(), "alarm-inspector-editor-bench-"));
const resultsFile = join(scratch, "results.jsonl");
let status;
try {
  const budgetS = 300 + (ONLY.has("repaint") ? clicks * 8 : 0) + (ONLY.has("host") ? streamS * 1.2 + 120 : 0) + (ONLY.has("tree") ? 240 : 0);
  const r = spawnSync(process.execPath, [join(root, "test", "editor", "run.mjs"), "--tests", join(outDir, "index.js")], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      ALARM_INSPECTOR_BENCH_OUT: resultsFile,
      ALARM_INSPECTOR_BENCH_CLICKS: String(clicks),
      ALARM_INSPECTOR_BENCH_STREAM_S: String(streamS),
      ALARM_INSPECTOR_BENCH_SAMPLE_S: String(sampleS),
      ALARM_INSPECTOR_EDITOR_TIMEOUT_S: String(Math.round(budgetS)),
      ...(values.profile ? { ALARM_INSPECTOR_BENCH_PROFILE: "1" } : values["profile-idle"] ? { ALARM_INSPECTOR_BENCH_PROFILE: "idle" } : {}),
    },
  });
  status = r.status ?? 1;
  const results = existsSync(resultsFile) ? readFileSync(resultsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
  for (const result of results) for (const row of rows(result)) printRow(row);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);

function infoRow(name, value, unit, method) {
  return { name, value, unit, goal: null, met: null, method };
}

function rows(result) {
  if (result.kind === "repaint") {
    const { fireFirst, fireEnd, fireFlush, fireRow, set } = result;
    const ms = (xs) => `${percentile(xs.filter(Number.isFinite), 50).toFixed(1)} ms`;
    const how = `code-server ${CODE_SERVER_VERSION} + headless Chromium; ${fireFirst.length} Fire Now clicks on an example Batcher row (after 3 warm-up clicks), 0.6–1.2 s apart; from Date.now() in the extension host when the connection handed over the run's first event to the first change of the row's innerText seen by a MutationObserver in the page (Date.now(), same clock)`;
    const split = `where the p50 goes: arrival → the tree hands VS Code the repaint ${ms(fireFlush)}, → VS Code's extension host asks for the row ${ms(fireRow)}, → the row's text changes in the page ${ms(fireFirst)}`;
    return [
      goalRow("event arrival → tree row repainted (Fire Now) p50", percentile(fireFirst, 50), "ms", "<=", 100, `${how}; ${split}`),
      infoRow("event arrival → tree row repainted (Fire Now) p95", percentile(fireFirst, 95), "ms", `${how}; the run's last event (alarm.end) → the row's next change: p50 ${percentile(fireEnd, 50)} ms, p95 ${percentile(fireEnd, 95)} ms`),
      infoRow("event arrival → tree row repainted (alarm.set over HTTP) p50", percentile(set, 50), "ms", `the same row, re-armed by POST /batcher/:name/add before each click: alarm.set arrival → row change; p95 ${percentile(set, 95)} ms`),
    ];
  }
  if (result.kind === "hostLoad") {
    const windows = result.samples.filter((s) => Number.isFinite(s.cpuPct));
    const cpu = windows.reduce((a, s) => a + s.cpuPct, 0) / windows.length;
    const rate = median(windows.map((s) => s.eventsPerS));
    const heaps = result.samples.map((s) => `${s.t}s ${s.heapMB.toFixed(1)}`).join(", ");
    const settled = result.samples.length > 2 ? result.samples[1] : result.samples[0];
    const last = result.samples.at(-1);
    const p = result.profile;
    const profiled = p ? `; CPU profile of the first window (${p.totalMs} ms sampled, idle included; ${p.file}): self time by script ${p.byScript.map((x) => `${x.name} ${x.ms} ms`).join(", ")}; top functions ${p.top.slice(0, 8).map((x) => `${x.name} ${x.ms} ms`).join("; ")}` : "";
    const how = `the extension host's own process (the bench's mocha runs in it): ${result.rate} POST /expiry/:name/update?fields=99 per s from a separate process (${result.perRequest.toFixed(1)} events each) over 8 objects, Alarms view and timeline open, ${result.seconds} s; events reaching the connection: ${Math.round(rate)}/s median per ${windows.length} windows`;
    return [
      goalRow("extension host CPU, ~1,000 events/s into tree and timeline", cpu, "% of a core", "<=", 10, `${how}; CPU = utime + stime from /proc/self/stat per window (windows exclude the forced GCs), mean of the windows: ${windows.map((s) => s.cpuPct.toFixed(1)).join(", ")}; the same process idle (view and timeline open, nothing arriving) ${Number(result.idlePct).toFixed(1)} %${profiled}`),
      goalRow("extension host heap growth over the stream (after the first window)", last.heapMB - settled.heapMB, "MB", "<=", 5, `${how}; heapUsed after a full GC (v8 gc via --expose-gc set at run time) at t = ${heaps} MB; retention keeps ${result.retained} events of ${result.objects} objects (maxEventsPerObject 500)`),
      infoRow("extension host heap after the stream", last.heapMB, "MB", `${how}; heap after GC at t = ${heaps} MB`),
    ];
  }
  if (result.kind === "treeScale") {
    const how = `code-server ${CODE_SERVER_VERSION}; ${result.objects} objects (1,000 woken by POST /expiry/:name/touch, each with an alarm an hour out) under the examples Worker; every worker, class and object row VS Code asks for on a full refresh (getChildren + getTreeItem, the calls its extension host makes) built in the extension host, after a model change each time: median of ${result.walks.length} walks (${result.walks.map((t) => t.toFixed(1)).join(", ")} ms), no RPC or rendering counted`;
    return [goalRow(`Alarms view: full repaint of ${result.rows} rows in the extension host`, median(result.walks), "ms", "<=", 50, how)];
  }
  return [];
}
