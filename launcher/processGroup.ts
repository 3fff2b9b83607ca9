import type { ChildProcess } from "node:child_process";
import { relative, resolve } from "node:path";
import { LauncherError } from "./errors";
import { signalGroup, spawnGuarded } from "./lifeline";
import { recordRuntime, releaseRecord } from "./runtimeRecord";
import { removeSession, writeSession } from "./session";
import type { SessionInfo } from "./session";

/**
 * What `wrangler dev` and `partykit dev` have in common for the launcher: a child in its own process group whose
 * output is kept to explain a failure, a health URL polled until the Worker answers, and a stop that ends the whole
 * group (the runtime's workerd included). The group's leader is a lifeline (lifeline/watchdog.ts) that ends the group
 * when the launcher dies, SIGKILL included; the group is recorded in runtime.json so no second runtime starts over it.
 */

/** How long the runtime gets to build and start before the launcher gives up. */
const READY_TIMEOUT_MS = 120_000;
/** Lines of output kept to explain a failure. */
const TAIL_LINES = 60;

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex -- ANSI colour and cursor codes are control characters by definition
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/**
 * Watches a runtime's output: keeps the last lines, and the build errors printed before the Worker was ready
 * (esbuild's `[ERROR]` line, then the file and line on a line of its own, relative to `buildDir`).
 */
export class OutputWatcher {
  readonly tail: string[] = [];
  private readonly errorLines: string[] = [];
  ready = false;

  constructor(
    private readonly buildDir: string,
    private readonly projectDir: string,
  ) {}

  take(text: string): void {
    for (const raw of text.split("\n")) {
      const line = stripAnsi(raw);
      if (line.trim() === "") continue;
      this.tail.push(line);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      if (this.ready) continue;
      const error = /\[ERROR\]\s*(.*)$/.exec(line);
      if (error && this.errorLines.length < 4) this.errorLines.push(error[1]!.trim());
      const where = /^\s*((?:\.\.?\/)+[^\s:]+:\d+:\d+):?\s*$/.exec(line);
      if (where && this.errorLines.length > 0 && this.errorLines.length < 6) this.errorLines.push(`at ${this.projectRelative(where[1]!)}`);
    }
  }

  /** The build error, as one line, when the runtime printed one. */
  buildError(): string | undefined {
    if (this.errorLines.length === 0) return undefined;
    return this.errorLines.filter((l) => !/^Build failed with/.test(l)).join(" ") || this.errorLines[0];
  }

  /**
   * The address workerd could not listen on, when it said so: wrangler prints that as an `[ERROR]` too, but it is a
   * port another process took after the launcher found it free, not a fault in the user's Worker.
   */
  takenAddress(): string | undefined {
    for (const line of this.errorLines) {
      const taken = /Address already in use \(([^)\s]+)\)/i.exec(line);
      if (taken) return taken[1];
    }
    return undefined;
  }

  /** esbuild reports paths relative to the folder it built from; a user wants them relative to the project. */
  private projectRelative(location: string): string {
    const [file, ...rest] = location.split(":");
    return [relative(this.projectDir, resolve(this.buildDir, file!)), ...rest].join(":");
  }
}

/** Polls `healthUrl` until it answers `{ok: true}`; fails early when the child exits or the build failed. */
async function waitReady(healthUrl: string, exited: Promise<number>, buildError: () => string | undefined, runtimeName: string): Promise<void> {
  let exitCode: number | undefined;
  void exited.then((c) => (exitCode = c));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: Probe = { ok: false, why: "no answer yet" };
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new LauncherError("wrangler-exited", `${runtimeName} exited with code ${exitCode} before your Worker was ready`);
    if (buildError() !== undefined) {
      // Give the runtime a moment: a first build error is sometimes followed by a successful rebuild.
      await delay(1500);
      if (!(await probe(healthUrl)).ok) throw new LauncherError("build-failed", "build failed");
    }
    last = await probe(healthUrl);
    if (last.ok) return;
    await delay(250);
  }
  // The last probe's answer tells a runtime that never listened (refused) from one that hangs or answers wrongly.
  throw new LauncherError("not-ready", `your Worker did not answer on ${healthUrl} within ${READY_TIMEOUT_MS / 1000} s (last try: ${last.why})`);
}

type Probe = { ok: true } | { ok: false; why: string };

