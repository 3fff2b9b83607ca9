// `npm run bench`: the agent's cost to the user's Worker (test/bench/agentOverhead.mjs: plain wrangler vs the
// inspector, with and without an editor connected), then the timeline (test/bench/timeline.bench.ts).
//   npm run bench [-- --quick] [-- --screenshots] [-- --only agent|timeline]
// Prints figures; asserts nothing.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const common = { absWorkingDir: root, bundle: true, logLevel: "warning", mainFields: ["module", "main"] };

// The webview exactly as `node scripts/build.mjs` builds it, so the bench measures the bundle the panel loads.
await esbuild.build({ ...common, sourcemap: true, entryPoints: ["media/webview/timeline.ts"], outfile: "dist/webview/timeline.js", platform: "browser", format: "iife", target: "es2022" });
await esbuild.build({ ...common, sourcemap: "inline", entryPoints: ["test/bench/timeline.bench.ts"], outfile: "out/bench/timeline.bench.cjs", platform: "node", format: "cjs", target: "node18", external: ["playwright-core"] });

const argv = process.argv.slice(2);
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const rest = argv.filter((a, i) => a !== "--only" && argv[i - 1] !== "--only");
let status = 0;
// Child processes, so the figures are not disturbed by esbuild's own work in this one.
if (only !== "timeline") {
  const quick = rest.includes("--quick") ? ["--rounds", "2", "--requests", "50"] : [];
  status ||= spawnSync(process.execPath, [join(root, "test", "bench", "agentOverhead.mjs"), ...quick], { cwd: root, stdio: "inherit" }).status ?? 1;
}
if (only !== "agent") {
  status ||= spawnSync(process.execPath, ["--enable-source-maps", join(root, "out", "bench", "timeline.bench.cjs"), ...rest], { cwd: root, stdio: "inherit" }).status ?? 1;
}
process.exit(status);
