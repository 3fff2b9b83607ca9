/**
 * Runtime-tier helpers for `vite dev`: a scratch copy of the Vite fixture (so a test may edit the Worker's source),
 * the launcher's `alarm-inspector vite` and plain `vite dev` on it, each in its own process group.
 */
import { spawn } from "node:child_process";
import { cpSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { cleanup, FIXTURES, freePort, REPO, startLauncher, stopGroup, tempDir, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const VITE = join(REPO, "node_modules", "vite", "bin", "vite.js");

/** A scratch project: the Vite fixture and the conformance sources it imports, with the repo's node_modules. */
export function scratchViteProject(): { root: string; dir: string } {
  const root = tempDir("vite");
  cpSync(join(FIXTURES, "vite"), join(root, "vite"), { recursive: true, filter: (src) => !src.includes(".wrangler") });
  cpSync(join(FIXTURES, "conformance", "src"), join(root, "conformance", "src"), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  return { root, dir: join(root, "vite") };
}

/** `alarm-inspector vite` on `dir`, its state in a fresh folder; resolves with the ready line. */
export async function launchVite(dir: string, extra: string[] = []): Promise<Launched> {
  const persistDir = tempDir("vite-state");
  return startLauncher(["vite", "--cwd", dir, ...extra], { env: { FIXTURE_PERSIST_TO: persistDir }, persistDir, removePersistDir: true });
}

/** Plain `vite dev` on the same project (no inspector), for the with/without comparison. */
export async function plainVite(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const persistDir = tempDir("vite-plain");
  const child = spawn(process.execPath, [VITE, "dev", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FIXTURE_PERSIST_TO: persistDir, WRANGLER_SEND_METRICS: "false" },
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c));
  child.stderr!.on("data", (c: Buffer) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child);
    cleanup(persistDir);
  };
  try {
    await waitFor("plain vite dev to answer", async () => {
      if (child.exitCode !== null) throw new Error(`vite exited: ${output.slice(-2000)}`);
      try {
        return (await fetch(`${url}/version`)).ok;
      } catch {
        return false;
      }
    }, 150_000);
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