async function probe(url: string): Promise<Probe> {
  let status: number | undefined;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    status = r.status;
    const body = (await r.json()) as { ok?: unknown };
    return r.ok && body.ok === true ? { ok: true } : { ok: false, why: `HTTP ${r.status} without {"ok": true}` };
  } catch (e) {
    if (status !== undefined) return { ok: false, why: `HTTP ${status} with a body that is not JSON` };
    const cause = (e as { cause?: { code?: unknown } }).cause;
    if (e instanceof Error && e.name === "TimeoutError") return { ok: false, why: "no answer within 2 s" };
    return { ok: false, why: typeof cause?.code === "string" ? cause.code : e instanceof Error ? e.message : String(e) };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with the child's exit code (128 when a signal ended it). */
function exitOf(child: ChildProcess): Promise<number> {
  return new Promise<number>((res) => child.once("exit", (code, signal) => res(code ?? (signal ? 128 : 1))));
}

/** SIGTERM to the child's whole process group, SIGKILL after a grace period. */
async function stopGroup(child: ChildProcess, exited: Promise<number>): Promise<number> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return exited;
  const signal = (sig: NodeJS.Signals) => void signalGroup(pid, sig);
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  const code = await exited;
  clearTimeout(timer);
  // workerd may outlive its parent's own exit for a moment; make sure nothing of the group is left.
  signal("SIGKILL");
  return code;
}

/** Rethrows a start-up failure with the runtime's last lines attached, as the CLI prints them. */
export function explainStartFailure(e: unknown, output: OutputWatcher): never {
  const taken = output.takenAddress();
  if (taken !== undefined && e instanceof LauncherError && (e.code === "build-failed" || e.code === "wrangler-exited")) {
    throw new LauncherError(
      "port-in-use",
      `${taken} was taken by another process after the launcher found it free, so the runtime could not listen on it: start again, or pass a free --port (and, after --, --inspector-port)`,
      output.tail.join("\n"),
    );
  }
  if (e instanceof LauncherError && e.code === "build-failed") {
    throw new LauncherError("build-failed", `your Worker failed to build: ${output.buildError() ?? "see the output above"}`, output.tail.join("\n"));
  }
  if (e instanceof LauncherError && (e.code === "wrangler-exited" || e.code === "not-ready")) throw new LauncherError(e.code, e.message, output.tail.join("\n"));
  throw e;
}

/** A running session: the ready object, and how to stop it. */
export interface RunningSession {
  info: SessionInfo;
  /** Resolves with the runtime's exit code once it has stopped. */
  exited: Promise<number>;
  stop(): Promise<number>;
}

/** How to run one runtime (`wrangler dev` or `partykit dev`) until the Worker answers. */
export interface StartPlan {
  /** The Node that runs it, and its arguments (the CLI script first). */
  node: string;
  args: string[];
  /** The project folder: the runtime runs there. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Folder the runtime's bundler reports paths relative to (for build errors). */
  buildDir: string;
  /** "wrangler" or "partykit", for messages. */
  runtimeName: string;
  /** The agent's health probe on the Worker's origin. */
  healthUrl: string;
  info: SessionInfo;
  /** Where `session.json` goes once ready (and is removed from when the runtime stops). */
  sessionDir: string;
  log: (chunk: string) => void;
  /** The state folder the runtime uses, recorded in runtime.json for the refusal message and `stop`. */
  stateDir?: string;
  /** The script that runs the lifeline (`<script> __lifeline …`): by default this bundle, `dist/cli.js`. */
  lifelineScript?: string;
}

/**
 * Starts the runtime in its own process group (so stopping it stops workerd too), streams its output to `log`,
 * waits for the Worker to answer, then writes `session.json`. A failure to start stops the group and explains itself
 * with the runtime's last lines.
 */
export async function superviseStart(plan: StartPlan): Promise<RunningSession> {
  const child = spawnGuarded({ script: plan.lifelineScript ?? __filename, node: plan.node, args: plan.args, cwd: plan.cwd, env: plan.env });
  // The lifeline's stdin is held open for as long as the launcher lives; it is never written to.
  child.stdin?.on("error", () => undefined);
  const pgid = child.pid;
  if (pgid !== undefined) recordRuntime(plan.sessionDir, { pgid, runtime: plan.runtimeName, url: plan.info.url, stateDir: plan.stateDir });
  const output = new OutputWatcher(plan.buildDir, plan.cwd);
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    plan.log(text);
    output.take(text);
  };
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  const exited = exitOf(child);
  // workerd may outlive the runtime's own exit for a moment: once the lifeline is gone, nothing of the group stays.
  void exited.then(() => {
    if (pgid !== undefined) signalGroup(pgid, "SIGKILL");
    releaseRecord(plan.sessionDir);
  });
  const stop = () => stopGroup(child, exited);
  try {
    await waitReady(plan.healthUrl, exited, () => output.buildError(), plan.runtimeName);
  } catch (e) {
    await stop();
    explainStartFailure(e, output);
  }
  output.ready = true;
  const info: SessionInfo = { ...plan.info, pgid };
  writeSession(plan.sessionDir, info);
  void exited.then(() => removeSession(plan.sessionDir));
  return {
    info,
    exited,
    stop: async () => {
      const code = await stop();
      removeSession(plan.sessionDir);
      return code;
    },
  };
}
