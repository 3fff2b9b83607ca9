/**
 * Mocha runner for the editor tier. It runs INSIDE the real extension host of a real VS Code: test/editor/run.mjs opens
 * the workbench with `extensionTestsPath` pointing at the bundle of this file (out/test/editor/suite/index.js), and the
 * workbench calls `run()` once the extension under development is loaded. Resolving means every test passed; the
 * workbench turns a rejection into exit code 1.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Mocha from "mocha";
import { log, uiAvailable, ui } from "./ui";

export async function run(): Promise<void> {
  // Mocha's reporters all print through Base.consoleLog: mark their lines so run.mjs shows them (see `log`).
  Object.assign(Mocha.reporters.Base, { consoleLog: log });
  const mocha = new Mocha({
    ui: "bdd",
    reporter: "spec",
    // The renderer re-logs our output and would show colour codes as text.
    color: false,
    // A person's pace through a real workbench, plus a wrangler dev start for the extension tests.
    timeout: 60_000,
    // `run.mjs --grep PATTERN` runs only the matching tests.
    ...(process.env.ALARM_INSPECTOR_TEST_GREP ? { grep: process.env.ALARM_INSPECTOR_TEST_GREP } : {}),
  });

  // What the workbench looked like when a test failed, next to the error.
  mocha.suite.afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== "failed" || !uiAvailable()) return;
    try {
      const path = await ui.screenshot(`failed-${test.fullTitle()}`);
      log(`    (screenshot of the failure: ${path})`);
    } catch (err) {
      log(`    (no failure screenshot: ${err instanceof Error ? err.message : String(err)})`);
    }
  });

  // Each *.test.ts is bundled on its own by scripts/build.mjs into this folder.
  const files = readdirSync(__dirname).filter((f) => f.endsWith(".test.js")).sort();
  if (files.length === 0) throw new Error(`no *.test.js next to ${__filename}: run \`npm run build\``);
  for (const f of files) mocha.addFile(join(__dirname, f));

  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} editor test${failures === 1 ? "" : "s"} failed`);
}
