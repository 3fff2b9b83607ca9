// Extension activation time in a real VS Code, as VS Code itself reports it: the packaged VSIX is installed into
// code-server (the test copy, provisioned by scripts/provision-vscode.mjs), a workspace with a wrangler config
// activates it, and "Developer: Show Running Extensions" is read for our row ("Activation: N ms", which VS Code
// takes as the time to load the extension's code plus the time its `activate` ran). Each sample is a fresh
// window (a new extension host). Two floors are read from the same windows, each an extension with the same
// activation events installed beside ours: one whose `activate` does nothing (0-2 ms here: VS Code's figure counts only
// the extension's own loading and activate()), and one that also loads the `vscode` module, as every extension that
// uses the API does (VS Code builds that extension's API object on its first `require("vscode")`, inside the figure).
//
//   node test/bench/activation.bench.mjs --vsix FILE [--samples 5]
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { provisionVSCode } from "../../scripts/provision-vscode.mjs";
import { CHROMIUM_ARGS, installVsix, removeRunDir, runDir, startCodeServer } from "../editor/codeServer.mjs";
import { goalRow, infoRow, median, printRow } from "./rows.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values } = parseArgs({ options: { vsix: { type: "string" }, samples: { type: "string", default: "5" } } });
if (!values.vsix) {
  console.error("activation bench: --vsix FILE is required (scripts/bench.mjs packages one)");
  process.exit(2);
}
const SAMPLES = Number(values.samples);
const DISPLAY_NAME = "Durable Object Alarm Inspector";
/** The floors, each an extension of its own; names that are not part of each other's, as rows are found by text. */
const FLOORS = [
  {
    id: "activation-floor",
    name: "Alarm Inspector Floor: empty",
    code: "exports.activate = () => {};\n",
    label: "empty",
    row: "limit: activating an extension that does nothing",
    what: "an extension with our activation events and an empty activate() installed beside ours",
    why: "the part of VS Code's figure that is not the extension's own loading and activate()",
  },
  {
    id: "activation-floor-api",
    name: "Alarm Inspector Floor: vscode API",
    code: 'require("vscode");\nexports.activate = () => {};\n',
    label: "vscode API",
    row: "limit: activating an extension that only loads the vscode API",
    what: 'an extension like the one above whose main file also runs require("vscode")',
    why: "VS Code builds each extension's API object on that first require, inside the extension's figure; every extension that uses the API pays it",
  },
];

/**
 * Packages a floor: the same activation events as ours (so VS Code activates it at the same moment), `code` as its
 * whole main file. Returns the VSIX's path.
 */
function packageFloor(dir, floor) {
  const ours = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: floor.id,
    displayName: floor.name,
    description: "Bench only: VS Code's own cost of activating an extension (test/bench/activation.bench.mjs).",
    version: "0.0.1",
    publisher: "alarm-inspector-bench",
    engines: ours.engines,
    main: "./extension.js",
    activationEvents: ours.activationEvents,
  };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, "extension.js"), floor.code);
  const vsix = join(dir, `${floor.id}.vsix`);
  execFileSync(join(root, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "--allow-missing-repository", "--skip-license", "--out", vsix], { cwd: dir, stdio: "ignore" });
  return vsix;
}

/**
 * Opens the Running Extensions editor and reads the activation time in ms of each extension in `names` (by display
 * name), in that order. A row shows a time once its extension has activated (the editor updates itself as extensions
 * activate); until every row does, it is asked again.
 */
