import { basename, dirname, join } from "node:path";
import { usesCloudflarePlugin, VITE_CONFIG_NAMES } from "../../launcher/vite/detect";

/** How *Start* runs a project: which launcher command, with which config, and how to say so. */
export interface StartPlan {
  command: "dev" | "partykit" | "vite";
  /** The config file name passed with `--config` (none for PartyKit, whose launcher finds partykit.json). */
  config?: string;
  /** What runs, for the picker and the progress notification: "vite dev", "wrangler dev", "partykit dev". */
  runtime: string;
  /** Why this path was chosen, for the log. */
  reason: string;
}

/**
 * The plan for a config *Start* found. A wrangler config beside a Vite config that uses `@cloudflare/vite-plugin`
 * belongs to a `vite dev` project: running `wrangler dev` on it would drop the front end, the other Vite plugins and
 * HMR, so the Vite path is chosen. `readText` returns a file's text, or undefined when it does not exist.
 */
export function planStart(configPath: string, readText: (path: string) => string | undefined): StartPlan {
  const dir = dirname(configPath);
  const name = basename(configPath);
  if (name === "partykit.json") return { command: "partykit", runtime: "partykit dev", reason: `${name} is a classic PartyKit project` };
  for (const viteConfig of VITE_CONFIG_NAMES) {
    const text = readText(join(dir, viteConfig));
    if (text === undefined) continue;
    if (usesCloudflarePlugin(text)) {
      return { command: "vite", config: viteConfig, runtime: "vite dev", reason: `${viteConfig} uses @cloudflare/vite-plugin` };
    }
    return { command: "dev", config: name, runtime: "wrangler dev", reason: `${viteConfig} does not use @cloudflare/vite-plugin, so ${name} runs under wrangler dev` };
  }
  return { command: "dev", config: name, runtime: "wrangler dev", reason: `no Vite config beside ${name}` };
}
