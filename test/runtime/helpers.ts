/**
 * Runtime-tier helpers: a real `alarm-inspector dev` (or plain `wrangler dev`) in its own process group, a real
 * WebSocket client, and polling with a deadline (never a fixed sleep).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ScheduleEvent, WireEvent } from "../../protocol/protocol";
import { InspectorClient } from "../../extension/connection/inspectorClient";
import type { SessionInfo } from "../../launcher/session";
import { freePort, retryOnPortClash } from "../ports.mjs";

export { freePort };

export const REPO = resolve(__dirname, "..", "..", "..");
export const EXAMPLES = join(REPO, "examples");
export const FIXTURES = join(REPO, "test", "fixtures");
const CLI = join(REPO, "dist", "cli.js");
const WRANGLER = join(REPO, "node_modules", "wrangler", "bin", "wrangler.js");

/** Polls `check` until it returns a value other than undefined/false, or fails with `what` after the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Folders `tempDir` made, removed as the test process exits: by then every wrangler a test started has been stopped
 * in its own `finally`/`after`, and a folder left in the system's temp folder by each run adds up over a day of runs.
 */
const madeDirs: string[] = [];
process.once("exit", () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new folder in the system's temp folder (`alarm-inspector-<prefix>-…`), removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `alarm-inspector-${prefix}-`));
  madeDirs.push(dir);
  return dir;
}

/**
 * Signals a child's whole process group (`first`, SIGKILL after 8 s if it lingers) and resolves when the child has
 * exited; a last SIGKILL then sweeps the group, since workerd may outlive its parent for a moment.
 */
export function stopGroup(child: ChildProcess, first: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const pid = child.pid;
  const done = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (!signal(first)) return Promise.resolve();
  const timer = setTimeout(() => signal("SIGKILL"), 8000);
  return done.finally(() => {
    clearTimeout(timer);
    signal("SIGKILL");
  });
}

/** Output of a finished CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the launcher to completion (for the error paths) with a deadline. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 200_000): Promise<CliResult> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { detached: true, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    // SIGTERM first: the launcher stops wrangler (its own process group) only when it gets the chance.
    const timer = setTimeout(() => void stopGroup(child), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** A running `alarm-inspector dev`. */
