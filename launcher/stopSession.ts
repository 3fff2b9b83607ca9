import { rmSync } from "node:fs";
import { generatedDir } from "./generate";
import { isRuntimeGroup, pidAlive, signalGroup, waitGroupGone } from "./lifeline";
import { readRecord, recordPath } from "./runtimeRecord";
import { readLiveSession, sessionPath } from "./session";

/** Time the runtime gets to stop after SIGTERM before its group is killed. */
const GRACE_MS = 6000;

/**
 * `alarm-inspector stop [--cwd DIR]`: stops the runtime recorded for the project in DIR, whether its launcher runs
 * (in another terminal or editor window) or is gone. Only a group checked to be a launcher's is signalled; its
 * launcher sees its runtime exit and exits by itself. Returns the line to print.
 */
export async function stopSession(projectDir: string): Promise<string> {
  const dir = generatedDir(projectDir);
  const record = readRecord(dir);
  if (record?.pgid !== undefined && isRuntimeGroup(record.pgid)) {
    const pgid = record.pgid;
    signalGroup(pgid, "SIGTERM");
    if (!(await waitGroupGone(pgid, GRACE_MS))) {
      signalGroup(pgid, "SIGKILL");
      await waitGroupGone(pgid, 2000);
    }
    // Its launcher removes both files when it sees the runtime exit; a launcher that is gone cannot.
    await waitFor(() => !pidAlive(record.launcherPid), 3000);
    removeStale(dir);
    return `stopped ${record.runtime ?? "the runtime"} (process group ${pgid}${record.url ? `, ${record.url}` : ""}) for ${projectDir}`;
  }
  const legacy = readLiveSession(dir);
  if (legacy) {
    // A launcher from before runtime.json: it stops its runtime itself on SIGTERM.
    process.kill(legacy.pid, "SIGTERM");
    await waitFor(() => !pidAlive(legacy.pid), GRACE_MS + 2000);
    return `stopped the inspector session of pid ${legacy.pid} (${legacy.url}) for ${projectDir}`;
  }
  if (record && record.pgid === undefined && pidAlive(record.launcherPid)) {
    return `a launcher (pid ${record.launcherPid}) is still starting its runtime for ${projectDir}: try again in a moment`;
  }
  removeStale(dir);
  return `nothing to stop: no inspector session runs for ${projectDir}`;
}

/** Removes runtime.json and session.json when no live launcher or runtime is behind them. */
function removeStale(dir: string): void {
  const record = readRecord(dir);
  if (record && !(record.pgid !== undefined && isRuntimeGroup(record.pgid)) && !pidAlive(record.launcherPid)) rmSync(recordPath(dir), { force: true });
  if (!readLiveSession(dir)) rmSync(sessionPath(dir), { force: true });
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
