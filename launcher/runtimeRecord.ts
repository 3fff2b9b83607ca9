import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isRuntimeGroup, pidAlive } from "./lifeline";
import { privateDir } from "./privateDir";

/**
 * One runtime per project: `runtime.json` beside `session.json` records which launcher claimed the project's state
 * and, once it runs, the runtime's process group. It is written before anything else (so two launchers started at once
 * cannot both pass), holds no secret, and is what `alarm-inspector stop` reads.
 */
export interface RuntimeRecord {
  /** The launcher that claimed the folder. */
  launcherPid: number;
  /** The runtime's process group (the lifeline's pid), once spawned. */
  pgid?: number;
  runtime?: string;
  url?: string;
  /** The state folder the runtime uses (`--persist-to` / `--persist`). */
  stateDir?: string;
  startedAt: number;
}

export function recordPath(sessionDir: string): string {
  return join(sessionDir, "runtime.json");
}

export function readRecord(sessionDir: string): RuntimeRecord | undefined {
  try {
    const v = JSON.parse(readFileSync(recordPath(sessionDir), "utf8")) as Partial<RuntimeRecord>;
    return typeof v.launcherPid === "number" ? (v as RuntimeRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The recorded runtime if it still lives: its group runs (checked to be a launcher's group, not a reused id), or,
 * before the runtime was spawned, the launcher that claimed the folder runs. Undefined for a stale record.
 */
export function liveRecord(sessionDir: string): RuntimeRecord | undefined {
  const r = readRecord(sessionDir);
  if (!r || r.launcherPid === process.pid) return undefined;
  if (r.pgid !== undefined) return isRuntimeGroup(r.pgid) ? r : undefined;
  return pidAlive(r.launcherPid) ? r : undefined;
}

/**
 * Claims `sessionDir` for this launcher, or returns the live record that holds it. The claim is an exclusive create,
 * so of two launchers started at the same moment one sees the other's; a stale record is replaced.
 */
export function claim(sessionDir: string, stateDir: string | undefined): RuntimeRecord | undefined {
  privateDir(sessionDir);
  const mine: RuntimeRecord = { launcherPid: process.pid, stateDir, startedAt: Date.now() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(recordPath(sessionDir), `${JSON.stringify(mine)}\n`, { flag: "wx", mode: 0o600 });
      return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const live = liveRecord(sessionDir);
    if (live) return live;
    rmSync(recordPath(sessionDir), { force: true });
  }
  return liveRecord(sessionDir);
}

/** Completes this launcher's record once the runtime runs. */
export function recordRuntime(sessionDir: string, fields: Omit<RuntimeRecord, "launcherPid" | "startedAt">): void {
  const previous = readRecord(sessionDir);
  const record: RuntimeRecord = {
    launcherPid: process.pid,
    startedAt: previous?.launcherPid === process.pid ? previous.startedAt : Date.now(),
    ...fields,
    stateDir: fields.stateDir ?? previous?.stateDir,
  };
  writeFileSync(recordPath(sessionDir), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Removes the record if it is this launcher's (a later launcher's record is not ours to remove). */
export function releaseRecord(sessionDir: string): void {
  if (readRecord(sessionDir)?.launcherPid === process.pid) rmSync(recordPath(sessionDir), { force: true });
}
