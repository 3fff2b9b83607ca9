import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { HEALTH_PATH } from "../../protocol/protocol";
import { hasFlag } from "../devSession";
import type { DevOptions } from "../devSession";
import { LauncherError } from "../errors";
import { generatedDir } from "../generate";
import { choosePort } from "../ports";
import { superviseStart } from "../processGroup";
import type { RunningSession } from "../processGroup";
import { refuseSecondSession, sessionInfo } from "../session";
import { findNode } from "../toolchain";
import { CONFIG_NAMES, loadConfig, workerName } from "../wranglerConfig";
import { CONFIG_FAILED_MARK, writeViteGenerated } from "./generateViteConfig";
import { PREFIX } from "./plugin";
import { SESSION_ENV } from "./request";
import { findViteConfig, findViteTools, usesCloudflarePlugin } from "./viteToolchain";

/** Vite's own default port; the first free one from there is taken. */
const VITE_PORT = 5173;

/** The Worker's name for the ready line: the Cloudflare plugin reads `wrangler.*` beside the Vite config by default. */
function entryWorkerName(projectDir: string): string {
  for (const name of CONFIG_NAMES) {
    const p = join(projectDir, name);
    if (!existsSync(p)) continue;
    try {
      return workerName(loadConfig(p));
    } catch {
      break;
    }
  }
  return basename(projectDir);
}

/**
 * Runs the project's own `vite dev` with the inspector added (`alarm-inspector vite`): a generated Vite config under
 * `.wrangler/alarm-inspector/` loads the user's and adds the plugin, and resolves once the Worker answers. The same
 * ready line, `session.json`, token and hub as `alarm-inspector dev`.
 */
export async function startVite(opts: DevOptions): Promise<RunningSession> {
  const userConfig = findViteConfig(opts.cwd, opts.config);
  const projectDir = dirname(userConfig);
  if (!usesCloudflarePlugin(readFileSync(userConfig, "utf8"))) {
    throw new LauncherError(
      "unsupported-config",
      `${userConfig} does not use @cloudflare/vite-plugin, so Vite does not run a Worker: add cloudflare() to its plugins, or use \`alarm-inspector dev\` (wrangler dev)`,
    );
  }
  const tools = findViteTools(projectDir);
  const dir = generatedDir(projectDir);
  // The Cloudflare plugin keeps its local state where wrangler does: one runtime per state folder, whatever runs it.
  const stateDir = join(projectDir, ".wrangler", "state");
  refuseSecondSession(dir, stateDir);
  const node = findNode(projectDir, opts.packageDir);
  const port = await choosePort(opts.port, VITE_PORT);
  const token = randomBytes(24).toString("base64url");
  const distDir = join(opts.packageDir, "dist");
  const generated = writeViteGenerated({
    dir,
    userConfig,
    pluginEntry: tools.pluginEntry,
    distDir,
    request: { token, bufferSize: opts.bufferSize, agentPath: join(distDir, "agent.mjs") },
  });

  const args = [tools.viteBin, "dev", "--config", generated.configPath, "--port", String(port), "--strictPort"];
  // The generated config is plain ESM: imported as it is, it keeps the module identity the hook relies on.
  if (!hasFlag(opts.extraArgs, "--configLoader")) args.push("--configLoader", "native");
  if (!hasFlag(opts.extraArgs, "--host")) args.push("--host", "127.0.0.1");
  args.push(...opts.extraArgs);

  const info = sessionInfo(port, token, entryWorkerName(projectDir), userConfig, "vite");
  try {
    return await superviseStart({
      node,
      args,
      cwd: projectDir,
      env: { ...process.env, [SESSION_ENV]: generated.requestPath, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
      buildDir: projectDir,
      runtimeName: "vite",
      healthUrl: `${info.url}${HEALTH_PATH}`,
      info,
      sessionDir: dir,
      stateDir,
      log: opts.log,
    });
  } catch (e) {
    throw explainViteFailure(e, userConfig);
  }
}

/** Vite's reasons to stop before the Worker answers, as one line each (its own output stays in the detail). */
export function explainViteFailure(e: unknown, userConfig: string): unknown {
  if (!(e instanceof LauncherError) || e.code !== "wrangler-exited") return e;
  const lines = (e.detail ?? "").split("\n");
  const failed = lines.find((l) => l.includes(CONFIG_FAILED_MARK));
  if (failed) {
    const why = failed.slice(failed.indexOf(CONFIG_FAILED_MARK) + CONFIG_FAILED_MARK.length).trim();
    return new LauncherError("bad-config", `${userConfig} failed to load: ${why}`, e.detail);
  }
  // The plugin's own refusals are thrown, so Vite prints them as errors (its warnings, printed as they are, are not).
  const thrown = lines.map((l) => new RegExp(`Error: ${PREFIX}(.*)$`).exec(l)?.[1]).find((why) => why !== undefined);
  if (thrown) return new LauncherError("unsupported-vite-plugin", thrown.trim(), e.detail);
  const port = lines.find((l) => /Port \d+ is already in use/i.test(l));
  if (port) return new LauncherError("port-in-use", `${port.trim()}: stop what holds it, or pass another --port`, e.detail);
  return e;
}
