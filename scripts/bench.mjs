// `npm run bench`: builds the timeline webview bundle and the bench, then runs it (see test/bench/timeline.bench.ts).
//   npm run bench [-- --quick] [-- --screenshots]
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

// A child process, so the figures are not disturbed by esbuild's own work in this one.
const run = spawnSync(process.execPath, ["--enable-source-maps", join(root, "out", "bench", "timeline.bench.cjs"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
