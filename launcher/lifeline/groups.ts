import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Process groups as the launcher sees them. A runtime (wrangler or partykit, and the workerd they start) runs in a
 * group of its own whose leader is the lifeline (see watchdog.ts): the group's id is the lifeline's pid.
 */

/** The hidden CLI command that runs the lifeline; it also marks a lifeline in a process list. */
export const LIFELINE_COMMAND = "__lifeline";

/**
 * True while any process of group `pgid` runs (EPERM: someone else's, which still means alive). A dead process not
 * yet reaped (a zombie) still answers a signal; one whose parent died waits for init to reap it, which some
 * containers' init never does, so on Linux a group of zombies only counts as gone.
 */
export function groupExists(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  return process.platform !== "linux" || hasRunningMember(pgid);
}

/** Linux: true when a process of group `pgid` is not a zombie (or /proc cannot be read, to stay on the safe side). */
function hasRunningMember(pgid: number): boolean {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // exited while we read
    }
  }
  return false;
}

/** True while process `pid` lives. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends `signal` to every process of group `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The command line of process `pid`, or undefined when it cannot be read (gone, a zombie, no `ps`). */
function commandLine(pid: number): string | undefined {
  let text: string | undefined;
  if (process.platform === "linux") {
    try {
      text = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      return undefined;
    }
  } else {
    const r = spawnSync("ps", ["-p", String(pid), "-o", "command="], { encoding: "utf8", timeout: 5000 });
    text = r.status === 0 ? r.stdout : undefined;
  }
  text = text?.trim();
  return text && text !== "<defunct>" ? text : undefined;
}

/**
 * True when group `pgid` lives and is one a launcher started, so a recorded id that the system has since given to an
 * unrelated process is never taken for a runtime (nor signalled by `alarm-inspector stop`). Its leader, while it
 * lives, runs the lifeline; a group whose leader is gone but whose members live is still the recorded one, because
 * a process-group id is not given to a new process while any member of that group lives.
 */
export function isRuntimeGroup(pgid: number): boolean {
  if (!groupExists(pgid)) return false;
  const leader = commandLine(pgid);
  return leader === undefined || leader.includes(LIFELINE_COMMAND);
}

/** Polls until group `pgid` has no process left, or `timeoutMs` passed; true when it is gone. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupExists(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
