import assert from "node:assert/strict";
import { join } from "node:path";
import { planStart } from "../../extension/session/startPlan";

/** A project folder as a map of file name → text. */
function folder(files: Record<string, string>): (path: string) => string | undefined {
  return (path) => files[path.slice(path.lastIndexOf("/") + 1)];
}

const DIR = "/work/app";

describe("planStart: which path Start takes", () => {
  it("takes the Vite path when the Vite config uses @cloudflare/vite-plugin, and says why", () => {
    const plan = planStart(join(DIR, "wrangler.jsonc"), folder({ "vite.config.ts": 'import { cloudflare } from "@cloudflare/vite-plugin";' }));
    assert.deepEqual(plan, { command: "vite", config: "vite.config.ts", runtime: "vite dev", reason: "vite.config.ts uses @cloudflare/vite-plugin" });
  });

  it("finds the Vite config under any of Vite's names, in Vite's order", () => {
    const plan = planStart(join(DIR, "wrangler.toml"), folder({ "vite.config.mts": "import { cloudflare } from '@cloudflare/vite-plugin'" }));
    assert.equal(plan.command, "vite");
    assert.equal(plan.config, "vite.config.mts");
  });

  it("keeps wrangler dev when the Vite config does not use the Cloudflare plugin (a front end beside a Worker)", () => {
    const plan = planStart(join(DIR, "wrangler.jsonc"), folder({ "vite.config.ts": 'import react from "@vitejs/plugin-react";' }));
    assert.equal(plan.command, "dev");
    assert.equal(plan.config, "wrangler.jsonc");
    assert.match(plan.reason, /does not use @cloudflare\/vite-plugin/);
  });

  it("keeps wrangler dev with no Vite config, and partykit for partykit.json", () => {
    assert.deepEqual(planStart(join(DIR, "wrangler.json"), folder({})), { command: "dev", config: "wrangler.json", runtime: "wrangler dev", reason: "no Vite config beside wrangler.json" });
    assert.equal(planStart(join(DIR, "partykit.json"), folder({ "vite.config.ts": "@cloudflare/vite-plugin" })).command, "partykit");
  });
});