export interface Launched {
  info: SessionInfo;
  url: string;
  persistDir: string;
  stderr(): string;
  /** SIGTERM to the launcher's group; resolves when it has exited. Returns its exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

/** Starts the launcher on `dir` with a fresh (or given) persistence folder and waits for its ready line. */
export async function launch(dir: string, opts: { persistDir?: string; extra?: string[]; env?: NodeJS.ProcessEnv; port?: number } = {}): Promise<Launched> {
  const persistDir = opts.persistDir ?? tempDir("state");
  const port = opts.port === undefined ? [] : ["--port", String(opts.port)];
  // A state folder the helper made is the helper's to remove; one the test passed in is the test's.
  return startLauncher(["dev", "--cwd", dir, ...port, "--", "--persist-to", persistDir, ...(opts.extra ?? [])], {
    env: opts.env,
    persistDir,
    removePersistDir: !opts.persistDir,
  });
}

/**
 * Runs the launcher CLI with `args` in its own process group and resolves once its ready line is printed; stops the
 * group (and removes `persistDir` when asked) when the start fails or the session is stopped.
 */
export async function startLauncher(args: string[], opts: { env?: NodeJS.ProcessEnv; persistDir: string; removePersistDir: boolean }): Promise<Launched> {
  const child = spawn(process.execPath, [CLI, ...args], { detached: true, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c));
  child.stderr!.on("data", (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const { persistDir } = opts;
  try {
    const line = await waitFor("the launcher's ready line", () => {
      if (exitCode !== undefined) throw new Error(`launcher exited (${exitCode}) before ready:\n${headAndTail(stderr)}`);
      return stdout.split("\n").find((l) => l.startsWith("{"));
    }, 150_000);
    const info = JSON.parse(line) as SessionInfo;
    return {
      info,
      url: info.url,
      persistDir,
      child,
      stderr: () => stderr,
      stop: async () => {
        await stopGroup(child);
        const code = await exited;
        if (opts.removePersistDir) cleanup(persistDir);
        return code;
      },
    };
  } catch (e) {
    await stopGroup(child, "SIGKILL");
    if (opts.removePersistDir) cleanup(persistDir);
    throw e;
  }
}

/**
 * A long output's first and last lines: a crash's cause is at the top (an esbuild panic prints its reason, then pages
 * of goroutines) and the last words at the bottom; the middle is cut.
 */
function headAndTail(text: string, chars = 1500): string {
  return text.length <= 2 * chars ? text : `${text.slice(0, chars)}\n… (${text.length - 2 * chars} characters cut) …\n${text.slice(-chars)}`;
}

/** What a request got back, for comparing a Worker with and without the agent. */
export interface Observed {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

export async function observe(url: string, init?: RequestInit): Promise<Observed> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text body
  }
  return { status: r.status, headers: { "content-type": r.headers.get("content-type"), "x-echo": r.headers.get("x-echo"), "x-probe": r.headers.get("x-probe") }, body };
}

/**
 * `launch` on ports of our choosing: the launcher's defaults (8787…, 9229…) are what every other session on a shared
 * machine picks too. A port taken between our probe and wrangler's bind fails the start; it is tried again on others
 * (see ../ports.mjs).
 */
export async function launchOnFreePorts(dir: string, persistDir?: string): Promise<Launched> {
  return retryOnPortClash(async () => launch(dir, { persistDir, port: await freePort(), extra: ["--inspector-port", String(await freePort())] }));
}

/** Plain `wrangler dev` on the same project, for the with/without comparison. */
export async function plainWrangler(dir: string, persistDir = tempDir("plain")): Promise<{ url: string; stop(): Promise<void> }> {
  return retryOnPortClash(() => plainWranglerOnce(dir, persistDir));
}

async function plainWranglerOnce(dir: string, persistDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const child = spawn(
    process.execPath,
    [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", persistDir, "--show-interactive-dev-session=false"],
    { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c));
  child.stderr!.on("data", (c: Buffer) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor("plain wrangler to be ready", () => {
      if (child.exitCode !== null) throw new Error(`wrangler exited: ${output.slice(-2000)}`);
      return /Ready on/.test(output);
    }, 150_000);
    return { url, stop: () => stopGroup(child) };
  } catch (e) {
    await stopGroup(child, "SIGKILL");
    throw e;
  }
}

/** A connected client that keeps every event it receives. */
export class Recorder {
  readonly events: WireEvent[] = [];
  constructor(readonly client: InspectorClient) {
    client.onEvents((batch) => this.events.push(...batch));
  }

  static async connect(info: SessionInfo): Promise<Recorder> {
    const client = new InspectorClient({ inspector: info.inspector, token: info.token });
    const recorder = new Recorder(client);
    await client.connect();
    return recorder;
  }

  /** Events about one object (by name or id), optionally of some kinds. */
  about(className: string, nameOrId: string, ...kinds: WireEvent["kind"][]): WireEvent[] {
    return this.events.filter(
      (e) => e.object.className === className && (e.object.name === nameOrId || e.object.id === nameOrId) && (kinds.length === 0 || kinds.includes(e.kind)),
    );
  }

  /** Events of one schedule (by its id), of one kind, in the order they came. */
  schedule<K extends ScheduleEvent["kind"]>(kind: K, scheduleId: string): Extract<ScheduleEvent, { kind: K }>[] {
    return (this.events as (WireEvent | ScheduleEvent)[]).filter(
      (e): e is Extract<ScheduleEvent, { kind: K }> => e.kind === kind && (e as ScheduleEvent).scheduleId === scheduleId,
    );
  }

  waitFor<K extends WireEvent["kind"]>(
    what: string,
    kind: K,
    match: (e: Extract<WireEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<Extract<WireEvent, { kind: K }>> {
    return waitFor(what, () => this.events.find((e): e is Extract<WireEvent, { kind: K }> => e.kind === kind && match(e as Extract<WireEvent, { kind: K }>)), timeoutMs);
  }

  close(): void {
    this.client.dispose();
  }
}

export async function json<T = unknown>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  const text = await r.text();
  if (!r.ok) throw new Error(`${init?.method ?? "GET"} ${url} → ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
