/**
 * What the launcher says about a project must match what wrangler runs: the Worker's name and bindings under
 * `--env` / `CLOUDFLARE_ENV`, one warning for a wrangler the inspector is not built for, and one line (printed once)
 * for a config only the Vite plugin can run.
 */
import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, FIXTURES, launch, Recorder, runCli, tempDir } from "./helpers";

function projectFrom(fixture: string): string {
  const dir = tempDir("project");
  cpSync(join(FIXTURES, fixture), dir, { recursive: true, filter: (src) => !src.includes(".wrangler") });
  return dir;
}

describe("the launcher tells the truth about the project", function () {
  this.timeout(300_000);

  for (const [how, extra, env, worker, binding] of [
    ["--env dev (the environment's own name)", ["--env", "dev"], {}, "envs-dev", "DEV_TIMERS"],
    ["CLOUDFLARE_ENV=staging (wrangler's <name>-<env>)", [], { CLOUDFLARE_ENV: "staging" }, "envs-staging", "STAGING_TIMERS"],
  ] as const) {
    it(`names the Worker and its bindings as wrangler runs them: ${how}`, async function () {
      const session = await launch(join(FIXTURES, "envs"), { extra: [...extra], env: { ...env } });
      const rec = await Recorder.connect(session.info);
      try {
        assert.equal(session.info.worker, worker);
        assert.equal(rec.client.hello?.worker, worker);
        assert.deepEqual(rec.client.hello?.classes.map((c) => [c.className, c.binding]), [["Timer", binding]]);
        assert.equal(await (await fetch(`${session.url}/t1`)).text(), "set");
        await rec.waitFor("the alarm's run", "alarm.end", (e) => e.object.name === "t1" && e.outcome === "ok");
        // Commands reach the object through the environment's binding.
        await rec.client.send({ op: "fireNow", target: { className: "Timer", name: "t1" } });
        await rec.waitFor("the fired run", "alarm.start", (e) => e.object.name === "t1" && e.trigger === "fireNow");
      } finally {
        rec.close();
        await session.stop();
      }
    });
  }

  it("answers a health probe for another launch with ok: false, so a port taken in a race is never taken for ready", async function () {
    const session = await launch(join(FIXTURES, "no-fetch"));
    try {
      const other = await fetch(`${session.url}/__alarm_inspector/health?session=0123456789abcdef`);
      assert.equal(other.status, 409);
      assert.deepEqual(await other.json(), { ok: false, protocol: 1, worker: "no-fetch", error: "this port serves another inspector session" });
      const plain = await fetch(`${session.url}/__alarm_inspector/health`);
      assert.deepEqual(await plain.json(), { ok: true, protocol: 1, worker: "no-fetch" }, "a probe that names no launch is answered as before");
    } finally {
      await session.stop();
    }
  });

  it("warns once about a wrangler other than 4, and runs it", async function () {
    // The real wrangler 4, in a package whose package.json says 3: the launcher reads the version as it reads any.
    const fake = tempDir("wrangler3");
    const real = join(__dirname, "..", "..", "..", "node_modules", "wrangler");
    mkdirSync(join(fake, "bin"), { recursive: true });
    writeFileSync(join(fake, "package.json"), JSON.stringify({ name: "wrangler", version: "3.114.1" }));
    copyFileSync(join(real, "bin", "wrangler.js"), join(fake, "bin", "wrangler.js"));
    symlinkSync(join(real, "wrangler-dist"), join(fake, "wrangler-dist"));
    const session = await launch(join(FIXTURES, "no-fetch"), { env: { ALARM_INSPECTOR_WRANGLER: join(fake, "bin", "wrangler.js") } });
    try {
      const warnings = session.stderr().split("\n").filter((l) => l.includes("warning: wrangler"));
      assert.deepEqual(warnings, [
        "alarm-inspector: warning: wrangler 3.114.1 found; the inspector is built and tested for wrangler 4. It may work; if it does not, run `npm install --save-dev wrangler@4` in your project.",
      ]);
    } finally {
      await session.stop();
      cleanup(fake);
    }
  });

  it("refuses a config only the Vite plugin can run, in one line that names the Vite path", async function () {
    const dir = projectFrom("no-fetch");
    try {
      writeFileSync(
        join(dir, "wrangler.jsonc"),
        JSON.stringify({
          name: "vite-only",
          main: "src/index.ts",
          compatibility_date: "2025-11-01",
          assets: { binding: "ASSETS", not_found_handling: "single-page-application" },
          durable_objects: { bindings: [{ name: "TICKER", class_name: "Ticker" }] },
          migrations: [{ tag: "v1", new_sqlite_classes: ["Ticker"] }],
        }),
      );
      writeFileSync(join(dir, "vite.config.ts"), "export default {};\n");
      const r = await runCli(["dev", "--cwd", dir]);
      assert.notEqual(r.code, 0);
      const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
      assert.deepEqual(lines, [
        'alarm-inspector: wrangler.jsonc has "assets" without a "directory", which `wrangler dev` cannot run: it is built by Vite (vite.config.ts). Run `alarm-inspector vite` instead: it runs your own `vite dev` with the inspector.',
      ]);
    } finally {
      cleanup(dir);
    }
  });

  it("prints a build failure once: wrangler's own lines as they came, then one line of its own", async function () {
    const dir = projectFrom("no-fetch");
    try {
      writeFileSync(join(dir, "src", "index.ts"), "export class Ticker {\n  alarm( {\n}\n");
      const r = await runCli(["dev", "--cwd", dir]);
      assert.notEqual(r.code, 0);
      // eslint-disable-next-line no-control-regex -- wrangler colours its output
      const plain = r.stderr.replace(/\u001b\[[0-9;]*m/g, "");
      const errors = plain.split("\n").filter((l) => l.includes("[ERROR] Build failed"));
      assert.equal(errors.length, 1, `wrangler's error once, not again after the launcher's line:\n${r.stderr}`);
      const own = r.stderr.split("\n").filter((l) => l.startsWith("alarm-inspector:"));
      assert.equal(own.length, 1);
      assert.match(own[0]!, /your Worker failed to build: .* at src\/index\.ts:\d+:\d+$/);
    } finally {
      cleanup(dir);
    }
  });
});