async function readActivation(page, names, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  await page.locator(".monaco-workbench").waitFor({ timeout: timeoutMs });
  let lastText = "";
  while (Date.now() < deadline) {
    await page.keyboard.press("F1");
    await page.keyboard.type("Show Running Extensions");
    await page.keyboard.press("Enter");
    const found = new Map();
    for (let i = 0; i < 8 && Date.now() < deadline; i++) {
      for (const name of names) {
        if (found.has(name)) continue;
        const row = page.locator(".monaco-list-row", { hasText: name }).first();
        if ((await row.count()) === 0) continue;
        lastText = (await row.locator(".activation-time").textContent({ timeout: 1_000 }).catch(() => "")) ?? "";
        const ms = /(\d+(?:\.\d+)?)\s*ms/.exec(lastText);
        if (ms) found.set(name, Number(ms[1]));
      }
      if (found.size === names.length) return names.map((name) => found.get(name));
      // The list is sorted slowest first and draws only the rows in view: a fast extension's row is further down.
      await page.locator(".monaco-list-row").first().click().catch(() => {});
      await page.keyboard.press(i % 2 === 0 ? "End" : "Home");
      await page.waitForTimeout(250);
    }
    // Opened before the extensions activated: the editor does not refresh those rows, so close it and ask again.
    await page.keyboard.press("Escape");
    await page.keyboard.press("F1");
    await page.keyboard.type("View: Close Editor");
    await page.keyboard.press("Enter");
  }
  const rows = await page.locator(".monaco-list-row").allTextContents().catch(() => []);
  throw new Error(`the Running Extensions editor never showed an activation time for each of ${names.join(", ")} (last: "${lastText}"; rows: ${rows.map((r) => r.slice(0, 80)).join(" | ")})`);
}

async function main() {
  const vscode = await provisionVSCode();
  const cleanups = [async () => removeRunDir()];
  try {
    const extensionsDir = join(runDir(), "bench-extensions");
    await installVsix(resolve(values.vsix), extensionsDir, vscode);
    for (const floor of FLOORS) await installVsix(packageFloor(join(runDir(), floor.id), floor), extensionsDir, vscode);
    const userSettings = { "alarmInspector.autoAttach": false };
    const server = await startCodeServer({ workspace: join(root, "examples"), vscode, extensionsDir, userSettings });
    cleanups.push(() => server.stop());
    const browser = await chromium.launch({
      executablePath: vscode.chromium,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    cleanups.push(() => browser.close());
    const url = `${server.url}/?${new URLSearchParams({ folder: join(root, "examples") })}`;
    const times = [];
    const floorTimes = FLOORS.map(() => []);
    // One extra window first: the first load after install also warms code-server's caches, which a user's second
    // start of VS Code would have warm too. Each window gets a fresh browser context, so none restores the editors of
    // the one before (the Running Extensions editor among them).
    for (let i = 0; i <= SAMPLES; i++) {
      const t0 = Date.now();
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      try {
        const page = await context.newPage();
        await page.goto(url);
        const [ms, ...floorMs] = await readActivation(page, [DISPLAY_NAME, ...FLOORS.map((f) => f.name)]);
        console.log(
          `  window ${i + 1}/${SAMPLES + 1}${i === 0 ? " (warm-up)" : ""}: activation ${ms} ms (floors: ${FLOORS.map((f, k) => `${f.label} ${floorMs[k]} ms`).join(", ")}), read after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
        if (i > 0) {
          times.push(ms);
          floorMs.forEach((f, k) => floorTimes[k].push(f));
        }
      } finally {
        await context.close();
      }
    }
    printRow(
      goalRow(
        "activation in VS Code",
        median(times),
        "ms",
        "<=",
        50,
        `median of ${SAMPLES} fresh windows of code-server with the VSIX installed, VS Code's own figure from Developer: Show Running Extensions (samples ${times.join(", ")} ms)`,
      ),
    );
    FLOORS.forEach((f, k) =>
      printRow(infoRow(f.row, median(floorTimes[k]), "ms", `the same windows, VS Code's figure for ${f.what} (samples ${floorTimes[k].join(", ")} ms): ${f.why}`)),
    );
  } finally {
    for (const step of cleanups.reverse()) await step().catch((e) => console.error(`activation bench cleanup: ${String(e).split("\n")[0]}`));
  }
}

await main();
