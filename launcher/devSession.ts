import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, relative, resolve } from "node:path";
import { HEALTH_PATH } from "../protocol/protocol";
import { LauncherError } from "./errors";
import { generatedDir, writeGenerated } from "./generate";
import { choosePort } from "./ports";
import { readLiveSession, removeSession, sessionInfo, writeSession } from "./session";
import type { SessionInfo } from "./session";
import { findNode, findWrangler } from "./toolchain";
import { durableObjectClasses, findConfig, loadConfig, workerName } from "./wranglerConfig";

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

export interface RunningSession {
  info: SessionInfo;
  /** Resolves with wrangler's exit code once it has stopped. */
  exited: Promise<number>;
  stop(): Promise<number>;
}

/** How long wrangler gets to build and start before the launcher gives up. */
const READY_TIMEOUT_MS = 120_000;
/** Lines of wrangler output kept to explain a failure. */
const TAIL_LINES = 60;

function hasFlag(args: string[], flag: string): boolean {
  return args.some((a) => a === flag || a.startsWith(`${flag}=`));
}

/** Runs the user's Worker under `wrangler dev` with the agent injected, and resolves once it answers. */
export async function startDev(opts: DevOptions): Promise<RunningSession> {
  const configPath = findConfig(opts.cwd, opts.config);
  const loaded = loadConfig(configPath);
  const classes = durableObjectClasses(loaded.config);
  if (classes.length === 0) {
    throw new LauncherError(
      "no-durable-objects",
      `${configPath} binds no Durable Object classes of this Worker: add one under durable_objects.bindings (alarms live on Durable Objects)`,
    );
  }
  refuseSecondSession(generatedDir(loaded.dir));
  const node = findNode(loaded.dir, opts.packageDir);
  const wrangler = findWrangler(loaded.dir, opts.packageDir);
  const port = await choosePort(opts.port, 8787);
  const inspectorPort = await choosePort(undefined, 9229);
  const token = randomBytes(24).toString("base64url");
  const worker = workerName(loaded);
  const generated = writeGenerated({
    loaded,
    classes,
    worker,
    token,
    agentPath: join(opts.packageDir, "dist", "agent.mjs"),
    bufferSize: opts.bufferSize,
  });

  const args = [wrangler, "dev", "--config", generated.configPath, "--port", String(port)];
  if (!hasFlag(opts.extraArgs, "--ip")) args.push("--ip", "127.0.0.1");
  if (!hasFlag(opts.extraArgs, "--inspector-port")) args.push("--inspector-port", String(inspectorPort));
  // The generated config sits in .wrangler/alarm-inspector/; keep the state where plain `wrangler dev` keeps it.
  if (!hasFlag(opts.extraArgs, "--persist-to")) args.push("--persist-to", resolve(loaded.dir, ".wrangler", "state"));
  args.push("--show-interactive-dev-session=false", ...opts.extraArgs);

  const child = spawn(node, args, {
    cwd: loaded.dir,
    detached: true, // its own process group, so stopping it stops workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
  });
  const tail: string[] = [];
  /** wrangler's `[ERROR]` lines before the Worker was ready: "Build failed with 1 error:" and then the error. */
  const errorLines: string[] = [];
  let ready = false;
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    opts.log(text);
    for (const raw of text.split("\n")) {
      const line = stripAnsi(raw);
      if (line.trim() === "") continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      const error = /\[ERROR\]\s*(.*)$/.exec(line);
      if (!ready && error && errorLines.length < 4) errorLines.push(error[1]!.trim());
      // esbuild names the file and line on the line after the message; keep it, relative to the project.
      const where = /^\s*((?:\.\.\/)+[^\s:]+:\d+:\d+):?\s*$/.exec(line);
      if (!ready && where && errorLines.length > 0 && errorLines.length < 6) errorLines.push(`at ${projectRelative(generated.dir, loaded.dir, where[1]!)}`);
    }
  };
  const buildError = () => (errorLines.length > 0 ? errorLines.filter((l) => !/^Build failed with/.test(l)).join(" ") || errorLines[0] : undefined);
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  const exited = new Promise<number>((res) => child.once("exit", (code, signal) => res(code ?? (signal ? 128 : 1))));

  const stop = () => stopGroup(child, exited);
  const info = sessionInfo(port, token, worker, configPath, "wrangler");
  try {
    await waitReady(`${info.url}${HEALTH_PATH}`, exited, buildError);
  } catch (e) {
    await stop();
    if (e instanceof LauncherError && e.code === "build-failed") {
      throw new LauncherError("build-failed", `your Worker failed to build: ${buildError() ?? "see wrangler's output above"}`, tail.join("\n"));
    }
    if (e instanceof LauncherError && e.code === "wrangler-exited") throw new LauncherError("wrangler-exited", e.message, tail.join("\n"));
    throw e;
  }
  ready = true;
  writeSession(generated.dir, info);
  void exited.then(() => removeSession(generated.dir));
  return {
    info,
    exited,
    stop: async () => {
      const code = await stop();
      removeSession(generated.dir);
      return code;
    },
  };
}

/** esbuild reports paths relative to the generated config's folder; a user wants them relative to the project. */
function projectRelative(generatedDir: string, projectDir: string, location: string): string {
  const [file, ...rest] = location.split(":");
  return [relative(projectDir, resolve(generatedDir, file!)), ...rest].join(":");
}

/**
 * Two sessions in one project would overwrite each other's generated entry (and token) under the same wrangler
 * watch: refuse the second with the first one's address instead.
 */
function refuseSecondSession(dir: string): void {
  const live = readLiveSession(dir);
  if (live) {
    throw new LauncherError(
      "already-running",
      `an inspector session is already running for this project (pid ${live.pid}, ${live.url}): stop it first, or attach to it`,
    );
  }
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes are control characters by definition
  return s.replace(/\u001b\[[0-9;]*m/g, "");
}

async function waitReady(healthUrl: string, exited: Promise<number>, buildError: () => string | undefined): Promise<void> {
  let exitCode: number | undefined;
  void exited.then((c) => (exitCode = c));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new LauncherError("wrangler-exited", `wrangler exited with code ${exitCode} before your Worker was ready`);
    if (buildError() !== undefined) {
      // Give wrangler a moment: a first build error is sometimes followed by a successful rebuild.
      await delay(1500);
      if (!(await answers(healthUrl))) throw new LauncherError("build-failed", "build failed");
    }
    if (await answers(healthUrl)) return;
    await delay(250);
  }
  throw new LauncherError("not-ready", `your Worker did not answer on ${healthUrl} within ${READY_TIMEOUT_MS / 1000} s`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const body = (await r.json()) as { ok?: unknown };
    return r.ok && body.ok === true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** SIGTERM to wrangler's whole process group, SIGKILL after a grace period. */
async function stopGroup(child: ChildProcess, exited: Promise<number>): Promise<number> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return exited;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  const code = await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler's own exit for a moment; make sure nothing of the group is left.
  signal("SIGKILL");
  return code;
}
