// Builds every compile world with esbuild. Type-checking is `npm run typecheck` (esbuild does not type-check).
//   node scripts/build.mjs            development build with source maps
//   node scripts/build.mjs --production   minified, no maps (what the VSIX ships)
//   node scripts/build.mjs --watch
import * as esbuild from "esbuild";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const define = { __AGENT_VERSION__: JSON.stringify(pkg.version) };
// mainFields: jsonc-parser ships a UMD build that esbuild cannot follow; its ESM build bundles cleanly.
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "warning", define, mainFields: ["module", "main"] };

/** Every `*.test.ts` (and suite index) below a folder, for the test bundles. */
function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (/\.test\.ts$|^index\.ts$|^helpers?\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/**
 * Packages the extension loads only when first used go in files of their own beside dist/extension.js, required
 * there on first use: VS Code counts compiling the extension's main file in its activation time, and most sessions
 * activate well before either is needed. `@babel/parser` (about half of the extension's code) on the first parse of a
 * source file; `ws` (49 KB, ~3 ms of compile) on the first connection to an agent.
 */
const APART = {
  "@babel/parser": { file: "babel-parser.js", entry: "@babel/parser" },
  // ws's own CommonJS entry (its package's `import` condition is an ES wrapper whose exports differ).
  ws: { file: "ws.js", entry: "node_modules/ws/index.js" },
};
const packagesApart = {
  name: "packages-apart",
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(APART).join("|")})$`);
    build.onResolve({ filter }, (args) => ({ path: `./${APART[args.path].file}`, external: true }));
  },
};

/**
 * One namespace object for the `vscode` module. esbuild turns each module's `import * as vscode from "vscode"` (an
 * external CommonJS module) into its own `__toESM(require("vscode"))`, which copies every property of the API onto a
 * new object: 25 copies as the bundle loaded, most of the bundle's top-level run in the extension host (18-54 ms in six
 * windows, median 25). Every import goes through one module that re-exports the API, copied once: the whole top
 * level then took 5.1-8.1 ms (median 5.9).
 */
const oneVscodeNamespace = {
  name: "one-vscode-namespace",
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === "vscode-namespace" ? { path: "vscode", external: true } : { path: "vscode", namespace: "vscode-namespace" },
    );
    build.onLoad({ filter: /.*/, namespace: "vscode-namespace" }, () => ({ contents: 'export * from "vscode";', loader: "js" }));
  },
};

const builds = [
  // VS Code extension host (Node, CommonJS).
  { ...common, entryPoints: ["extension/extension.ts"], outfile: "dist/extension.js", platform: "node", format: "cjs", target: "node18", external: ["vscode"], plugins: [packagesApart, oneVscodeNamespace] },
  ...Object.values(APART).map(({ file, entry }) => ({ ...common, entryPoints: [entry], outfile: `dist/${file}`, platform: "node", format: "cjs", target: "node18" })),
  // The launcher CLI (`alarm-inspector dev`), runs on the user's Node.
  { ...common, entryPoints: ["launcher/cli.ts"], outfile: "dist/cli.js", platform: "node", format: "cjs", target: "node18", banner: { js: "#!/usr/bin/env node" } },
  // The Vite plugin (`alarmInspector()`, `withAlarmInspector()`), loaded by Vite configs, and the module hook of
  // the config `alarm-inspector vite` generates. ESM and CommonJS, as Vite configs are either.
  { ...common, entryPoints: ["launcher/vite/plugin.ts"], outfile: "dist/vite.mjs", platform: "node", format: "esm", target: "node18", external: ["vite"] },
  { ...common, entryPoints: ["launcher/vite/plugin.ts"], outfile: "dist/vite.cjs", platform: "node", format: "cjs", target: "node18", external: ["vite"] },
  { ...common, entryPoints: ["launcher/vite/hooks.ts"], outfile: "dist/vite-hooks.mjs", platform: "node", format: "esm", target: "node18" },
  // The agent, imported by the generated entry and bundled again by wrangler into the user's Worker.
  { ...common, minify: false, sourcemap: false, entryPoints: ["worker-agent/index.ts"], outfile: "dist/agent.mjs", platform: "neutral", format: "esm", target: "es2022", external: ["cloudflare:workers"] },
];
const webviewEntry = "media/webview/timeline.ts";
try { statSync(webviewEntry); builds.push({ ...common, entryPoints: [webviewEntry], outfile: "dist/webview/timeline.js", platform: "browser", format: "iife", target: "es2022" }); } catch { /* the timeline webview is optional until it lands */ }
if (!production) {
  // Tests are bundled with what they import, so mocha runs plain JavaScript.
  const tests = testFiles("test").filter((f) => !f.includes(`${join("test", "fixtures")}`));
  builds.push({ ...common, entryPoints: tests, outdir: "out/test", outbase: "test", platform: "node", format: "cjs", target: "node18", external: ["vscode", "mocha", "playwright-core", "esbuild", "typescript"] });
}

/** The webview's icons: codicons ship inside the VSIX, which has no node_modules. */
function copyCodicons() {
  const from = "node_modules/@vscode/codicons/dist";
  mkdirSync("dist/webview", { recursive: true });
  for (const name of ["codicon.css", "codicon.ttf"]) {
    const bytes = readFileSync(join(from, name));
    let same = false;
    try {
      same = readFileSync(join("dist/webview", name)).equals(bytes);
    } catch {
      // not copied yet
    }
    if (!same) writeFileSync(join("dist/webview", name), bytes);
  }
}

copyCodicons();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log("watching…");
} else {
  const t0 = Date.now();
  // Files are written only when their bytes change: a running `alarm-inspector dev` watches dist/agent.mjs through
  // the generated entry, and rewriting it unchanged would make wrangler reload every Worker that uses it.
  const results = await Promise.all(builds.map((b) => esbuild.build({ ...b, write: false })));
  for (const file of results.flatMap((r) => r.outputFiles)) {
    let same = false;
    try {
      same = readFileSync(file.path).equals(Buffer.from(file.contents));
    } catch {
      // not there yet
    }
    if (same) continue;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
  console.log(`built ${builds.length} bundles in ${Date.now() - t0} ms${production ? " (production)" : ""}: ${builds.map((b) => relative(".", b.outfile ?? b.outdir)).join(", ")}`);
}
