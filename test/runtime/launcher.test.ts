/**
 * The launcher's contract: one ready line on stdout and the same object in session.json (readable by the user
 * only), a clean stop on SIGTERM, and one clear line with a non-zero exit for every error a user will hit.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";
import { cleanup, FIXTURES, freePort, launch, runCli, tempDir } from "./helpers";

/** A throwaway project copied from a fixture, so a test can break it. */
function projectFrom(fixture: string): string {
  const dir = tempDir("project");
  cpSync(join(FIXTURES, fixture), dir, { recursive: true, filter: (src) => !src.includes(".wrangler") });
  return dir;
}

function errorLine(stderr: string): string {
  return stderr.split("\n").find((l) => l.startsWith("alarm-inspector:")) ?? `<no alarm-inspector line in>\n${stderr}`;
}

describe("alarm-inspector dev (launcher)", function () {
  it("prints one ready line, writes session.json (0600), and removes it on SIGTERM", async function () {
    const dir = projectFrom("conformance");
    const session = await launch(dir);
    try {
      const info = session.info;
      assert.equal(info.event, "ready");
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.inspector, `${info.url.replace("http:", "ws:")}/__alarm_inspector/v1`);
      assert.ok(info.token.length >= 32);
      const file = join(dir, ".wrangler", "alarm-inspector", "session.json");
      assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), info);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      // The token never travels as a wrangler var (wrangler prints vars, values included).
      assert.ok(!session.stderr().includes(info.token), "the token appears in wrangler's output");
      // A second session in the same project is refused with the first one's address (they would share files).
      const second = await runCli(["dev", "--cwd", dir]);
      assert.equal(second.code, 3);
      assert.match(errorLine(second.stderr), new RegExp(`already running for this project over .* \\(process group ${info.pgid}, ${info.url.replace(/\./g, "\\.")}\\)`));
      // The user's files are untouched: only .wrangler/ gains files.
      assert.equal(readFileSync(join(dir, "src", "index.ts"), "utf8"), readFileSync(join(FIXTURES, "conformance", "src", "index.ts"), "utf8"));
      const code = await session.stop();
      assert.equal(code, 0);
      assert.equal(existsSync(file), false, "session.json is removed when the session stops");
    } finally {
      await session.stop();
      cleanup(dir);
    }
  });

  it("reads wrangler.toml with a real TOML parser", async function () {
    const dir = projectFrom("no-fetch");
    writeFileSync(
      join(dir, "wrangler.toml"),
      [
        'name = "toml-worker" # a comment',
        'main = "src/index.ts"',
        'compatibility_date = "2025-11-01"',
        "[[durable_objects.bindings]]",
        'name = "TICKER"',
        'class_name = "Ticker"',
        "[[migrations]]",
        'tag = "v1"',
        'new_sqlite_classes = ["Ticker"]',
        "",
      ].join("\n"),
    );
    cpSync(join(dir, "wrangler.jsonc"), join(dir, "unused.jsonc"));
    // wrangler.jsonc would win; remove it so the TOML file is the config.
    writeFileSync(join(dir, "wrangler.jsonc"), "");
    const { rmSync } = await import("node:fs");
    rmSync(join(dir, "wrangler.jsonc"));
    const session = await launch(dir);
    try {
      assert.equal(session.info.worker, "toml-worker");
    } finally {
      await session.stop();
      cleanup(dir);
    }
  });

  const cases: { title: string; setup: () => Promise<{ args: string[]; env?: NodeJS.ProcessEnv; after?: () => void }>; line: RegExp }[] = [
    {
      title: "no config found",
      setup: async () => ({ args: ["dev", "--cwd", tempDir("empty")] }),
      line: /no wrangler config in .*: expected one of wrangler\.json, wrangler\.jsonc, wrangler\.toml/,
    },
    {
      title: "a config that does not parse",
      setup: async () => {
        const dir = tempDir("badjson");
        writeFileSync(join(dir, "wrangler.jsonc"), '{ "name": "x", "main": }');
        return { args: ["dev", "--cwd", dir] };
      },
      line: /wrangler\.jsonc is not valid JSON: ValueExpected at line 1/,
    },
    {
      title: "no Durable Object classes",
      setup: async () => {
        const dir = tempDir("nodo");
        mkdirSync(join(dir, "src"));
        writeFileSync(join(dir, "src", "index.ts"), "export default { fetch() { return new Response('hi'); } };");
        writeFileSync(join(dir, "wrangler.json"), JSON.stringify({ name: "plain", main: "src/index.ts", compatibility_date: "2025-11-01" }));
        return { args: ["dev", "--cwd", dir] };
      },
      line: /binds no Durable Object classes of this Worker/,
    },
    {
      title: "wrangler missing",
      setup: async () => ({ args: ["dev", "--cwd", join(FIXTURES, "no-fetch")], env: { ALARM_INSPECTOR_WRANGLER: "/nonexistent/wrangler.js" } }),
      line: /ALARM_INSPECTOR_WRANGLER points to \/nonexistent\/wrangler\.js, which does not exist/,
    },
    {
      title: "Node too old for wrangler",
      setup: async () => ({ args: ["dev", "--cwd", join(FIXTURES, "no-fetch")], env: { ALARM_INSPECTOR_NODE: "/usr/bin/node" } }),
      line: /wrangler needs Node\.js 22\.12 or newer, found 20\./,
    },
    {
      title: "port in use",
      setup: async () => {
        const port = await freePort();
        const server: Server = createServer();
        await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
        return { args: ["dev", "--cwd", join(FIXTURES, "no-fetch"), "--port", String(port)], after: () => server.close() };
      },
      line: /port \d+ on 127\.0\.0\.1 is in use: stop what holds it, or pass another --port/,
    },
    {
      title: "a build error in the user's code, with wrangler's message",
      setup: async () => {
        const dir = projectFrom("no-fetch");
        writeFileSync(join(dir, "src", "index.ts"), "export class Ticker {\n  alarm( {\n}\n");
        return { args: ["dev", "--cwd", dir] };
      },
      line: /your Worker failed to build: .+/,
    },
    {
      title: "a bad option",
      setup: async () => ({ args: ["dev", "--port", "eighty"] }),
      line: /--port must be a whole number from 1 to 65535, got "eighty"/,
    },
  ];

  for (const c of cases) {
    it(`fails with one clear line: ${c.title}`, async function () {
      const { args, env, after } = await c.setup();
      try {
        const r = await runCli(args, env);
        assert.notEqual(r.code, 0);
        assert.equal(r.stdout.trim(), "", "nothing on stdout, which is reserved for the ready line");
        const text = c.title === "a bad option" ? r.stderr : errorLine(r.stderr);
        assert.match(text, c.line);
      } finally {
        after?.();
      }
    });
  }
});
