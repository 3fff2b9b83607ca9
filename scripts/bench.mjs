// `npm run bench`: how fast the inspector sees, how little it costs, how far it scales. Benchmarks, not tests: it
// prints every figure with its method and goal, writes bench-results.json ({"results": [{name, value, unit, goal,
// met, method}]}), and exits 0 whether goals are met or not (non-zero only when a benchmark could not run).
//
//   npm run bench [-- --quick] [-- --only package,activation,agent,vite,schedules,model,timeline,editor]
//   npm run bench -- --stream-minutes 30         the editor part's steady stream (default 3 minutes; the 30)
//   npm run bench -- --only agent --compare REF    the agent part for REF's build and this tree's, alternately: ratios
//
// Each part runs in a child process of its own, so one part's work (esbuild, a browser) does not disturb another's
// figures; each appends its rows to the file named by BENCH_ROWS (see test/bench/rows.mjs).
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { format, goalRow, printRow } from "../test/bench/rows.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, screenshots: { type: "boolean", default: false }, compare: { type: "string" }, "stream-minutes": { type: "string" } } });
const ONLY = values.only ? new Set(values.only.split(",")) : undefined;
const quick = values.quick ? ["--quick"] : [];
const scratch = mkdtempSync(join(tmpdir(), "alarm-inspector-bench-"));
const rowsFile = join(scratch, "rows.jsonl");
writeFileSync(rowsFile, "");
// This process prints rows too (the package part), so it sets the variable for itself as well as its children.
process.env.BENCH_ROWS = rowsFile;
const env = process.env;
const vsix = join(scratch, "alarm-inspector.vsix");

/** Bundles a TypeScript bench for Node, as the tests are bundled. */
async function bundle(entry, outfile) {
  await esbuild.build({ absWorkingDir: root, bundle: true, logLevel: "warning", mainFields: ["module", "main"], sourcemap: "inline", entryPoints: [entry], outfile, platform: "node", format: "cjs", target: "node18", external: ["playwright-core"] });
}

const PARTS = [
  {
    name: "package",
    async run() {
      // The VSIX a user installs: production build, allow-listed files (scripts/package.mjs restores the dev build).
      const r = spawnSync(process.execPath, [join(root, "scripts", "package.mjs"), vsix], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
      if (r.status !== 0) return r.status ?? 1;
      const bytes = statSync(vsix).size;
      printRow(goalRow("VSIX size", bytes / 1_000_000, "MB", "<=", 1, `npm run package: ${bytes.toLocaleString("en")} bytes`));
      return 0;
    },
  },
  {
    name: "activation",
    run: () => node([join(root, "test", "bench", "activation.bench.mjs"), "--vsix", vsix, ...(values.quick ? ["--samples", "2"] : [])]),
  },
  { name: "agent", run: () => node([join(root, "test", "bench", "agent.bench.mjs"), ...quick, ...(values.compare ? ["--compare", values.compare] : [])]) },
  { name: "vite", run: () => node([join(root, "test", "bench", "vite.bench.mjs"), ...quick]) },
  { name: "schedules", run: () => node([join(root, "test", "bench", "schedules.bench.mjs"), ...quick]) },
  {
    name: "model",
    async run() {
      const out = join(root, "out", "bench", "model.bench.cjs");
      await bundle("test/bench/model.bench.ts", out);
      return node(["--expose-gc", "--enable-source-maps", out, ...quick]);
    },
  },
  {
    name: "timeline",
    async run() {
      // The webview exactly as `node scripts/build.mjs` builds it, so the bench measures the bundle the panel loads.
      await esbuild.build({ absWorkingDir: root, bundle: true, logLevel: "warning", mainFields: ["module", "main"], sourcemap: true, entryPoints: ["media/webview/timeline.ts"], outfile: "dist/webview/timeline.js", platform: "browser", format: "iife", target: "es2022" });
      const out = join(root, "out", "bench", "timeline.bench.cjs");
      await bundle("test/bench/timeline.bench.ts", out);
      return node(["--enable-source-maps", out, ...quick, ...(values.screenshots ? ["--screenshots"] : [])]);
    },
  },
  {
    // Last: a real VS Code (code-server + Chromium) for minutes, which no other part should run beside.
    name: "editor",
    run: () => node([join(root, "test", "bench", "editor.bench.mjs"), ...quick, ...(values["stream-minutes"] ? ["--stream-minutes", values["stream-minutes"]] : [])]),
  },
];

function node(args) {
  return spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env }).status ?? 1;
}

/** The rows every part appended, in order. */
function readRows() {
  return readFileSync(rowsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

function table(rows) {
  const cells = rows.map((r) => [r.name, `${format(r.value)} ${r.unit}`, r.goal ?? "", r.met === null ? "" : r.met ? "met" : "MISSED"]);
  const head = ["figure", "value", "goal", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((x, i) => x.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

const t0 = Date.now();
const failed = [];
// The launcher and the agent the agent part runs, built as `npm run build` builds them (a fresh clone has none).
if (spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" }).status !== 0) {
  console.error("bench: the build failed; nothing was measured");
  process.exit(1);
}
try {
  for (const part of PARTS) {
    if (ONLY && !ONLY.has(part.name)) continue;
    console.log(`\n── ${part.name} ${"─".repeat(Math.max(0, 60 - part.name.length))}`);
    const status = await part.run();
    if (status !== 0) failed.push(part.name);
  }
} finally {
  const rows = readRows();
  rmSync(scratch, { recursive: true, force: true });
  writeFileSync(join(root, "bench-results.json"), `${JSON.stringify({ results: rows, date: new Date().toISOString(), quick: values.quick }, null, 2)}\n`);
  console.log(`\n${table(rows)}\n`);
  const missed = rows.filter((r) => r.met === false).length;
  console.log(`bench: ${rows.length} figures, ${rows.filter((r) => r.met).length} goals met, ${missed} missed, in ${Math.round((Date.now() - t0) / 1000)} s; written to bench-results.json`);
  if (failed.length) console.error(`bench: these parts could not run: ${failed.join(", ")}`);
}
process.exit(failed.length ? 1 : 0);
