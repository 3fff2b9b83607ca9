// `npm run typecheck`: every compile world against its own tsconfig (esbuild only strips types; this checks them).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PROJECTS = [
  "worker-agent", // workerd: workers types, no DOM, no Node
  "launcher", // Node CLI
  "extension", // VS Code extension host
  "media/webview", // the timeline webview: DOM
  "test/unit",
  "test/runtime",
  "test/editor",
  "test/bench",
  "test/soak",
  "test/fixtures/soak",
  "examples",
  "examples/partyserver",
  "examples/partykit",
  "test/fixtures/partyserver-conformance",
  "test/fixtures/partykit-conformance",
  "test/fixtures/conformance",
  "test/fixtures/no-fetch",
  "test/fixtures/handlers",
  "test/fixtures/envs",
  "test/fixtures/vite",
  "examples/vite",
  "test/fixtures/agents-schedules",
  "test/fixtures/agents-legacy",
  "examples/agents",
  "examples/actors",
  "test/fixtures/alarm-edges",
];
let failed = 0;
for (const project of PROJECTS) {
  if (!existsSync(join(root, project, "tsconfig.json"))) continue;
  try {
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: root, stdio: "inherit" });
    console.log(`typecheck: ${project} ok`);
  } catch {
    console.error(`typecheck: ${project} FAILED`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
