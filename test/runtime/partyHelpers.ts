/**
 * Runtime-tier helpers for PartyKit: a real `alarm-inspector partykit` and a plain `partykit dev`, each in its own
 * process group with its own state folder, stopped by signalling the group.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { SessionInfo } from "../../launcher/session";
import { cleanup, freePort, REPO, stopGroup, tempDir, waitFor } from "./helpers";

const CLI = join(REPO, "dist", "cli.js");
const PARTYKIT = join(REPO, "node_modules", "partykit", "dist", "bin.mjs");
/** The only network call `partykit dev` makes (for `request.cf`); this machine is offline. */
const OFFLINE = "--disable-request-cf-fetch";

/** A running `alarm-inspector partykit`. */
export interface PartykitSession {
  info: SessionInfo;
  url: string;
  persistDir: string;
  stderr(): string;
  stop(): Promise<void>;
  child: ChildProcess;
}

/**
 * Starts the launcher's `partykit` command on `dir` with a fresh (or given) state folder; waits for its ready line.
 * partykit 0.0.115 once (in one CI run of hundreds of starts) printed "starting server" and then never listened for
 * 120 s, with no error: its old workerd hides crash output at debug level. That start is tried once more, said in
 * the test's output, so a hang of partykit itself does not fail a test about something else; a second hang fails.
 */
export async function launchPartykit(dir: string, opts: { persistDir?: string; extra?: string[] } = {}): Promise<PartykitSession> {
  try {
    return await launchPartykitOnce(dir, opts);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!message.includes("did not answer on")) throw e;
    console.log(`      partykit never became ready; starting it once more. The launcher said:\n${message.replace(/^/gm, "        ")}`);
    return launchPartykitOnce(dir, opts);
  }
}

async function launchPartykitOnce(dir: string, opts: { persistDir?: string; extra?: string[] }): Promise<PartykitSession> {
  const persistDir = opts.persistDir ?? tempDir("partykit-state");
  const port = await freePort();
  const args = [CLI, "partykit", "--cwd", dir, "--port", String(port), "--", "--persist", persistDir, OFFLINE, ...(opts.extra ?? [])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c));
  child.stderr!.on("data", (c: Buffer) => (stderr += c));
  try {
    const line = await waitFor("the launcher's ready line", () => {
      if (child.exitCode !== null) throw new Error(`launcher exited (${child.exitCode}) before ready:\n${stderr.slice(-3000)}`);
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
        if (!opts.persistDir) cleanup(persistDir);
      },
    };
  } catch (e) {
    await stopGroup(child);
    if (!opts.persistDir) cleanup(persistDir);
    throw e;
  }
}

/** Plain `partykit dev` on the same project, for the with/without comparison. */
export async function plainPartykit(dir: string, persistDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [PARTYKIT, "dev", "--port", String(port), "--persist", persistDir, OFFLINE, "--no-hotkeys"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PWD: dir, FORCE_COLOR: "0" },
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c));
  child.stderr!.on("data", (c: Buffer) => (output += c));
  try {
    await waitFor("plain partykit dev to be ready", () => {
      if (child.exitCode !== null) throw new Error(`partykit exited: ${output.slice(-2000)}`);
      return /Ready on/.test(output);
    }, 150_000);
    return { url: `http://127.0.0.1:${port}`, stop: () => stopGroup(child) };
  } catch (e) {
    await stopGroup(child);
    throw e;
  }
}
