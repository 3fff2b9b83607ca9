import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { HEALTH_PATH } from "../protocol/protocol";
import { refuseViteOnlyConfig, wranglerVersion, wranglerWarning } from "./compat";
import { LauncherError } from "./errors";
import { generatedDir, writeGenerated } from "./generate";
import { readScheduleConfig } from "./scheduleConfig";
import { choosePort } from "./ports";
import { superviseStart } from "./processGroup";
import type { RunningSession } from "./processGroup";
import { refuseSecondSession, sessionInfo } from "./session";
import { findNode, findWrangler } from "./toolchain";
import { durableObjectClasses, findConfig, loadConfig, workerName } from "./wranglerConfig";
import { selectedEnv } from "./wranglerEnv";

/** What a user of a Vite-built Worker should run instead of `alarm-inspector dev`. */
const VITE_HINT = "Run `alarm-inspector vite` instead: it runs your own `vite dev` with the inspector.";

export interface DevOptions {
  cwd: string;
  config?: string;
  port?: number;
  /** Passed to `wrangler dev` after the launcher's own arguments. */
  extraArgs: string[];
  bufferSize: number;
  /** Folder of this package (holds `dist/agent.mjs` and, in development, `node_modules`). */
  packageDir: string;
  /** Where wrangler's output goes (the launcher keeps stdout for its one JSON line). */
  log: (chunk: string) => void;
}

export type { RunningSession } from "./processGroup";

/** True when `args` already give `flag` (as `--flag value` or `--flag=value`): the user's choice wins. */
export function hasFlag(args: string[], flag: string): boolean {
  return args.some((a) => a === flag || a.startsWith(`${flag}=`));
}

/** The value given to `flag` in `args` (`--flag value` or `--flag=value`), if any. */
export function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === flag) return args[i + 1]?.startsWith("-") ? undefined : args[i + 1];
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
  }
  return undefined;
}

/** Runs the user's Worker under `wrangler dev` with the agent injected, and resolves once it answers. */
export async function startDev(opts: DevOptions): Promise<RunningSession> {
  const configPath = findConfig(opts.cwd, opts.config);
  const loaded = loadConfig(configPath);
  refuseViteOnlyConfig(loaded, VITE_HINT);
  const env = selectedEnv(opts.extraArgs);
  const classes = durableObjectClasses(loaded.config, env);
  if (classes.length === 0) {
    const where = env === undefined ? "" : ` in environment "${env}" (bindings are not inherited from the top level)`;
    throw new LauncherError(
      "no-durable-objects",
      `${configPath} binds no Durable Object classes of this Worker${where}: add one under durable_objects.bindings (alarms live on Durable Objects)`,
    );
  }
  const stateDir = resolve(loaded.dir, flagValue(opts.extraArgs, "--persist-to") ?? join(".wrangler", "state"));
  refuseSecondSession(generatedDir(loaded.dir), stateDir);
  const node = findNode(loaded.dir, opts.packageDir);
  const wrangler = findWrangler(loaded.dir, opts.packageDir);
  const warning = wranglerWarning(wranglerVersion(wrangler), wrangler);
  if (warning) opts.log(`alarm-inspector: ${warning}\n`);
  const port = await choosePort(opts.port, 8787);
  const inspectorPort = await choosePort(undefined, 9229);
  const token = randomBytes(24).toString("base64url");
  const session = randomBytes(8).toString("hex");
  const worker = workerName(loaded, env);
  const generated = writeGenerated({
    loaded,
    classes,
    worker,
    token,
    session,
    agentPath: join(opts.packageDir, "dist", "agent.mjs"),
    bufferSize: opts.bufferSize,
    schedules: readScheduleConfig(loaded.dir),
  });

  const args = [wrangler, "dev", "--config", generated.configPath, "--port", String(port)];
  if (!hasFlag(opts.extraArgs, "--ip")) args.push("--ip", "127.0.0.1");
  if (!hasFlag(opts.extraArgs, "--inspector-port")) args.push("--inspector-port", String(inspectorPort));
  // The generated config sits in .wrangler/alarm-inspector/; keep the state where plain `wrangler dev` keeps it.
  if (!hasFlag(opts.extraArgs, "--persist-to")) args.push("--persist-to", stateDir);
  args.push("--show-interactive-dev-session=false", ...opts.extraArgs);

  const debugPort = Number(flagValue(opts.extraArgs, "--inspector-port") ?? inspectorPort);
  const info = { ...sessionInfo(port, token, worker, configPath, "wrangler"), ...(Number.isInteger(debugPort) ? { debugPort } : {}) };
  return superviseStart({
    node,
    args,
    cwd: loaded.dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
    buildDir: generated.dir,
    runtimeName: "wrangler",
    // Names this launch: another session that won a race for the same port answers "not me", never "ready".
    healthUrl: `${info.url}${HEALTH_PATH}?session=${session}`,
    info,
    sessionDir: generated.dir,
    stateDir,
    log: opts.log,
  });
}
