// `npm run package`: a clean production build, then a VSIX that holds only what runs, checked file by file.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = process.argv[2] ?? join(root, "alarm-inspector.vsix");
const bin = (name) => join(root, "node_modules", ".bin", name);

/** What may ship: anything else in the VSIX (sources, maps, tests, examples) fails the packaging. */
const ALLOWED = [
  /^package\.json$/,
  /^(README\.md|CHANGELOG\.md|LICENSE)$/,
  /^dist\/(extension\.js|babel-parser\.js|ws\.js|cli\.js|agent\.mjs|vite\.mjs|vite\.cjs|vite-hooks\.mjs)$/,
  /^dist\/webview\/[^/]+\.(js|css|ttf)$/,
  /^media\/[^/]+\.(png|svg)$/,
  /^media\/webview\/[^/]+\.css$/,
  /^media\/walkthrough\/[^/]+\.(md|png|svg)$/,
];

rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, "scripts", "build.mjs"), "--production"], { cwd: root, stdio: "inherit" });
// `vsce ls` lists exactly what `vsce package` will put in the VSIX.
const listing = execFileSync(bin("vsce"), ["ls", "--no-dependencies"], { cwd: root, encoding: "utf8" }).trim().split("\n");
const stray = listing.filter((f) => !ALLOWED.some((re) => re.test(f)));
// And what must ship: a file the extension requires at run time but .vscodeignore leaves out fails only in a user's
// editor, on first use.
// `alarm-inspector vite` (Start on a Vite project) needs the Vite plugin and its module hook too.
const REQUIRED = ["package.json", "dist/extension.js", "dist/babel-parser.js", "dist/ws.js", "dist/cli.js", "dist/agent.mjs", "dist/vite.mjs", "dist/vite-hooks.mjs", "dist/webview/timeline.js"];
const missing = REQUIRED.filter((f) => !listing.includes(f));
if (missing.length > 0) {
  console.error(`package: these files must ship but .vscodeignore leaves them out:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
if (stray.length > 0) {
  console.error(`package: these files must not ship:\n  ${stray.join("\n  ")}`);
  process.exit(1);
}
execFileSync(bin("vsce"), ["package", "--no-dependencies", "--out", out], { cwd: root, stdio: "inherit" });
// The development build is what the tests and the launcher use day to day: put it back.
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
console.log(`package: ${out} (${listing.length} files, all runtime)`);
