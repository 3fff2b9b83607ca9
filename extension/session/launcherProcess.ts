import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { Emitter } from "../model/events";
import { EXIT_ALREADY_RUNNING } from "../../launcher/errors";
import { parseSession } from "./sessionInfo";
import type { LauncherSession } from "./sessionInfo";

export interface LaunchRequest {
  /** Node.js that runs the launcher (the launcher itself finds a Node new enough for wrangler). */
  node: string;
  /** `dist/cli.js` of this extension. */
  cli: string;
  /** The launcher's sub-command: `dev` (wrangler), `partykit` or `vite` (`vite dev` with @cloudflare/vite-plugin). */
  command: "dev" | "partykit" | "vite";
  cwd: string;
  config?: string;
  port?: number;
  extraArgs: string[];
  bufferSize?: number;
}

/** The command line, for the terminal's first line and the log. */
export function launcherArgs(r: LaunchRequest): string[] {
  const args = [r.cli, r.command, "--cwd", r.cwd];
  if (r.config) args.push("--config", r.config);
  if (r.port) args.push("--port", String(r.port));
  if (r.bufferSize) args.push("--buffer", String(r.bufferSize));
  if (r.extraArgs.length) args.push("--", ...r.extraArgs);
  return args;
}

/** The launcher exited before its ready line; `code` says why (see launcher/errors.ts). */
export class LauncherExited extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
    this.name = "LauncherExited";
  }

  /** It refused to start because a session already runs over the project's state: attach to it, or stop it. */
  get alreadyRunning(): boolean {
    return this.code === EXIT_ALREADY_RUNNING;
  }
}

/** `alarm-inspector stop --cwd DIR`: stops the session of the project in DIR, wherever it was started. */
export function stopProjectSession(node: string, cli: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(node, [cli, "stop", "--cwd", cwd], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(stdout.trim());
    });
  });
}

/**
 * The launcher as a child process in its own process group: its output is streamed (wrangler's own output stays
 * visible to the user), its ready line resolves `ready`, and `stop()` ends the whole group, wrangler and workerd
 * included.
 */
export class LauncherProcess {
  private readonly child: ChildProcess;
  private readonly outputEmitter = new Emitter<string>();
  readonly onOutput = this.outputEmitter.event;
  readonly ready: Promise<LauncherSession>;
  readonly exited: Promise<number | null>;
  private stdoutBuffer = "";
  private errorLines: string[] = [];

  constructor(readonly request: LaunchRequest) {
    this.child = spawn(request.node, launcherArgs(request), {
      cwd: request.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "1" },
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code) => resolve(code));
      this.child.once("error", () => resolve(null));
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once("error", (e) => reject(new Error(`could not run ${request.node}: ${e.message}. Set "alarmInspector.nodePath" to a Node.js executable.`)));
      this.child.stdout?.on("data", (chunk: Buffer) => {
        this.stdoutBuffer += chunk.toString("utf8");
        let nl: number;
        while ((nl = this.stdoutBuffer.indexOf("\n")) >= 0) {
          const line = this.stdoutBuffer.slice(0, nl).trim();
          this.stdoutBuffer = this.stdoutBuffer.slice(nl + 1);
          const parsed = line.startsWith("{") ? parseSession(line) : undefined;
          if (parsed?.ok) resolve(parsed.session);
          else if (line) this.outputEmitter.fire(`${line}\n`);
        }
      });
      this.child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        this.outputEmitter.fire(text);
        for (const line of text.split("\n")) if (line.startsWith("alarm-inspector:")) this.errorLines.push(line.slice("alarm-inspector:".length).trim());
      });
      void this.exited.then((code) => {
        const why = this.errorLines[0] ?? `the launcher exited with code ${code} before the Worker was ready`;
        reject(new LauncherExited(why, code));
      });
    });
    // Nobody may be waiting for `ready` when it fails after a stop; that is not an error worth reporting.
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM to the group (the launcher stops wrangler cleanly), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 8000);
    await this.exited;
    clearTimeout(timer);
  }

  dispose(): void {
    void this.stop();
    this.outputEmitter.dispose();
  }
}
