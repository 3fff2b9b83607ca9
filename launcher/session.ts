import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { INSPECTOR_PATH, PARTYKIT_INSPECTOR_PATH } from "../protocol/protocol";
import { EXIT_ALREADY_RUNNING, LauncherError } from "./errors";
import { claim } from "./runtimeRecord";

/** The ready line printed to stdout and written to `session.json`: everything a client needs to attach. */
export interface SessionInfo {
  event: "ready";
  /** The Worker's own origin. */
  url: string;
  /** The inspector WebSocket. */
  inspector: string;
  /** Per-session secret; present it as `Authorization: Bearer <token>`. */
  token: string;
  worker: string;
  /** The user's config the session runs. */
  config: string;
  /** The launcher's process id (stop the session by signalling it). */
  pid: number;
  startedAt: number;
  /** `wrangler`, `partykit` or `vite` (`vite dev` with @cloudflare/vite-plugin). */
  runtime: "wrangler" | "partykit" | "vite";
  /**
   * wrangler's inspector port (Chrome DevTools protocol): what a JavaScript debugger attaches to. Set by
   * `alarm-inspector dev` only; absent from the other launchers and from launchers before Debug Next Attempt.
   */
  debugPort?: number;
  /** The runtime's process group (wrangler and workerd); absent from launchers before 0.2. */
  pgid?: number;
}

export function sessionInfo(port: number, token: string, worker: string, config: string, runtime: SessionInfo["runtime"]): SessionInfo {
  const origin = `127.0.0.1:${port}`;
  return {
    event: "ready",
    url: `http://${origin}`,
    // Classic PartyKit routes only /parties/… to rooms, so there the inspector is a party of its own.
    inspector: `ws://${origin}${runtime === "partykit" ? PARTYKIT_INSPECTOR_PATH : INSPECTOR_PATH}`,
    token,
    worker,
    config,
    pid: process.pid,
    startedAt: Date.now(),
    runtime,
  };
}

export function sessionPath(generatedDir: string): string {
  return join(generatedDir, "session.json");
}

/** Readable by the user only: it holds the token. */
export function writeSession(generatedDir: string, info: SessionInfo): void {
  writeFileSync(sessionPath(generatedDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function removeSession(generatedDir: string): void {
  rmSync(sessionPath(generatedDir), { force: true });
}

/** The session recorded in `generatedDir`, if its launcher is still alive (a crash can leave a stale file). */
export function readLiveSession(generatedDir: string): SessionInfo | undefined {
  let info: SessionInfo;
  try {
    info = JSON.parse(readFileSync(sessionPath(generatedDir), "utf8")) as SessionInfo;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== "number" || info.pid <= 0 || info.pid === process.pid) return undefined;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM" ? info : undefined;
  }
}

/**
 * Two runtimes over one project would share its Durable Objects' storage and alarms, and overwrite each other's
 * generated entry (and token) under the same watcher: refuse the second with the first one's address and how to stop
 * it. Otherwise the folder is claimed for this launcher (see runtimeRecord.ts) before anything is written there.
 */
export function refuseSecondSession(dir: string, stateDir?: string): void {
  const live = claim(dir, stateDir);
  if (live) {
    const where = live.pgid !== undefined ? `process group ${live.pgid}${live.url ? `, ${live.url}` : ""}` : `starting, launcher pid ${live.launcherPid}`;
    const over = live.stateDir ? ` over ${live.stateDir}` : "";
    throw new LauncherError(
      "already-running",
      `${live.runtime ?? "a runtime"} is already running for this project${over} (${where}): attach to it (Alarm Inspector: Attach), or stop it with \`alarm-inspector stop --cwd ${projectOf(dir)}\``,
      undefined,
      EXIT_ALREADY_RUNNING,
    );
  }
  // A session of a launcher from before runtime.json: its launcher's pid is all there is.
  const legacy = readLiveSession(dir);
  if (legacy) {
    throw new LauncherError(
      "already-running",
      `an inspector session is already running for this project (pid ${legacy.pid}, ${legacy.url}): stop it first (kill ${legacy.pid}), or attach to it`,
      undefined,
      EXIT_ALREADY_RUNNING,
    );
  }
}

/** `<project>/.wrangler/alarm-inspector` → `<project>`. */
function projectOf(sessionDir: string): string {
  return dirname(dirname(sessionDir));
}
